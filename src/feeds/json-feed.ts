// JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Written directly: the `feed` package only
// knows 1.0 (one `author`, no `authors`, `language`, `attachments` or `external_url`).
// The deprecated 1.0 `author` is not written; every current reader understands `authors`.
// Attachments need `mime_type`, so the cover is an attachment only when its type is known;
// `image` always carries it.
import type { Article } from "../content/model.ts";
import { toRfc3339 } from "./dates.ts";
import { buildFeedDocument, type FeedDocument, type FeedItem, type FeedPerson } from "./document.ts";
import type { FeedOptions, FeedSite } from "./site.ts";

type Json = string | number | boolean | Json[] | { [key: string]: Json | undefined };

function author(person: FeedPerson): Json {
  return person.url === undefined ? { name: person.name } : { name: person.name, url: person.url };
}

function item(entry: FeedItem): Json {
  const cover = entry.cover;
  return {
    id: entry.id,
    url: entry.url,
    external_url: entry.original?.url,
    title: entry.title,
    summary: entry.summary,
    content_html: entry.contentHtml,
    image: cover?.url,
    date_published: toRfc3339(entry.published),
    date_modified: toRfc3339(entry.updated),
    authors: entry.authors.length === 0 ? undefined : entry.authors.map(author),
    tags: entry.tags.length === 0 ? undefined : entry.tags,
    language: entry.lang,
    attachments:
      cover?.mediaType === undefined
        ? undefined
        : [{ url: cover.url, mime_type: cover.mediaType, size_in_bytes: cover.length }],
  };
}

function serializeJsonFeed(doc: FeedDocument): string {
  const feed: Json = {
    version: "https://jsonfeed.org/version/1.1",
    title: doc.title,
    home_page_url: doc.homeUrl,
    feed_url: doc.jsonUrl,
    description: doc.description,
    icon: doc.icon,
    favicon: doc.icon,
    authors: doc.author === undefined ? undefined : [author(doc.author)],
    language: doc.language,
    hubs: doc.hub === undefined ? undefined : [{ type: "WebSub", url: doc.hub }],
    items: doc.items.map(item),
  };
  // JSON.stringify drops `undefined` members, so optional fields simply disappear.
  return `${JSON.stringify(feed, null, 2)}\n`;
}

export function renderJsonFeed(site: FeedSite, articles: readonly Article[], opts: FeedOptions): string {
  return serializeJsonFeed(buildFeedDocument(site, articles, opts));
}
