/** HTTP `Content-Type` for each feed format, with charset (feeds are always UTF-8). */
export const FEED_CONTENT_TYPES = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
} as const;

export type FeedFormat = keyof typeof FEED_CONTENT_TYPES;
