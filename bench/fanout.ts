// One fan-out measurement, run in its own process (see the `fanout` suite in run.ts).
//   node bench/fanout.ts ceiling [MS]
//     RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second with WebCrypto, one worker thread per core.
//   node bench/fanout.ts deliver shared|personal FOLLOWERS HOSTS CONCURRENCY
//     FOLLOWERS followers spread over HOSTS loopback inbox servers (plain node:http in a worker thread,
//     answering 202 at once), written straight into Herald's store; Herald runs in this process
//     (startServer, as `serve` does); one article is written and one tick run; the clock stops when
//     every inbox that should receive the Create has it. "shared": every follower names its server's
//     shared inbox, so preferSharedInbox sends HOSTS requests; "personal": no shared inboxes, FOLLOWERS
//     requests.
//   node bench/fanout.ts queue FOLLOWERS
//     bytes the outbox holds per queued delivery after one article to FOLLOWERS followers.
// Prints one JSON line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { fromObject } from "../src/config/load.ts";
import { loadOrCreateKeys } from "../src/federation/keys.ts";
import { createLogger } from "../src/log.ts";
import { startServer } from "../src/serve.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import { startInboxServers } from "./inboxes.ts";

const [mode = "ceiling", ...args] = process.argv.slice(2);

/** Each worker signs with its own key for `ms`, 4 signatures in flight, and reports how many it made. */
const SIGNER = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const alg = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const { privateKey } = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  // About what an HTTP signature covers: request target, host, date, digest.
  const data = new TextEncoder().encode("(request-target): post /users/alice/inbox\\nhost: 127.0.0.1:40000\\ndate: Thu, 26 Nov 2026 08:00:00 GMT\\ndigest: SHA-256=" + "x".repeat(44));
  for (let i = 0; i < 20; i++) await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, data);
  parentPort.postMessage("ready");
  await new Promise((r) => parentPort.once("message", r));
  const end = performance.now() + workerData.ms;
  let count = 0;
  const lane = async () => { while (performance.now() < end) { await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, data); count++; } };
  const started = performance.now();
  await Promise.all([lane(), lane(), lane(), lane()]);
  parentPort.postMessage({ count, ms: performance.now() - started });
})();
`;

async function ceiling(ms: number) {
  const threads = availableParallelism();
  const workers = Array.from(
    { length: threads },
    () => new Worker(SIGNER, { eval: true, workerData: { ms } }),
  );
  await Promise.all(workers.map((w) => new Promise((r) => w.once("message", r))));
  const results = workers.map((w) => new Promise<{ count: number; ms: number }>((r) => w.once("message", r)));
  for (const w of workers) w.postMessage("go");
  const done = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  const perSecond = done.reduce((sum, d) => sum + (d.count * 1000) / d.ms, 0);
  return { threads, signaturesPerSecond: Math.round(perSecond) };
}

/**
 * A site folder with a store holding the actor's keys (made first: Herald refuses to make keys while
 * followers exist) and FOLLOWERS accepted followers, follower f on `where(f).origin`.
 */
async function seededSite(
  prefix: string,
  followers: number,
  where: (f: number) => { origin: string; sharedInbox: string | null },
): Promise<{ root: string; content: string; data: string }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const content = join(root, "content");
  mkdirSync(content);
  const data = join(root, "data");
  mkdirSync(data);
  const store = new SqliteStore(join(data, "herald.sqlite"));
  await loadOrCreateKeys(store.federation);
  const createdAt = new Date().toISOString();
  store.database.exec("BEGIN");
  for (let f = 0; f < followers; f++) {
    const { origin, sharedInbox } = where(f);
    const actorId = `${origin}/users/u${f}`;
    store.federation.upsertFollower({
      actorId,
      inbox: `${actorId}/inbox`,
      sharedInbox,
      handle: null,
      followId: `${actorId}#follow`,
      state: "accepted",
      createdAt,
    });
  }
  store.database.exec("COMMIT");
  store.close();
  return { root, content, data };
}

/**
 * Round 0 warms the process up (first use of fetch, JSON-LD contexts, JIT); round 1 is the measured
 * fan-out of a long-running server. Both are reported.
 */
async function deliver(kind: "shared" | "personal", followers: number, hosts: number, concurrency: number) {
  const perHost = kind === "shared" ? 1 : followers / hosts;
  const inboxes = await startInboxServers(hosts);
  const { ports } = inboxes;

  const { root, content, data } = await seededSite("herald-fanout-", followers, (f) => {
    const origin = `http://127.0.0.1:${ports[f % hosts]}`;
    return { origin, sharedInbox: kind === "shared" ? `${origin}/inbox` : null };
  });

  const config = fromObject(
    {
      site: { url: "http://127.0.0.1:1/", title: "Fan-out bench" },
      server: { port: 0, host: "127.0.0.1" },
      content: { dir: content },
      data: { dir: data },
      federation: { allowPrivateAddress: true, concurrency },
    },
    { base: root, env: {} },
  );
  const server = await startServer(config, createLogger("silent"), { schedules: false, settleMs: 0 });
  const measure = async (n: number) => {
    const done = inboxes.expect(n, perHost);
    writeFileSync(
      join(content, `round-${n}.md`),
      `---\ntitle: Round ${n}\n---\n\nOne article for everyone.\n`,
    );
    const started = performance.timeOrigin + performance.now();
    const tick = await server.tick();
    const enqueued = performance.timeOrigin + performance.now();
    if (tick.federation?.created !== 1)
      throw new Error(`expected one Create, got ${JSON.stringify(tick.federation)}`);
    const timeout = new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error("fan-out did not finish within 60 s")), 60_000).unref(),
    );
    const r = await Promise.race([done, timeout]);
    return {
      ms: r.allAt - started,
      enqueueMs: enqueued - started,
      firstMs: r.firstAt - started,
      deliveries: r.creates,
      duplicates: r.duplicates,
    };
  };
  const cold = await measure(0);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const profile = process.env.BENCH_PROFILE ? await startProfile() : undefined;
  // Peak RSS over the measured publish and fan-out, sampled every 5 ms, against the RSS just before it.
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 5);
  const warm = await measure(1);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  if (profile) await profile(process.env.BENCH_PROFILE!);
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  await server.close();
  await inboxes.stop();
  rmSync(root, { recursive: true, force: true });
  return {
    kind,
    followers,
    hosts,
    concurrency,
    ...warm,
    deliveriesPerSecond: Math.round((warm.deliveries * 1000) / warm.ms),
    coldMs: cold.ms,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    /** Share of the measured fan-out during which Herald's main thread was busy. */
    mainThreadBusy: Number(elu.utilization.toFixed(2)),
    rssGrowthMb: Math.round((rssPeak - rssBefore) / 1024 / 1024),
  };
}

/** BENCH_PROFILE=FILE: a V8 CPU profile of the measured round only (open it in Chrome DevTools). */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async (file) => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * Bytes the outbox holds per queued delivery: one article published to FOLLOWERS followers (personal
 * inboxes, 100 servers) by a Herald that does not deliver, then SQLite's own page accounting (dbstat)
 * of the outbox tables and their indexes, divided by the deliveries queued.
 */
async function queueBytes(followers: number) {
  const { root, content, data } = await seededSite("herald-queue-", followers, (f) => ({
    origin: `https://s${f % 100}.example`,
    sharedInbox: null,
  }));
  const config = fromObject(
    { site: { url: "https://news.example.org/" }, content: { dir: content }, data: { dir: data } },
    { base: root, env: {} },
  );
  const { openHerald } = await import("../src/app.ts");
  const herald = await openHerald(config, createLogger("silent"), { federation: true, deliver: false });
  // The first scan only marks the first run (articles present then are not pushed); the second publishes.
  await herald.scan();
  writeFileSync(join(content, "one.md"), "---\ntitle: One\n---\n\nOne article for everyone.\n");
  await herald.scan();
  await herald.close();
  const db = new SqliteStore(join(data, "herald.sqlite")).database;
  const sizes = db
    .prepare(
      `SELECT name, SUM(pgsize) AS bytes FROM dbstat
        WHERE name IN ('fanouts', 'deliveries', 'deliveries_due', 'deliveries_inbox', 'deliveries_fanout',
                       'fanouts_activity', 'queue', 'queue_ready', 'queue_ordering', 'queue_claim')
        GROUP BY name`,
    )
    .all() as { name: string; bytes: number }[];
  const deliveries = (db.prepare("SELECT COUNT(*) AS n FROM deliveries").get() as { n: number }).n;
  db.close();
  rmSync(root, { recursive: true, force: true });
  const bytes = sizes.reduce((sum, t) => sum + t.bytes, 0);
  return { followers, deliveries, bytes, bytesPerDelivery: Math.round(bytes / deliveries), tables: sizes };
}

let result: Record<string, unknown>;
if (mode === "ceiling") result = await ceiling(Number(args[0] ?? 2_000));
else if (mode === "deliver")
  result = await deliver(
    args[0] === "personal" ? "personal" : "shared",
    Number(args[1] ?? 1_000),
    Number(args[2] ?? 100),
    Number(args[3] ?? 64),
  );
else if (mode === "queue") result = await queueBytes(Number(args[0] ?? 10_000));
else throw new Error(`Unknown mode ${mode}.`);
result.mode = mode;
result.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(result));
process.exit(0);
