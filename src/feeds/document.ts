// The one canonical feed model. Articles and the site are mapped here, once, into plain
// cleaned data; RSS, Atom and JSON Feed are then straight serializations of it, so the three
// formats cannot disagree on ids, dates, titles, covers or attribution.
import type { Article, ImageInfo, Person } from "../content/model.ts";
import { stripXmlInvalid } from "../content/plain-text.ts";
import { httpUrl } from "../render/html.ts";
import { siteChannel } from "./channel.ts";
import { parseInstant } from "./dates.ts";
import { fullContentHtml } from "./full-content.ts";
import { selectFeedArticles } from "./select.ts";
import type { FeedOptions, FeedSite } from "./site.ts";

export interface FeedPerson {
  name: string;
  url?: string;
}

export interface FeedImage {
  url: string;
  /** Only a real type (sniffed upstream); never guessed from the file extension. */
  mediaType?: string;
  length?: number;
  width?: number;
  height?: number;
  /** What the image shows (its alt text or caption). */
  alt?: string;
  /** Photographer or agency. */
  credit?: string;
}

export interface FeedItem {
  /** `urls.object(article.id)`: RSS guid, Atom id, JSON Feed id, ActivityPub object id. */
  id: string;
  url: string;
  title: string;
  summary: string;
  contentHtml: string;
  lang: string;
  tags: string[];
  authors: FeedPerson[];
  cover?: FeedImage;
  /** Where a reprint comes from: the original (`source.url`), else where we found it (`via.url`). */
  original?: { url: string; title?: string };
  published: Date;
  updated: Date;
}

export interface FeedDocument {
  title: string;
  description: string;
  language: string;
  homeUrl: string;
  rssUrl: string;
  atomUrl: string;
  jsonUrl: string;
  author?: FeedPerson;
  icon?: string;
  hub?: string;
  generator?: { name: string; version: string; url?: string };
  /** Newest `updated` among the items; undefined for an empty feed. Never the current time. */
  updated?: Date;
  items: FeedItem[];
}

function text(value: string): string {
  return stripXmlInvalid(value).trim();
}

// Titles are one line of plain text; stray newlines and tabs from front matter become spaces.
function title(value: string): string {
  return text(value).replace(/\s+/g, " ");
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

function positiveInteger(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

function image(cover: ImageInfo | undefined, base: string): FeedImage | undefined {
  const url = httpUrl(cover?.url, base);
  if (cover === undefined || url === undefined) return undefined;
  const mediaType = cover.mediaType?.trim().toLowerCase();
  const image: FeedImage = { url };
  if (mediaType !== undefined && MEDIA_TYPE.test(mediaType)) image.mediaType = mediaType;
  const length = positiveInteger(cover.length);
  const width = positiveInteger(cover.width);
  const height = positiveInteger(cover.height);
  if (length !== undefined) image.length = length;
  if (width !== undefined) image.width = width;
  if (height !== undefined) image.height = height;
  const alt = title(cover.alt ?? "");
  const credit = title(cover.credit ?? "");
  if (alt !== "") image.alt = alt;
  if (credit !== "") image.credit = credit;
  return image;
}

// E-mail addresses are deliberately left out: feeds are public and scraped.
function person(value: Person | { name: string; url?: string }, base: string): FeedPerson | undefined {
  const name = title(value.name);
  if (name === "") return undefined;
  const url = httpUrl(value.url, base);
  return url === undefined ? { name } : { name, url };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function original(article: Article): FeedItem["original"] {
  const { source, via } = article.attribution;
  const sourceUrl = httpUrl(source?.url, article.url);
  if (sourceUrl !== undefined) {
    const sourceTitle = source?.title === undefined ? "" : title(source.title);
    return sourceTitle === "" ? { url: sourceUrl } : { url: sourceUrl, title: sourceTitle };
  }
  const viaUrl = httpUrl(via?.url, article.url);
  return viaUrl === undefined ? undefined : { url: viaUrl };
}

export function toFeedItem(site: FeedSite, article: Article): FeedItem {
  const item: FeedItem = {
    id: site.urls.object(article.id),
    url: article.url,
    title: title(article.title),
    summary: text(article.summary),
    contentHtml: stripXmlInvalid(fullContentHtml(article)),
    lang: text(article.lang) || site.language,
    tags: unique(article.tags.map(title).filter((tag) => tag !== "")),
    authors: article.authors.flatMap((author) => person(author, article.url) ?? []),
    published: parseInstant(article.published, `article ${article.id} (published)`),
    updated: parseInstant(article.updated, `article ${article.id} (updated)`),
  };
  const cover = image(article.cover, article.url);
  if (cover !== undefined) item.cover = cover;
  const from = original(article);
  if (from !== undefined) item.original = from;
  return item;
}

export function buildFeedDocument(
  site: FeedSite,
  articles: readonly Article[],
  opts: FeedOptions,
): FeedDocument {
  const channel = opts.channel ?? siteChannel(site);
  const items = selectFeedArticles(articles, opts.limit).map((article) => toFeedItem(site, article));
  const doc: FeedDocument = {
    title: title(channel.title),
    description: text(channel.description),
    language: text(site.language),
    homeUrl: channel.homeUrl,
    rssUrl: channel.urls.rss,
    atomUrl: channel.urls.atom,
    jsonUrl: channel.urls.json,
    items,
  };
  const author = site.author === undefined ? undefined : person(site.author, site.urls.home);
  if (author !== undefined) doc.author = author;
  const icon = httpUrl(site.icon, site.urls.home);
  if (icon !== undefined) doc.icon = icon;
  const hub = channel.hub ? httpUrl(site.hub, site.urls.home) : undefined;
  if (hub !== undefined) doc.hub = hub;
  if (site.generator !== undefined) {
    const { name, version, url } = site.generator;
    const generatorUrl = httpUrl(url, site.urls.home);
    doc.generator = {
      name: title(name),
      version: title(version),
      ...(generatorUrl ? { url: generatorUrl } : {}),
    };
  }
  for (const item of items) {
    if (doc.updated === undefined || item.updated.getTime() > doc.updated.getTime())
      doc.updated = item.updated;
  }
  return doc;
}
