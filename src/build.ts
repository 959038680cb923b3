import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { pickedRecords } from "./accounts/feed-records.ts";
import { compileSelector } from "./accounts/select.ts";
import { accountSpecs } from "./accounts/specs.ts";
import type { Config } from "./config/load.ts";
import { Library } from "./content/library.ts";
import type { Article } from "./content/model.ts";
import type { ParseContext } from "./content/parse.ts";
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

// The tag folders written last time, so a tag that lost its last article loses its files too (a
// static server then answers 404, as `herald serve` does). Nothing else in tags/ is touched: the
// folder may hold a static site's tag pages.
const TAG_MANIFEST = ".herald-tag-feeds.json";

/**
 * The site's feeds in `dir`, and every tag's under `dir/tags/<folder>/` (see `tagFolder`). Tag
 * feeds are rendered one tag at a time, so memory does not grow with the number of tags.
 */
export async function exportFeeds(
  dir: string,
  config: Config,
  library: Library,
  at?: Date,
): Promise<ExportSummary> {
  writeFeeds(dir, await renderFeeds(config, library, at));
  const site = feedSite(config);
  const tagsDir = join(dir, "tags");
  const written: string[] = [];
  const unwritable: string[] = [];
  for (const [key, group] of groupByTag(await library.visibleRecords(at))) {
    const folder = tagFolder(key);
    if (folder === undefined) {
      unwritable.push(group.tag);
      continue;
    }
    const articles = await feedArticles(config, library, group.records);
    writeFeeds(join(tagsDir, folder), renderAll(config, articles, tagChannel(site, group.tag)));
    written.push(folder);
    // Thousands of tags take seconds: `herald serve` answers requests in between.
    await setImmediate();
  }
  removeStaleTagFeeds(tagsDir, new Set(written));
  if (written.length > 0) writeIfChanged(join(tagsDir, TAG_MANIFEST), `${JSON.stringify(written.sort())}\n`);
  // Each section account's feeds in users/<username>/, where `herald serve` answers them (a
  // username is a safe folder name: lower-case letters, digits and _).
  const visible = await library.visibleRecords(at);
  for (const spec of accountSpecs(config)) {
    if (!spec.selector) continue;
    const records = await pickedRecords(
      compileSelector(spec.selector),
      visible,
      (id) => library.get(id),
      config.feeds.limit,
    );
    const articles = await feedArticles(config, library, records);
    writeFeeds(join(dir, "users", spec.username), renderAll(config, articles, accountChannel(site, spec)));
  }
  return { tags: written.length, unwritable };
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

function removeStaleTagFeeds(tagsDir: string, current: ReadonlySet<string>): void {
  let previous: unknown;
  try {
    previous = JSON.parse(readFileSync(join(tagsDir, TAG_MANIFEST), "utf8"));
  } catch {
    return;
  }
  if (!Array.isArray(previous)) return;
  for (const folder of previous) {
    // The manifest is a file in a public folder: trusted no more than a tag is.
    if (typeof folder !== "string" || tagFolder(folder) !== folder || current.has(folder)) continue;
    for (const name of Object.values(FEED_FILES)) rmSync(join(tagsDir, folder, name), { force: true });
    try {
      rmdirSync(join(tagsDir, folder));
    } catch {
      // Other files live there (a tag page): the folder stays.
    }
  }
  if (current.size === 0) rmSync(join(tagsDir, TAG_MANIFEST), { force: true });
}
