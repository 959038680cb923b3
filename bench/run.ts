// `npm run bench`: Herald's speed and memory as ratios against baselines measured in the same run.
// Environment: BENCH_ARTICLES (default 10000), BENCH_RUNS (default 3), BENCH_ONLY (comma list of suites:
// startup, content, fanout, outbox, http, scaleout, flood, kills), BENCH_STARTUP_RUNS (default 11). The startup suite
// adds a Hugo column when `hugo` is on PATH (Debian: apt-get install hugo). The scaleout suite needs
// PostgreSQL (HERALD_BENCH_DATABASE_URL, else
// the test database) and takes BENCH_SCALEOUT_FOLLOWERS (10000), BENCH_SCALEOUT_HOSTS (500),
// BENCH_SCALEOUT_CONCURRENCY (64 per process) and BENCH_SCALEOUT_MODES (sqlite,postgres).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCorpus } from "./generate.ts";

const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY?.split(",");
const here = import.meta.dirname;

interface Sample {
  ms: number;
  maxRssMb: number;
  [key: string]: unknown;
}

function child(script: string, args: string[]): Sample {
  const out = execFileSync(process.execPath, [join(here, script), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The median; with an even number of samples, the mean of the middle two (`median` takes the upper). */
function middle(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const h = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

function row(name: string, value: string, ratio: string, target: string, ok: boolean | undefined): string {
  const verdict = ok === undefined ? "" : ok ? "ok" : "MISSED";
  return `| ${name} | ${value} | ${ratio} | ${target} | ${verdict} |`;
}

function contentSuite(): string[] {
  const root = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const pristine = join(root, "pristine");
  generateCorpus(pristine, ARTICLES, { seed: 42 });
  const samples: Record<string, Sample[]> = {};
  for (let run = 0; run < RUNS; run++) {
    // Every run starts from the same corpus and an empty store.
    const corpus = join(root, `corpus-${run}`);
    const work = join(root, `work-${run}`);
    cpSync(pristine, corpus, { recursive: true });
    for (const mode of ["stat", "render", "cold", "warm", "warm-process", "one-changed"]) {
      samples[mode] = [...(samples[mode] ?? []), child("content.ts", [mode, corpus, work])];
    }
    rmSync(corpus, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  rmSync(root, { recursive: true, force: true });
  const ms = (mode: string) => median(samples[mode]!.map((s) => s.ms));
  const rss = (mode: string) => median(samples[mode]!.map((s) => s.maxRssMb));
  const stat = ms("stat");
  const render = ms("render");
  const cold = ms("cold");
  const warm = ms("warm");
  const warmProcess = ms("warm-process");
  const one = ms("one-changed");
  return [
    `### Content pipeline: ${ARTICLES} articles, median of ${RUNS} runs`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row("baseline: readdir + stat of every file", `${stat.toFixed(1)} ms`, "1.00x", "", undefined),
    row(
      "baseline: read + front matter + Markdown render",
      `${render.toFixed(0)} ms (${((render * 1000) / ARTICLES).toFixed(0)} µs/article)`,
      "1.00x",
      "",
      undefined,
    ),
    row(
      "cold build (parse, derive, store, feeds)",
      `${cold.toFixed(0)} ms (${((cold * 1000) / ARTICLES).toFixed(0)} µs/article)`,
      `${(cold / render).toFixed(2)}x render baseline`,
      "< 3x",
      cold / render < 3,
    ),
    row(
      "warm rebuild, nothing changed (in process)",
      `${warm.toFixed(1)} ms`,
      `${(warm / stat).toFixed(2)}x stat baseline`,
      "< 2x",
      warm / stat < 2,
    ),
    row(
      "warm rebuild, nothing changed (new process, store on disk)",
      `${warmProcess.toFixed(1)} ms`,
      `${(warmProcess / stat).toFixed(2)}x stat baseline`,
      "",
      undefined,
    ),
    row(
      "warm rebuild, one file changed",
      `${one.toFixed(1)} ms`,
      `${((one / cold) * 100).toFixed(2)}% of cold`,
      "< 5%",
      one / cold < 0.05,
    ),
    row(
      "peak memory, cold build",
      `${rss("cold")} MB`,
      `${(rss("cold") / rss("render")).toFixed(2)}x render baseline (${rss("render")} MB)`,
      "< 400 MB",
      rss("cold") < 400,
    ),
    "",
  ];
}

/**
 * Start-up: `herald --help`, `herald status` (sample site) and a warm build of BENCH_ARTICLES unchanged
 * articles, each a new process as a user runs it, against `node -e 0` in the same run; the build also
 * against Hugo's warm rebuild of the same files when `hugo` is installed.
 * Targets: --help ≤ 2x node, status ≤ 4x node, warm build ≤ 0.1x Hugo.
 */
function startupSuite(): string[] {
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 11);
  const s = child("startup.ts", [String(ARTICLES), String(runs)]);
  const node = s.node as number;
  const ms = (key: string) => `${(s[key] as number).toFixed(0)} ms`;
  const lines = [
    `### Start-up: new processes on Node ${process.version}, median of ${runs} runs (builds: ${s.buildRuns})`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row("baseline: `node -e 0`", ms("node"), "1.00x", "", undefined),
  ];
  for (const [key, label, limit] of [
    ["help", "`herald --help`", 2],
    ["status", "`herald status` (sample site)", 4],
  ] as const) {
    const ratio = (s[key] as number) / node;
    lines.push(row(label, ms(key), `${ratio.toFixed(2)}x node`, `≤ ${limit}x`, ratio <= limit));
  }
  lines.push(row(`cold \`herald build\`, ${ARTICLES} articles (1 run)`, ms("coldBuild"), "", "", undefined));
  const warm = s.warmBuild as number;
  if (s.hugoWarm !== undefined) {
    const hugoWarm = s.hugoWarm as number;
    lines.push(
      row(`Hugo ${s.hugo} cold build, same files, feeds only (1 run)`, ms("hugoCold"), "", "", undefined),
      row("Hugo warm rebuild (it redoes everything)", ms("hugoWarm"), "1.00x", "", undefined),
      row(
        `warm \`herald build\`, ${ARTICLES} articles unchanged`,
        `${warm.toFixed(0)} ms`,
        `${(warm / hugoWarm).toFixed(3)}x Hugo warm (${(warm / node).toFixed(1)}x node)`,
        "≤ 0.1x Hugo",
        warm / hugoWarm <= 0.1,
      ),
    );
  } else {
    lines.push(
      row(
        `warm \`herald build\`, ${ARTICLES} articles unchanged (no \`hugo\` on PATH)`,
        `${warm.toFixed(0)} ms`,
        `${(warm / node).toFixed(1)}x node`,
        "≤ 0.1x Hugo",
        undefined,
      ),
    );
  }
  lines.push("");
  return lines;
}

/**
 * One article to 1,000 followers on 100 loopback inbox servers, against the RSA-2048 signing ceiling
 * measured in the same run. "personal": no shared inboxes (1,000 signed POSTs, 10 per server); the
 * issue's target is deliveries per second of at least half the ceiling, clock from the file written
 * to the last inbox reached (publish included). "shared": the followers name their server's shared
 * inbox (100 requests), which shows what preferSharedInbox saves; target within 3x of signing them.
 */
function fanoutSuite(): string[] {
  const runs = Math.min(RUNS, 3);
  const ceilings: number[] = [];
  const samples: Record<string, Sample[]> = { shared: [], personal: [] };
  for (let run = 0; run < runs; run++) {
    // Interleaved, so a noisy neighbour weighs on the ceiling and the fan-out alike.
    ceilings.push(child("fanout.ts", ["ceiling", "1500"]).signaturesPerSecond as number);
    samples.personal!.push(child("fanout.ts", ["deliver", "personal", "1000", "100", "64"]));
    samples.shared!.push(child("fanout.ts", ["deliver", "shared", "1000", "100", "64"]));
  }
  const ceiling = median(ceilings);
  const lines = [
    `### Fan-out: one article to 1,000 followers on 100 loopback inbox servers, concurrency 64, median of ${runs} runs`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row(
      "baseline: RSA-2048 signing ceiling (WebCrypto, all cores)",
      `${ceiling.toLocaleString("en")} sig/s`,
      "1.00x",
      "",
      undefined,
    ),
  ];
  const detail = (s: Sample[]) =>
    `cold process: ${median(s.map((x) => x.coldMs as number)).toFixed(0)} ms; published and queued in ${median(s.map((x) => x.enqueueMs as number)).toFixed(0)} ms; main thread busy ${median(s.map((x) => x.mainThreadBusy as number))}`;
  const personal = samples.personal!;
  const perSecond = median(personal.map((x) => x.deliveriesPerSecond as number));
  lines.push(
    row(
      "fan-out, personal inboxes (1,000 deliveries)",
      `${median(personal.map((x) => x.ms)).toFixed(0)} ms, ${perSecond} deliveries/s (${detail(personal)})`,
      `${(perSecond / ceiling).toFixed(2)}x the ceiling`,
      "≥ 0.5x",
      perSecond / ceiling >= 0.5,
    ),
  );
  const shared = samples.shared!;
  const ms = median(shared.map((x) => x.ms));
  const floor = (100 / ceiling) * 1000;
  lines.push(
    row(
      "fan-out, shared inboxes (100 deliveries)",
      `${ms.toFixed(0)} ms, ${median(shared.map((x) => x.deliveriesPerSecond as number))} deliveries/s (${detail(shared)})`,
      `${(ms / floor).toFixed(1)}x signing 100 (${floor.toFixed(0)} ms)`,
      "< 3x",
      ms / floor < 3,
    ),
  );
  for (const kind of ["personal", "shared"] as const)
    if (samples[kind]!.some((x) => (x.duplicates as number) > 0))
      lines.push(row(`${kind}: duplicate deliveries`, "yes", "", "none", false));
  lines.push("");
  return lines;
}

/**
 * The outbox's footprint: bytes per queued delivery (tables and indexes, by SQLite's own page
 * accounting) after one article to 10,000 followers, and the peak RSS growth while one process
 * publishes an article to 10,000 followers on 500 loopback servers and delivers it. One run each.
 */
function outboxSuite(): string[] {
  const queue = child("fanout.ts", ["queue", "10000"]);
  const big = child("fanout.ts", ["deliver", "personal", "10000", "500", "64"]);
  const perDelivery = queue.bytesPerDelivery as number;
  const growth = big.rssGrowthMb as number;
  return [
    "### Outbox: one article to 10,000 followers (personal inboxes), one run",
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row(
      "queue bytes per delivery (fan-outs, deliveries and their indexes)",
      `${perDelivery} B (${((queue.bytes as number) / 1024 / 1024).toFixed(1)} MB for ${queue.deliveries} deliveries)`,
      "",
      "≤ 300 B",
      perDelivery <= 300,
    ),
    row(
      "peak RSS growth, publish and deliver to 10,000 inboxes on 500 servers",
      `${growth} MB (${big.deliveriesPerSecond} deliveries/s, ${big.duplicates} duplicates)`,
      "",
      "≤ 60 MB",
      growth <= 60,
    ),
    "",
  ];
}

/**
 * Scale-out: one article to 10,000 followers on 500 loopback inbox servers (20 followers per server,
 * each with a personal inbox and no shared inbox: 10,000 signed POSTs), every Herald a real child
 * process started with the CLI. (A) one `serve` on SQLite; (B) one web, two workers and one
 * scheduler on PostgreSQL. Reported as B/A in the same run and against the RSA-2048 signing
 * ceiling measured in the same run (the fan-out suite's `ceiling`). On a 2-core machine the four
 * processes of (B), PostgreSQL and the inbox servers share the same two cores as (A): the ratio
 * shows the cost of coordinating through PostgreSQL, not the gain of more hosts. No target.
 */
function scaleoutSuite(): string[] {
  const runs = Math.min(RUNS, 2);
  const followers = Number(process.env.BENCH_SCALEOUT_FOLLOWERS ?? 10_000);
  const hosts = Number(process.env.BENCH_SCALEOUT_HOSTS ?? 500);
  const concurrency = process.env.BENCH_SCALEOUT_CONCURRENCY ?? "64";
  const modes = (process.env.BENCH_SCALEOUT_MODES ?? "sqlite,postgres").split(",");
  const ceilings: number[] = [];
  const samples: Record<string, Sample[]> = { sqlite: [], postgres: [] };
  for (let run = 0; run < runs; run++) {
    // Interleaved, so a noisy neighbour weighs on every measure alike.
    ceilings.push(child("fanout.ts", ["ceiling", "1500"]).signaturesPerSecond as number);
    for (const mode of modes)
      samples[mode]!.push(child("scaleout.ts", [mode, String(followers), String(hosts), concurrency, "2"]));
  }
  const ceiling = Math.round(middle(ceilings));
  const floor = (followers / ceiling) * 1000;
  const fmt = (n: number) => n.toLocaleString("en");
  const lines = [
    `### Scale-out: one article to ${fmt(followers)} followers on ${hosts} loopback inbox servers (${followers / hosts} personal inboxes each), concurrency ${concurrency} per process, median of ${runs} runs`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row(
      "baseline: RSA-2048 signing ceiling (WebCrypto, all cores)",
      `${fmt(ceiling)} sig/s (${fmt(followers)} signatures: ${floor.toFixed(0)} ms)`,
      "1.00x",
      "",
      undefined,
    ),
  ];
  const labels: Record<string, string> = {
    sqlite: "(A) one `serve` process, SQLite",
    postgres: "(B) web + 2 workers + scheduler, PostgreSQL",
  };
  const medians: Record<string, number> = {};
  const json: Record<string, unknown> = { ceiling, followers, hosts, concurrency: Number(concurrency) };
  for (const mode of modes) {
    const s = samples[mode]!;
    if (s.length === 0) continue;
    const ms = middle(s.map((x) => x.ms));
    medians[mode] = ms;
    const m = (key: string) => middle(s.map((x) => x[key] as number));
    const rss = Math.round(middle(s.map((x) => x.heraldRssMb as number)));
    const cpu = middle(
      s.map((x) => Object.values(x.cpuMs as Record<string, number>).reduce((a, b) => a + b, 0)),
    );
    // The database backends' CPU too: the split setup's cost is partly there (0 on SQLite).
    const pgCpu = middle(s.map((x) => (x.postgresCpuMs as number | undefined) ?? 0));
    const perDelivery = (cpu + pgCpu) / followers;
    lines.push(
      row(
        labels[mode] ?? mode,
        `${fmt(Math.round(ms))} ms, ${fmt(Math.round((followers * 1000) / ms))} deliveries/s (file written → recorded ${m("publishMs").toFixed(0)} ms, → last inbox ${m("fanoutMs").toFixed(0)} ms; cold round ${m("coldMs").toFixed(0)} ms; Herald CPU ${fmt(Math.round(cpu))} ms${pgCpu > 0 ? ` + its PostgreSQL backends ${fmt(Math.round(pgCpu))} ms` : ""}, ${perDelivery.toFixed(2)} ms a delivery; peak RSS ${rss} MB over ${(s[0]!.processes as string[]).length} process(es))`,
        `${(ms / floor).toFixed(1)}x signing ${fmt(followers)}`,
        "",
        undefined,
      ),
    );
    const duplicates = s.reduce((n, x) => n + (x.duplicates as number), 0);
    if (duplicates > 0)
      lines.push(row(`${labels[mode]}: duplicate deliveries`, String(duplicates), "", "none", false));
    json[mode] = {
      ms: Math.round(ms),
      deliveriesPerSecond: Math.round((followers * 1000) / ms),
      publishMs: Math.round(m("publishMs")),
      fanoutMs: Math.round(m("fanoutMs")),
      coldMs: Math.round(m("coldMs")),
      cpuMs: Math.round(cpu),
      postgresCpuMs: Math.round(pgCpu),
      cpuMsPerDelivery: Number(perDelivery.toFixed(3)),
      heraldRssMb: rss,
      duplicates,
      overCeiling: Number((ms / floor).toFixed(2)),
    };
  }
  if (medians.sqlite !== undefined && medians.postgres !== undefined) {
    const ratio = medians.postgres / medians.sqlite;
    // Paired within a run, which a noisy machine disturbs less than the ratio of the medians.
    const paired = samples.postgres!.map((b, i) => (b.ms as number) / (samples.sqlite![i]!.ms as number));
    json.ratio = Number(ratio.toFixed(3));
    json.pairedRatios = paired.map((r) => Number(r.toFixed(3)));
    lines.push(
      row(
        "(B) / (A)",
        `${ratio.toFixed(2)}x (per run: ${paired.map((r) => `${r.toFixed(2)}x`).join(", ")})`,
        "time of B over time of A",
        "",
        undefined,
      ),
    );
  }
  lines.push("", `scaleout ${JSON.stringify(json)}`, "");
  return lines;
}

/**
 * HTTP serving of the feed and an article page (200, and 304 on If-None-Match) under load from wrk
 * on loopback, as ratios against nginx serving the same bytes from files in the same run (one
 * worker, like Herald's one process). Bare node:http shows how much of the gap is the runtime.
 * Targets: 200 within 1.5x of nginx, 304 within 2x.
 */
function httpSuite(): string[] {
  const rounds = Math.min(RUNS, 2);
  const s = child("http.ts", [String(rounds), "2"]);
  const results = s.results as Record<string, number[]>;
  const bytes = s.bytes as Record<string, number>;
  const rps = (key: string) => median(results[key]!);
  const fmt = (n: number) => `${Math.round(n).toLocaleString("en")}/s`;
  const lines = [
    `### HTTP serving: wrk, ${s.connections} connections on loopback, ${s.seconds} s per measure, median of ${rounds} rounds`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const target of ["feed", "article"] as const) {
    const label =
      target === "feed"
        ? `/feed.xml (${(bytes.feed! / 1024).toFixed(0)} KB)`
        : `article page (${(bytes.article! / 1024).toFixed(0)} KB)`;
    for (const status of ["200", "304"] as const) {
      const herald = rps(`herald ${target} ${status}`);
      const nginx = rps(`nginx ${target} ${status}`);
      const node = rps(`node ${target} ${status}`);
      const limit = status === "200" ? 1.5 : 2;
      lines.push(
        row(
          `${label}, ${status}`,
          `Herald ${fmt(herald)}; nginx ${fmt(nginx)}; bare node:http ${fmt(node)}`,
          `nginx ${(nginx / herald).toFixed(2)}x Herald (Herald at ${((herald / node) * 100).toFixed(0)}% of bare node)`,
          `< ${limit}x`,
          nginx / herald < limit,
        ),
      );
    }
  }
  lines.push("");
  return lines;
}

/**
 * An inbox flood of unsigned POSTs (BENCH_FLOOD_RATE/s, default 1,000, for BENCH_FLOOD_SECONDS, default
 * 20) from another process: /healthz and article-page p99 under it, as ratios against the same probes
 * without it in the same run, and the CPU one refused unsigned request costs, small and large.
 * Targets: page p99 under the flood within 5x of quiet; < 5 ms CPU per refusal whatever its size.
 */
function floodSuite(): string[] {
  const seconds = process.env.BENCH_FLOOD_SECONDS ?? "20";
  const rate = process.env.BENCH_FLOOD_RATE ?? "1000";
  const s = child("flood.ts", [seconds, rate]);
  type Side = { healthP99: number; pageP99: number; healthFailures: number; pageFailures: number };
  const quiet = s.quiet as Side;
  const flooded = s.flooded as Side;
  const flood = s.flood as { sent: number; statuses: Record<string, number> };
  const cpu = s.cpuPerRefusal as Record<string, number>;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const statuses = Object.entries(flood.statuses)
    .map(([status, n]) => `${n.toLocaleString("en")}× ${status}`)
    .join(", ");
  const lines = [
    `### Inbox flood: ${Number(rate).toLocaleString("en")} unsigned POSTs/s for ${seconds} s from another process (${flood.sent.toLocaleString("en")} sent: ${statuses})`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row("baseline: /healthz p99, quiet", ms(quiet.healthP99), "1.00x", "", undefined),
    row(
      "/healthz p99 under the flood",
      `${ms(flooded.healthP99)} (${flooded.healthFailures} unanswered)`,
      `${(flooded.healthP99 / quiet.healthP99).toFixed(2)}x quiet`,
      "answered",
      flooded.healthFailures === 0,
    ),
    row("baseline: article page p99, quiet", ms(quiet.pageP99), "1.00x", "", undefined),
    row(
      "article page p99 under the flood",
      `${ms(flooded.pageP99)} (${flooded.pageFailures} unanswered)`,
      `${(flooded.pageP99 / quiet.pageP99).toFixed(2)}x quiet`,
      "< 5x",
      flooded.pageFailures === 0 && flooded.pageP99 / quiet.pageP99 < 5,
    ),
  ];
  for (const [size, value] of Object.entries(cpu))
    lines.push(
      row(
        `CPU per refused unsigned request, ${size} body`,
        ms(value),
        `${(value / 5).toFixed(3)}x target`,
        "< 5 ms",
        value < 5,
      ),
    );
  lines.push("", `flood ${JSON.stringify({ quiet, flooded, flood, cpuPerRefusal: cpu })}`, "");
  return lines;
}

/**
 * kill -9 during a fan-out, BENCH_KILLS times (default 8), to 60 loopback peers that process every
 * request: HTTP-level repeats per kill, against the bound of the deliveries in flight (concurrency 4).
 */
function killsSuite(): string[] {
  const kills = process.env.BENCH_KILLS ?? "8";
  const s = child("kills.ts", ["60", "4", kills]);
  const perKill = (s.repeats as number) / Math.max(1, s.kills as number);
  return [
    `### kill -9 during a fan-out: ${s.kills} kills, 60 followers, concurrency 4`,
    "",
    "| measure | value | ratio | target | |",
    "| --- | --- | --- | --- | --- |",
    row("followers reached", `${s.reached} of ${s.followers}`, "", "all", s.reached === s.followers),
    row(
      "repeated deliveries per kill",
      perKill.toFixed(2),
      `${(perKill / 4).toFixed(2)}x in flight`,
      "≤ 4 (in flight)",
      perKill <= 4,
    ),
    "",
  ];
}

const suites: Record<string, () => string[]> = {
  startup: startupSuite,
  content: contentSuite,
  fanout: fanoutSuite,
  outbox: outboxSuite,
  http: httpSuite,
  scaleout: scaleoutSuite,
  flood: floodSuite,
  kills: killsSuite,
};
const lines = [`## Herald benchmarks (${new Date().toISOString()}, Node ${process.version})`, ""];
for (const [name, suite] of Object.entries(suites)) {
  if (ONLY && !ONLY.includes(name)) continue;
  lines.push(...suite());
}
console.log(lines.join("\n"));
