// Start-up of the CLI as a user runs it (`node bin/herald.js …`, the compile cache on as bin/herald.js
// turns it on), each command against `node -e 0` measured in the same run, interleaved so a noisy
// neighbour weighs on all alike; and a warm `herald build` of a large corpus against Hugo's warm
// rebuild of the same files when `hugo` is on PATH.
//   node bench/startup.ts ARTICLES RUNS
// Prints one JSON line: medians in ms.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateCorpus } from "./generate.ts";

const [articlesArg, runsArg] = process.argv.slice(2);
const ARTICLES = Number(articlesArg ?? 10_000);
const RUNS = Number(runsArg ?? 11);
const root = resolve(import.meta.dirname, "..");
const herald = join(root, "bin", "herald.js");

/** A clean environment: no Herald variables from the caller, JSON logs. */
const env: NodeJS.ProcessEnv = { ...process.env, HERALD_LOG_FORMAT: "json" };
for (const name of [
  "HERALD_CONFIG",
  "PORT",
  "HERALD_DATA_DIR",
  "HERALD_SITE_URL",
  "DATABASE_URL",
  "LOG_LEVEL",
])
  delete env[name];

function time(cmd: string, args: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function hasHugo(): boolean {
  return spawnSync("hugo", ["version"], { stdio: "ignore" }).status === 0;
}

const work = mkdtempSync(join(tmpdir(), "herald-bench-startup-"));
try {
  // The bundled sample site for --help and status, its store written once by a build.
  const small = join(work, "small");
  cpSync(join(root, "content"), join(small, "content"), { recursive: true });
  writeFileSync(join(small, "herald.yaml"), "content:\n  dir: content\ndata:\n  dir: data\n");
  time(process.execPath, [herald, "build", "--config", "herald.yaml", "--out", "out"], small);

  // The large corpus: built once cold (recorded), then rebuilt with nothing changed.
  const large = join(work, "large");
  generateCorpus(join(large, "content"), ARTICLES, { seed: 42 });
  writeFileSync(
    join(large, "herald.yaml"),
    "site:\n  url: https://news.example.org/\n  timezone: Asia/Shanghai\n  language: zh-CN\ncontent:\n  dir: content\ndata:\n  dir: data\n",
  );
  const build = ["build", "--config", "herald.yaml", "--out", "public"];
  const cold = time(process.execPath, [herald, ...build], large);

  // Hugo on the same files, feeds only (RSS of the home page), as a user would compare it.
  const hugo = hasHugo();
  const hugoSite = join(work, "hugo");
  let hugoCold: number | undefined;
  if (hugo) {
    mkdirSync(hugoSite);
    cpSync(join(large, "content"), join(hugoSite, "content"), { recursive: true });
    writeFileSync(
      join(hugoSite, "hugo.toml"),
      [
        'baseURL = "https://news.example.org/"',
        'languageCode = "zh-CN"',
        'title = "Herald bench"',
        'disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        "[outputs]",
        '  home = ["RSS"]',
        '  section = ["RSS"]',
        "  page = []",
      ].join("\n"),
    );
    hugoCold = time("hugo", ["--quiet", "-d", "public"], hugoSite);
  }
  const version = hugo ? execFileSync("hugo", ["version"], { encoding: "utf8" }).split(" ")[1] : undefined;

  const samples: Record<string, number[]> = { node: [], help: [], status: [], warmBuild: [], hugoWarm: [] };
  for (let run = 0; run < RUNS; run++) {
    samples.node!.push(time(process.execPath, ["-e", "0"], small));
    samples.help!.push(time(process.execPath, [herald, "--help"], small));
    samples.status!.push(time(process.execPath, [herald, "status", "--config", "herald.yaml"], small));
    // The large builds are slower: a third of the runs is enough for a median.
    if (run % 3 === 0) {
      samples.warmBuild!.push(time(process.execPath, [herald, ...build], large));
      if (hugo) samples.hugoWarm!.push(time("hugo", ["--quiet", "-d", "public"], hugoSite));
    }
  }
  const result: Record<string, unknown> = {
    articles: ARTICLES,
    runs: RUNS,
    node: median(samples.node!),
    help: median(samples.help!),
    status: median(samples.status!),
    coldBuild: cold,
    warmBuild: median(samples.warmBuild!),
    buildRuns: samples.warmBuild!.length,
  };
  if (hugo) Object.assign(result, { hugo: version, hugoCold, hugoWarm: median(samples.hugoWarm!) });
  console.log(JSON.stringify(result));
} finally {
  rmSync(work, { recursive: true, force: true });
}
