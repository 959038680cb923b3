import type { Sql, TransactionSql } from "postgres";
import type { Article } from "../content/model.ts";
import type { ArticleChange, ArticleRecord, ArticleStore } from "../content/records.ts";
import { type ArticleRow, RECORD_COLUMNS, toArticleRecord, toArticleRow } from "./article-rows.ts";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";

// The PostgreSQL twin of SqliteStore's articles, checked by one contract suite
// (tests/store/articles.contract.test.ts). Same conventions as PostgresFederationStore: ISO instants
// and the article JSON as text (round-trip byte for byte), COLLATE "C" where text is compared, and a
// `herald_` table prefix. File size, mtime and inode are double precision: they are JS numbers, and a
// double holds any of them exactly (a bigint would come back as a string).
//
// A batch is written with two statements whatever its size: one frees the paths it hands out, one
// upserts every row from a JSON document (json_to_recordset), so a cold build of 10,000 articles is
// 20 round trips, not 20,000.

export interface PostgresArticleStoreOptions {
  /** Prepended to the table name; `herald_` by default. The connection's search_path picks the schema. */
  prefix?: string;
}

type Row = ArticleRow;

/** The articles table's schema component (`t`: the table, `herald_articles`). */
export function articlesMigrations(t: string): SchemaComponent {
  return {
    component: t,
    migrations: [
      [
        `CREATE TABLE IF NOT EXISTS ${t} (
           id            text COLLATE "C" PRIMARY KEY,
           path          text COLLATE "C",
           slug          text COLLATE "C" NOT NULL,
           body_hash     text NOT NULL,
           first_seen    text NOT NULL,
           content_hash  text NOT NULL,
           changed_at    text,
           removed_at    text,
           published     text COLLATE "C" NOT NULL,
           visible_from  text COLLATE "C",
           federate      boolean NOT NULL DEFAULT true,
           file_size     double precision,
           file_mtime_ms double precision,
           file_ino      double precision,
           fingerprint   text,
           article       text
         )`,
        // Unique among present articles only: removed ones keep their row with a null path.
        `CREATE UNIQUE INDEX IF NOT EXISTS ${t}_path ON ${t} (path) WHERE path IS NOT NULL`,
      ],
      // Title and tags beside the record, as in SQLite (see its migration). Read through json, not
      // jsonb: jsonb refuses a \u0000 escape anywhere in the document, json only where it is extracted.
      [
        `ALTER TABLE ${t} ADD COLUMN title text NOT NULL DEFAULT ''`,
        `ALTER TABLE ${t} ADD COLUMN tags text NOT NULL DEFAULT '[]'`,
        `UPDATE ${t}
              SET title = COALESCE(article::json ->> 'title', ''),
                  tags = COALESCE((article::json -> 'tags')::text, '[]')
            WHERE article IS NOT NULL`,
      ],
    ],
  };
}

export class PostgresArticleStore implements ArticleStore {
  readonly #sql: Sql;
  readonly #table: string;
  /** Creates the table once per instance, serialised against other processes (applySchema). */
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresArticleStoreOptions = {}) {
    this.#sql = sql;
    const t = checkIdentifier(`${options.prefix ?? "herald_"}articles`);
    this.#table = t;
    this.initialize = once(() => applySchema(sql, t, articlesMigrations(t).migrations));
  }

  async #ready(): Promise<Sql> {
    await this.initialize();
    return this.#sql;
  }

  async listRecords(): Promise<ArticleRecord[]> {
    const sql = await this.#ready();
    const rows = await sql<Row[]>`SELECT ${sql(RECORD_COLUMNS)} FROM ${sql(this.#table)}`;
    return rows.map(toArticleRecord);
  }

  async getArticle(id: string): Promise<Article | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<{ article: string | null }[]>`
      SELECT article FROM ${sql(this.#table)} WHERE id = ${id}`;
    return row?.article ? (JSON.parse(row.article) as Article) : undefined;
  }

  async saveRecords(changes: readonly ArticleChange[]): Promise<void> {
    await this.saveBatches([changes]);
  }

  async saveBatches(batches: Iterable<readonly ArticleChange[]>): Promise<void> {
    const sql = await this.#ready();
    await sql.begin(async (tx) => {
      for (const batch of batches) await this.#write(tx, batch);
    });
  }

  async #write(tx: TransactionSql, changes: readonly ArticleChange[]): Promise<void> {
    if (changes.length === 0) return;
    // The same id twice in one statement would make ON CONFLICT fail; the last save wins, as in SQLite.
    const latest = new Map<string, ArticleChange>();
    for (const change of changes) {
      latest.delete(change.record.id);
      latest.set(change.record.id, change);
    }
    const rows = [...latest.values()].map(({ record, article }) => ({
      ...toArticleRow(record),
      article: article ? JSON.stringify(article) : null,
    }));
    const json = JSON.stringify(rows);
    const t = tx(this.#table);
    // A path moves between ids on rename: free every path of the batch first, as SQLite does, so the
    // unique index never trips on a row written before the one that gives the path up.
    await tx`
      UPDATE ${t} AS a SET path = NULL
        FROM json_to_recordset(${json}::text::json) AS r(id text, path text)
       WHERE r.path IS NOT NULL AND a.path = r.path COLLATE "C" AND a.id <> r.id COLLATE "C"`;
    await tx`
      INSERT INTO ${t} (id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published,
                        visible_from, federate, file_size, file_mtime_ms, file_ino, fingerprint, title, tags, article)
      SELECT id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published,
             visible_from, federate, file_size, file_mtime_ms, file_ino, fingerprint, title, tags, article
        FROM json_to_recordset(${json}::text::json) AS r(
               id text, path text, slug text, body_hash text, first_seen text, content_hash text,
               changed_at text, removed_at text, published text, visible_from text, federate boolean,
               file_size double precision, file_mtime_ms double precision, file_ino double precision,
               fingerprint text, title text, tags text, article text)
      ON CONFLICT (id) DO UPDATE SET
        path = excluded.path, slug = excluded.slug, body_hash = excluded.body_hash,
        content_hash = excluded.content_hash, changed_at = excluded.changed_at,
        removed_at = excluded.removed_at, published = excluded.published,
        visible_from = excluded.visible_from, federate = excluded.federate, file_size = excluded.file_size,
        file_mtime_ms = excluded.file_mtime_ms, file_ino = excluded.file_ino, fingerprint = excluded.fingerprint,
        title = excluded.title, tags = excluded.tags, article = COALESCE(excluded.article, ${t}.article)`;
  }
}
