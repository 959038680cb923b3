import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresKvStore } from "../../src/store/postgres-kv.ts";
import { PostgresLeases } from "../../src/store/postgres-lease.ts";
import { PostgresQueue } from "../../src/store/postgres-queue.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteQueue } from "../../src/store/sqlite-queue.ts";
import { queueContract } from "./contract.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";

/** A database file with Herald's whole schema, made by the store's own migrations. */
function migrated(file: string): void {
  new SqliteStore(file).close();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

queueContract({
  name: "SqliteQueue",
  renewsLeases: false,
  async open() {
    const file = join(mkdtempSync(join(tmpdir(), "herald-queue-")), "q.sqlite");
    const dbs: DatabaseSync[] = [];
    return {
      async instance(options = {}) {
        migrated(file);
        const db = new DatabaseSync(file);
        db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
        db.exec("CREATE TABLE IF NOT EXISTS marks (id TEXT PRIMARY KEY)");
        dbs.push(db);
        const queue = new SqliteQueue(db, options);
        return {
          queue,
          atomicallyMark: (send, mark) =>
            queue.atomically(send, () => db.prepare("INSERT INTO marks (id) VALUES (?)").run(mark)),
          marks: async () =>
            (db.prepare("SELECT id FROM marks ORDER BY id").all() as { id: string }[]).map((r) => r.id),
          // A killed process holds nothing in SQLite but its lease row, which is what is under test.
          crash: async () => {},
        };
      },
      async fresh(options = {}) {
        const fresh = join(mkdtempSync(join(tmpdir(), "herald-queue-")), "q.sqlite");
        migrated(fresh);
        const db = new DatabaseSync(fresh);
        dbs.push(db);
        return new SqliteQueue(db, options);
      },
      async close() {
        for (const db of dbs) db.close();
      },
    };
  },
});

queueContract({
  name: "PostgresQueue",
  renewsLeases: true,
  async open() {
    const schema = await createTestSchema();
    const setup = schema.client({ max: 1 });
    await new PostgresQueue(setup).initialize();
    await setup`CREATE TABLE marks (id text PRIMARY KEY)`;
    return {
      async instance(options = {}) {
        const sql = schema.client();
        const queue = new PostgresQueue(sql, options);
        await queue.initialize();
        return {
          queue,
          atomicallyMark: (send, mark) =>
            queue.atomically(send, async (_value, tx) => {
              await tx`INSERT INTO marks (id) VALUES (${mark})`;
            }),
          marks: async () => (await sql<{ id: string }[]>`SELECT id FROM marks ORDER BY id`).map((r) => r.id),
          // Its connections close as a killed process's do: lease renewals stop, nothing is released.
          crash: () => sql.end({ timeout: 0 }),
        };
      },
      // Same schema, another table.
      fresh: async (options = {}) => new PostgresQueue(schema.client(), { ...options, table: "fresh_queue" }),
      close: () => schema.drop(),
    };
  },
});

describe("PostgresQueue beyond the contract", () => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    await schema?.drop();
    schema = undefined;
  });

  it("writes a fan-out by COPY byte for byte and in order, and not at all when the batch fails", async () => {
    schema = await createTestSchema();
    const sql = schema.client();
    const queue = new PostgresQueue(sql, { pollMs: 20 });
    // What COPY's text format must escape, and what it must leave alone.
    const awkward = ["tab\there", "line\nbreak", "cr\rhere", "back\\slash \\N", "港口 ✓ 😀", '"quoted"', ""];
    const messages = Array.from({ length: 300 }, (_, i) => ({ i, text: awkward[i % awkward.length] }));
    const key = (i: number) => (i % 3 === 0 ? undefined : `https://herald.example/objects/a#${i % 5}\t`);
    const enqueueAll = () =>
      Promise.all(messages.map((m) => queue.enqueue(m, key(m.i) ? { orderingKey: key(m.i) } : undefined)));
    await queue.atomically(enqueueAll, () => {});
    const stored = await queue.exportMessages();
    expect(stored.map((m) => m.message)).toEqual(messages.map((m) => JSON.stringify(m)));
    expect(stored.map((m) => m.orderingKey)).toEqual(messages.map((m) => key(m.i) ?? null));
    const [row] = await sql<{ late: boolean }[]>`
      SELECT bool_or(scheduled_at > now()) AS late FROM herald_queue`;
    expect(row?.late).toBe(false);
    // The same batch failing after the COPY leaves nothing behind.
    await expect(
      queue.atomically(enqueueAll, () => {
        throw new Error("ledger write failed");
      }),
    ).rejects.toThrow("ledger write failed");
    expect(await queue.exportMessages()).toHaveLength(300);
  });

  it("takes over from a real second process killed with SIGKILL mid-delivery", async () => {
    schema = await createTestSchema();
    const sql = schema.client();
    const queue = new PostgresQueue(sql, { leaseMs: 1_000, pollMs: 20 });
    await queue.enqueue({ n: 42 });
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "contract-worker.ts"), schema.url, schema.name, "1000"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const lines = createInterface({ input: child.stdout! });
      const claimed = await new Promise<string>((resolve, reject) => {
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`worker exited with ${code} before claiming`)));
        setTimeout(() => reject(new Error("worker claimed nothing in 15 s")), 15_000);
      });
      expect(claimed).toBe('claimed {"n":42}');
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    const [leased] = await sql<{ owner: string }[]>`SELECT lease_owner AS owner FROM herald_queue`;
    expect(leased?.owner).toMatch(new RegExp(`/${child.pid}/`));

    const seen: unknown[] = [];
    const abort = new AbortController();
    const done = queue.listen((m) => void seen.push(m), { signal: abort.signal });
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await sleep(10);
    // Deleted once handled, leased or not: with no row left, no second copy can be handed out.
    while ((await queue.exportMessages()).length > 0 && Date.now() < deadline) await sleep(10);
    abort.abort();
    await done;
    expect(seen).toEqual([{ n: 42 }]);
    expect(await queue.exportMessages()).toEqual([]);
  });

  it("wakes a worker in another process by NOTIFY, long before its next poll", async () => {
    schema = await createTestSchema();
    const application = `${schema.name}_worker`;
    const worker = new PostgresQueue(schema.client({ application }), { pollMs: 30_000 });
    const web = new PostgresQueue(schema.client());
    await web.initialize();
    const seen: { at: number }[] = [];
    const abort = new AbortController();
    const done = worker.listen(() => void seen.push({ at: Date.now() }), { signal: abort.signal });
    // Sent before the worker listens, or before its first claim, the message would be found by that
    // claim, NOTIFY or not. The worker LISTENs first, then claims; wait until the database shows
    // both done (its connections idle after them), so that only a wake-up can bring the message.
    const observer = schema.client({ max: 1 });
    const waiting = async () => {
      const [row] = await observer<{ listening: number; claimed: number }[]>`
        SELECT count(*) FILTER (WHERE query ILIKE 'listen %')::int AS listening,
               count(*) FILTER (WHERE state = 'idle' AND query LIKE '%attempts = q.attempts + 1%')::int AS claimed
          FROM pg_stat_activity WHERE application_name = ${application}`;
      return row!.listening > 0 && row!.claimed > 0;
    };
    const ready = Date.now() + 10_000;
    while (!(await waiting())) {
      if (Date.now() > ready) throw new Error("the worker did not LISTEN and claim within 10 s");
      await sleep(10);
    }
    const sent = Date.now();
    await web.enqueue({ n: 1 });
    while (seen.length === 0 && Date.now() - sent < 5_000) await sleep(5);
    abort.abort();
    await done;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.at - sent).toBeLessThan(1_000);
  });

  it("creates its tables safely when several processes start at once", async () => {
    schema = await createTestSchema();
    const s = schema;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const sql = s.client({ max: 2 });
        await Promise.all([
          new PostgresQueue(sql).initialize(),
          new PostgresKvStore(sql).initialize(),
          new PostgresLeases(sql).initialize(),
        ]);
      }),
    );
    const sql = s.client({ max: 1 });
    const tables = await sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${s.name} ORDER BY 1`;
    expect(tables.map((t) => t.name)).toEqual([
      "herald_kv",
      "herald_leases",
      "herald_queue",
      "herald_schema_versions",
    ]);
  });
});
