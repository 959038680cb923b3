// One scale-out measurement, run in its own process (see the `scaleout` suite in run.ts).
//   node bench/scaleout.ts sqlite|postgres FOLLOWERS HOSTS CONCURRENCY [WORKERS]
//     FOLLOWERS followers spread evenly over HOSTS loopback inbox servers (bench/inboxes.ts, in a
//     worker thread of this process), each with a personal inbox and no shared inbox, so one Create
//     is FOLLOWERS deliveries (HOSTS × FOLLOWERS/HOSTS requests). They are written straight into the
//     store before Herald starts. Herald runs as real child processes started with the CLI
//     (`bin/herald.js serve --config FILE`):
//       sqlite:   one `serve` (role all) on SQLite in data.dir;
//       postgres: one `--role web`, WORKERS (default 2) `--role worker` and one `--role scheduler`, on a
//                 throwaway schema of the test PostgreSQL (HERALD_BENCH_DATABASE_URL, else
//                 HERALD_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test).
//     CONCURRENCY is federation.concurrency of every process. Round 0 (article `round-0`) warms the
//     processes up; round 1 is measured. The clock starts when the article file is written and stops
//     when every inbox has its Create.
//   BENCH_PROFILE_DIR=DIR: every Herald process writes a V8 CPU profile of its whole life there
//     (--cpu-prof; the processes are then stopped with SIGTERM, so that they write it).
//   BENCH_PG_PARAMS=k=v&…: settings for the Herald processes' PostgreSQL connections, e.g.
//     log_min_duration_statement=0 to log every statement with its duration.
// Prints one JSON line. On PostgreSQL it includes postgresCpuMs: the CPU time, in the measured round,
// of the database backends serving the Herald processes (when the server runs on this machine), which
// the processes' own CPU time does not count.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadOrCreateKeys } from "../src/federation/keys.ts";
import type { Follower, Storage } from "../src/store/types.ts";
import { freePort } from "../tests/helpers/apbot.ts";
import {
  type HeraldProcess,
  HeraldProcesses,
  isServing,
  type LogLine,
  logTime,
} from "../tests/helpers/herald-process.ts";
import { startInboxServers } from "./inboxes.ts";

type Mode = "sqlite" | "postgres";
const [
  modeArg = "sqlite",
  followersArg = "10000",
  hostsArg = "500",
  concurrencyArg = "64",
  workersArg = "2",
] = process.argv.slice(2);
const mode: Mode = modeArg === "postgres" ? "postgres" : "sqlite";
const FOLLOWERS = Number(followersArg);
const HOSTS = Number(hostsArg);
const CONCURRENCY = Number(concurrencyArg);
const WORKERS = Number(workersArg);
if (FOLLOWERS % HOSTS !== 0) throw new Error("FOLLOWERS must be a multiple of HOSTS");
const PER_HOST = FOLLOWERS / HOSTS;
const ROUND_TIMEOUT_MS = 180_000;

const now = () => performance.timeOrigin + performance.now();

/** Peak resident memory (VmHWM) of a live process, in MB; 0 when it is gone. */
function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a live process used so far, in ms. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime and stime are fields 14 and 15 of /proc/PID/stat, i.e. 11 and 12 after "pid (comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU time of the PostgreSQL backends serving this run's Herald processes (found by their
 * application_name, which no other user of the server shares), by backend pid, in ms. Only when
 * the server runs on this machine: elsewhere /proc does not show them, and this is empty.
 */
async function backendCpuMs(
  admin: import("postgres").Sql,
  application: string,
): Promise<Map<number, number>> {
  const rows = await admin<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity WHERE application_name = ${application}`;
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

async function seed(storage: Storage, ports: number[]): Promise<void> {
  // Keys first: Herald refuses to make keys while followers exist.
  await loadOrCreateKeys(storage.federation);
  const createdAt = new Date().toISOString();
  const followers: Follower[] = [];
  for (let f = 0; f < FOLLOWERS; f++) {
    const actorId = `http://127.0.0.1:${ports[f % HOSTS]}/users/u${f}`;
    followers.push({
      actorId,
      inbox: `${actorId}/inbox`,
      sharedInbox: null,
      handle: null,
      followId: `${actorId}#follow`,
      state: "accepted",
      createdAt,
    });
  }
  if (storage.kind === "sqlite") {
    const { database } = (storage as unknown as { store: { database: import("node:sqlite").DatabaseSync } })
      .store;
    database.exec("BEGIN");
    for (const f of followers) await storage.federation.upsertFollower(f);
    database.exec("COMMIT");
  } else {
    for (let i = 0; i < followers.length; i += 200) {
      await Promise.all(followers.slice(i, i + 200).map((f) => storage.federation.upsertFollower(f)));
    }
  }
  const count = await storage.federation.countFollowers("accepted");
  if (count !== FOLLOWERS) throw new Error(`seeded ${count} followers, expected ${FOLLOWERS}`);
}

/** The one line a process logs when it decided to publish an article. */
const recorded = (round: number) => (line: LogLine) =>
  line.msg === "activity recorded" && String(line.activity ?? line.id ?? "").includes(`round-${round}`);

async function main() {
  const inboxes = await startInboxServers(HOSTS);
  const root = await mkdtemp(join(tmpdir(), "herald-scaleout-"));
  const content = join(root, "content");
  await mkdir(content);
  await mkdir(join(root, "data"));
  const port = await freePort();
  const configFile = join(root, "herald.yaml");
  await writeFile(
    configFile,
    [
      "site:",
      `  url: http://127.0.0.1:${port}/`,
      "  title: Scale-out bench",
      "server:",
      `  port: ${port}`,
      "  host: 127.0.0.1",
      "content:",
      "  dir: content",
      "  settleMs: 100",
      "data:",
      "  dir: data",
      "federation:",
      "  allowPrivateAddress: true",
      `  concurrency: ${CONCURRENCY}`,
      "",
    ].join("\n"),
  );

  let env: Record<string, string> = {};
  let dropSchema = async () => {};
  const application = `herald-bench-${process.pid}`;
  let admin: import("postgres").Sql | undefined;
  let storage: Storage;
  if (mode === "postgres") {
    const { createTestSchema } = await import("../tests/store/contract-postgres.ts");
    const base = process.env.HERALD_BENCH_DATABASE_URL;
    if (base) process.env.HERALD_TEST_DATABASE_URL = base;
    const schema = await createTestSchema();
    dropSchema = () => schema.drop();
    const url = new URL(schema.url);
    url.searchParams.set("search_path", schema.name);
    // Names the Herald processes' connections, so that their backends' CPU can be told apart.
    url.searchParams.set("application_name", application);
    // BENCH_PG_PARAMS: more settings for their connections, e.g. log_min_duration_statement=0.
    for (const [k, v] of new URLSearchParams(process.env.BENCH_PG_PARAMS ?? "")) url.searchParams.set(k, v);
    const postgresModule = (await import("postgres")).default;
    admin = postgresModule(schema.url, { max: 1, onnotice: () => {} });
    env = { DATABASE_URL: url.href };
    const { openPostgresStorage } = await import("../src/store/postgres-storage.ts");
    const pg = openPostgresStorage(url.href);
    await pg.initialize();
    storage = pg;
  } else {
    const { openSqliteStorage } = await import("../src/store/sqlite-storage.ts");
    storage = openSqliteStorage(join(root, "data", "herald.sqlite"));
  }
  const seedStarted = now();
  await seed(storage, inboxes.ports);
  await storage.close();
  const seedMs = now() - seedStarted;

  // Benchmarked processes log at info; only the lines read here are kept in memory.
  const keepLogs = (line: LogLine) => line.msg === "activity recorded" || isServing(line);
  const group = new HeraldProcesses();
  const profileDir = process.env.BENCH_PROFILE_DIR;
  // Every process listens: web and all on site.url's port, workers and schedulers (for /healthz) on
  // whatever port is free when they start (PORT=0; a port picked in advance could be taken by then).
  const serve = (name: string, role: string | undefined, ready?: (l: LogLine) => boolean) =>
    group.start({
      name,
      args: ["serve", "--config", configFile, ...(role ? ["--role", role] : [])],
      cwd: root,
      env: {
        ...env,
        PORT: String(role === undefined || role === "web" ? port : 0),
        ...(profileDir
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-name=${name}.cpuprofile` }
          : {}),
      },
      keepLogs,
      ready,
      readyTimeoutMs: 60_000,
    });
  try {
    const startStarted = now();
    let processes: HeraldProcess[];
    if (mode === "sqlite") {
      processes = [await serve("all", undefined)];
    } else {
      // Web first (it answers WebFinger and the actor), then the workers, then the scheduler.
      processes = [await serve("web", "web")];
      for (let i = 1; i <= WORKERS; i++) processes.push(await serve(`worker-${i}`, "worker", roleReady));
      processes.push(await serve("scheduler", "scheduler", roleReady));
    }
    const startMs = now() - startStarted;

    const measure = async (n: number) => {
      const done = inboxes.expect(n, PER_HOST);
      const started = now();
      await writeFile(
        join(content, `round-${n}.md`),
        `---\ntitle: Round ${n}\n---\n\nOne article for everyone.\n`,
      );
      const timeout = new Promise<never>((_, fail) =>
        setTimeout(
          () => fail(new Error(`round ${n}: fan-out did not finish within ${ROUND_TIMEOUT_MS / 1000} s`)),
          ROUND_TIMEOUT_MS,
        ).unref(),
      );
      const r = await Promise.race([done, timeout]);
      const decided = processes.flatMap((p) => p.logs.filter(recorded(n)).map((l) => ({ p: p.name, l })));
      const at = decided[0] ? logTime(decided[0].l) : Number.NaN;
      return {
        ms: r.allAt - started,
        /** From the file write to the ledger entry (watcher, settle, scan, decide). */
        publishMs: at - started,
        /** From the ledger entry to the last inbox. */
        fanoutMs: r.allAt - at,
        firstMs: r.firstAt - started,
        deliveries: r.creates,
        duplicates: r.duplicates,
        recordedBy: decided.map((d) => d.p),
      };
    };
    const cold = await measure(0);
    const cpu0 = processes.map((p) => cpuMs(p.pid));
    const pg0 = admin ? await backendCpuMs(admin, application) : new Map<number, number>();
    const warm = await measure(1);
    const cpu = processes.map((p, i) => cpuMs(p.pid) - cpu0[i]!);
    let pgCpu = 0;
    // A backend that was not there at the start is counted from its own start.
    if (admin)
      for (const [pid, ms] of await backendCpuMs(admin, application)) pgCpu += ms - (pg0.get(pid) ?? 0);
    const rss = processes.map((p) => peakRssMb(p.pid));
    return {
      mode,
      followers: FOLLOWERS,
      hosts: HOSTS,
      perHost: PER_HOST,
      concurrency: CONCURRENCY,
      processes: processes.map((p) => p.name),
      ...warm,
      deliveriesPerSecond: Math.round((warm.deliveries * 1000) / warm.ms),
      coldMs: cold.ms,
      coldDuplicates: cold.duplicates,
      seedMs: Math.round(seedMs),
      startMs: Math.round(startMs),
      /** CPU time of each Herald process during the measured round. */
      cpuMs: Object.fromEntries(processes.map((p, i) => [p.name, Math.round(cpu[i]!)])),
      /** CPU time of the PostgreSQL backends of the Herald processes in the measured round (0 on SQLite). */
      postgresCpuMs: Math.round(pgCpu),
      /** Peak RSS of each Herald process. */
      rssMb: Object.fromEntries(processes.map((p, i) => [p.name, rss[i]!])),
      heraldRssMb: rss.reduce((a, b) => a + b, 0),
    };
  } finally {
    await group.stopAll(profileDir ? "SIGTERM" : "SIGKILL");
    await inboxes.stop();
    await admin?.end({ timeout: 1 }).catch(() => {});
    await dropSchema().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

/** Worker and scheduler processes serve no HTTP; each logs that it started its role. */
function roleReady(line: LogLine): boolean {
  return isServing(line) || line.msg === "herald is running";
}

const result: Record<string, unknown> = await main();
result.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(result));
process.exit(0);
