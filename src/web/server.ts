import { createReadStream, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname } from "node:path";
import { resolveAsset } from "../content/assets.ts";
import type { Library } from "../content/library.ts";
import type { Logger } from "../log.ts";
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
  log: Logger;
  /** Extra links for feed responses (WebSub). */
  feedLinkHeader?: string;
}

const ASSET_TYPES: Readonly<Record<string, string>> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".svg": "image/svg+xml",
};

export function createWebServer(deps: WebDeps): Server {
  const server = createServer((req, res) => {
    try {
      route(deps, req, res);
    } catch (error) {
      deps.log.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("Internal error\n");
      }
    }
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

function route(deps: WebDeps, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.statusCode = 405;
    res.setHeader("Allow", "GET, HEAD");
    res.end();
    return;
  }
  const path = decodePath(req.url ?? "/");
  if (path === undefined) return plain(res, 400, "Bad request path.\n");

  if (path === "/healthz") {
    const ok = deps.state.lastRefresh !== undefined;
    res.statusCode = ok ? 200 : 503;
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Cache-Control", "no-store");
    res.end(JSON.stringify({ status: ok ? "ok" : "starting", lastRefresh: deps.state.lastRefresh?.toISOString() }));
    return;
  }

  const feed = deps.state.feeds.get(path);
  if (feed) {
    sendCached(req, res, feed, deps.feedLinkHeader ? { Link: deps.feedLinkHeader } : {});
    return;
  }

  const asset = /^\/articles\/([^/]+)\/(.+)$/.exec(path);
  if (asset) return serveAsset(deps, req, res, asset[1]!, asset[2]!);

  plain(res, 404, "Not found.\n");
}

/** Images that sit beside an article; only image types, only inside the content dir. */
function serveAsset(deps: WebDeps, req: IncomingMessage, res: ServerResponse, slug: string, rel: string): void {
  const type = ASSET_TYPES[extname(rel).toLowerCase()];
  const article = deps.library.bySlug(slug);
  const file = type && article ? resolveAsset(deps.contentDir, article.path, rel) : undefined;
  const st = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!file || !st?.isFile() || !type) return plain(res, 404, "Not found.\n");
  const etag = `"${st.size.toString(36)}-${Math.trunc(st.mtimeMs).toString(36)}"`;
  res.setHeader("Content-Type", type);
  res.setHeader("ETag", etag);
  res.setHeader("Last-Modified", st.mtime.toUTCString());
  res.setHeader("Cache-Control", "public, max-age=86400");
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
