// Every public URL Herald mints comes from here, so feeds, pages and ActivityPub agree.

export interface SiteUrls {
  /** `https://example.org/` (always ends with `/`). */
  readonly home: string;
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
  /** Page of an article; ends with `/` so relative assets resolve beside it. */
  article(slug: string): string;
  /**
   * The article's permanent identity on the web: RSS guid, Atom id, JSON Feed id and the
   * ActivityPub object id are all this URL. Built from the stable id, never from the slug.
   */
  object(id: string): string;
  tag(tag: string): string;
  /** Herald's copy of a remote image, by its file name (`<sha256>.<ext>`). */
  media(name: string): string;
}

export function siteUrls(siteUrl: string): SiteUrls {
  const home = new URL(siteUrl);
  home.search = "";
  home.hash = "";
  if (!home.pathname.endsWith("/")) home.pathname += "/";
  const at = (path: string): string => new URL(path, home).href;
  return {
    home: home.href,
    rss: at("feed.xml"),
    atom: at("atom.xml"),
    json: at("feed.json"),
    article: (slug) => at(`articles/${encodeURIComponent(slug)}/`),
    object: (id) => at(`objects/${encodeURIComponent(id)}`),
    tag: (tag) => at(`tags/${encodeURIComponent(tag)}/`),
    media: (name) => at(`media/${encodeURIComponent(name)}`),
  };
}
