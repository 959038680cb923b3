// Every public URL Herald mints comes from here, so feeds, pages and ActivityPub agree.

/** The file name of each feed format: the same at the site root and in a tag's folder. */
export const FEED_FILES = { rss: "feed.xml", atom: "atom.xml", json: "feed.json" } as const;

/** One feed in its three formats. */
export interface FeedUrls {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
}

export interface SiteUrls extends FeedUrls {
  /** `https://example.org/` (always ends with `/`). */
  readonly home: string;
  /** Page of an article; ends with `/` so relative assets resolve beside it. */
  article(slug: string): string;
  /**
   * The article's permanent identity on the web: RSS guid, Atom id, JSON Feed id and the
   * ActivityPub object id are all this URL. Built from the stable id, never from the slug.
   */
  object(id: string): string;
  /**
   * The article as a section account's post (`objects/@tech/<id>`): each account federates its own
   * object, so ids carry the account; the main account keeps `object(id)`.
   */
  accountObject(account: string, id: string): string;
  tag(tag: string): string;
  /**
   * A tag's own feeds, `tags/<key>/feed.xml` and beside it, by the tag's key (content/tags.ts), so a
   * feed keeps its address and id whichever spelling of the tag the newest article uses.
   */
  tagFeeds(key: string): FeedUrls;
  /** Herald's copy of a remote image, by its file name (`<sha256>.<ext>`). */
  media(name: string): string;
  /** A section account's feeds, beside its actor: `users/<username>/feed.xml` and the other two. */
  accountFeeds(username: string): FeedUrls;
}

export function siteUrls(siteUrl: string): SiteUrls {
  const home = new URL(siteUrl);
  home.search = "";
  home.hash = "";
  if (!home.pathname.endsWith("/")) home.pathname += "/";
  const at = (path: string): string => new URL(path, home).href;
  const feeds = (folder: string): FeedUrls => ({
    rss: at(`${folder}${FEED_FILES.rss}`),
    atom: at(`${folder}${FEED_FILES.atom}`),
    json: at(`${folder}${FEED_FILES.json}`),
  });
  return {
    home: home.href,
    ...feeds(""),
    article: (slug) => at(`articles/${encodeURIComponent(slug)}/`),
    object: (id) => at(`objects/${encodeURIComponent(id)}`),
    accountObject: (account, id) => at(`objects/@${encodeURIComponent(account)}/${encodeURIComponent(id)}`),
    tag: (tag) => at(`tags/${encodeURIComponent(tag)}/`),
    tagFeeds: (key) => feeds(`tags/${encodeURIComponent(key)}/`),
    media: (name) => at(`media/${encodeURIComponent(name)}`),
    accountFeeds: (username) => feeds(`users/${encodeURIComponent(username)}/`),
  };
}

/**
 * The bot's ActivityPub routes, as Fedify path templates. Every actor URL Herald builds or
 * recognises comes from these, so the dispatchers and the links in pages and posts agree.
 */
export const ACTOR_ROUTES = {
  actor: "/users/{identifier}",
  followers: "/users/{identifier}/followers",
  outbox: "/users/{identifier}/outbox",
  featured: "/users/{identifier}/featured",
  inbox: "/users/{identifier}/inbox",
  sharedInbox: "/inbox",
} as const;

/** Every actor route starts with this; the HTTP layer hands such paths to Fedify. */
export const ACTOR_ROUTE_PREFIX = "/users/";

export interface ActorUrls {
  /** `/users/<username>`: the path Fedify serves the actor on. */
  readonly path: string;
  readonly actor: URL;
  readonly followers: URL;
  /** `@<username>@<host>`, as people type it to follow. */
  readonly handle: string;
}

export function actorUrls(urls: Pick<SiteUrls, "home">, username: string): ActorUrls {
  const fill = (route: string) => route.replace("{identifier}", username);
  return {
    path: fill(ACTOR_ROUTES.actor),
    actor: new URL(`.${fill(ACTOR_ROUTES.actor)}`, urls.home),
    followers: new URL(`.${fill(ACTOR_ROUTES.followers)}`, urls.home),
    handle: `@${username}@${new URL(urls.home).host}`,
  };
}
