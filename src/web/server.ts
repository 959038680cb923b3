import { createReadStream, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolveAsset } from "../content/assets.ts";
import type { Library } from "../content/library.ts";
import type { Logger } from "../log.ts";
import { mirroredFile } from "../media/files.ts";
import { imageTypeOfPath } from "../media/types.ts";
import { type ActivityPubDeps, handleWithFedify, isActivityPubPath, serveObject } from "./activitypub.ts";
import type { CachedBody } from "./cached.ts";
import { sendCached } from "./cached.ts";

/** What the HTTP layer serves; rebuilt by the runtime when content changes, read here. */
export interface WebState {
  feeds: ReadonlyMap<string, CachedBody>;
  /** Set when the last refresh succeeded; /healthz reports it. */
  lastRefresh: Date | undefined;
}

export interface WebDeps {
  state: WebState;
  library: Library;
  contentDir: string;
  /** data.dir: mirrored images are served from its media/ folder. */
  dataDir?: string;
  log: Logger;
  /** Extra links for feed responses (WebSub). */
  feedLinkHeader?: string;
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

export function createWebServer(deps: WebDeps): Server {
  const server = createServer((req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      deps.log.error({ err: error, method: req.method, url: req.url }, "request failed");
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("Internal error\n");
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function route(deps: WebDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = decodePath(req.url ?? "/");
  if (path === undefined) return plain(res, 400, "Bad request path.\n");
  const ap = deps.activityPub;
  if (ap && isActivityPubPath(path)) {
    // Browsers asking for the actor get the home page; anything else Fedify cannot answer is 406.
    let profilePage = false;
    await handleWithFedify(ap, req, res, () => {
      if (path !== ap.actorPath) plain(res, 406, "Not acceptable.\n");
      else if (deps.pages) profilePage = true;
      else {
        res.statusCode = 302;
        res.setHeader("Location", ap.urls.home);
        res.end();
      }
    });
    if (profilePage && !(await deps.pages!(req, res, "/"))) plain(res, 404, "Not found.\n");
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
    const ok = deps.state.lastRefresh !== undefined;
    res.statusCode = ok ? 200 : 503;
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.end(
      JSON.stringify({ status: ok ? "ok" : "starting", lastRefresh: deps.state.lastRefresh?.toISOString() }),
    );
    return;
  }

  const feed = deps.state.feeds.get(path);
  if (feed) {
    sendCached(req, res, feed, deps.feedLinkHeader ? { Link: deps.feedLinkHeader } : {});
    return;
  }

  const object = /^\/objects\/([^/]+)$/.exec(path);
  if (object && ap) {
    const id = object[1]!;
    return serveObject(ap, req, res, id, (await deps.library.get(id))?.url);
  }

  const asset = /^\/articles\/([^/]+)\/(.+)$/.exec(path);
  if (asset) {
    const record = await deps.library.recordBySlug(asset[1]!);
    const file = record?.path ? resolveAsset(deps.contentDir, record.path, asset[2]!) : undefined;
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
  const st = file && type ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!file || !st?.isFile() || !type) {
    plain(res, 404, "Not found.\n");
    return;
  }
  const etag = `"${st.size.toString(36)}-${Math.trunc(st.mtimeMs).toString(36)}"`;
  res.setHeader("Content-Type", type);
  res.setHeader("ETag", etag);
  res.setHeader("Last-Modified", st.mtime.toUTCString());
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  if (req.headers["if-none-match"] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader("Content-Length", st.size);
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file)
    .on("error", () => res.destroy())
    .pipe(res);
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
