// The pure half of a library refresh: what Herald remembers (records) and what the scan found
// (files and their stats) decide which files to read, which id and slug each article keeps, and
// which records are gone. No file is opened and no store is touched here; content/library.ts
// reads, parses and saves around it, so these rules are tested without I/O.
import type { Article, ArticleError } from "./model.ts";
import type { ParsedArticle } from "./parsed.ts";
import type { ArticleRecord } from "./records.ts";
import type { ContentFile, SpecialFile } from "./scan.ts";

/** Which scanned files a refresh reads, and what the others keep. */
export interface Triage {
  /** Files of known articles that changed, in path order. */
  known: ContentFile[];
  /** Files Herald has not seen at their path, in path order. */
  fresh: ContentFile[];
  /** Files skipped without reading (same size, mtime, inode and derivation settings). */
  unchanged: number;
  /** Changed files left for a later refresh: modified less than `stableMs` ago. */
  deferred: number;
}

export interface TriageOptions {
  /** Hash of every setting that changes derivation: a change re-reads every file. */
  fingerprint: string;
  /** A changed file is read once it has not been modified for this long; 0 reads at once. */
  stableMs: number;
  /** Wall-clock time of the scan (ms), compared with file mtimes. */
  wallClock: number;
  /**
   * Whether a file beside an article is still as it was stamped when the article was derived
   * (`assetStampHolds`); the I/O is the caller's. Without it, a record with stamps is always read again.
   */
  assetHolds?: (stamp: string) => boolean;
}

/**
 * One refresh's reconciliation of the records with the scan. Files are decided one at a time (a
 * cold build must not hold every article), known files first, then new ones, each in path order:
 * whoever had an id or slug first keeps it.
 */
export class Reconciliation {
  readonly triage: Triage;
  readonly #records: Map<string, ArticleRecord>;
  readonly #byPath = new Map<string, ArticleRecord>();
  readonly #ownerOfId = new Map<string, string>();
  readonly #ownerOfSlug = new Map<string, string>();
  /** Records whose file vanished: rename candidates for new files without a front-matter id. */
  readonly #vanished: ArticleRecord[];
  /** Milliseconds a fresh file's first-seen time is set back: the last path is the newest. */
  readonly #seenBefore: Map<string, number>;
  /** The changed known file holding each id and slug (`id\0…`, `slug\0…`) before this refresh. */
  readonly #reservedBy = new Map<string, ContentFile>();

  /** `records` is the library's own map: decided records are set in it as the refresh goes. */
  constructor(records: Map<string, ArticleRecord>, files: readonly ContentFile[], options: TriageOptions) {
    this.#records = records;
    for (const r of records.values()) if (r.path !== null) this.#byPath.set(r.path, r);
    const known: ContentFile[] = [];
    const fresh: ContentFile[] = [];
    let unchanged = 0;
    let deferred = 0;
    let found = 0;
    for (const file of files) {
      const previous = this.#byPath.get(file.path);
      if (previous) found++;
      const f = previous?.file;
      if (
        previous &&
        f &&
        f.size === file.size &&
        f.mtimeMs === file.mtimeMs &&
        f.ino === file.ino &&
        sameDerivation(f.fingerprint, options) &&
        !lacksTitle(previous)
      ) {
        this.keep(previous, file.path);
        unchanged++;
        continue;
      }
      if (options.stableMs > 0 && options.wallClock - file.mtimeMs < options.stableMs) {
        // Still being written, perhaps: left for a later refresh. A known article keeps its
        // last version (and its id and slug) meanwhile.
        deferred++;
        if (previous) this.keep(previous, file.path);
        continue;
      }
      (previous ? known : fresh).push(file);
    }
    // Every path on record found again (a scan lists each path once): none vanished, and no set of
    // 10,000 paths is needed to say so.
    const seen = found === this.#byPath.size ? undefined : new Set(files.map((f) => f.path));
    this.#vanished = seen
      ? [...records.values()].filter((r) => r.path !== null && !seen.has(r.path) && r.removedAt === null)
      : [];
    known.sort((a, b) => cmp(a.path, b.path));
    fresh.sort((a, b) => cmp(a.path, b.path));
    // Undated articles dropped together would all be first seen at the same instant, and their
    // order then depends on ids. One millisecond apart, in path order, the last path newest:
    // feeds, pages and the drip feed then keep the order the editor numbered the files in.
    this.#seenBefore = new Map(fresh.map((f, k) => [f.path, fresh.length - 1 - k]));
    for (const file of known) {
      const previous = this.#byPath.get(file.path)!;
      this.#reservedBy.set(`id\u0000${previous.id}`, file);
      this.#reservedBy.set(`slug\u0000${previous.slug}`, file);
    }
    this.triage = { known, fresh, unchanged, deferred };
  }

  /** The record at this path before the refresh. */
  previousAt(path: string): ArticleRecord | undefined {
    return this.#byPath.get(path);
  }

  /** A known article keeps its id and slug at its path: unchanged, deferred, or its edit failed to parse. */
  keep(previous: ArticleRecord, path: string): void {
    this.#ownerOfId.set(previous.id, path);
    this.#ownerOfSlug.set(previous.slug, path);
  }

  /**
   * The changed known file that held `key` (`id\0…` or `slug\0…`) before this refresh. A file that
   * wants that id or slug must know whether that one still parses before it is decided, so the
   * caller reads it ahead of its turn (rare: it takes an id or slug change to collide).
   */
  reservedBy(key: string): ContentFile | undefined {
    return this.#reservedBy.get(key);
  }

  /**
   * The id a parsed file gets, and the record it continues (its own, the vanished file it was
   * renamed from, or the record of its front-matter id). Claims nothing yet.
   */
  identify(file: ContentFile, parsed: ParsedArticle): { id: string; base: ArticleRecord | undefined } {
    const previous = this.#byPath.get(file.path);
    let base = previous;
    let id = parsed.frontMatterId ?? previous?.id;
    if (id === undefined) {
      const i = this.#vanished.findIndex((r) => r.file?.ino === file.ino || r.bodyHash === parsed.bodyHash);
      if (i >= 0) {
        base = this.#vanished[i];
        id = base!.id;
        this.#vanished.splice(i, 1);
      }
    } else if (!previous || previous.id !== id) {
      base = this.#records.get(id);
      const j = this.#vanished.findIndex((r) => r.id === id);
      if (j >= 0) this.#vanished.splice(j, 1);
    }
    id ??= this.#assignId(parsed.slug);
    return { id, base };
  }

  /** A slug taken from the file name is fixed at first sight: renaming the file keeps the URL. */
  slugOf(parsed: ParsedArticle, base: ArticleRecord | undefined): string {
    return base && !parsed.explicitSlug ? base.slug : parsed.slug;
  }

  /** The rejection when another file already holds this id, else undefined. */
  idTaken(id: string, path: string): ArticleError | undefined {
    const owner = this.#ownerOfId.get(id);
    if (owner === undefined || owner === path) return undefined;
    return { type: "duplicate-id", path, message: `Duplicate id "${id}": already used by ${owner}.` };
  }

  /** The rejection when another file already holds this slug, else undefined. */
  slugTaken(slug: string, path: string): ArticleError | undefined {
    const owner = this.#ownerOfSlug.get(slug);
    if (owner === undefined || owner === path) return undefined;
    return { type: "duplicate-slug", path, message: `Duplicate slug "${slug}": already used by ${owner}.` };
  }

  /** Gives the id and slug to the file at `path`. */
  claim(id: string, slug: string, path: string): void {
    this.#ownerOfId.set(id, path);
    this.#ownerOfSlug.set(slug, path);
  }

  /** Takes the record a file resolved to (with its new path): removals are judged against it. */
  accept(record: ArticleRecord): void {
    this.#records.set(record.id, record);
  }

  /** When a fresh file is first seen: `now`, set back so that undated files keep path order. */
  seenAt(path: string, now: Date): string {
    return new Date(now.getTime() - (this.#seenBefore.get(path) ?? 0)).toISOString();
  }

  /**
   * Records that lose their file with this refresh, marked removed. A record stays present only
   * while its id is owned by its own path; otherwise its file was removed, renamed onto another id,
   * or replaced. While a file is still being written it may be the new name of a vanished one, so
   * nothing is removed until it has settled. Call once every file is decided.
   */
  *removals(nowIso: string): Generator<ArticleRecord> {
    if (this.triage.deferred > 0) return;
    for (const r of this.#records.values()) {
      if (r.path !== null && this.#ownerOfId.get(r.id) !== r.path)
        yield { ...r, path: null, removedAt: nowIso, file: null };
    }
  }

  #assignId(slug: string): string {
    let id = slug;
    for (let n = 2; this.#records.has(id) || this.#ownerOfId.has(id); n++) id = `${slug}-${n}`;
    return id;
  }
}

/** A symlink or a FIFO named like an article is never read (it could point outside content/). */
export function specialFileErrors(special: readonly SpecialFile[]): ArticleError[] {
  return special.map((f) => ({
    type: "io",
    path: f.path,
    message: `Not a regular file (${f.kind === "symlink" ? "a symbolic link" : `a ${f.kind}`}); Herald reads only plain files in content.dir.`,
  }));
}

/** Dates, visibility and the content hash of a parsed file, resolved against the record it continues. */
export function resolveArticle(
  parsed: ParsedArticle,
  id: string,
  base: ArticleRecord | undefined,
  file: ContentFile,
  fingerprint: string,
  nowIso: string,
  computeContentHash: (article: ParsedArticle & { id: string }) => string,
  seenIso = nowIso,
): { article: Article; record: ArticleRecord } {
  const firstSeen = base?.firstSeen ?? seenIso;
  const published = parsed.date ?? firstSeen;
  const contentHash = computeContentHash({ ...parsed, id });
  const changedAt = base && base.contentHash !== contentHash ? nowIso : (base?.changedAt ?? null);
  // An explicit `updated` wins unless it is in the future; then the time Herald saw the change.
  const explicit = parsed.updatedAt && parsed.updatedAt <= nowIso ? parsed.updatedAt : undefined;
  let updated = explicit ?? changedAt ?? published;
  if (updated < published) updated = published;
  // A future `date` schedules the article like `publish_at` does: never a future date in a feed.
  const publishAt = [parsed.publishAt, published > nowIso ? published : undefined]
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
  const visibleFrom = parsed.draft ? null : [published, publishAt ?? published].sort().at(-1)!;
  const {
    frontMatterId: _f,
    date: _d,
    updatedAt: _u,
    explicitSlug: _s,
    bodyHash,
    assetStamps,
    ...rest
  } = parsed;
  const article: Article = { ...rest, id, published, updated, contentHash, publishAt };
  const record: ArticleRecord = {
    id,
    path: file.path,
    slug: parsed.slug,
    bodyHash,
    firstSeen,
    contentHash,
    changedAt,
    removedAt: null,
    published,
    visibleFrom,
    federate: parsed.federate,
    title: parsed.title,
    tags: parsed.tags,
    file: {
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: file.ino,
      fingerprint: withStamps(fingerprint, assetStamps),
    },
  };
  return { article, record };
}

/** The fields of a record that decide what feeds and pages show. */
export function sameRecord(a: ArticleRecord, b: ArticleRecord): boolean {
  return (
    a.contentHash === b.contentHash &&
    a.path === b.path &&
    a.slug === b.slug &&
    a.published === b.published &&
    a.visibleFrom === b.visibleFrom &&
    a.federate === b.federate &&
    a.removedAt === b.removedAt &&
    // The content hash covers these, except when a re-read fills them in for a record stored before
    // they were kept: pages index by them, so that counts as a change too.
    a.title === b.title &&
    a.tags.join("\u0000") === b.tags.join("\u0000")
  );
}

// A record's derivation fingerprint carries the stamps of the files beside the article it was
// derived from, one per line after the settings' fingerprint (paths with a line break only cost a
// re-read each time: their stamp never holds).
function withStamps(fingerprint: string, stamps: readonly string[] | undefined): string {
  return stamps === undefined || stamps.length === 0 ? fingerprint : [fingerprint, ...stamps].join("\n");
}

/** Whether a record was derived under these settings, from files beside it that are still as they were. */
function sameDerivation(stored: string, options: TriageOptions): boolean {
  if (stored === options.fingerprint) return true;
  if (!stored.startsWith(`${options.fingerprint}\n`) || options.assetHolds === undefined) return false;
  return stored
    .slice(options.fingerprint.length + 1)
    .split("\n")
    .every((stamp) => options.assetHolds!(stamp));
}

/**
 * A record stored without title and tags: migrated from a row that had no article JSON to take them
 * from, or written by an older Herald still running beside this one. Its file is read again.
 */
function lacksTitle(r: ArticleRecord): boolean {
  return r.title === "";
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
