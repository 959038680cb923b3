import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import type { Sql } from "postgres";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";

// Why our own store and not @fedify/postgres: the only version reachable here is 1.8.7, written for
// Fedify 1, whose KvStore has no `list()`; Fedify 2 requires it. Wrapping it would mean a second
// table or a scan to list, and its key layout is not ours to rely on for prefix queries. The
// interface is five methods, so we own them and test them with the same contract suite as the SQLite
// store (tests/store/kv.contract.test.ts).
//
// Key encoding: a key is JSON.stringify(key) in a `text COLLATE "C"` primary key, e.g.
// ["_fedify","publicKey","https://a.example/k"]. JSON escapes every `"` and `\` inside a part, so a
// part always ends at an unescaped `"`; hence every key under prefix P = ["a","b"] begins with the
// exact text `["a","b",` and that text begins no other key. With the C collation (byte order, no
// locale rules) "begins with X," is the range X, < key < X- ('-' is the byte after ','), which the
// primary key's btree answers directly: no LIKE, so `%`, `_` and `\` in keys need no escaping, and
// the result is exact for any Unicode. The key equal to the prefix itself is one more lookup.
//
// Values are stored as JSON text rather than jsonb: jsonb rejects "\u0000" in strings and reorders
// object keys, and we never query inside values. Expiry uses the database clock, so hosts whose
// clocks disagree still agree on what has expired; expired rows are invisible at once and deleted
// lazily, at most once per `sweepIntervalMs` per process, after a write.

export interface PostgresKvStoreOptions {
  /** Table name; `herald_kv` by default. The connection's search_path picks the schema. */
  table?: string;
  /** How often, at most, a write also deletes expired rows. */
  sweepIntervalMs?: number;
}

const PAGE = 256;

/** The KV table's schema component (`t`: the table, `herald_kv`). */
export function kvMigrations(t: string): SchemaComponent {
  return {
    component: t,
    migrations: [
      [
        `CREATE TABLE IF NOT EXISTS ${t} (
           key        text COLLATE "C" PRIMARY KEY,
           value      text NOT NULL,
           expires_at timestamptz
         )`,
        `CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at) WHERE expires_at IS NOT NULL`,
      ],
    ],
  };
}

export class PostgresKvStore implements KvStore {
  readonly #sql: Sql;
  readonly #table: string;
  readonly #sweepIntervalMs: number;
  #lastSweep = Date.now();
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresKvStoreOptions = {}) {
    this.#sql = sql;
    this.#table = checkIdentifier(options.table ?? "herald_kv");
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    const t = this.#table;
    this.initialize = once(() => applySchema(sql, t, kvMigrations(t).migrations));
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    await this.initialize();
    const sql = this.#sql;
    const [row] = await sql<{ value: string }[]>`
      SELECT value FROM ${sql(this.#table)}
       WHERE key = ${encodeKey(key)} AND (expires_at IS NULL OR expires_at > now())`;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const text = encodeValue(value);
    if (text === undefined) return this.delete(key);
    await this.initialize();
    const sql = this.#sql;
    await sql`
      INSERT INTO ${sql(this.#table)} (key, value, expires_at)
      VALUES (${encodeKey(key)}, ${text}, now() + ${ttlMs(options)}::float8 * interval '1 millisecond')
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
    this.#maybeSweep();
  }

  async delete(key: KvKey): Promise<void> {
    await this.initialize();
    const sql = this.#sql;
    await sql`DELETE FROM ${sql(this.#table)} WHERE key = ${encodeKey(key)}`;
    this.#maybeSweep();
  }

  /**
   * Sets `newValue` (deletes the key when it is undefined) if the live value deep-equals
   * `expectedValue`; `undefined` expects the key to be absent or expired. Equality is that of the
   * JSON both sides are stored as, like Fedify's own stores (object key order does not matter).
   */
  async cas(
    key: KvKey,
    expectedValue: unknown,
    newValue: unknown,
    options?: KvStoreSetOptions,
  ): Promise<boolean> {
    await this.initialize();
    const encoded = encodeKey(key);
    const expectedText = encodeValue(expectedValue);
    const expected = expectedText === undefined ? undefined : JSON.parse(expectedText);
    const newText = encodeValue(newValue);
    const done = await this.#sql.begin(async (tx) => {
      const table = tx(this.#table);
      // FOR UPDATE makes concurrent swaps of an existing key take turns; for an absent key there is
      // no row to lock, and the insert below settles the race instead.
      const [row] = await tx<{ value: string; live: boolean }[]>`
        SELECT value, (expires_at IS NULL OR expires_at > now()) AS live
          FROM ${table} WHERE key = ${encoded} FOR UPDATE`;
      const current = row?.live ? JSON.parse(row.value) : undefined;
      if (!isDeepStrictEqual(current, expected)) return false;
      if (newText === undefined) {
        await tx`DELETE FROM ${table} WHERE key = ${encoded}`;
        return true;
      }
      const expires = tx`now() + ${ttlMs(options)}::float8 * interval '1 millisecond'`;
      if (row) {
        await tx`UPDATE ${table} SET value = ${newText}, expires_at = ${expires} WHERE key = ${encoded}`;
        return true;
      }
      // Another swap may have inserted the key since our read: then we lost, as if we had read it.
      const inserted = await tx`
        INSERT INTO ${table} (key, value, expires_at) VALUES (${encoded}, ${newText}, ${expires})
        ON CONFLICT (key) DO NOTHING RETURNING 1`;
      return inserted.length === 1;
    });
    this.#maybeSweep();
    return done;
  }

  /** Entries whose key starts with `prefix` (all entries without one), in key order, page by page. */
  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    await this.initialize();
    const sql = this.#sql;
    const table = sql(this.#table);
    let after: string;
    let below: string;
    if (prefix && prefix.length > 0) {
      const exact = encodeKey(prefix);
      const [row] = await sql<{ value: string }[]>`
        SELECT value FROM ${table}
         WHERE key = ${exact} AND (expires_at IS NULL OR expires_at > now())`;
      if (row) yield { key: prefix, value: JSON.parse(row.value) };
      after = `${exact.slice(0, -1)},`;
      below = `${exact.slice(0, -1)}-`;
    } else {
      // Every encoded key starts with '['; '\' is the byte after it.
      after = "[";
      below = "\\";
    }
    // Keyset pages rather than a cursor: no connection stays checked out between pages, so a caller
    // may write to the store while it iterates (Fedify's circuit-breaker sweep does).
    for (;;) {
      const rows = await sql<{ key: string; value: string }[]>`
        SELECT key, value FROM ${table}
         WHERE key > ${after} AND key < ${below} AND (expires_at IS NULL OR expires_at > now())
         ORDER BY key LIMIT ${PAGE}`;
      for (const row of rows) yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.key;
    }
  }

  /** Deletes expired rows now; returns how many. */
  async sweepExpired(): Promise<number> {
    await this.initialize();
    const sql = this.#sql;
    this.#lastSweep = Date.now();
    const result = await sql`DELETE FROM ${sql(this.#table)} WHERE expires_at <= now()`;
    return result.count;
  }

  #maybeSweep(): void {
    if (Date.now() - this.#lastSweep < this.#sweepIntervalMs) return;
    this.#lastSweep = Date.now();
    // Housekeeping only: reads already ignore expired rows, so a failure here changes nothing.
    this.sweepExpired().catch(() => {});
  }
}

function encodeKey(key: KvKey): string {
  return JSON.stringify(key);
}

/** JSON text of a value, or undefined for what JSON cannot hold (the key is then absent). */
function encodeValue(value: unknown): string | undefined {
  return value === undefined ? undefined : (JSON.stringify(value) as string | undefined);
}

function ttlMs(options: KvStoreSetOptions | undefined): number | null {
  return options?.ttl ? options.ttl.total("millisecond") : null;
}
