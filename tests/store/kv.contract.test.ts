import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { KvStore } from "@fedify/fedify";
import { SqliteKvStore } from "@fedify/sqlite";
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { PostgresKvStore } from "../../src/store/postgres-kv.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteKv } from "../../src/store/sqlite-kv.ts";
import { kvContract } from "./contract.ts";
import { createTestSchema } from "./contract-postgres.ts";

// @fedify/sqlite lists by `key LIKE '["prefix",%' ESCAPE '\\'` without escaping the prefix: `%` and
// `_` in a key act as wildcards, a `\` in a key (doubled by JSON) no longer matches, and SQLite's LIKE
// ignores ASCII case. Fedify lists only ["_fedify", "circuit"] (its circuit breaker's sweep), where the
// `_` could only match keys Herald never writes ("xfedify", "_FEDIFY"), so Herald is not affected
// today; the cases stay here, as expected failures, so that a fix upstream shows.
/** A KV store on a fresh SQLite file; `other` opens a second connection, as another process would. */
async function openSqlite(make: (db: DatabaseSync) => KvStore) {
  const file = join(mkdtempSync(join(tmpdir(), "herald-kv-")), "kv.sqlite");
  const dbs: DatabaseSync[] = [];
  const connect = () => {
    // The store's migrations create the kv table, as in Herald (they run once per file).
    const db = new SqliteStore(file).database;
    dbs.push(db);
    return make(db);
  };
  return {
    kv: connect(),
    other: async () => connect(),
    close: async () => {
      for (const db of dbs) db.close();
    },
  };
}

kvContract({
  name: "SqliteKvStore (@fedify/sqlite on node:sqlite)",
  knownFailures: {
    "lists by prefix when keys contain LIKE wildcards (% and _)": "% and _ are not escaped",
    "lists by prefix when keys contain slashes, backslashes and quotes":
      "JSON's \\\\ is read as one escaped \\",
    "lists by prefix with Unicode and case exactly": "SQLite LIKE is case-insensitive for ASCII",
  },
  open: () => openSqlite((db) => new SqliteKvStore(db)),
});

kvContract({
  name: "SqliteKv (Herald's own, on node:sqlite)",
  open: () => openSqlite((db) => new SqliteKv(db)),
});

kvContract({
  name: "PostgresKvStore",
  async open() {
    const schema = await createTestSchema();
    return {
      kv: new PostgresKvStore(schema.client()),
      other: async () => new PostgresKvStore(schema.client()),
      close: () => schema.drop(),
    };
  },
});

describe("PostgresKvStore beyond the contract", () => {
  it("deletes expired rows lazily, after a write, at most once per sweep interval", async () => {
    const schema = await createTestSchema();
    try {
      const sql = schema.client();
      const kv = new PostgresKvStore(sql, { sweepIntervalMs: 1_000 });
      const rows = async () =>
        (await sql<{ key: string }[]>`SELECT key FROM herald_kv ORDER BY key`).map((r) => r.key);
      await kv.set(["gone"], 1, { ttl: Temporal.Duration.from({ milliseconds: 50 }) });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await kv.set(["a"], 1); // Within the interval: no sweep yet, the expired row is only invisible.
      expect(await kv.get(["gone"])).toBeUndefined();
      expect(await rows()).toEqual(['["a"]', '["gone"]']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await kv.set(["b"], 1);
      const deadline = Date.now() + 2_000;
      while ((await rows()).includes('["gone"]') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(await rows()).toEqual(['["a"]', '["b"]']);
      await kv.set(["c"], 1, { ttl: Temporal.Duration.from({ milliseconds: 1 }) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await kv.sweepExpired()).toBe(1);
    } finally {
      await schema.drop();
    }
  });
});
