// Atom 1.0 (RFC 4287) with Media RSS for the cover.
//
// The feed <id> is the Atom feed URL: unique per feed (a tag's feed has its own, channel.ts), unlike
// the home page. Atom requires an author for every entry; entries without their own inherit
// the feed-level author, which falls back to the site title. The cover enclosure link needs a
// known type, as in RSS: Atom allows omitting it, but feedparser then reports the image as
// `text/html`, which readers would show as a broken attachment.
// <source> is omitted: it describes an original *Atom feed*, which we never know; the original
// page is `link rel="via"`.
import type { Article } from "../content/model.ts";
import { toRfc3339 } from "./dates.ts";
import { buildFeedDocument, type FeedDocument, type FeedItem, type FeedPerson } from "./document.ts";
import { MEDIA_RSS_NAMESPACE, writeMediaRss } from "./media-rss.ts";
import type { FeedOptions, FeedSite } from "./site.ts";
import { XmlWriter } from "./xml.ts";

// Required by RFC 4287 even for an empty feed; the epoch keeps the bytes deterministic.
const EMPTY_FEED_UPDATED = new Date(0);

function writePerson(xml: XmlWriter, person: FeedPerson): void {
  xml.open("author");
  xml.leaf("name", undefined, person.name);
  if (person.url !== undefined) xml.leaf("uri", undefined, person.url);
  xml.close();
}

function writeEntry(xml: XmlWriter, doc: FeedDocument, item: FeedItem): void {
  xml.open("entry", item.lang === doc.language ? undefined : { "xml:lang": item.lang });
  xml.leaf("id", undefined, item.id);
  xml.leaf("title", { type: "text" }, item.title);
  xml.leaf("link", { rel: "alternate", type: "text/html", href: item.url });
  if (item.original !== undefined) {
    xml.leaf("link", { rel: "via", type: "text/html", href: item.original.url, title: item.original.title });
  }
  if (item.cover?.mediaType !== undefined) {
    xml.leaf("link", {
      rel: "enclosure",
      type: item.cover.mediaType,
      length: item.cover.length,
      href: item.cover.url,
    });
  }
  xml.leaf("published", undefined, toRfc3339(item.published));
  xml.leaf("updated", undefined, toRfc3339(item.updated));
  for (const author of item.authors) writePerson(xml, author);
  for (const tag of item.tags) xml.leaf("category", { term: tag });
  xml.leaf("summary", { type: "text" }, item.summary);
  xml.leaf("content", { type: "html" }, item.contentHtml);
  if (item.cover !== undefined) writeMediaRss(xml, item.cover);
  xml.close();
}

function serializeAtom(doc: FeedDocument): string {
  const xml = new XmlWriter();
  xml.open("feed", {
    xmlns: "http://www.w3.org/2005/Atom",
    "xmlns:media": MEDIA_RSS_NAMESPACE,
    "xml:lang": doc.language,
  });
  xml.leaf("id", undefined, doc.atomUrl);
  xml.leaf("title", { type: "text" }, doc.title);
  xml.leaf("subtitle", { type: "text" }, doc.description);
  xml.leaf("updated", undefined, toRfc3339(doc.updated ?? EMPTY_FEED_UPDATED));
  xml.leaf("link", { rel: "self", type: "application/atom+xml", href: doc.atomUrl });
  xml.leaf("link", { rel: "alternate", type: "text/html", href: doc.homeUrl });
  if (doc.hub !== undefined) xml.leaf("link", { rel: "hub", href: doc.hub });
  writePerson(xml, doc.author ?? { name: doc.title });
  if (doc.generator !== undefined) {
    xml.leaf("generator", { uri: doc.generator.url, version: doc.generator.version }, doc.generator.name);
  }
  if (doc.icon !== undefined) {
    xml.leaf("icon", undefined, doc.icon);
    xml.leaf("logo", undefined, doc.icon);
  }
  for (const item of doc.items) writeEntry(xml, doc, item);
  xml.close();
  return xml.toString();
}

export function renderAtom(site: FeedSite, articles: readonly Article[], opts: FeedOptions): string {
  return serializeAtom(buildFeedDocument(site, articles, opts));
}
