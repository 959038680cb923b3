// An inbox flood against a real `serve` (this process), from another process on loopback:
//   node bench/flood.ts SECONDS RATE
// 1. quiet: /healthz and an article page probed every 100 ms for 5 s (a fresh connection each);
// 2. flooded: the same probes while RATE unsigned POSTs/s hit /inbox for SECONDS;
// 3. the CPU this process spends per refused unsigned request, for a 2 KB and a 557 KB body, sent
//    at 40/s (under the per-client limit, so each one goes through the 401 path), minus the CPU of
//    the same time idle.
// Prints one JSON line: { ms, maxRssMb, quiet, flooded, flood, cpuPerRefusal }.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromObject } from "../src/config/load.ts";
import { createLogger } from "../src/log.ts";
import { startServer } from "../src/serve.ts";
import { freePort } from "../tests/helpers/apbot.ts";
import { flood, probe } from "../tests/helpers/flood.ts";

const SECONDS = Number(process.argv[2] ?? 20);
const RATE = Number(process.argv[3] ?? 1000);
const started = performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = mkdtempSync(join(tmpdir(), "herald-bench-flood-"));
const content = join(root, "content");
mkdirSync(content);
writeFileSync(
  join(content, "hello.md"),
  "---\ntitle: Hello\nlang: en\n---\n\nA page to read during the flood.\n",
);
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const config = fromObject(
  {
    site: { url: `${origin}/`, title: "Flood bench" },
    server: { port, host: "127.0.0.1" },
    content: { dir: content },
    data: { dir: join(root, "data") },
  },
  { base: root, env: {} },
);
const server = await startServer(config, createLogger("silent"), { schedules: false, settleMs: 0 });
await server.tick();
const page = `${origin}/articles/hello/`;

const both = async (until: Promise<unknown>) => {
  const [health, article] = await Promise.all([probe(`${origin}/healthz`, until), probe(page, until)]);
  return { health, article };
};

const quiet = await both(sleep(5_000));
const flooding = flood(`${origin}/inbox`, RATE, SECONDS);
const flooded = await both(flooding);
const floodResult = await flooding;
// Let the per-client bucket refill before measuring the 401 path.
await sleep(12_000);

async function cpuPerRefusal(bodyBytes: number): Promise<number> {
  const seconds = 5;
  const rate = 40;
  const idleBefore = process.cpuUsage();
  await sleep(seconds * 1000);
  const idle = process.cpuUsage(idleBefore);
  const before = process.cpuUsage();
  const result = await flood(`${origin}/inbox`, rate, seconds, bodyBytes);
  const used = process.cpuUsage(before);
  const refused = result.statuses["401"] ?? 0;
  if (refused < rate * seconds * 0.9)
    throw new Error(`expected 401s, got ${JSON.stringify(result.statuses)}`);
  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  return Math.max(0, ms(used) - ms(idle)) / refused;
}
const cpuSmall = await cpuPerRefusal(2 * 1024);
const cpuLarge = await cpuPerRefusal(557 * 1024);

await server.close();
rmSync(root, { recursive: true, force: true });
const summary = (s: Awaited<ReturnType<typeof both>>) => ({
  healthP99: s.health.p99,
  pageP99: s.article.p99,
  healthFailures: s.health.failures.length,
  pageFailures: s.article.failures.length,
  probes: s.health.count + s.article.count,
});
console.log(
  JSON.stringify({
    ms: performance.now() - started,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    seconds: SECONDS,
    rate: RATE,
    quiet: summary(quiet),
    flooded: summary(flooded),
    flood: floodResult,
    cpuPerRefusal: { "2KB": cpuSmall, "557KB": cpuLarge },
  }),
);
