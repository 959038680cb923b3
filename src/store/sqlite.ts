import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Article } from "../content/model.ts";
import type { ArticleRecord, ArticleStore } from "./types.ts";

// Migrations run in order at open; each runs once, recorded in PRAGMA user_version.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE articles (
     id            TEXT PRIMARY KEY,
     path          TEXT,
     slug          TEXT NOT NULL,
     body_hash     TEXT NOT NULL,
     first_seen    TEXT NOT NULL,
     content_hash  TEXT NOT NULL,
     changed_at    TEXT,
     removed_at    TEXT,
     published     TEXT NOT NULL,
     visible_from  TEXT,
     file_size     INTEGER,
     file_mtime_ms REAL,
     file_ino      INTEGER,
     fingerprint   TEXT,
     article       TEXT
   );
   CREATE UNIQUE INDEX articles_path ON articles(path) WHERE path IS NOT NULL;`,
];

interface Row {
  id: string;
  path: string | null;
  slug: string;
  body_hash: string;
  first_seen: string;
  content_hash: string;
  changed_at: string | null;
  removed_at: string | null;
  published: string;
  visible_from: string | null;
  file_size: number | null;
  file_mtime_ms: number | null;
  file_ino: number | null;
  fingerprint: string | null;
}

export class SqliteStore implements ArticleStore {
  readonly #db: DatabaseSync;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;");
    this.#migrate();
  }

  #migrate(): void {
    const { user_version: current } = this.#db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (current >= MIGRATIONS.length) return;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      // Re-read inside the lock: another process may have migrated meanwhile.
      const { user_version: v } = this.#db.prepare("PRAGMA user_version").get() as { user_version: number };
      for (let i = v; i < MIGRATIONS.length; i++) this.#db.exec(MIGRATIONS[i]!);
      this.#db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  listRecords(): ArticleRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published, visible_from,
                file_size, file_mtime_ms, file_ino, fingerprint FROM articles`,
      )
      .all() as unknown as Row[];
    return rows.map(toRecord);
  }

  getArticle(id: string): Article | undefined {
    const row = this.#db.prepare("SELECT article FROM articles WHERE id = ?").get(id) as
      | { article: string | null }
      | undefined;
    return row?.article ? (JSON.parse(row.article) as Article) : undefined;
  }

  saveRecords(changes: readonly { record: ArticleRecord; article?: Article }[]): void {
    if (changes.length === 0) return;
    const upsert = this.#db.prepare(
      `INSERT INTO articles (id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published,
                             visible_from, file_size, file_mtime_ms, file_ino, fingerprint, article)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET
         path = excluded.path, slug = excluded.slug, body_hash = excluded.body_hash,
         content_hash = excluded.content_hash, changed_at = excluded.changed_at,
         removed_at = excluded.removed_at, published = excluded.published,
         visible_from = excluded.visible_from, file_size = excluded.file_size,
         file_mtime_ms = excluded.file_mtime_ms, file_ino = excluded.file_ino, fingerprint = excluded.fingerprint,
         article = COALESCE(excluded.article, articles.article)`,
    );
    // A path moves between ids on rename: free every path first so the unique index never trips mid-batch.
    const release = this.#db.prepare("UPDATE articles SET path = NULL WHERE path = ? AND id <> ?");
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const { record: r } of changes) if (r.path) release.run(r.path, r.id);
      for (const { record: r, article } of changes) {
        upsert.run(
          r.id,
          r.path,
          r.slug,
          r.bodyHash,
          r.firstSeen,
          r.contentHash,
          r.changedAt,
          r.removedAt,
          r.published,
          r.visibleFrom,
          r.file?.size ?? null,
          r.file?.mtimeMs ?? null,
          r.file?.ino ?? null,
          r.file?.fingerprint ?? null,
          article ? JSON.stringify(article) : null,
        );
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function toRecord(row: Row): ArticleRecord {
  return {
    id: row.id,
    path: row.path,
    slug: row.slug,
    bodyHash: row.body_hash,
    firstSeen: row.first_seen,
    contentHash: row.content_hash,
    changedAt: row.changed_at,
    removedAt: row.removed_at,
    published: row.published,
    visibleFrom: row.visible_from,
    file:
      row.file_size !== null && row.file_mtime_ms !== null && row.file_ino !== null && row.fingerprint !== null
        ? { size: row.file_size, mtimeMs: row.file_mtime_ms, ino: row.file_ino, fingerprint: row.fingerprint }
        : null,
  };
}
