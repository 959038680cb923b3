// RSS 2.0 with the content, Dublin Core, Media RSS and Atom namespaces.
//
// Enclosure policy: RSS requires `type` and `length` on <enclosure>. We write exactly one,
// for the cover, only when its MIME type is known (sniffed from the bytes upstream); a type
// guessed from the extension (`image/jpg`) is worse than none. When the type is known but the
// size is not, `length="0"` is what the RSS Advisory Board recommends. Remote covers with
// unknown type still reach readers through the leading <img>, media:content and media:thumbnail.
// <source url> is omitted: RSS wants the original's *feed* URL, which we never know.

import type { Article } from "../content/model.ts";
import { toRfc822 } from "./dates.ts";
import { buildFeedDocument, type FeedDocument, type FeedItem } from "./document.ts";
import { MEDIA_RSS_NAMESPACE, writeMediaRss } from "./media-rss.ts";
import type { FeedOptions, FeedSite } from "./site.ts";
import { XmlWriter } from "./xml.ts";

const NAMESPACES = {
  "xmlns:atom": "http://www.w3.org/2005/Atom",
  "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
  "xmlns:dc": "http://purl.org/dc/elements/1.1/",
  "xmlns:media": MEDIA_RSS_NAMESPACE,
} as const;

function writeItem(xml: XmlWriter, doc: FeedDocument, item: FeedItem): void {
  xml.open("item");
  xml.leaf("title", undefined, item.title);
  xml.leaf("link", undefined, item.url);
  xml.leaf("guid", { isPermaLink: "false" }, item.id);
  xml.leaf("pubDate", undefined, toRfc822(item.published));
  // RSS has no per-item language; Dublin Core carries it when it differs from the channel.
  if (item.lang !== doc.language) xml.leaf("dc:language", undefined, item.lang);
  // Names only: RSS <author> must be an e-mail address, so names go to dc:creator.
  for (const author of item.authors) xml.leaf("dc:creator", undefined, author.name);
  for (const tag of item.tags) xml.leaf("category", undefined, tag);
  // Summary first, then the full content (readers show whichever they prefer).
  xml.leaf("description", undefined, item.summary);
  xml.leaf("content:encoded", undefined, item.contentHtml);
  if (item.cover !== undefined) {
    if (item.cover.mediaType !== undefined) {
      xml.leaf("enclosure", {
        url: item.cover.url,
        length: item.cover.length ?? 0,
        type: item.cover.mediaType,
      });
    }
    writeMediaRss(xml, item.cover);
  }
  xml.close();
}

function serializeRss(doc: FeedDocument): string {
  const xml = new XmlWriter();
  xml.open("rss", { version: "2.0", ...NAMESPACES });
  xml.open("channel");
  xml.leaf("title", undefined, doc.title);
  xml.leaf("link", undefined, doc.homeUrl);
  xml.leaf("description", undefined, doc.description);
  xml.leaf("language", undefined, doc.language);
  if (doc.updated !== undefined) xml.leaf("lastBuildDate", undefined, toRfc822(doc.updated));
  if (doc.author !== undefined) xml.leaf("dc:creator", undefined, doc.author.name);
  if (doc.generator !== undefined) {
    xml.leaf("generator", undefined, `${doc.generator.name} ${doc.generator.version}`);
  }
  xml.leaf("docs", undefined, "https://www.rssboard.org/rss-specification");
  if (doc.icon !== undefined) {
    xml.open("image");
    xml.leaf("url", undefined, doc.icon);
    xml.leaf("title", undefined, doc.title);
    xml.leaf("link", undefined, doc.homeUrl);
    xml.close();
  }
  xml.leaf("atom:link", { href: doc.rssUrl, rel: "self", type: "application/rss+xml" });
  if (doc.hub !== undefined) xml.leaf("atom:link", { href: doc.hub, rel: "hub" });
  for (const item of doc.items) writeItem(xml, doc, item);
  xml.close();
  xml.close();
  return xml.toString();
}

export function renderRss(site: FeedSite, articles: readonly Article[], opts: FeedOptions): string {
  return serializeRss(buildFeedDocument(site, articles, opts));
}
