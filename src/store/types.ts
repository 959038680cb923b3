import type { Article } from "../content/model.ts";

/**
 * What Herald remembers about one article across runs. Identity and first-seen time live here,
 * so a rename or a copy never changes an id or a date.
 */
export interface ArticleRecord {
  id: string;
  /** Current source path; `null` once the file is gone. */
  path: string | null;
  slug: string;
  /** sha256 of the Markdown body, to recognise a renamed file that has no front-matter `id`. */
  bodyHash: string;
  /** When Herald first saw this article (ISO). Never the file mtime. */
  firstSeen: string;
  contentHash: string;
  /** When Herald saw the content hash change last (ISO); `null` if never. */
  changedAt: string | null;
  removedAt: string | null;
  /** File fingerprint for the no-read fast path: unchanged size, mtime and inode skip the parse. */
  file: { size: number; mtimeMs: number; ino: number; fingerprint: string } | null;
  /** Published date of the resolved article, for ordering without loading the JSON. */
  published: string;
  /** From when the article belongs in feeds (ISO); `null` for drafts. Lets feeds pick items without loading JSON. */
  visibleFrom: string | null;
}

export interface ArticleStore {
  /** Every record, without the article bodies. */
  listRecords(): ArticleRecord[];
  /** The cached, resolved article of a record. */
  getArticle(id: string): Article | undefined;
  /** Writes records (and their articles, when given) in one transaction. */
  saveRecords(changes: readonly { record: ArticleRecord; article?: Article }[]): void;
  close(): void;
}
