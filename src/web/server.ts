import { closeSync, createReadStream } from "node:fs";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { resolveAsset } from "../content/assets.ts";
import type { Library } from "../content/library.ts";
import type { Article } from "../content/model.ts";
import { openNoFollow } from "../content/read-file.ts";
import type { Logger } from "../log.ts";
import { mirroredFile } from "../media/files.ts";
import { imageTypeOfPath } from "../media/types.ts";
import { ACCOUNT_FEED_PATH } from "./account-feeds.ts";
import { type ActivityPubDeps, handleWithFedify, isActivityPubPath, serveObject } from "./activitypub.ts";
import type { CachedBody } from "./cached.ts";
import { sendCached } from "./cached.ts";
import type { LazyFeeds } from "./lazy-feeds.ts";

/** What the HTTP layer serves; rebuilt by the runtime when content changes, read here. */
export interface WebState {
  feeds: ReadonlyMap<string, CachedBody>;
  /** Set when the last refresh succeeded; /healthz reports it. */
  lastRefresh: Date | undefined;
  /** PostgreSQL: whether it answers; /healthz says 503 while it does not. */
  database?: { readonly up: boolean };
}

export interface WebDeps {
  state: WebState;
  library: Library;
  contentDir: string;
  /** data.dir: mirrored images are served from its media/ folder. */
  dataDir?: string;
  log: Logger;
  /** Extra links for the site's feed responses (WebSub). */
  feedLinkHeader?: string;
  /** Feeds built on request (a tag's); a path they do not know goes on to the pages. */
  lazyFeeds?: Pick<LazyFeeds, "find">;
  /** The fediverse side, when federation runs in this process. */
  activityPub?: ActivityPubDeps;
  /** Avatar and header files from config, by URL path. */
  profileFiles?: ReadonlyMap<string, string>;
  /** The admin dashboard: every method under /admin. */
  admin?: RouteHandler;
  /** Public HTML pages (home, articles, tags): GET/HEAD after feeds and assets. */
  pages?: RouteHandler;
  /** The 404 page; plain text when absent. */
  notFound?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Routes owned by another module. Resolves false when the path is not one of its own. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => Promise<boolean> | boolean;

/** A day for files an editor may replace; a year for mirrored copies, named by their bytes. */
const ASSET_CACHE = "public, max-age=86400";
const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/** The request handler of a web process; serve.ts owns the server and its port. */
export function createWebHandler(deps: WebDeps): RequestListener {
  return (req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      deps.log.error({ err: error, method: req.method, url: req.url }, "request failed");
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("Internal error\n");
      } else res.destroy();
    });
  };
}

/** A section account's actor path (`/users/<username>`): pages answer it for browsers when they know it. */
const SECTION_ACTOR_PATH = /^\/users\/[a-z0-9_]{1,30}$/;

async function route(deps: WebDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = decodePath(req.url ?? "/");
  if (path === undefined) return plain(res, 400, "Bad request path.\n");
  const ap = deps.activityPub;
  // An account's feeds live beside its actor, under /users/: feeds, not ActivityPub documents.
  if (ACCOUNT_FEED_PATH.test(path) && (req.method === "GET" || req.method === "HEAD")) {
    const built = await deps.lazyFeeds?.find(path);
    if (built) return sendCached(req, res, built);
  }
  if (ap && isActivityPubPath(path)) {
    // Browsers asking for the actor get the home page; anything else Fedify cannot answer is 406.
    let profilePage = false;
    await handleWithFedify(ap, req, res, () => {
      // The main actor's URL shows browsers the home page; a section account's, its page.
      if (path !== ap.actorPath && !SECTION_ACTOR_PATH.test(path)) plain(res, 406, "Not acceptable.\n");
      else if (deps.pages) profilePage = true;
      else {
        res.statusCode = 302;
        res.setHeader("Location", ap.urls.home);
        res.end();
      }
    });
    if (profilePage && !(await deps.pages!(req, res, path))) plain(res, 404, "Not found.\n");
    return;
  }
  if (deps.admin && (path === "/admin" || path.startsWith("/admin/")) && (await deps.admin(req, res, path)))
    return;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.statusCode = 405;
    res.setHeader("Allow", "GET, HEAD");
    res.end();
    return;
  }
  if (path === "/healthz") {
    const started = deps.state.lastRefresh !== undefined;
    const database = deps.state.database === undefined ? undefined : deps.state.database.up ? "up" : "down";
    const ok = started && database !== "down";
    res.statusCode = ok ? 200 : 503;
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.end(
      JSON.stringify({
        status: ok ? "ok" : started ? "database down" : "starting",
        database,
        lastRefresh: deps.state.lastRefresh?.toISOString(),
      }),
    );
    return;
  }

  const feed = deps.state.feeds.get(path);
  if (feed) {
    sendCached(req, res, feed, deps.feedLinkHeader ? { Link: deps.feedLinkHeader } : {});
    return;
  }
  // No hub Link header: these feeds do not announce the hub (feeds/channel.ts).
  const built = await deps.lazyFeeds?.find(path);
  if (built) {
    sendCached(req, res, built);
    return;
  }

  // A section account's post: the same article, its own object (federation/objects.ts).
  const accountObject = /^\/objects\/@([^/]+)\/([^/]+)$/.exec(path);
  if (accountObject && ap) {
    const id = accountObject[2]!;
    const store = ap.store.forAccount(accountObject[1]!);
    return serveObject({ store }, req, res, id, (await deps.library.get(id))?.url);
  }
  const object = /^\/objects\/([^/]+)$/.exec(path);
  if (object && ap) {
    const id = object[1]!;
    return serveObject(ap, req, res, id, (await deps.library.get(id))?.url);
  }

  const asset = /^\/articles\/([^/]+)\/(.+)$/.exec(path);
  if (asset) {
    // Only images a visible article shows: a draft's, a scheduled or retracted article's, or any
    // other file beside an article answers 404 like the page itself.
    const record = await deps.library.recordBySlug(asset[1]!);
    const article = record && deps.library.isVisible(record) ? await deps.library.get(record.id) : undefined;
    const shown = article !== undefined && referencesAsset(article, path);
    const file = shown && record?.path ? resolveAsset(deps.contentDir, record.path, asset[2]!) : undefined;
    return serveFile(req, res, file);
  }
  const mirrored = /^\/media\/([^/]+)$/.exec(path);
  if (mirrored && deps.dataDir)
    return serveFile(req, res, mirroredFile(deps.dataDir, mirrored[1]!), IMMUTABLE_CACHE);
  const profileFile = deps.profileFiles?.get(path);
  if (profileFile) return serveFile(req, res, profileFile);

  if (deps.pages && (await deps.pages(req, res, path))) return;
  if (deps.notFound) deps.notFound(req, res);
  else plain(res, 404, "Not found.\n");
}

/** Images beside an article, named in config or mirrored; only image types. */
function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string | undefined,
  cacheControl = ASSET_CACHE,
): void {
  const type = file ? imageTypeOfPath(file) : undefined;
  let opened: ReturnType<typeof openNoFollow> | undefined;
  try {
    // Opened without following a symlink: a file swapped for a link after it was resolved is refused.
    opened = file && type ? openNoFollow(file) : undefined;
  } catch {
    opened = undefined;
  }
  if (!file || !opened || !type) {
    plain(res, 404, "Not found.\n");
    return;
  }
  const fd = opened.fd;
  const st = { size: opened.size, mtimeMs: opened.mtimeMs, mtime: new Date(opened.mtimeMs) };
  const etag = `"${st.size.toString(36)}-${Math.trunc(st.mtimeMs).toString(36)}"`;
  res.setHeader("Content-Type", type);
  res.setHeader("ETag", etag);
  res.setHeader("Last-Modified", st.mtime.toUTCString());
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  if (req.headers["if-none-match"] === etag) {
    closeSync(fd);
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader("Content-Length", st.size);
  if (req.method === "HEAD") {
    closeSync(fd);
    res.end();
    return;
  }
  createReadStream("", { fd, autoClose: true })
    .on("error", () => res.destroy())
    .pipe(res);
}

const REFERENCED_URL = /\b(?:src|href|srcset)="([^"]+)"/gu;

/** Whether the article shows the file at `path` (its cover, or an image or link in its body). */
function referencesAsset(article: Article, path: string): boolean {
  const candidates = [article.cover?.url, article.cover?.source];
  for (const m of article.contentHtml.matchAll(REFERENCED_URL)) {
    for (const part of m[1]!.replaceAll("&amp;", "&").split(","))
      candidates.push(part.trim().split(/\s+/u, 1)[0]);
  }
  return candidates.some((url) => {
    if (url === undefined) return false;
    try {
      return decodePath(new URL(url, article.url).href) === path;
    } catch {
      return false;
    }
  });
}

function decodePath(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url, "http://localhost").pathname);
  } catch {
    return undefined;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(text);
}
