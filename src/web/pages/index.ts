// Public pages: routing and the in-memory page cache. Every page is rendered once per version
// of what it shows and then served from a Buffer with its ETag (see ../cached.ts), so a hit
// costs a Map lookup: article pages are keyed by their article's content hash and dates, list
// pages by the visible articles they list.
//
// The index (order, slugs, tags) is built from the library's records, which carry title and tags:
// only the articles a request shows are loaded (a list page's items, one article), never the
// whole corpus's rendered HTML.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Library } from "../../content/library.ts";
import type { Article } from "../../content/model.ts";
import type { ArticleRecord } from "../../content/records.ts";
import { groupByTag, type TagGroup, tagKey } from "../../content/tags.ts";
import { type FederationStore, MAIN_ACCOUNT } from "../../store/types.ts";
import { serveObject, wantsActivityJson } from "../activitypub.ts";
import { type CachedBody, cachedBody, sendCached } from "../cached.ts";
import type { RouteHandler } from "../server.ts";
import { type AccountPage, renderAccount } from "./account.ts";
import { renderArticle } from "./article.ts";
import { loadConversation, renderConversation } from "./conversation.ts";
import { renderBadInstance, renderGone, renderNotFound } from "./errors.ts";
import { instanceHost, remoteFollowUrl } from "./follow.ts";
import { renderHome } from "./home.ts";
import { HTML_TYPE, PAGE_HEADERS } from "./layout.ts";
import { type Paged, paginate } from "./list.ts";
import type { PageSite } from "./site.ts";
import { renderTag } from "./tag.ts";

export { type PageSite, pageSite } from "./site.ts";

export interface PagesDeps {
  site: PageSite;
  library: Pick<Library, "visibleRecords" | "get" | "records">;
  /** Retractions and federated objects: 410 rather than 404, and JSON-LD for ActivityPub clients. */
  store: FederationStore;
  /** Rendered article pages kept in memory at most (oldest dropped first; rebuilt on demand). */
  maxCachedArticles?: number;
  /** pages.showInteractions: article pages show likes, boosts and replies (conversation.ts). */
  showInteractions?: boolean;
  /** How long a conversation read from the store is shown before it is read again (default 5 s). */
  conversationRefreshMs?: number;
  /**
   * Section accounts: each one's page at its actor URL, listing what `pick` chooses of the visible
   * records (newest first).
   */
  accounts?: readonly (AccountPage & { pick(visible: readonly ArticleRecord[]): Promise<ArticleRecord[]> })[];
}

export interface Pages {
  /**
   * GET/HEAD of `/`, `/follow`, `/reply` (pages.showInteractions), `/articles/<slug>/`, `/tags/<tag>/`,
   * of the actor's path (the home page, for browsers that Fedify did not answer) and of each section
   * account's (its page); false for any other path.
   */
  handle: RouteHandler;
  /** The 404 page. */
  notFound(req: IncomingMessage, res: ServerResponse): void;
  /** What is visible may have changed (a scan, a retraction): lists are looked at again on the next request. */
  invalidate(): void;
  /** Replies were hidden or shown here: conversations are read again on the next request. */
  invalidateConversations(): void;
}

/** The visible articles' records, newest first, and the same by slug and by tag key. */
interface Index {
  records: ArticleRecord[];
  bySlug: Map<string, ArticleRecord>;
  byTag: Map<string, TagGroup<ArticleRecord>>;
}

const ARTICLE_PATH = /^\/articles\/([^/]+)(\/?)$/;
// Tags may contain "/" (the server decodes %2F): the last slash is the only separator.
const TAG_PATH = /^\/tags\/(.+?)(\/?)$/;
const PAGE_PARAM = /^[1-9][0-9]{0,5}$/;

export function createPages(deps: PagesDeps): Pages {
  const { site, library, store } = deps;
  const maxArticles = deps.maxCachedArticles ?? 2_000;
  const federated = site.bot.handle !== undefined;
  // The actor URL shows browsers the home page and ActivityPub clients the actor: one URL, two bodies.
  const actorPath = site.bot.actorUrl === undefined ? undefined : new URL(site.bot.actorUrl).pathname;
  const notFoundPage = cachedBody(renderNotFound(site), HTML_TYPE, new Date(0));
  const gonePage = cachedBody(renderGone(site), HTML_TYPE, new Date(0));
  const articlePages = new Map<string, { key: string; article: Article; page: CachedBody }>();
  const showInteractions = federated && deps.showInteractions === true;
  const conversationRefreshMs = deps.conversationRefreshMs ?? 5_000;
  // Read again every few seconds, so a reply hidden by another process (the CLI, another web
  // process on PostgreSQL) leaves every page within that time, as blocks do (federation/blocks.ts).
  let conversations = new Map<
    string,
    { at: number; html: string; signature: string; lastChange: string | undefined }
  >();
  let listPages = new Map<string, CachedBody>();
  let index: Index | undefined;
  let listedSignature = "";

  // Bumped by `invalidate`: an index loaded across an invalidation is stale before it is finished.
  let generation = 0;

  const currentIndex = async (): Promise<Index> => {
    while (!index) {
      const loading = generation;
      const records = await library.visibleRecords();
      if (loading === generation) index = indexOf(records);
    }
    return index;
  };

  const indexOf = (records: ArticleRecord[]): Index => {
    const bySlug = new Map(records.map((r) => [r.slug, r]));
    const byTag = groupByTag(records);
    const signature = records.map(listedVersion).join("\n");
    if (signature !== listedSignature) listPages = new Map();
    listedSignature = signature;
    const ids = new Set(records.map((r) => r.id));
    for (const id of articlePages.keys()) if (!ids.has(id)) articlePages.delete(id);
    return { records, bySlug, byTag };
  };

  /** The articles of `records`, loaded side by side (one round trip's wait on PostgreSQL, not one each). */
  const load = async (records: readonly ArticleRecord[]): Promise<Article[]> => {
    const articles = await Promise.all(records.map((r) => library.get(r.id)));
    return articles.filter((a): a is Article => a !== undefined);
  };

  const send = (req: IncomingMessage, res: ServerResponse, page: CachedBody, extra = PAGE_HEADERS): true => {
    sendCached(req, res, page, extra);
    return true;
  };

  const sendStatus = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    page: CachedBody,
    cacheControl = "public, max-age=60",
  ): void => {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    res.setHeader("Content-Type", page.contentType);
    res.setHeader("Cache-Control", cacheControl);
    res.setHeader("Vary", "Accept-Encoding");
    const gzip = page.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    const body = gzip ? page.gzip! : page.body;
    res.statusCode = status;
    res.setHeader("Content-Length", body.length);
    res.end(req.method === "HEAD" ? undefined : body);
  };

  const redirect = (res: ServerResponse, status: 301 | 302, location: string): true => {
    res.statusCode = status;
    res.setHeader("Location", location);
    res.end();
    return true;
  };

  /** The `page` query parameter (`explicit` when given); undefined when it is not a page number. */
  const pageNumber = (req: IncomingMessage): { page: number; explicit: boolean } | undefined => {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const value = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get("page");
    if (value === null) return { page: 1, explicit: false };
    return PAGE_PARAM.test(value) ? { page: Number(value), explicit: true } : undefined;
  };

  const listPage = async (
    req: IncomingMessage,
    res: ServerResponse,
    cacheKey: string,
    base: string,
    all: readonly ArticleRecord[],
    render: (paged: Paged<Article>) => string,
    headers = PAGE_HEADERS,
  ): Promise<boolean> => {
    const asked = pageNumber(req);
    if (asked === undefined) return false;
    const { page } = asked;
    // `?page=1` is the list's own URL.
    if (page === 1 && asked.explicit) return redirect(res, 301, base);
    const key = `${cacheKey}\u0000${page}`;
    let cached = listPages.get(key);
    if (!cached) {
      const paged = paginate(all, page, site.perPage);
      if (!paged) return false;
      // Replaced when the listed articles change: a page rendered across that change is served, not kept.
      const cache = listPages;
      const items = await load(paged.items);
      const newest = items
        .map((a) => a.updated)
        .sort()
        .at(-1);
      cached = cachedBody(render({ ...paged, items }), HTML_TYPE, new Date(newest ?? 0));
      cache.set(key, cached);
    }
    return send(req, res, cached, headers);
  };

  const articlePage = async (req: IncomingMessage, res: ServerResponse, a: Article): Promise<true> => {
    if (federated && wantsActivityJson(req)) {
      await serveObject({ store }, req, res, a.id, a.url);
      return true;
    }
    // Only a post can be replied to: an article kept off the fediverse has no conversation.
    const talk = showInteractions && a.federate ? await conversationOf(a) : undefined;
    // Articles are immutable and the library hands out the same object until one changes: an
    // identity check is the fast path, the version key decides when the index was rebuilt.
    let entry = articlePages.get(a.id);
    const key = `${site.fingerprint}\u0000${versionKey(a)}${talk ? `\u0000${talk.signature}` : ""}`;
    if (entry?.article !== a || (talk && entry.key !== key)) {
      const lastModified = talk?.lastChange && talk.lastChange > a.updated ? talk.lastChange : a.updated;
      entry =
        entry?.key === key
          ? { ...entry, article: a }
          : {
              key,
              article: a,
              page: cachedBody(renderArticle(site, a, talk?.html), HTML_TYPE, new Date(lastModified)),
            };
      articlePages.delete(a.id);
      articlePages.set(a.id, entry);
      if (articlePages.size > maxArticles) articlePages.delete(articlePages.keys().next().value!);
    }
    // The same URL answers ActivityPub clients with JSON-LD: caches must keep them apart. With a
    // conversation, caches ask again each time (a 304 while it is unchanged): a hidden reply goes.
    return send(
      req,
      res,
      entry.page,
      talk ? CONVERSATION_HEADERS : federated ? NEGOTIATED_HEADERS : PAGE_HEADERS,
    );
  };

  const conversationOf = async (a: Article) => {
    const now = Date.now();
    const known = conversations.get(a.id);
    if (known && now - known.at < conversationRefreshMs) return known;
    const cache = conversations;
    let conversation: Awaited<ReturnType<typeof loadConversation>>;
    try {
      conversation = await loadConversation(store, a.id);
    } catch (error) {
      // The database is away (PostgreSQL): pages go on from memory, with the last conversation read.
      if (known) return known;
      throw error;
    }
    const html = renderConversation(site, a.lang, conversation, {
      objectUrl: await postUrl(a.id),
      replyAction: new URL("reply", site.urls.home).href,
      slug: a.slug,
    });
    const signature = createHash("sha256").update(html).digest("base64url");
    const fresh = { at: now, html, signature, lastChange: conversation.lastChange };
    cache.set(a.id, fresh);
    if (cache.size > maxArticles) cache.delete(cache.keys().next().value!);
    return fresh;
  };

  /**
   * The fediverse post readers reply to: the main account's, or, when only section accounts posted
   * the article (`bot.mode: announce` or `none`), the first section's in the configuration's order.
   */
  const postUrl = async (id: string): Promise<string> => {
    const live = async (account: string) => {
      const object = await store.forAccount(account).getObject(id);
      return object !== undefined && object.deletedAt === null;
    };
    if (await live(MAIN_ACCOUNT)) return site.urls.object(id);
    for (const account of deps.accounts ?? [])
      if (await live(account.username)) return site.urls.accountObject(account.username, id);
    return site.urls.object(id);
  };

  /** A slug no visible article has: 410 if it was retracted or removed after being public, else 404. */
  const missingArticle = async (
    req: IncomingMessage,
    res: ServerResponse,
    slug: string,
  ): Promise<boolean> => {
    const candidates = [...library.records()].filter((r) => r.slug === slug);
    if (candidates.length === 0) return false;
    const retracted = await store.retractedIds();
    let gone: (typeof candidates)[number] | undefined;
    for (const r of candidates) {
      if (
        retracted.has(r.id) ||
        (await store.getObject(r.id))?.deletedAt ||
        (r.path === null && r.visibleFrom !== null && r.removedAt !== null && r.visibleFrom <= r.removedAt)
      ) {
        gone = r;
        break;
      }
    }
    if (!gone) return false;
    if (federated && wantsActivityJson(req)) {
      await serveObject({ store }, req, res, gone.id, undefined);
      return true;
    }
    sendStatus(req, res, 410, gonePage);
    return true;
  };

  const handle: RouteHandler = async (req, res, path) => {
    if (path === "/" || path === actorPath) {
      const { records } = await currentIndex();
      return listPage(
        req,
        res,
        "home",
        site.urls.home,
        records,
        (paged) => renderHome(site, paged),
        path === actorPath ? NEGOTIATED_HEADERS : PAGE_HEADERS,
      );
    }
    const article = ARTICLE_PATH.exec(path);
    if (article) {
      const slug = article[1]!;
      const r = (await currentIndex()).bySlug.get(slug);
      if (!r) return article[2] ? missingArticle(req, res, slug) : false;
      if (!article[2]) return redirect(res, 301, site.urls.article(r.slug));
      const a = await library.get(r.id);
      return a ? articlePage(req, res, a) : false;
    }
    if (path === "/reply" && showInteractions) {
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const r = (await currentIndex()).bySlug.get(query.get("article") ?? "");
      if (!r?.federate) return false;
      const host = instanceHost(query.get("instance") ?? "");
      // The reader's server shows the post with its reply box (Mastodon's authorize_interaction).
      if (host) return redirect(res, 302, remoteFollowUrl(host, await postUrl(r.id)));
      sendStatus(req, res, 400, badInstancePage(), "no-store");
      return true;
    }
    const tag = TAG_PATH.exec(path);
    if (tag) {
      const entry = (await currentIndex()).byTag.get(tagKey(tag[1]!));
      if (!entry) return false;
      const base = site.urls.tag(entry.tag);
      if (!tag[2]) return redirect(res, 301, base);
      return listPage(req, res, `tag\u0000${tagKey(entry.tag)}`, base, entry.records, (paged) =>
        renderTag(site, entry.tag, paged),
      );
    }
    const account = deps.accounts?.find((a) => new URL(a.url).pathname === path);
    if (account) {
      const picked = await account.pick((await currentIndex()).records);
      return listPage(
        req,
        res,
        `account\u0000${account.username}`,
        account.url,
        picked,
        (paged) => renderAccount(site, account, paged),
        NEGOTIATED_HEADERS,
      );
    }
    if (path === "/follow" && site.bot.actorUrl) {
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const host = instanceHost(query.get("instance") ?? "");
      if (host) return redirect(res, 302, remoteFollowUrl(host, site.bot.actorUrl));
      sendStatus(req, res, 400, badInstancePage(), "no-store");
      return true;
    }
    return false;
  };

  let badInstance: CachedBody | undefined;
  const badInstancePage = (): CachedBody => {
    badInstance ??= cachedBody(renderBadInstance(site), HTML_TYPE, new Date(0));
    return badInstance;
  };

  return {
    handle,
    notFound: (req, res) => sendStatus(req, res, 404, notFoundPage),
    invalidate() {
      index = undefined;
      generation++;
    },
    invalidateConversations() {
      conversations = new Map();
    },
  };
}

const NEGOTIATED_HEADERS: Readonly<Record<string, string>> = {
  ...PAGE_HEADERS,
  Vary: "Accept, Accept-Encoding",
};

const CONVERSATION_HEADERS: Readonly<Record<string, string>> = {
  ...NEGOTIATED_HEADERS,
  "Cache-Control": "public, no-cache",
};

/** What an article page shows changes exactly when one of these does (the content hash leaves dates out). */
function versionKey(a: Article): string {
  return `${a.id}\u0000${a.contentHash}\u0000${a.published}\u0000${a.updated}`;
}

/**
 * versionKey from a record, for list pages, whose Last-Modified is their newest item's `updated`. The
 * record does not hold `updated`: an edit of `updated` alone changes the file's mtime, which stands in
 * (a mere touch then re-renders a list page on demand, which is cheap). Tags decide which tag pages
 * list the article; the content hash covers them, save for a record whose tags a re-read filled in.
 */
function listedVersion(r: ArticleRecord): string {
  const file = r.file?.mtimeMs;
  return [r.id, r.slug, r.contentHash, r.published, r.changedAt, file, ...r.tags].join("\u0000");
}
