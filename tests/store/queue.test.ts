import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Temporal } from "@js-temporal/polyfill";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteQueue } from "../../src/store/sqlite-queue.ts";

/** A database file with Herald's whole schema, made by the store's own migrations. */
function migrated(file: string): void {
  new SqliteStore(file).close();
}

const dbs: DatabaseSync[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function open(file = join(mkdtempSync(join(tmpdir(), "herald-queue-")), "q.sqlite")) {
  migrated(file);
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
  db.exec("CREATE TABLE IF NOT EXISTS marks (id TEXT PRIMARY KEY)");
  dbs.push(db);
  return { db, file };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fake clock that counts its reads. Every claim reads it first, then hands out what it found in the
 * same synchronous stretch (the handler is called before anything else can run): once the count has
 * grown, a claim has happened and its result is in what the handler saw.
 */
function countingClock(start: number) {
  const clock = {
    now: start,
    reads: 0,
    read: () => {
      clock.reads++;
      return clock.now;
    },
    /** Resolves once the clock has been read again: a claim with the current time. */
    async claimed() {
      const before = clock.reads;
      while (clock.reads === before) await sleep(1);
    },
  };
  return clock;
}

/** Until the queue's table is empty: every message handled (and none left to hand out again). */
async function emptied(db: DatabaseSync, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM queue").get() as { n: number };
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`the queue still holds ${n} message(s) after ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function drain(
  queue: SqliteQueue,
  handler: (m: unknown) => Promise<void> | void,
  until: () => boolean,
) {
  const abort = new AbortController();
  const done = queue.listen(handler, { signal: abort.signal });
  const deadline = Date.now() + 10_000;
  while (!until() && Date.now() < deadline) await sleep(10);
  // Then until every message is deleted, as it is once handled: no second copy can come after.
  while ((await queue.exportMessages()).length > 0 && Date.now() < deadline) await sleep(10);
  abort.abort();
  await done;
  expect(await queue.exportMessages()).toEqual([]);
}

describe("SqliteQueue", () => {
  it("delivers every message once and keeps order per ordering key", async () => {
    const { db } = open();
    const queue = new SqliteQueue(db, { concurrency: 8, pollMs: 20 });
    for (let i = 0; i < 20; i++)
      await queue.enqueue({ n: i, key: i % 2 ? "odd" : "even" }, { orderingKey: i % 2 ? "odd" : "even" });
    const seen: { n: number; key: string }[] = [];
    await drain(
      queue,
      async (m) => {
        await sleep(Math.random() * 5);
        seen.push(m as { n: number; key: string });
      },
      () => seen.length === 20,
    );
    expect(seen.map((m) => m.n).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    for (const key of ["odd", "even"]) {
      const order = seen.filter((m) => m.key === key).map((m) => m.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect((await queue.getDepth()).queued).toBe(0);
  });

  it("honours delays", async () => {
    const { db } = open();
    const clock = countingClock(1_000_000);
    const queue = new SqliteQueue(db, { pollMs: 10, now: clock.read });
    await queue.enqueue({ late: true }, { delay: Temporal.Duration.from({ seconds: 30 }) });
    expect(await queue.getDepth()).toEqual({ queued: 1, ready: 0, delayed: 1 });
    const seen: unknown[] = [];
    const abort = new AbortController();
    const listening = clock.claimed();
    const done = queue.listen((m) => void seen.push(m), { signal: abort.signal });
    await listening;
    expect(seen).toEqual([]);
    clock.now += 30_000;
    await emptied(db);
    abort.abort();
    await done;
    expect(seen).toEqual([{ late: true }]);
  });

  it("gives a crashed worker's message to another worker after its lease, so nothing is lost", async () => {
    const { db, file } = open();
    let now = 5_000_000;
    const first = new SqliteQueue(db, { leaseMs: 60_000, pollMs: 10, now: () => now });
    await first.enqueue({ id: "m1" });
    // Worker 1 claims the message and "dies" (its handler never finishes).
    const abort1 = new AbortController();
    let claimed = false;
    void first.listen(
      () => {
        claimed = true;
        return new Promise<void>(() => {});
      },
      { signal: abort1.signal },
    );
    while (!claimed) await sleep(5);
    abort1.abort();

    // A second process on the same file sees nothing while the lease holds, then takes it.
    const other = new DatabaseSync(file);
    dbs.push(other);
    other.exec("PRAGMA busy_timeout = 5000;");
    const clock = countingClock(now);
    const second = new SqliteQueue(other, { leaseMs: 60_000, pollMs: 10, now: clock.read });
    const seen: unknown[] = [];
    const abort2 = new AbortController();
    const looked = clock.claimed();
    const done = second.listen((m) => void seen.push(m), { signal: abort2.signal });
    await looked;
    expect(seen).toEqual([]);
    now += 61_000;
    clock.now = now;
    await emptied(other);
    abort2.abort();
    await done;
    expect(seen).toEqual([{ id: "m1" }]);
    expect((await second.getDepth()).queued).toBe(0);
  });

  it("writes a batch and its ledger mark in one transaction, or neither", async () => {
    const { db } = open();
    const queue = new SqliteQueue(db);
    await queue.atomically(
      async () => {
        await queue.enqueue({ a: 1 }, { orderingKey: "k\nhttps://a.example" });
        await queue.enqueueMany([{ b: 2 }, { c: 3 }]);
      },
      () => db.prepare("INSERT INTO marks (id) VALUES ('ok')").run(),
    );
    expect((await queue.getDepth()).queued).toBe(3);
    expect(db.prepare("SELECT COUNT(*) AS n FROM marks").get()).toEqual({ n: 1 });

    // The ledger write fails: the whole batch is rolled back.
    await expect(
      queue.atomically(
        () => queue.enqueue({ d: 4 }),
        () => db.prepare("INSERT INTO marks (id) VALUES ('ok')").run(),
      ),
    ).rejects.toThrow(/UNIQUE/);
    // The send fails: nothing is written.
    await expect(
      queue.atomically(
        async () => {
          await queue.enqueue({ e: 5 });
          throw new Error("send failed");
        },
        () => db.prepare("INSERT INTO marks (id) VALUES ('x')").run(),
      ),
    ).rejects.toThrow("send failed");
    expect((await queue.getDepth()).queued).toBe(3);
    expect(db.prepare("SELECT COUNT(*) AS n FROM marks").get()).toEqual({ n: 1 });
  });
});
