import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./config/load.ts";
import { Library } from "./content/library.ts";
import type { Article } from "./content/model.ts";
import type { ParseContext } from "./content/parse.ts";
import type { ArticleRecord, ArticleStore } from "./content/records.ts";
import {
  type FeedChannel,
  type FeedFormat,
  type FeedSite,
  renderAtom,
  renderJsonFeed,
  renderRss,
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
  for (const feed of feeds) {
    const target = join(dir, feed.name);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, feed.body);
    renameSync(tmp, target);
  }
}
