// What the library remembers about articles across runs, and the store it needs for that. Defined
// here, beside the library that owns them, so content/ depends on no store: the SQLite and
// PostgreSQL article stores implement this interface from below.
import type { Article } from "./model.ts";

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
  /** `federate: false` keeps an article out of the fediverse (feeds still show it). */
  federate: boolean;
  /**
   * The article's title and tags, so lists, tag indexes and status are built without loading the JSON
   * (rendered HTML). "" and [] for a record stored before they were kept, until its file is re-read.
   */
  title: string;
  tags: string[];
}

/** One save of records (and their articles, when given). */
export type ArticleChange = { record: ArticleRecord; article?: Article };

/**
 * Article records and resolved articles. Async: the PostgreSQL implementation talks to a server.
 * SQLite and PostgreSQL pass one contract suite (tests/store/articles.contract.test.ts).
 */
export interface ArticleStore {
  /** Every record, without the article bodies. */
  listRecords(): Promise<ArticleRecord[]>;
  /** The cached, resolved article of a record. */
  getArticle(id: string): Promise<Article | undefined>;
  /**
   * Upserts records (and their articles, when given) in one transaction. A path given to one id is
   * first freed from any other id, so a rename that moves a path between ids never trips the
   * "path unique among present articles" rule.
   */
  saveRecords(changes: readonly ArticleChange[]): Promise<void>;
  /**
   * Writes every batch `batches` yields, in one transaction: all of them commit, or, when the
   * iterator throws or a write fails, none does. Batches are pulled one at a time, so the caller
   * can produce them lazily (a cold build never holds every article). SQLite pulls and writes them
   * synchronously: nothing else runs on its connection between BEGIN and COMMIT.
   */
  saveBatches(batches: Iterable<readonly ArticleChange[]>): Promise<void>;
}
