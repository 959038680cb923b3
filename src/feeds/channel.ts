// Which feed a document is. The site's feeds, a tag's and an account's feeds differ only in
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

/**
 * A section account's feeds, `/users/<username>/feed.xml` and beside it: what the account posts, for
 * readers who follow it with a feed reader. Built on request, so not pinged to the hub either.
 */
export function accountChannel(
  site: FeedSite,
  account: { username: string; name: string; summary: string },
): FeedChannel {
  return {
    title: `${site.title} · ${account.name}`,
    description: account.summary || site.description,
    homeUrl: new URL(`users/${encodeURIComponent(account.username)}`, site.urls.home).href,
    urls: site.urls.accountFeeds(account.username),
    hub: false,
  };
}
