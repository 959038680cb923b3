// A row of the articles table as both backends return it (same columns), mapped to a record.
import type { ArticleRecord } from "../content/records.ts";

export interface ArticleRow {
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
  /** SQLite: 0/1; PostgreSQL: boolean. */
  federate: number | boolean;
  file_size: number | null;
  file_mtime_ms: number | null;
  file_ino: number | null;
  fingerprint: string | null;
  title: string;
  /** The tags as JSON text (one column on both backends, no join table). */
  tags: string;
}

/** The columns `toArticleRecord` reads: everything but the article JSON. `recordFromColumns` reads them by position. */
export const RECORD_COLUMNS: readonly (keyof ArticleRow)[] = [
  "id",
  "path",
  "slug",
  "body_hash",
  "first_seen",
  "content_hash",
  "changed_at",
  "removed_at",
  "published",
  "visible_from",
  "federate",
  "file_size",
  "file_mtime_ms",
  "file_ino",
  "fingerprint",
  "title",
  "tags",
];

/**
 * Every record is held in memory (10,000 in the bench corpus), so a value equal to one already at
 * hand is shared rather than kept twice: the slug is usually the id, visibility usually starts at
 * publication, and one derivation fingerprint covers the whole corpus. Equal strings, fewer of them
 * to hold and for the garbage collector to copy.
 */
let lastFingerprint: string | null = null;

export function toArticleRecord(row: ArticleRow): ArticleRecord {
  if (row.fingerprint !== lastFingerprint) lastFingerprint = row.fingerprint;
  const fingerprint = lastFingerprint;
  return {
    id: row.id,
    path: row.path,
    slug: row.slug === row.id ? row.id : row.slug,
    bodyHash: row.body_hash,
    firstSeen: row.first_seen,
    contentHash: row.content_hash,
    changedAt: row.changed_at,
    removedAt: row.removed_at,
    published: row.published,
    visibleFrom: row.visible_from === row.published ? row.published : row.visible_from,
    federate: row.federate === 1 || row.federate === true,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    file:
      row.file_size !== null && row.file_mtime_ms !== null && row.file_ino !== null && fingerprint !== null
        ? { size: row.file_size, mtimeMs: row.file_mtime_ms, ino: row.file_ino, fingerprint }
        : null,
  };
}

/**
 * The same record from a row as an array of `RECORD_COLUMNS` values, in that order (SQLite's
 * `setReturnArrays`): no object per row on the way.
 */
export function recordFromColumns(v: readonly unknown[]): ArticleRecord {
  return toArticleRecord({
    id: v[0],
    path: v[1],
    slug: v[2],
    body_hash: v[3],
    first_seen: v[4],
    content_hash: v[5],
    changed_at: v[6],
    removed_at: v[7],
    published: v[8],
    visible_from: v[9],
    federate: v[10],
    file_size: v[11],
    file_mtime_ms: v[12],
    file_ino: v[13],
    fingerprint: v[14],
    title: v[15],
    tags: v[16],
  } as ArticleRow);
}

/** The record as a row (PostgreSQL's boolean for `federate`; SQLite binds it as 0/1 itself). */
export function toArticleRow(r: ArticleRecord): ArticleRow {
  return {
    id: r.id,
    path: r.path,
    slug: r.slug,
    body_hash: r.bodyHash,
    first_seen: r.firstSeen,
    content_hash: r.contentHash,
    changed_at: r.changedAt,
    removed_at: r.removedAt,
    published: r.published,
    visible_from: r.visibleFrom,
    federate: r.federate,
    file_size: r.file?.size ?? null,
    file_mtime_ms: r.file?.mtimeMs ?? null,
    file_ino: r.file?.ino ?? null,
    fingerprint: r.file?.fingerprint ?? null,
    title: r.title,
    tags: JSON.stringify(r.tags),
  };
}
