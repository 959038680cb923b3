// Which feed a document is. The site's feeds and a tag's feeds (an account's, later) differ only in
// this and in the articles they are given: items, and so their ids, are the same in every feed.
import { tagKey } from "../content/tags.ts";
import type { FeedUrls } from "../urls.ts";
import type { FeedSite } from "./site.ts";

export interface FeedChannel {
  title: string;
  description: string;
  /** The page the feed stands for: RSS `<link>`, Atom `alternate`, JSON Feed `home_page_url`. */
  homeUrl: string;
  /** Self links; the Atom one is also the Atom feed id. */
  urls: FeedUrls;
  /**
   * Whether the feed names the site's WebSub hub. Only feeds the hub is pinged for may: a reader
   * subscribed through the hub stops polling and would never hear of a change otherwise.
   */
  hub: boolean;
}

/** The site's own feeds: `/feed.xml`, `/atom.xml`, `/feed.json`. */
export function siteChannel(site: FeedSite): FeedChannel {
  const { rss, atom, json } = site.urls;
  return {
    title: site.title,
    description: site.description,
    homeUrl: site.urls.home,
    urls: { rss, atom, json },
    hub: true,
  };
}

/**
 * A tag's feeds, `/tags/<key>/feed.xml` and beside it. `tag` is the spelling shown (in the title
 * and the tag page's URL, as on that page); the feed's own addresses and id come from its key.
 * Not pinged to the hub: they are built when a reader asks, so Herald does not know when they change.
 */
export function tagChannel(site: FeedSite, tag: string): FeedChannel {
  return {
    title: tagFeedTitle(site.title, tag),
    description: site.description,
    homeUrl: site.urls.tag(tag),
    urls: site.urls.tagFeeds(tagKey(tag)),
    hub: false,
  };
}

/** A tag feed's title; the tag's page announces its feeds under the same name. */
export function tagFeedTitle(siteTitle: string, tag: string): string {
  return `${siteTitle} · ${tag}`;
}
