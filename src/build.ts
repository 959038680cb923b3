import { createHash } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { pickedRecords } from "./accounts/feed-records.ts";
import { compileSelector } from "./accounts/select.ts";
import { accountSpecs } from "./accounts/specs.ts";
import { USERNAME } from "./config/checks.ts";
import type { Config } from "./config/load.ts";
import { Library } from "./content/library.ts";
import type { Article } from "./content/model.ts";
import type { ParseContext } from "./content/parse.ts";
import { cmp } from "./content/reconcile.ts";
import type { ArticleRecord, ArticleStore } from "./content/records.ts";
import { groupByTag } from "./content/tags.ts";
import {
  accountChannel,
  type FeedChannel,
  type FeedFormat,
  type FeedSite,
  renderAtom,
  renderJsonFeed,
  renderRss,
  siteChannel,
  tagChannel,
} from "./feeds/index.ts";
import { FEED_FILES, siteUrls } from "./urls.ts";
import { VERSION } from "./version.ts";

// Bumped when derivation rules change, so cached articles are re-derived once. 4: line-based derivation
// (summaries, captions, credits), and the media module sees covers stored before it existed.
const DERIVATION_VERSION = 4;

export function parseContext(config: Config): ParseContext {
  return {
    urls: siteUrls(config.site.url),
    contentDir: config.content.dir,
    timezone: config.site.timezone,
    language: config.site.language,
    summaryLength: config.summary.length,
    maxBytes: config.content.maxBytes,
    patterns: config.content.patterns,
  };
}

/** Everything in config that changes how an article is derived; a change re-derives every article. */
function derivationFingerprint(config: Config): string {
  const { site, content, summary } = config;
  return createHash("sha256")
    .update(
      JSON.stringify([DERIVATION_VERSION, site.url, site.timezone, site.language, summary.length, content]),
    )
    .digest("hex")
    .slice(0, 16);
}

export async function openLibrary(
  config: Config,
  store: ArticleStore,
  now?: () => Date,
  options: { stableMs?: number; maxCachedArticles?: number; show?: (article: Article) => Article } = {},
): Promise<Library> {
  return Library.open({
    store,
    parse: parseContext(config),
    fingerprint: derivationFingerprint(config),
    now,
    ...options,
  });
}

export function feedSite(config: Config): FeedSite {
  return {
    title: config.site.title,
    description: config.site.description,
    language: config.site.language,
    urls: siteUrls(config.site.url),
    author: { name: config.bot.name, url: siteUrls(config.site.url).home },
    hub: config.feeds.hub,
    generator: { name: "Herald", version: VERSION },
  };
}

export interface FeedFile {
  name: (typeof FEED_FILES)[FeedFormat];
  kind: FeedFormat;
  body: string;
}

const FEED_FORMATS = Object.keys(FEED_FILES) as FeedFormat[];
const RENDERERS = { rss: renderRss, atom: renderAtom, json: renderJsonFeed } as const;

/** One format of one feed; `articles` are the feed's candidates (it keeps the newest `feeds.limit`). */
export function renderFeed(
  config: Config,
  kind: FeedFormat,
  articles: readonly Article[],
  channel?: FeedChannel,
): string {
  return RENDERERS[kind](feedSite(config), articles, { limit: config.feeds.limit, channel });
}

function renderAll(config: Config, articles: readonly Article[], channel?: FeedChannel): FeedFile[] {
  return FEED_FORMATS.map((kind) => ({
    name: FEED_FILES[kind],
    kind,
    body: renderFeed(config, kind, articles, channel),
  }));
}

/** The site's feeds: `feed.xml`, `atom.xml`, `feed.json`. */
export async function renderFeeds(config: Config, library: Library, at?: Date): Promise<FeedFile[]> {
  return renderAll(config, await library.visible(config.feeds.limit, at));
}

/**
 * The articles a feed over `records` (visible ones, newest first) shows: the newest `feeds.limit`,
 * loaded side by side.
 */
export async function feedArticles(
  config: Config,
  library: Pick<Library, "get">,
  records: readonly ArticleRecord[],
): Promise<Article[]> {
  const articles = await Promise.all(records.slice(0, config.feeds.limit).map((r) => library.get(r.id)));
  return articles.filter((a): a is Article => a !== undefined);
}

/** Atomic writes: a reader or web server never sees a half-written feed. */
export function writeFeeds(dir: string, feeds: readonly FeedFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const feed of feeds) writeIfChanged(join(dir, feed.name), feed.body);
}

/**
 * Unchanged bytes are not written again, so the file keeps its mtime, and a static web server's
 * ETag and Last-Modified (made from it) stay the same for readers polling with them.
 */
function writeIfChanged(target: string, body: string): void {
  const bytes = Buffer.from(body);
  try {
    if (readFileSync(target).equals(bytes)) return;
  } catch {
    // Not there yet (or unreadable): written below.
  }
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, target);
}

export interface ExportSummary {
  /** Tags whose feeds were written. */
  tags: number;
  /** Tags a folder cannot be named after (see `tagFolder`): served by `herald serve` only. */
  unwritable: string[];
}

export interface ExportOptions {
  /** The moment whose visible articles the feeds show; now by default. */
  at?: Date;
  /**
   * Skip rendering a feed whose inputs and files are as the last export left them (see
   * `ExportManifest`). Only for a library that shows articles as stored: `herald serve`'s shows
   * mirrored covers, which no record tells of.
   */
  reuse?: boolean;
}

// The tag (and account) folders written last time, so a tag that lost its last article, or an
// account no longer configured, loses its files too (a static server then answers 404, as `herald
// serve` does). Nothing else in tags/ or users/ is touched: they may hold a static site's pages.
const TAG_MANIFEST = ".herald-tag-feeds.json";
const ACCOUNT_MANIFEST = ".herald-account-feeds.json";

/**
 * The site's feeds in `dir`, and every tag's under `dir/tags/<folder>/` (see `tagFolder`). Tag
 * feeds are rendered one tag at a time, so memory does not grow with the number of tags.
 */
export async function exportFeeds(
  dir: string,
  config: Config,
  library: Library,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const { at } = options;
  const site = feedSite(config);
  const manifest = options.reuse ? ExportManifest.read(dir, exportBasis(config)) : undefined;
  /** One folder's feeds over `candidates`, visible records newest first (the feed keeps the newest `feeds.limit`). */
  const exportSet = async (
    folder: string,
    candidates: readonly ArticleRecord[],
    channel: FeedChannel,
  ): Promise<void> => {
    const target = folder === "" ? dir : join(dir, folder);
    const records = candidates.slice(0, config.feeds.limit);
    const key = manifest?.keyOf(channel, records);
    if (key !== undefined && manifest?.unchanged(folder, target, key)) return;
    writeFeeds(target, renderAll(config, await feedArticles(config, library, records), channel));
    if (key !== undefined) manifest?.record(folder, target, key);
  };
  const visible = await library.visibleRecords(at);
  await exportSet("", visible, siteChannel(site));
  const tagsDir = join(dir, "tags");
  const written: string[] = [];
  const unwritable: string[] = [];
  for (const [key, group] of groupByTag(visible)) {
    const folder = tagFolder(key);
    if (folder === undefined) {
      unwritable.push(group.tag);
      continue;
    }
    await exportSet(`tags/${folder}`, group.records, tagChannel(site, group.tag));
    written.push(folder);
    // Thousands of tags take seconds: `herald serve` answers requests in between.
    await setImmediate();
  }
  keepOnlyFeedFolders(tagsDir, TAG_MANIFEST, written, (folder) => tagFolder(folder) === folder);
  // Each section account's feeds in users/<username>/, where `herald serve` answers them (a
  // username is a safe folder name: lower-case letters, digits and _). An account taken out of
  // the configuration loses its folder's feeds, as a gone tag does.
  const accounts: string[] = [];
  for (const spec of accountSpecs(config)) {
    if (!spec.selector) continue;
    const records = await pickedRecords(
      compileSelector(spec.selector),
      visible,
      (id) => library.get(id),
      config.feeds.limit,
    );
    await exportSet(`users/${spec.username}`, records, accountChannel(site, spec));
    accounts.push(spec.username);
  }
  keepOnlyFeedFolders(join(dir, "users"), ACCOUNT_MANIFEST, accounts, (folder) => USERNAME.test(folder));
  manifest?.write();
  return { tags: written.length, unwritable };
}

// What the last export wrote, so a rebuild with nothing changed renders nothing (a warm build of
// 10,000 articles spent a third of its time re-rendering the same 60 feeds). Hashes only: the file
// sits in a public folder, and ids, hashes and sizes are all it holds.
const EXPORT_MANIFEST = ".herald-feeds.json";
// Bumped when the manifest's form changes; the renderers' changes come with a new VERSION.
const EXPORT_MANIFEST_VERSION = 1;

/** Everything besides the articles that a feed's bytes depend on. */
function exportBasis(config: Config): string {
  return JSON.stringify([
    EXPORT_MANIFEST_VERSION,
    VERSION,
    codeIdentity(),
    derivationFingerprint(config),
    feedSite(config),
    config.feeds.limit,
  ]);
}

/**
 * Herald's own code as it is installed: the path, size and mtime of every file in src/. VERSION
 * alone would miss an upgrade by `git pull` (or any edit) that changes how feeds are written; a
 * stat of some 200 files costs about 2 ms.
 */
function codeIdentity(): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => cmp(a.name, b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const st = statSync(path);
        hash.update(`${path}\u0000${st.size}\u0000${st.mtimeMs}\n`);
      }
    }
  };
  walk(import.meta.dirname);
  return hash.digest("base64url");
}

interface ManifestEntry {
  key: string;
  /** Each feed file's size and mtime as written. */
  files: Record<string, [number, number]>;
}

/**
 * Per feed folder: a key over what its feeds show (the basis, the channel and each article's
 * record: its file's stats, id, content hash, dates, slug, title, tags) and the files as written. A folder whose key
 * is the same and whose files are as written is left alone; a file edited, removed or replaced by
 * hand, a changed setting, a new Herald version or any changed article renders it again.
 */
class ExportManifest {
  readonly #path: string;
  readonly #basis: string;
  readonly #previous: ReadonlyMap<string, ManifestEntry>;
  readonly #next = new Map<string, ManifestEntry>();

  private constructor(path: string, basis: string, previous: ReadonlyMap<string, ManifestEntry>) {
    this.#path = path;
    this.#basis = basis;
    this.#previous = previous;
  }

  static read(dir: string, basis: string): ExportManifest {
    const path = join(dir, EXPORT_MANIFEST);
    const previous = new Map<string, ManifestEntry>();
    try {
      // A file in a public folder: trusted to hold nothing but what a check of it confirms.
      const parsed = JSON.parse(readFileSync(path, "utf8")) as { folders?: unknown };
      if (parsed.folders && typeof parsed.folders === "object")
        for (const [folder, entry] of Object.entries(parsed.folders as Record<string, unknown>)) {
          const e = entry as Partial<ManifestEntry> | null;
          if (typeof e?.key === "string" && e.files && typeof e.files === "object")
            previous.set(folder, e as ManifestEntry);
        }
    } catch {
      // None yet, or not one of ours: every feed is rendered.
    }
    return new ExportManifest(path, basis, previous);
  }

  keyOf(channel: FeedChannel, records: readonly ArticleRecord[]): string {
    const hash = createHash("sha256").update(this.#basis).update(JSON.stringify(channel));
    for (const r of records)
      hash.update(
        JSON.stringify([
          // The file as read: what an article shows beyond its record (an explicit `updated`, say)
          // comes from it, and a record is re-derived only when it changes.
          r.file?.size,
          r.file?.mtimeMs,
          r.file?.ino,
          r.id,
          r.contentHash,
          r.slug,
          r.path,
          r.published,
          r.visibleFrom,
          r.firstSeen,
          r.changedAt,
          r.removedAt,
          r.title,
          r.tags,
        ]),
      );
    return hash.digest("base64url");
  }

  /** Whether `folder`'s feeds were written for `key` and are still as written. */
  unchanged(folder: string, target: string, key: string): boolean {
    const entry = this.#previous.get(folder);
    if (entry?.key !== key) return false;
    for (const name of Object.values(FEED_FILES)) {
      const was = entry.files[name];
      const st = statSync(join(target, name), { throwIfNoEntry: false });
      if (!Array.isArray(was) || !st?.isFile() || st.size !== was[0] || st.mtimeMs !== was[1]) return false;
    }
    this.#next.set(folder, entry);
    return true;
  }

  record(folder: string, target: string, key: string): void {
    const files: ManifestEntry["files"] = {};
    for (const name of Object.values(FEED_FILES)) {
      const st = statSync(join(target, name));
      files[name] = [st.size, st.mtimeMs];
    }
    this.#next.set(folder, { key, files });
  }

  write(): void {
    const folders = Object.fromEntries([...this.#next].sort(([a], [b]) => cmp(a, b)));
    writeIfChanged(this.#path, `${JSON.stringify({ folders })}\n`);
  }
}

/**
 * The folder a tag's feeds are written to: its key as is (`tags/城市生活/`, `tags/new york/`), the
 * decoded form of the feed URL's path segment, which is what a static server (nginx, Caddy, Apache,
 * GitHub Pages) looks a request up by, percent-encoded or not. A key that cannot be one folder name
 * on a POSIX file system, or that a URL cannot carry as one segment, has none: `.`, `..`, one with a
 * `/`, a `\` or a control character, one over 255 bytes, and the manifest's own name.
 */
function tagFolder(key: string): string | undefined {
  if (key === "" || key === "." || key === ".." || key === TAG_MANIFEST || !key.isWellFormed())
    return undefined;
  if (/[/\\\u0000-\u001f\u007f]/u.test(key)) return undefined;
  return Buffer.byteLength(key) <= 255 ? key : undefined;
}

/**
 * Feed folders below `parent`: those the last export listed in `parent/<manifestName>` and that
 * are not in `current` lose their feed files (and the folder, when nothing else is in it); then
 * `current` is listed for the next export. `isFolderName` says which names a listed folder may have
 * (the list sits in a public folder); the list's own name, starting with a dot, is never one.
 */
function keepOnlyFeedFolders(
  parent: string,
  manifestName: string,
  current: readonly string[],
  isFolderName: (folder: string) => boolean,
): void {
  const keep = new Set(current);
  let previous: unknown;
  try {
    previous = JSON.parse(readFileSync(join(parent, manifestName), "utf8"));
  } catch {
    previous = [];
  }
  for (const folder of Array.isArray(previous) ? previous : []) {
    // The manifest is a file in a public folder: trusted no more than a tag is.
    if (typeof folder !== "string" || !isFolderName(folder) || keep.has(folder)) continue;
    for (const name of Object.values(FEED_FILES)) rmSync(join(parent, folder, name), { force: true });
    try {
      rmdirSync(join(parent, folder));
    } catch {
      // Other files live there (a tag page): the folder stays.
    }
  }
  if (current.length > 0) writeIfChanged(join(parent, manifestName), `${JSON.stringify([...keep].sort())}\n`);
  else rmSync(join(parent, manifestName), { force: true });
}
