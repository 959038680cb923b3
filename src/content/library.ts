import { assetStampHolds } from "./assets.ts";
import type { Article, ArticleError, ImageInfo } from "./model.ts";
import type { ParseContext } from "./parse.ts";
import { readFileNoFollow } from "./read-file.ts";
import { cmp, Reconciliation, resolveArticle, sameRecord, specialFileErrors } from "./reconcile.ts";
import type { ArticleChange, ArticleRecord, ArticleStore } from "./records.ts";
import { type ContentFile, type SpecialFile, scanContent } from "./scan.ts";

export interface LibraryDeps {
  store: ArticleStore;
  parse: ParseContext;
  /** Hash of every setting that changes derivation (site URL, timezone, summary length, patterns…). */
  fingerprint: string;
  now?: () => Date;
  /**
   * A changed file is read only once it has not been modified for this long (wall clock), so a
   * file an editor is still writing is never published half-done. 0 for one-shot builds.
   */
  stableMs?: number;
  /**
   * Articles kept in memory once loaded, at most (least recently used dropped first; reloaded from
   * the store on demand). Bounds a web process that a crawler walks through every article page.
   */
  maxCachedArticles?: number;
  /**
   * How an article is shown, applied to every article `get` hands out (cover images as the media
   * module knows them). The stored article stays as parsed, and so does its content hash.
   */
  show?: (article: Article) => Article;
}

/** A cover as parsed, with the article that shows it: what the media module looks at. */
export interface CoverSighting {
  articleId: string;
  /** The article file, relative to content.dir (POSIX separators). */
  articlePath: string;
  /** The article page URL: a file beside the article has its URL under it. */
  articleUrl: string;
  cover: ImageInfo;
}

type Parser = typeof import("./parse.ts");
type ParseResult = ReturnType<Parser["parseArticle"]>;

let parser: Parser | undefined;
/**
 * The Markdown stack (markdown-it, sanitize-html, front matter, the attribution rules) loads with
 * the first file a refresh must read: a build or status where nothing changed reads none.
 */
async function loadParser(): Promise<Parser> {
  parser ??= await import("./parse.ts");
  return parser;
}

/** Enough for every feed and a busy set of pages; far below a 10,000-article corpus. */
const MAX_CACHED_ARTICLES = 1_000;

export interface RefreshResult {
  /** Articles seen for the first time. */
  added: string[];
  /** Articles whose content hash changed. */
  changed: string[];
  /** Articles whose file was renamed or moved, content unchanged (nothing to federate). */
  moved: string[];
  /** Articles whose file is gone. */
  removed: string[];
  /** Files that could not become articles, each with the reason. */
  rejected: ArticleError[];
  /** Files skipped without reading (unchanged since last time). */
  unchanged: number;
  /** Changed files left for a later refresh because they were modified too recently. */
  deferred: number;
  /** True when anything a feed or page shows may differ. */
  dirty: boolean;
  /** The cover of every article read in this refresh (changed or not). */
  covers: CoverSighting[];
}

/** Articles written to the store per statement batch during a refresh; bounds memory in a cold build. */
const SAVE_BATCH = 500;

/**
 * The content folder as Herald knows it: records from the store plus incremental re-reads.
 * A refresh stats every file and reads only those whose size, mtime or inode changed.
 * Identity, first-seen time and change time are resolved against the records, so renames,
 * copies and touches never change an id or a date.
 *
 * The store is async (it may be PostgreSQL), the seam is drawn like this:
 * - records (id, path, slug, dates, visibility, title, tags) are all held in memory, loaded by
 *   `Library.open`: `records()`, `visibleCount()`, `nextVisibleChange()` and `hide()` stay synchronous;
 *   `visibleRecords()` and `recordBySlug()` load nothing either, but wait for a running refresh. Page
 *   indexes, tag pages, the dashboard and status are built from records alone;
 * - articles (the rendered HTML) are not all held: `get` and `visible` load them from the store on
 *   first use and are async, and at most `maxCachedArticles` stay cached. A synchronous cache of "the
 *   articles feeds and pages need" would have to hold every visible article after each refresh, which
 *   a cold build of 10,000 articles must not do, and would still miss removed ones (objects, status,
 *   admin);
 * - `refresh()` is async, but the CPU-bound parse loop is not: it is a generator the store pulls one
 *   batch at a time inside one transaction (`saveBatches`), so SQLite runs it start to commit without
 *   yielding and PostgreSQL awaits each batch's write. Reads wait for a running refresh, so they never
 *   mix its new records with articles still uncommitted on another connection.
 */
export class Library {
  readonly #deps: LibraryDeps;
  readonly #now: () => Date;
  readonly #records = new Map<string, ArticleRecord>();
  readonly #articles = new Map<string, Article>();
  #rejected: ArticleError[] = [];
  #hidden: ReadonlySet<string> = new Set();
  /** The running refresh, if any: refreshes take turns and reads wait for it. */
  #refreshing: Promise<unknown> | undefined;

  /** A library over the store's records (`Library.open` loads them). */
  constructor(deps: LibraryDeps, records: Iterable<ArticleRecord>) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    for (const record of records) this.#records.set(record.id, record);
  }

  static async open(deps: LibraryDeps): Promise<Library> {
    return new Library(deps, await deps.store.listRecords());
  }

  /** Files rejected by the last refresh. */
  get rejected(): readonly ArticleError[] {
    return this.#rejected;
  }

  records(): IterableIterator<ArticleRecord> {
    return this.#records.values();
  }

  /** The resolved article (present or removed), loaded from the store on first use. */
  async get(id: string): Promise<Article | undefined> {
    await this.#settled();
    let article = this.#articles.get(id);
    if (article) {
      // Most recently used last: the first in line is the one dropped.
      this.#articles.delete(id);
      this.#articles.set(id, article);
    } else if (this.#records.has(id)) {
      article = await this.#deps.store.getArticle(id);
      if (article && this.#deps.show) article = this.#deps.show(article);
      // A refresh may have replaced it while the store answered: keep only a current version.
      if (article && article.contentHash === this.#records.get(id)?.contentHash) this.#remember(id, article);
    }
    return article;
  }

  #remember(id: string, article: Article): void {
    this.#articles.delete(id);
    this.#articles.set(id, article);
    const max = this.#deps.maxCachedArticles ?? MAX_CACHED_ARTICLES;
    for (const oldest of this.#articles.keys()) {
      if (this.#articles.size <= max) break;
      this.#articles.delete(oldest);
    }
  }

  /** Drops every loaded article, so the next `get` shows it afresh (after cover images changed). */
  forgetLoaded(): void {
    this.#articles.clear();
  }

  /** The record of the present article with this slug (assets are found by its path; no article is loaded). */
  async recordBySlug(slug: string): Promise<ArticleRecord | undefined> {
    await this.#settled();
    if (!this.#slugs) {
      this.#slugs = new Map();
      for (const r of this.#records.values()) if (r.path !== null) this.#slugs.set(r.slug, r.id);
    }
    const id = this.#slugs.get(slug);
    return id === undefined ? undefined : this.#records.get(id);
  }

  async #settled(): Promise<void> {
    while (this.#refreshing) await this.#refreshing.catch(() => undefined);
  }

  /** Slug → id of present articles, rebuilt lazily after a refresh. */
  #slugs: Map<string, string> | undefined;

  /**
   * Articles kept out of feeds whatever their files say (retracted by the operator, or waiting for
   * the fediverse with publishing.holdFeeds). Returns whether the set changed.
   */
  hide(ids: ReadonlySet<string>): boolean {
    const same = ids.size === this.#hidden.size && [...ids].every((id) => this.#hidden.has(id));
    this.#hidden = ids;
    return !same;
  }

  /**
   * Records of the articles that belong in feeds at `at`, newest first; no article is loaded. Pages
   * index these and load only the articles a request shows.
   */
  async visibleRecords(at: Date = this.#now()): Promise<ArticleRecord[]> {
    await this.#settled();
    const iso = at.toISOString();
    return [...this.#records.values()].filter((r) => this.#isVisible(r, iso)).sort(newestFirst);
  }

  /** Articles that belong in feeds at `at`, newest first, at most `limit`. */
  async visible(limit: number, at: Date = this.#now()): Promise<Article[]> {
    const records =
      Number.isInteger(limit) && limit > 0
        ? await this.#newestVisible(limit, at.toISOString())
        : (await this.visibleRecords(at)).slice(0, limit);
    // Loaded side by side: on PostgreSQL each would otherwise wait out its own round trip.
    const articles = await Promise.all(records.map((r) => this.get(r.id)));
    return articles.filter((a): a is Article => a !== undefined);
  }

  /** The first `limit` of `visibleRecords`, without sorting them all (a feed of 20 from 10,000). */
  async #newestVisible(limit: number, iso: string): Promise<ArticleRecord[]> {
    await this.#settled();
    const newest: ArticleRecord[] = [];
    for (const r of this.#records.values()) {
      if (!this.#isVisible(r, iso)) continue;
      if (newest.length === limit && newestFirst(r, newest[limit - 1]!) > 0) continue;
      let lo = 0;
      let hi = newest.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (newestFirst(newest[mid]!, r) < 0) lo = mid + 1;
        else hi = mid;
      }
      newest.splice(lo, 0, r);
      if (newest.length > limit) newest.pop();
    }
    return newest;
  }

  /** How many articles belong in feeds at `at` (no article is loaded). */
  visibleCount(at: Date = this.#now()): number {
    const iso = at.toISOString();
    let n = 0;
    for (const r of this.#records.values()) if (this.#isVisible(r, iso)) n++;
    return n;
  }

  /** Whether the article of `record` belongs in feeds and pages at `at` (images beside it are served only then). */
  isVisible(record: ArticleRecord, at: Date = this.#now()): boolean {
    return this.#isVisible(record, at.toISOString());
  }

  /** The one visibility rule: present, due at `iso` (not a draft, not scheduled later), not hidden. */
  #isVisible(r: ArticleRecord, iso: string): boolean {
    return r.path !== null && r.visibleFrom !== null && r.visibleFrom <= iso && !this.#hidden.has(r.id);
  }

  /** Next instant at which an article becomes visible (publish_at, future date); for scheduling a rebuild. */
  nextVisibleChange(at: Date = this.#now()): Date | undefined {
    const iso = at.toISOString();
    let next: string | undefined;
    for (const r of this.#records.values()) {
      if (
        r.path !== null &&
        r.visibleFrom !== null &&
        r.visibleFrom > iso &&
        (!next || r.visibleFrom < next)
      ) {
        next = r.visibleFrom;
      }
    }
    return next ? new Date(next) : undefined;
  }

  /**
   * Takes the records another process saved (the scheduler's scan, seen by web processes that do not
   * read content/ themselves). Cached articles whose content changed are dropped. Returns whether
   * anything a feed or page shows may differ.
   */
  async reload(): Promise<boolean> {
    await this.#settled();
    const running = this.#deps.store.listRecords();
    this.#refreshing = running;
    let records: ArticleRecord[];
    try {
      records = await running;
    } finally {
      if (this.#refreshing === running) this.#refreshing = undefined;
    }
    let changed = records.length !== this.#records.size;
    const fresh = new Map<string, ArticleRecord>();
    for (const record of records) {
      fresh.set(record.id, record);
      const known = this.#records.get(record.id);
      if (known && sameRecord(known, record)) continue;
      changed = true;
      this.#articles.delete(record.id);
    }
    if (!changed) return false;
    for (const id of this.#articles.keys()) if (!fresh.has(id)) this.#articles.delete(id);
    this.#records.clear();
    for (const [id, record] of fresh) this.#records.set(id, record);
    this.#slugs = undefined;
    return true;
  }

  /** Re-reads what changed on disk and saves it, all or nothing. Calls take turns. */
  async refresh(): Promise<RefreshResult> {
    await this.#settled();
    const running = this.#refresh();
    this.#refreshing = running;
    try {
      return await running;
    } finally {
      if (this.#refreshing === running) this.#refreshing = undefined;
    }
  }

  async #refresh(): Promise<RefreshResult> {
    this.#slugs = undefined;
    const now = this.#now();
    const nowIso = now.toISOString();
    const { parse, fingerprint, store } = this.#deps;
    const special: SpecialFile[] = [];
    const files = scanContent(parse.contentDir, special);
    const plan = new Reconciliation(this.#records, files, {
      fingerprint,
      stableMs: this.#deps.stableMs ?? 0,
      wallClock: Date.now(),
      assetHolds: assetStampHolds,
    });
    const { known, fresh, unchanged, deferred } = plan.triage;
    // Reported with the other problems, so the editor learns why such a file is not published.
    const rejected = specialFileErrors(special);

    const { parseArticle, computeContentHash } =
      known.length + fresh.length > 0 ? await loadParser() : NOTHING_TO_PARSE;

    // Files are read, resolved and written one at a time, so a cold build never holds every
    // article's HTML. A known file that fails to parse keeps its id and slug for its last good
    // version; an earlier file that wants that id or slug needs to know, so such a file is read
    // ahead of its turn (Reconciliation.reservedBy).
    const readAhead = new Map<string, ParseResult>();
    const decided = new Set<string>();
    const settle = (file: ContentFile, parsed: ParseResult): boolean => {
      decided.add(file.path);
      if (parsed.ok) return true;
      rejected.push(parsed.error);
      // A broken edit of a known article keeps its last good version: never lose or retract it by accident.
      const previous = plan.previousAt(file.path);
      if (previous) plan.keep(previous, file.path);
      return false;
    };
    const lookAhead = (key: string, self: ContentFile): void => {
      const other = plan.reservedBy(key);
      if (other === undefined || other === self || decided.has(other.path) || readAhead.has(other.path))
        return;
      const parsed = this.#read(other, parseArticle);
      readAhead.set(other.path, parsed);
      if (!parsed.ok) settle(other, parsed);
    };

    let changes: ArticleChange[] = [];
    let changeCount = 0;
    const save = (change: ArticleChange): void => {
      changes.push(change);
      changeCount++;
    };
    const flush = (): ArticleChange[] => {
      const batch = changes;
      changes = [];
      return batch;
    };
    const added: string[] = [];
    const changed: string[] = [];
    const moved: string[] = [];
    const removed: string[] = [];
    const covers: CoverSighting[] = [];

    const candidate = (file: ContentFile): void => {
      if (decided.has(file.path)) return; // failed when read ahead: already rejected
      const early = readAhead.get(file.path);
      readAhead.delete(file.path);
      const result = early ?? this.#read(file, parseArticle);
      if (!settle(file, result) || !result.ok) return;
      const parsed = result.value;
      const { id, base } = plan.identify(file, parsed);
      lookAhead(`id\u0000${id}`, file);
      const idTaken = plan.idTaken(id, file.path);
      if (idTaken) {
        rejected.push(idTaken);
        return;
      }
      const slug = plan.slugOf(parsed, base);
      lookAhead(`slug\u0000${slug}`, file);
      const slugTaken = plan.slugTaken(slug, file.path);
      if (slugTaken) {
        rejected.push(slugTaken);
        return;
      }
      plan.claim(id, slug, file.path);

      const { article, record } = resolveArticle(
        slug === parsed.slug ? parsed : { ...parsed, slug, url: this.#deps.parse.urls.article(slug) },
        id,
        base,
        file,
        fingerprint,
        nowIso,
        computeContentHash,
        plan.seenAt(file.path, now),
      );
      if (!base || base.removedAt !== null) added.push(id);
      else if (base.contentHash !== record.contentHash) changed.push(id);
      else if (base.path !== record.path) moved.push(id);
      plan.accept(record);
      if (article.cover)
        covers.push({ articleId: id, articlePath: file.path, articleUrl: article.url, cover: article.cover });
      // Not cached: `get` reads it back from the store when someone asks.
      this.#articles.delete(id);
      save({ record, article });
    };

    // The refresh as a stream of batches: the store pulls them inside one transaction (all or
    // nothing), so only one batch of articles is in memory at a time.
    const records = this.#records;
    function* batches(): Generator<ArticleChange[]> {
      for (const file of [...known, ...fresh]) {
        candidate(file);
        if (changes.length >= SAVE_BATCH) yield flush();
      }
      for (const record of plan.removals(nowIso)) {
        records.set(record.id, record);
        save({ record });
        removed.push(record.id);
        if (changes.length >= SAVE_BATCH) yield flush();
      }
      yield flush();
    }
    try {
      await store.saveBatches(batches());
    } catch (error) {
      // Nothing was saved: forget what this refresh changed in memory, too.
      this.#records.clear();
      for (const record of await store.listRecords()) this.#records.set(record.id, record);
      this.#articles.clear();
      throw error;
    }

    this.#rejected = rejected.sort((a, b) => cmp(a.path, b.path));
    const signature = this.#visibleSignature(nowIso);
    const dirty = changeCount > 0 || this.#lastVisibleCheck !== signature;
    this.#lastVisibleCheck = signature;
    return { added, changed, moved, removed, rejected: this.#rejected, unchanged, deferred, dirty, covers };
  }

  #lastVisibleCheck = "";

  /** Count of visible articles at `iso`: changes when a scheduled one comes due, without any file change. */
  #visibleSignature(iso: string): string {
    let n = 0;
    for (const r of this.#records.values())
      if (r.path !== null && r.visibleFrom !== null && r.visibleFrom <= iso) n++;
    return String(n);
  }

  #read(file: ContentFile, parseArticle: Parser["parseArticle"]): ParseResult {
    const { parse } = this.#deps;
    if (file.size > parse.maxBytes) {
      return {
        ok: false,
        error: {
          type: "too-large",
          path: file.path,
          message: `File is ${file.size} bytes, over the ${parse.maxBytes}-byte limit (content.maxBytes).`,
        },
      };
    }
    let bytes: Buffer;
    try {
      // The scan saw a regular file; what is opened now must still be one (no symlink swap).
      bytes = readFileNoFollow(file.abs, parse.maxBytes + 1);
    } catch (error) {
      return {
        ok: false,
        error: { type: "io", path: file.path, message: `Cannot read file: ${(error as Error).message}.` },
      };
    }
    try {
      return parseArticle(file.path, bytes, parse);
    } catch (error) {
      // A bug or an exhausted limit while deriving one article rejects that article, by name;
      // the scan goes on with the others.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        ok: false,
        error: { type: "failed", path: file.path, message: `Could not be read as an article (${reason}).` },
      };
    }
  }
}

/** Feed order: newest first; the same instant in id order (ids are unique, so the order is total). */
function newestFirst(a: ArticleRecord, b: ArticleRecord): number {
  return a.published === b.published ? cmp(a.id, b.id) : cmp(b.published, a.published);
}

/** What a refresh that reads no file holds instead of the parser: never called. */
const NOTHING_TO_PARSE: Pick<Parser, "parseArticle" | "computeContentHash"> = {
  parseArticle: () => {
    throw new Error("No file was to be read.");
  },
  computeContentHash: () => {
    throw new Error("No file was to be read.");
  },
};
