// Feeds: Article[] → RSS 2.0, Atom 1.0, JSON Feed 1.1.
//
// Why not the `feed` package (6.0.0)? Its defects (listed in the team's feeds reference) sit in its serializer,
// xml-js, not at its edges: text is un-escaped then re-escaped (`&amp;` in a title collapses),
// attribute values are not escaped, CDATA is written raw, and dc:creator, media:* or a
// per-item language can only be injected as raw extension objects that bypass the same
// escaping. Working around that means pre-processing every string for one library's
// internals — the opposite of fixing things in one place. It also builds the whole document
// as an object tree (~3x slower than strings, 1.3 GB for 10k items) and has no JSON Feed 1.1.
// So all three formats are written here from one canonical model (document.ts), and every
// byte of XML goes through one small writer (xml.ts) that strips XML-invalid characters and
// escapes exactly once, with no CDATA at all.

export { renderAttributionHtml } from "../render/attribution.ts";
export { renderAtom } from "./atom.ts";
export { accountChannel, type FeedChannel, siteChannel, tagChannel, tagFeedTitle } from "./channel.ts";
export { FEED_CONTENT_TYPES, type FeedFormat } from "./content-types.ts";
export { renderJsonFeed } from "./json-feed.ts";
export { renderRss } from "./rss.ts";
export { selectFeedArticles } from "./select.ts";
export type { FeedOptions, FeedSite } from "./site.ts";
