import type { SiteUrls } from "../urls.ts";
import type { FeedChannel } from "./channel.ts";

/** The site (or bot) a feed describes. */
export interface FeedSite {
  title: string;
  description: string;
  /** BCP 47 tag; entries in another language say so themselves. */
  language: string;
  urls: SiteUrls;
  /** The bot/site as feed author; Atom falls back to the site title when absent. */
  author?: { name: string; url?: string };
  /** Absolute URL of an avatar or logo. */
  icon?: string;
  /** WebSub hub URL. */
  hub?: string;
  generator?: { name: string; version: string; url?: string };
}

export interface FeedOptions {
  /** Maximum number of items (newest first). */
  limit: number;
  /** Which feed this is; the site's own feeds when absent. */
  channel?: FeedChannel;
}
