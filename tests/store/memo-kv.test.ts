// MemoKv: fewer store round trips for Fedify's per-delivery hints, on a real SQLite KV store.
import type { DatabaseSync } from "node:sqlite";
import { Temporal } from "@js-temporal/polyfill";
import { afterEach, describe, expect, it } from "vitest";
import { MemoKv, PER_DELIVERY_PREFIXES } from "../../src/store/memo-kv.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteKv } from "../../src/store/sqlite-kv.ts";

const open: DatabaseSync[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A real SQLite KV store whose writes and reads are counted at the database (its total changes). */
function world() {
  // The store's migrations create the kv table, as in Herald.
  const db = new SqliteStore(":memory:").database;
  open.push(db);
  let clock = 1_000_000;
  const kv = new SqliteKv(db, { now: () => clock });
  const memo = new MemoKv(kv, { prefixes: PER_DELIVERY_PREFIXES, ttlMs: 5_000, now: () => clock });
  const writes = () => (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  return { db, kv, memo, writes, advance: (ms: number) => (clock += ms) };
}

const spec = ["_fedify", "httpMessageSignaturesSpec", "https://mastodon.example"] as const;
const circuit = ["_fedify", "circuit", "mastodon.example"] as const;
const other = ["_fedify", "publicKey", "https://mastodon.example/users/a#main-key"] as const;

describe("MemoKv", () => {
  it("writes an unchanged spec once, and answers reads of it from memory", async () => {
    const { kv, memo, writes } = world();
    await memo.set(spec, "draft-cavage-http-signatures-12");
    const after = writes();
    for (let i = 0; i < 100; i++) {
      expect(await memo.get(spec)).toBe("draft-cavage-http-signatures-12");
      await memo.set(spec, "draft-cavage-http-signatures-12");
    }
    expect(writes()).toBe(after);
    // A changed value is written at once.
    await memo.set(spec, "rfc9421");
    expect(await kv.get(spec)).toBe("rfc9421");
    expect(writes()).toBe(after + 1);
  });

  it("sees another process's write once its memory expires", async () => {
    const { kv, memo, advance } = world();
    expect(await memo.get(circuit)).toBeUndefined();
    await kv.set(circuit, { state: "open" }); // another process
    expect(await memo.get(circuit)).toBeUndefined();
    advance(5_001);
    expect(await memo.get(circuit)).toEqual({ state: "open" });
  });

  it("decides compare-and-swap on the store, and follows its outcome", async () => {
    const { kv, memo } = world();
    expect(await memo.get(circuit)).toBeUndefined();
    await kv.set(circuit, { state: "open", failures: 3 }); // another process, unseen by memory
    expect(await memo.cas(circuit, undefined, { state: "closed" })).toBe(false);
    // The failed swap forgot the stale answer: the next read asks the store.
    expect(await memo.get(circuit)).toEqual({ state: "open", failures: 3 });
    expect(await memo.cas(circuit, { state: "open", failures: 3 }, { state: "half-open" })).toBe(true);
    expect(await memo.get(circuit)).toEqual({ state: "half-open" });
    await memo.delete(circuit);
    expect(await memo.get(circuit)).toBeUndefined();
    expect(await kv.get(circuit)).toBeUndefined();
  });

  it("passes every other key, and writes with their own expiry, straight through", async () => {
    const { kv, memo, writes } = world();
    await memo.set(other, { pem: "x" });
    await memo.set(other, { pem: "x" });
    await kv.set(other, { pem: "y" });
    expect(await memo.get(other)).toEqual({ pem: "y" });
    const before = writes();
    await memo.set(spec, "rfc9421", { ttl: Temporal.Duration.from({ hours: 1 }) });
    await memo.set(spec, "rfc9421", { ttl: Temporal.Duration.from({ hours: 1 }) });
    expect(writes()).toBe(before + 2);
    const listed = [];
    for await (const entry of memo.list(["_fedify"])) listed.push(entry.key.join("/"));
    expect(listed.sort()).toEqual([spec.join("/"), other.join("/")].sort());
  });

  it("hands out copies, so a caller changing an answer does not change memory", async () => {
    const { memo } = world();
    await memo.set(circuit, { state: "open", failures: 1 });
    const state = (await memo.get(circuit)) as { failures: number };
    state.failures = 99;
    expect(await memo.get(circuit)).toEqual({ state: "open", failures: 1 });
  });
});
