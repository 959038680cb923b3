import type { Sql } from "postgres";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";
import type { MediaRecord, MediaStore } from "./types.ts";

// The PostgreSQL twin of SqliteMediaStore (one contract suite): one JSON document per image URL, as
// text so it round-trips byte for byte. The scheduler writes; web processes read them all when told
// that content changed.

export interface PostgresMediaStoreOptions {
  /** Prepended to the table name; `herald_` by default. */
  prefix?: string;
}

/** The cover images table's schema component (`t`: the table, `herald_media`). */
export function mediaMigrations(t: string): SchemaComponent {
  return {
    component: t,
    migrations: [
      [`CREATE TABLE IF NOT EXISTS ${t} (source text COLLATE "C" PRIMARY KEY, record text NOT NULL)`],
    ],
  };
}

export class PostgresMediaStore implements MediaStore {
  readonly #sql: Sql;
  readonly #table: string;
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresMediaStoreOptions = {}) {
    this.#sql = sql;
    const t = checkIdentifier(`${options.prefix ?? "herald_"}media`);
    this.#table = t;
    this.initialize = once(() => applySchema(sql, t, mediaMigrations(t).migrations));
  }

  async listMedia(): Promise<MediaRecord[]> {
    await this.initialize();
    const sql = this.#sql;
    const rows = await sql<{ record: string }[]>`SELECT record FROM ${sql(this.#table)} ORDER BY source`;
    return rows.map((row) => JSON.parse(row.record) as MediaRecord);
  }

  async saveMedia(records: readonly MediaRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.initialize();
    // The same source twice in one statement would make ON CONFLICT fail: the last one wins.
    const latest = new Map(records.map((r) => [r.source, r]));
    const json = JSON.stringify(
      [...latest.values()].map((r) => ({ source: r.source, record: JSON.stringify(r) })),
    );
    const sql = this.#sql;
    const t = sql(this.#table);
    await sql`
      INSERT INTO ${t} (source, record)
      SELECT source, record FROM json_to_recordset(${json}::text::json) AS r(source text, record text)
      ON CONFLICT (source) DO UPDATE SET record = excluded.record`;
  }
}
