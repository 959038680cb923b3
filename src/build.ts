import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./config/load.ts";
import { Library } from "./content/library.ts";
import type { Article } from "./content/model.ts";
import type { ParseContext } from "./content/parse.ts";
import type { ArticleStore } from "./content/records.ts";
import type { FeedSite } from "./feeds/index.ts";
import { siteUrls } from "./urls.ts";
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
  name: "feed.xml" | "atom.xml" | "feed.json";
  kind: "rss" | "atom" | "json";
  body: string;
}

export async function renderFeeds(config: Config, library: Library, at?: Date): Promise<FeedFile[]> {
  // The feed writers load with the first feed written: status and the operator commands open the
  // library and write none.
  const { renderAtom, renderJsonFeed, renderRss } = await import("./feeds/index.ts");
  const site = feedSite(config);
  const limit = config.feeds.limit;
  const articles = await library.visible(limit, at);
  return [
    { name: "feed.xml", kind: "rss", body: renderRss(site, articles, { limit }) },
    { name: "atom.xml", kind: "atom", body: renderAtom(site, articles, { limit }) },
    { name: "feed.json", kind: "json", body: renderJsonFeed(site, articles, { limit }) },
  ];
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
