import type { DatabaseSync, StatementSync } from "node:sqlite";
import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { immediateTransaction, statementCache } from "./sqlite-tx.ts";

// Why not @fedify/sqlite's SqliteKvStore: it prepares every statement on every call (a fan-out
// pays that for each delivery's key and circuit-breaker lookups), and it lists by a LIKE pattern
// it does not escape, so `%`, `_` and `\` in keys and ASCII case break prefix listing.
//
// Keys are stored as JSON.stringify(key) under the BINARY collation (byte order). JSON escapes every
// `"` and `\` inside a part, so every key under prefix ["a","b"] starts with the exact text
// `["a","b",` and that text starts no other key: a range query between `["a","b",` and
// `["a","b"-` ('-' is the byte after ',') lists exactly the prefix, straight from the primary key.
// The same encoding as PostgresKvStore, tested by the same contract suite.

// The table is created by SqliteStore's migrations (store/sqlite.ts, migration 8).

export class SqliteKv implements KvStore {
  readonly #db: DatabaseSync;
  readonly #statement: (sql: string) => StatementSync;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(db: DatabaseSync, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#statement = statementCache(db);
    this.#now = options.now ?? Date.now;
  }

  #read(key: string): { value: unknown } | undefined {
    const row = this.#statement("SELECT value, expires_ms FROM kv WHERE key = ?").get(key) as
      | { value: string; expires_ms: number | null }
      | undefined;
    if (!row || (row.expires_ms !== null && row.expires_ms <= this.#now())) return undefined;
    return { value: JSON.parse(row.value) };
  }

  #write(key: string, value: unknown, options?: KvStoreSetOptions): void {
    const ttl = options?.ttl ? options.ttl.total("millisecond") : undefined;
    this.#statement(
      `INSERT INTO kv (key, value, expires_ms) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms`,
    ).run(key, JSON.stringify(value), ttl === undefined ? null : this.#now() + ttl);
    this.#sweep();
  }

  /** Expired rows are invisible at once and deleted now and then, after a write. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    this.#statement("DELETE FROM kv WHERE expires_ms IS NOT NULL AND expires_ms <= ?").run(now);
  }

  get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return Promise.resolve(this.#read(JSON.stringify(key))?.value as T | undefined);
  }

  set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key);
    this.#write(JSON.stringify(key), value, options);
    return Promise.resolve();
  }

  delete(key: KvKey): Promise<void> {
    this.#statement("DELETE FROM kv WHERE key = ?").run(JSON.stringify(key));
    return Promise.resolve();
  }

  cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const k = JSON.stringify(key);
    // node:sqlite is synchronous: read and write inside one write transaction, no other process between.
    const swapped = immediateTransaction(this.#db, () => {
      const current = this.#read(k)?.value;
      if (!isDeepStrictEqual(current, expectedValue)) return false;
      if (newValue === undefined) this.#statement("DELETE FROM kv WHERE key = ?").run(k);
      else this.#write(k, newValue, options);
      return true;
    });
    return Promise.resolve(swapped);
  }

  async *list(prefix: KvKey = [] as unknown as KvKey): AsyncIterable<KvStoreListEntry> {
    const now = this.#now();
    const rows: { key: string; value: string }[] = [];
    if (prefix.length === 0) {
      rows.push(
        ...(this.#statement(
          "SELECT key, value FROM kv WHERE expires_ms IS NULL OR expires_ms > ? ORDER BY key",
        ).all(now) as { key: string; value: string }[]),
      );
    } else {
      const exact = JSON.stringify(prefix);
      const start = `${exact.slice(0, -1)},`;
      const end = `${exact.slice(0, -1)}-`;
      rows.push(
        ...(this.#statement(
          `SELECT key, value FROM kv
            WHERE (key = ? OR (key > ? AND key < ?)) AND (expires_ms IS NULL OR expires_ms > ?)
            ORDER BY key`,
        ).all(exact, start, end, now) as { key: string; value: string }[]),
      );
    }
    for (const row of rows) yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) };
  }
}
