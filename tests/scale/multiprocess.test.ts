// Several real Herald processes on one PostgreSQL schema, the way issue 6 deploys them: web processes
// behind a round-robin balancer, workers delivering from the shared queue, schedulers of which one acts.
// Every process is `bin/herald.js serve --role …` started as a child, killed with SIGKILL where the
// scenario says so, and every one still running is killed in afterEach, pass or fail.
//
// Deliveries are counted as raw POSTs at verifying loopback inboxes (tests/helpers/inbox.ts): a
// redelivered Create shows up as a second accepted POST, never merged by activity id. A slow inbox
// processes a request only if its sender is still connected when it gets to it (`delayMs`), so a
// request in flight from a killed worker is turned away (499) rather than half-counted. What remains
// possible in principle is a kill between a peer's 2xx and the queue's DELETE (the queue deletes
// finished rows in its next claim transaction, a turn of the event loop later): that would repeat one
// delivery. The kills below land mid-wave, far from the moments peers answer; a repeat would fail the
// test and is then a finding to report, not to hide.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../federation/setup.ts";
import { type Balancer, startBalancer } from "../helpers/balancer.ts";
import { type HeraldProcess, HeraldProcesses, isServing, type LogLine } from "../helpers/herald-process.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";

/** database.leaseSeconds: the scheduler's lease and a delivery's lease (the minimum Herald allows). */
const LEASE_SECONDS = 5;

const processes = new HeraldProcesses();
let schema: TestSchema | undefined;
let inboxes: VerifyingInbox[] = [];
let balancer: Balancer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await processes.stopAll("SIGKILL");
  await Promise.allSettled(inboxes.map((i) => i.close()));
  inboxes = [];
  await balancer?.close();
  balancer = undefined;
  await schema?.drop();
  schema = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface Site {
  dir: string;
  config: string;
  content: string;
  /** The balancer's origin: what site.url names and every peer talks to. */
  origin: string;
  databaseUrl: string;
}

/** A site on a fresh PostgreSQL schema, behind a round-robin balancer the web processes join. */
async function makeSite(concurrency: number): Promise<Site> {
  schema = await createTestSchema();
  const url = new URL(schema.url);
  url.searchParams.set("search_path", schema.name);
  dir = mkdtempSync(join(tmpdir(), "herald-scale-"));
  const content = join(dir, "content");
  mkdirSync(content);
  balancer = await startBalancer();
  const config = join(dir, "herald.yaml");
  writeFileSync(
    config,
    [
      "site:",
      `  url: ${balancer.origin}/`,
      "  title: Scale-out test",
      "server:",
      "  host: 127.0.0.1",
      "content:",
      "  dir: content",
      "  settleMs: 100",
      "data:",
      "  dir: data",
      "database:",
      `  leaseSeconds: ${LEASE_SECONDS}`,
      "schedule:",
      '  scan: "*/1 * * * * *"',
      "bot:",
      "  username: news",
      "  name: Herald News",
      "federation:",
      "  allowPrivateAddress: true",
      `  concurrency: ${concurrency}`,
      "",
    ].join("\n"),
  );
  return { dir, config, content, origin: balancer.origin, databaseUrl: url.href };
}

const isRunning = (line: LogLine) => isServing(line) || line.msg === "herald is running";

/**
 * Starts `herald serve --role ROLE` on a port of its own choosing (PORT=0: workers and schedulers
 * answer /healthz too); a web process joins the balancer once it says which port it got.
 */
async function start(site: Site, name: string, role: string): Promise<HeraldProcess> {
  const p = await processes.start({
    name,
    args: ["serve", "--config", site.config, "--role", role],
    cwd: site.dir,
    env: { DATABASE_URL: site.databaseUrl, PORT: "0" },
    ready: isRunning,
    readyTimeoutMs: 60_000,
  });
  if (role === "web") balancer!.add(Number(p.logs.find(isServing)!.port));
  return p;
}

/** The test's own connection to the schema, for reading what the processes wrote. */
function db() {
  if (!schema) throw new Error("no schema");
  return schema.client({ max: 1 });
}

/** Every inbox's actor follows Herald through the balancer; resolves once all are recorded and accepted. */
async function follow(site: Site): Promise<void> {
  const target = `${site.origin}/users/news`;
  await Promise.all(
    inboxes.map(async (inbox) => {
      const actor = inbox.actor("reader");
      const res = await inbox.signedPost(
        `${site.origin}/inbox`,
        { id: `${actor.id}#follow`, type: "Follow", object: target },
        { scheme: "cavage", as: "reader" },
      );
      expect(res.status, res.body).toBeLessThan(300);
    }),
  );
  await until(async () => {
    const res = await fetch(`${site.origin}/users/news/followers`, {
      headers: { Accept: "application/activity+json" },
    });
    return res.ok && ((await res.json()) as { totalItems?: number }).totalItems === inboxes.length;
  }, 30_000);
  await until(() => inboxes.every((i) => i.accepted.some((d) => d.activity.type === "Accept")), 30_000);
}

const createId = (site: Site, slug: string) => `${site.origin}/objects/${slug}#create`;
/** Raw accepted POSTs of one activity id at one inbox: a redelivery counts twice. */
const received = (inbox: VerifyingInbox, id: string) => inbox.accepted.filter((d) => d.activity.id === id);
const reached = (id: string) => inboxes.filter((i) => received(i, id).length > 0).length;
const recordedIn = (p: HeraldProcess, slug: string) =>
  p.logs.filter(
    (l) => l.msg === "activity recorded" && String(l.activity).endsWith(`/objects/${slug}#create`),
  );

const article = (title: string) => `---\ntitle: ${title}\n---\n\n${title}: the boats were counted twice.\n`;

async function queueRows(): Promise<number> {
  const sql = db();
  try {
    const [row] = await sql<{ n: number }[]>`
      SELECT ((SELECT count(*) FROM herald_queue) + (SELECT count(*) FROM herald_deliveries))::int AS n`;
    return row!.n;
  } finally {
    await sql.end();
  }
}

async function ledger(): Promise<{ id: string; state: string }[]> {
  const sql = db();
  try {
    return [
      ...(await sql<{ id: string; state: string }[]>`SELECT id, state FROM herald_activities ORDER BY seq`),
    ];
  } finally {
    await sql.end();
  }
}

/**
 * Waits until every inbox has the Create, then until the queue is empty and no inbox is still reading
 * a POST, and checks that each inbox accepted exactly one POST of it and turned nothing away for a bad
 * signature. A delivery leaves the queue only once its POST was answered, so with the queue empty the
 * POSTs still being read are those of killed workers, which the inboxes turn away (499).
 */
async function expectEachExactlyOnce(id: string, timeoutMs: number): Promise<void> {
  await until(() => reached(id) === inboxes.length, timeoutMs);
  await until(async () => (await queueRows()) === 0, 20_000);
  await until(() => inboxes.every((i) => i.inFlight === 0), 10_000);
  for (const inbox of inboxes) {
    const got = received(inbox, id);
    expect(
      got.map((d) => d.activity.id),
      `${inbox.origin}: raw POSTs of ${id}`,
    ).toEqual([id]);
    // Each inbox server is its own host: preferSharedInbox sends to its shared inbox.
    expect(got[0]!.path).toBe("/inbox");
    expect(inbox.rejected.filter((r) => r.status !== 499).map((r) => `${r.status} ${r.reason}`)).toEqual([]);
  }
}

function expectNoErrors(...ps: HeraldProcess[]): void {
  for (const p of ps) {
    // A SIGKILLed process writes nothing more; the others must not have logged errors.
    expect(
      p.logs.filter((l) => Number(l.level) >= 50),
      p.name,
    ).toEqual([]);
    expect(p.stderr.join(""), p.name).toBe("");
  }
}

/** Slow fan-outs: 12 followers, 2 deliveries at a time per worker, each inbox taking 1 s per POST. */
const FOLLOWERS = 12;
const CONCURRENCY = 2;
/** Each inbox waits this long before handling a POST: one wave of 2 × 2 deliveries takes about this. */
const DELAY_MS = 1_000;

/**
 * A web process, two workers and a scheduler, FOLLOWERS slow inboxes following; an article is written
 * and the first wave of its Create has landed when this returns.
 */
async function slowFanOut(slug: string, title: string) {
  const site = await makeSite(CONCURRENCY);
  inboxes = await Promise.all(
    Array.from({ length: FOLLOWERS }, () => startVerifyingInbox({ delayMs: DELAY_MS })),
  );
  const web = await start(site, "web", "web");
  const workers = [await start(site, "worker-1", "worker"), await start(site, "worker-2", "worker")];
  const scheduler = await start(site, "scheduler", "scheduler");
  await follow(site);
  writeFileSync(join(site.content, `${slug}.md`), article(title));
  const id = createId(site, slug);
  await until(() => reached(id) >= CONCURRENCY, 30_000);
  return { site, web, workers, scheduler, id };
}

describe("web, worker and scheduler processes on one PostgreSQL", () => {
  it("two of each: every inbox gets the Create exactly once, one scheduler recorded it", async () => {
    const site = await makeSite(4);
    inboxes = await Promise.all(Array.from({ length: 8 }, () => startVerifyingInbox()));
    const webs = [await start(site, "web-1", "web"), await start(site, "web-2", "web")];
    const workers = [await start(site, "worker-1", "worker"), await start(site, "worker-2", "worker")];
    const schedulers = [
      await start(site, "scheduler-1", "scheduler"),
      await start(site, "scheduler-2", "scheduler"),
    ];
    await follow(site);
    // Both web processes answered peers (the Follows, key and actor fetches).
    expect(balancer!.connections).toHaveLength(webs.length);
    expect(
      balancer!.connections.every((n) => n > 0),
      `connections ${balancer!.connections}`,
    ).toBe(true);

    writeFileSync(join(site.content, "harbour.md"), article("Harbour at dawn"));
    const id = createId(site, "harbour");
    await expectEachExactlyOnce(id, 30_000);

    const deciders = schedulers.filter((s) => recordedIn(s, "harbour").length > 0);
    expect(deciders.map((s) => s.name)).toHaveLength(1);
    expect(recordedIn(deciders[0]!, "harbour")).toHaveLength(1);
    for (const p of [...webs, ...workers]) expect(recordedIn(p, "harbour"), p.name).toEqual([]);
    expect(
      schedulers
        .filter((s) => s.logs.some((l) => l.msg === "this process is the scheduler now"))
        .map((s) => s.name),
    ).toEqual(deciders.map((s) => s.name));
    expect(await ledger()).toEqual([{ id, state: "queued" }]);
    expectNoErrors(...webs, ...workers, ...schedulers);
  }, 120_000);

  it("a worker killed mid fan-out: its deliveries return after the lease, each inbox gets the Create once", async () => {
    const { web, workers, scheduler, id } = await slowFanOut("harbour", "Harbour at dawn");
    // The first wave landed; the second is in flight at the peers: kill half-way through it a worker
    // holding a full set of live delivery leases.
    await new Promise((r) => setTimeout(r, DELAY_MS / 2));
    // Each worker runs federation.concurrency deliveries at once (not one: a queue created before
    // the runtime asked for it once had concurrency 1 in every process).
    let seen = new Map<number, number>();
    const leases = await until(async () => {
      seen = await leasesByPid(workers);
      return [...seen.values()].some((n) => n >= CONCURRENCY) && seen;
    }, 10_000).catch(() => {
      const held = workers.map((w) => `${w.name}: ${seen.get(w.pid) ?? 0}`).join(", ");
      throw new Error(
        `no worker held federation.concurrency (${CONCURRENCY}) leases at once; last seen ${held}`,
      );
    });
    const victim = workers.find((w) => (leases.get(w.pid) ?? 0) >= CONCURRENCY)!;
    const killedAt = Date.now();
    expect((await victim.kill("SIGKILL")).signal).toBe("SIGKILL");
    const atKill = reached(id);
    expect(atKill).toBeLessThan(FOLLOWERS);
    // The victim held claimed deliveries when it died: they are what must come back.
    // (In flight, and up to as many claimed ahead: see DeliveryWorker.run.)
    expect(leases.get(victim.pid), `leases held by ${victim.name}`).toBeGreaterThanOrEqual(CONCURRENCY);
    expect(leases.get(victim.pid)).toBeLessThanOrEqual(2 * CONCURRENCY);

    await expectEachExactlyOnce(id, (LEASE_SECONDS + 15) * 1000);
    const allAt = Math.max(...inboxes.map((i) => received(i, id)[0]!.at.getTime()));
    // Within one lease (the victim's claims come back) plus the waves the survivor still had to send.
    const remainingWaves = Math.ceil((FOLLOWERS - atKill) / CONCURRENCY);
    expect(allAt - killedAt).toBeLessThan(LEASE_SECONDS * 1000 + remainingWaves * DELAY_MS + 3_000);
    // The requests the victim had in flight were turned away by the peers (it hung up), then resent.
    const turnedAway = inboxes.flatMap((i) => i.rejected.filter((r) => r.status === 499));
    expect(turnedAway.length).toBeGreaterThan(0);
    expect(await ledger()).toEqual([{ id, state: "queued" }]);
    expectNoErrors(web, scheduler, ...workers.filter((w) => w !== victim));
  }, 120_000);

  it("a worker stopped with SIGTERM mid fan-out finishes what it holds: the rest goes on at once, each inbox once", async () => {
    const { web, workers, scheduler, id } = await slowFanOut("tide", "Tide tables");
    const leases = await until(async () => {
      const seen = await leasesByPid(workers);
      return [...seen.values()].some((n) => n > 0) && seen;
    }, 10_000);
    const stopping = workers.find((w) => (leases.get(w.pid) ?? 0) > 0)!;
    const stoppedAt = Date.now();
    const exit = await stopping.kill("SIGTERM");
    // A clean stop: deliveries in flight finish (a second here), then the process exits 0.
    expect(exit.code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    expect(reached(id)).toBeLessThan(FOLLOWERS);
    // Nothing it claimed is left leased to it: the other worker does not wait out a lease.
    expect((await leasesByPid([stopping])).get(stopping.pid) ?? 0).toBe(0);

    await expectEachExactlyOnce(id, 30_000);
    const allAt = Math.max(...inboxes.map((i) => received(i, id)[0]!.at.getTime()));
    expect(allAt - stoppedAt).toBeLessThan(LEASE_SECONDS * 1000);
    // Nobody hung up on a peer mid-request.
    expect(inboxes.flatMap((i) => i.rejected)).toEqual([]);
    expectNoErrors(web, scheduler, ...workers);
  }, 120_000);

  it("the leading scheduler killed: the other takes over and publishes the next article, once", async () => {
    const site = await makeSite(4);
    inboxes = await Promise.all(Array.from({ length: 6 }, () => startVerifyingInbox()));
    const web = await start(site, "web", "web");
    const worker = await start(site, "worker", "worker");
    const schedulers = [
      await start(site, "scheduler-1", "scheduler"),
      await start(site, "scheduler-2", "scheduler"),
    ];
    await follow(site);

    writeFileSync(join(site.content, "first.md"), article("First light"));
    const first = createId(site, "first");
    await expectEachExactlyOnce(first, 30_000);
    const leaders = schedulers.filter((s) => recordedIn(s, "first").length > 0);
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!;
    const standby = schedulers.find((s) => s !== leader)!;
    expect(standby.logs.some((l) => l.msg === "this process is the scheduler now")).toBe(false);

    const killedAt = Date.now();
    await leader.kill("SIGKILL");
    writeFileSync(join(site.content, "second.md"), article("Second tide"));
    const second = createId(site, "second");
    await standby.waitForLog(
      (l) => l.msg === "this process is the scheduler now",
      (LEASE_SECONDS + 10) * 1000,
    );
    await expectEachExactlyOnce(second, (LEASE_SECONDS + 20) * 1000);
    // The lease ran out (at most one lease after the kill), the standby took it on its next scan.
    const tookOverAt = Date.parse(
      String(standby.logs.find((l) => l.msg === "this process is the scheduler now")!.time),
    );
    expect(tookOverAt - killedAt).toBeLessThan(LEASE_SECONDS * 1000 + 3_000);
    expect(recordedIn(standby, "second")).toHaveLength(1);
    // The first article was not sent again by the new leader.
    expect(recordedIn(standby, "first")).toEqual([]);
    for (const inbox of inboxes) expect(received(inbox, first), inbox.origin).toHaveLength(1);
    expect(await ledger()).toEqual([
      { id: first, state: "queued" },
      { id: second, state: "queued" },
    ]);
    expectNoErrors(web, worker, standby);
  }, 120_000);
});

/** Live delivery leases per worker pid (lease_owner is `host/pid/…`). */
async function leasesByPid(workers: HeraldProcess[]): Promise<Map<number, number>> {
  const sql = db();
  try {
    const rows = await sql<{ owner: string; n: number }[]>`
      SELECT lease_owner AS owner, count(*)::int AS n FROM herald_deliveries
       WHERE lease_until > now() GROUP BY lease_owner`;
    const out = new Map<number, number>();
    for (const w of workers) {
      out.set(
        w.pid,
        rows.filter((r) => r.owner.split("/")[1] === String(w.pid)).reduce((a, r) => a + r.n, 0),
      );
    }
    return out;
  } finally {
    await sql.end();
  }
}
