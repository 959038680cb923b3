import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { Sql, TransactionSql } from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresFederationStore } from "../../src/store/postgres-federation.ts";
import { PostgresOutbox } from "../../src/store/postgres-outbox.ts";
import { PostgresQueue } from "../../src/store/postgres-queue.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteOutbox } from "../../src/store/sqlite-outbox.ts";
import type { Outbox, OutboxDump } from "../../src/store/types.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";
import {
  activity,
  enqueueAll,
  fedifyMessages,
  keyMaterialIn,
  outboxContract,
  privateKey,
} from "./outbox-contract.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tempFile = () => join(mkdtempSync(join(tmpdir(), "herald-outbox-")), "herald.sqlite");

/** Every value of every row of every table of a SQLite file, as text. */
function sqliteEverything(db: DatabaseSync): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  const values: string[] = [];
  for (const { name } of tables)
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all())
      values.push(
        Object.values(row as Record<string, unknown>)
          .map(String)
          .join("\t"),
      );
  return values.join("\n");
}

/** Every value of every row of every table in a PostgreSQL schema, as text. */
async function postgresEverything(sql: Sql, schema: string): Promise<string> {
  const tables = await sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${schema}`;
  const values: string[] = [];
  for (const { name } of tables)
    for (const row of await sql`SELECT * FROM ${sql(name)}`)
      values.push(Object.values(row).map(String).join("\t"));
  return values.join("\n");
}

outboxContract<DatabaseSync>({
  name: "SqliteOutbox",
  async open() {
    const file = tempFile();
    const store = new SqliteStore(file);
    store.database.exec("CREATE TABLE marks (id TEXT PRIMARY KEY)");
    const stores = [store];
    return {
      federation: store.federation,
      async outbox(options = {}) {
        const s = new SqliteStore(file);
        stores.push(s);
        return new SqliteOutbox(s.database, options);
      },
      mark: (db, mark) => db.prepare("INSERT INTO marks (id) VALUES (?)").run(mark),
      marks: async () =>
        (store.database.prepare("SELECT id FROM marks ORDER BY id").all() as { id: string }[]).map(
          (r) => r.id,
        ),
      everything: async () => sqliteEverything(store.database),
      async fresh() {
        const s = new SqliteStore(tempFile());
        stores.push(s);
        return new SqliteOutbox(s.database);
      },
      async close() {
        for (const s of stores) s.close();
      },
    };
  },
});

outboxContract<TransactionSql>({
  name: "PostgresOutbox",
  async open() {
    const schema = await createTestSchema();
    const setup = schema.client({ max: 1 });
    const federation = new PostgresFederationStore(setup);
    await federation.initialize();
    await setup`CREATE TABLE marks (id text PRIMARY KEY)`;
    return {
      federation,
      async outbox(options = {}) {
        const outbox = new PostgresOutbox(schema.client(), options);
        await outbox.initialize();
        return outbox;
      },
      mark: (tx, mark) => tx`INSERT INTO marks (id) VALUES (${mark})`,
      marks: async () => (await setup<{ id: string }[]>`SELECT id FROM marks ORDER BY id`).map((r) => r.id),
      everything: () => postgresEverything(setup, schema.name),
      // Same schema, other tables: also checks that nothing is written outside the prefix.
      fresh: async () => new PostgresOutbox(schema.client(), { prefix: "fresh_" }),
      close: () => schema.drop(),
    };
  },
});

// ---------------------------------------------------------------- Fedify's queue rows, before the outbox

const ORDER_KEY = "https://herald.example/objects/harbor";
const CREATE = "https://www.w3.org/ns/activitystreams#Create";
const A = "https://a.example/inbox";
const B = "https://B.example/users/bob/inbox";
const C = "https://c.example:8443/inbox";
const D = "https://d.example/inbox";

/**
 * What Fedify queued before Herald had an outbox: a Create to two inboxes (the second retried
 * twice), the article's Update to the first, a fan-out message to followers (two inboxes), and a
 * received activity, which stays in the queue.
 */
function legacyRows() {
  const create = activity("harbor");
  const update = activity("harbor", "update");
  const profile = activity("profile", "update");
  const [toA, toB] = fedifyMessages(create, [A, B], { orderKey: ORDER_KEY, followers: true });
  const [updateA] = fedifyMessages(update, [A], { orderKey: ORDER_KEY, followers: true });
  const fanout = {
    type: "fanout",
    id: "f1",
    baseUrl: "https://herald.example",
    keys: [{ keyId: "https://herald.example/users/news#main-key", privateKey: privateKey.jwk }],
    inboxes: {
      [C]: { actorIds: ["https://c.example:8443/users/c"], sharedInbox: true },
      [D]: { actorIds: ["https://d.example/users/d"], sharedInbox: true },
    },
    activity: profile,
    activityId: profile.id,
    activityType: "https://www.w3.org/ns/activitystreams#Update",
    collectionSync: "https://herald.example/users/news/followers",
    traceContext: {},
  };
  const inbox = {
    type: "inbox",
    id: "i1",
    baseUrl: "https://herald.example",
    activity: { type: "Like" },
    attempt: 0,
  };
  return {
    rows: [
      { message: toA!, orderingKey: toA!.orderingKey ?? null },
      { message: { ...toB!, attempt: 2 }, orderingKey: toB!.orderingKey ?? null },
      { message: updateA!, orderingKey: updateA!.orderingKey ?? null },
      { message: fanout, orderingKey: null },
      { message: inbox, orderingKey: null },
    ],
    inbox,
    create,
    update,
    profile,
  };
}

/** The outbox after the migration: Fedify's deliveries, in order, without a key. */
async function expectMigrated(outbox: Outbox<unknown>, everything: () => Promise<string>, queued: string[]) {
  const legacy = legacyRows();
  const dump: OutboxDump = await outbox.exportOutbox();
  expect(dump.deliveries.map((d) => [d.inbox, d.host, d.attempt])).toEqual([
    [A, "a.example", 0],
    [B, "b.example", 2],
    [A, "a.example", 0],
    [C, "c.example:8443", 0],
    [D, "d.example", 0],
  ]);
  const byId = new Map(dump.fanouts.map((f) => [f.id, f]));
  const fanoutOf = (i: number) => byId.get(dump.deliveries[i]!.fanoutId)!;
  expect(JSON.parse(fanoutOf(0).body)).toEqual(legacy.create);
  expect(fanoutOf(0)).toMatchObject({
    activityId: legacy.create.id,
    activityType: CREATE,
    orderKey: ORDER_KEY,
    followers: true,
  });
  expect(JSON.parse(fanoutOf(2).body)).toEqual(legacy.update);
  expect(fanoutOf(2).orderKey).toBe(ORDER_KEY);
  expect(JSON.parse(fanoutOf(3).body)).toEqual(legacy.profile);
  expect(fanoutOf(3)).toMatchObject({ orderKey: null, followers: true });
  expect(fanoutOf(4).id).toBe(fanoutOf(3).id);
  // Only the received activity is left in the queue.
  expect(queued.map((m) => JSON.parse(m))).toEqual([legacy.inbox]);
  const text = await everything();
  expect(text).toContain(legacy.create.id);
  expect(keyMaterialIn(text)).toEqual([]);
  // The order per inbox came along: the Update to A waits for the Create.
  expect((await outbox.claim(10)).map((d) => d.inbox)).toEqual([A, B, C, D]);
}

describe("SqliteOutbox beyond the contract", () => {
  it("moves Fedify's queued deliveries into the outbox at migration 9, and their keys nowhere", async () => {
    const file = tempFile();
    // A file as Herald left it before the outbox: schema version 8, Fedify's messages in the queue.
    const made = new SqliteStore(file);
    made.database.exec(`DROP TABLE fanouts; DROP TABLE deliveries; DROP TABLE receipts; DROP TABLE delivery_days;
                        DROP TABLE hosts; PRAGMA user_version = 8;`);
    const insert = made.database.prepare(
      "INSERT INTO queue (message, ordering_key, scheduled_ms) VALUES (?, ?, ?)",
    );
    for (const row of legacyRows().rows) insert.run(JSON.stringify(row.message), row.orderingKey, Date.now());
    made.close();

    const store = new SqliteStore(file);
    try {
      const queued = (
        store.database.prepare("SELECT message FROM queue ORDER BY id").all() as { message: string }[]
      ).map((r) => r.message);
      await expectMigrated(
        new SqliteOutbox(store.database),
        async () => sqliteEverything(store.database),
        queued,
      );
    } finally {
      store.close();
    }
  });
});

describe("PostgresOutbox beyond the contract", () => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    await schema?.drop();
    schema = undefined;
  });

  it("moves Fedify's queued deliveries into the outbox in its first migration, and their keys nowhere", async () => {
    schema = await createTestSchema();
    const sql = schema.client();
    const queue = new PostgresQueue(sql);
    for (const row of legacyRows().rows)
      await queue.enqueue(row.message, row.orderingKey ? { orderingKey: row.orderingKey } : undefined);
    const outbox = new PostgresOutbox(sql);
    await outbox.initialize();
    const queued = (await queue.exportMessages()).map((m) => m.message);
    await expectMigrated(outbox, () => postgresEverything(sql, schema!.name), queued);
    // One fan-out per activity: the Create's two messages share one.
    expect((await outbox.exportOutbox()).fanouts).toHaveLength(3);
  });

  it("renews a held delivery's lease, and a dead worker's deliveries come back within one lease", async () => {
    schema = await createTestSchema();
    const worker = schema.client();
    const a = new PostgresOutbox(worker, { leaseMs: 300 });
    const b = new PostgresOutbox(schema.client(), { leaseMs: 300 });
    await a.enqueueMany!(fedifyMessages(activity("x"), [A]));
    const [claimed] = await a.claim(10);
    expect(claimed).toBeDefined();
    // Three leases long: still a's.
    await sleep(1_000);
    expect(await b.claim(10)).toEqual([]);
    // a dies (its connections close, nothing is released): within one lease, b has it.
    await worker.end({ timeout: 0 });
    const died = Date.now();
    let taken: unknown[] = [];
    while (taken.length === 0 && Date.now() - died < 5_000) {
      taken = await b.claim(10);
      await sleep(20);
    }
    expect(taken).toHaveLength(1);
    expect(Date.now() - died).toBeLessThan(1_500);
  });

  it("stops renewing a delivery held past maxHoldMs, and counts its outcome once", async () => {
    schema = await createTestSchema();
    const a = new PostgresOutbox(schema.client(), { leaseMs: 300, maxHoldMs: 1 });
    const b = new PostgresOutbox(schema.client(), { leaseMs: 60_000 });
    const act = activity("x");
    await a.enqueueMany!(fedifyMessages(act, [A]));
    const [lost] = await a.claim(10);
    await sleep(800);
    const [again] = await b.claim(10);
    expect(again?.id).toBe(lost!.id);
    // a settles late: b holds the delivery now, so b's outcome is the one that counts.
    await a.settle([{ delivery: lost!, result: { kind: "delivered", status: 202 }, atMs: Date.now() }], []);
    expect((await b.exportOutbox()).deliveries).toHaveLength(1);
    await b.settle([{ delivery: again!, result: { kind: "delivered", status: 200 }, atMs: Date.now() }], []);
    const [receipt] = await b.receipts([act.id]);
    expect(receipt).toMatchObject({ delivered: 1, attempts: 1, lastStatus: 200, waiting: 0 });
    const day = new Date().toISOString().slice(0, 10);
    expect((await b.days(day)).reduce((n, d) => n + d.delivered, 0)).toBe(1);
  });

  it("makes writers of one order key take turns, so no claimer sees a later delivery first", async () => {
    schema = await createTestSchema();
    const setup = schema.client({ max: 1 });
    await setup`CREATE TABLE marks (id text PRIMARY KEY)`;
    const first = new PostgresOutbox(schema.client());
    const second = new PostgresOutbox(schema.client());
    const claimer = new PostgresOutbox(schema.client());
    await claimer.initialize();
    let firstDrew!: (pid: number) => void;
    const drew = new Promise<number>((resolve) => {
      firstDrew = resolve;
    });
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    // The first writer holds its transaction open (its ids drawn, not committed) until let go.
    const slow = first.atomically(
      () => enqueueAll(first, fedifyMessages(activity("harbor"), [A], { orderKey: ORDER_KEY })),
      async (_v, tx) => {
        await tx`INSERT INTO marks (id) VALUES ('create')`;
        const [self] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        firstDrew(self!.pid);
        await held;
      },
    );
    const firstPid = await drew;
    const fast = second.atomically(
      () => enqueueAll(second, fedifyMessages(activity("harbor", "update"), [A], { orderKey: ORDER_KEY })),
      (_v, tx) => tx`INSERT INTO marks (id) VALUES ('update')`,
    );
    // The Update's writer waits for the Create's: the database says it is blocked by it.
    const observer = schema.client({ max: 1 });
    const blocked = async () =>
      (
        await observer<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${firstPid}::int = ANY(pg_blocking_pids(pid))`
      )[0]!.n > 0;
    try {
      const deadline = Date.now() + 10_000;
      while (!(await blocked()) && Date.now() < deadline) await sleep(10);
      expect(await blocked()).toBe(true);
      // Nothing of either is visible, so nothing is claimed.
      expect(await claimer.claim(10)).toEqual([]);
    } finally {
      letGo();
    }
    await Promise.all([slow, fast]);
    const [create] = await claimer.claim(10);
    expect((await claimer.fanout(create!.fanoutId))!.activityId).toBe(activity("harbor").id);
    expect(await claimer.claim(10)).toEqual([]);
    await claimer.settle(
      [{ delivery: create!, result: { kind: "delivered", status: 202 }, atMs: Date.now() }],
      [],
    );
    const [update] = await claimer.claim(10);
    expect((await claimer.fanout(update!.fanoutId))!.activityId).toBe(activity("harbor", "update").id);
  });

  it("wakes a worker in another process by NOTIFY", async () => {
    schema = await createTestSchema();
    const worker = new PostgresOutbox(schema.client());
    const web = new PostgresOutbox(schema.client());
    await web.initialize();
    let woken = 0;
    const unsubscribe = await worker.onQueued(() => woken++);
    woken = 0;
    const sent = Date.now();
    await web.enqueueMany!(fedifyMessages(activity("x"), [A]));
    while (woken === 0 && Date.now() - sent < 5_000) await sleep(5);
    expect(woken).toBeGreaterThan(0);
    expect(Date.now() - sent).toBeLessThan(1_000);
    await unsubscribe();
  });

  it("writes a 10,000-inbox fan-out in a few statements, with the body once", async () => {
    schema = await createTestSchema();
    const sql = schema.client();
    const outbox = new PostgresOutbox(sql);
    await outbox.initialize();
    const inboxes = Array.from({ length: 10_000 }, (_, i) => `https://s${i % 500}.example/users/u${i}/inbox`);
    const started = Date.now();
    await outbox.atomically(
      () =>
        enqueueAll(
          outbox,
          fedifyMessages(activity("big"), inboxes, { orderKey: ORDER_KEY, followers: true }),
        ),
      () => {},
    );
    const took = Date.now() - started;
    const [counts] = await sql<{ fanouts: number; deliveries: number; bytes: number }[]>`
      SELECT (SELECT count(*) FROM herald_fanouts)::int AS fanouts,
             (SELECT count(*) FROM herald_deliveries)::int AS deliveries,
             pg_total_relation_size('herald_deliveries')::int AS bytes`;
    expect(counts).toMatchObject({ fanouts: 1, deliveries: 10_000 });
    // Row, indexes and all: a few hundred bytes a delivery, not Fedify's ~5 KB.
    expect(counts!.bytes / 10_000).toBeLessThan(400);
    expect(took).toBeLessThan(10_000);
  });
});
