import { type FSWatcher, watch } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openLibrary, renderFeeds } from "./build.ts";
import type { Config } from "./config/load.ts";
import type { Library, RefreshResult } from "./content/library.ts";
import { FEED_CONTENT_TYPES } from "./feeds/index.ts";
import type { Logger } from "./log.ts";
import { SqliteStore } from "./store/sqlite.ts";
import { siteUrls } from "./urls.ts";
import { type CachedBody, cachedBody } from "./web/cached.ts";
import { createWebServer, type WebState } from "./web/server.ts";

export interface RunningServer {
  url: string;
  port: number;
  library: Library;
  /** Rescans content now (what the watcher and the timer call). */
  refresh(): RefreshResult;
  close(): Promise<void>;
}

const FEED_PATHS = { rss: "/feed.xml", atom: "/atom.xml", json: "/feed.json" } as const;
/** Safety net behind the watcher: missed events, network file systems. */
const RESCAN_MS = 60_000;
/** Editors save in several writes: wait for the folder to be quiet this long. */
const SETTLE_MS = 400;

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = new SqliteStore(join(config.data.dir, "herald.sqlite"));
  const library = openLibrary(config, store);
  const state: WebState = { feeds: new Map(), lastRefresh: undefined };
  const contentLog = log.child({ module: "content" });

  const rebuildFeeds = (): void => {
    const feeds = new Map<string, CachedBody>();
    const lastModified = new Date(newestUpdate(library.visible(config.feeds.limit)) ?? 0);
    for (const feed of renderFeeds(config, library)) {
      feeds.set(FEED_PATHS[feed.kind], cachedBody(feed.body, FEED_CONTENT_TYPES[feed.kind], lastModified));
    }
    state.feeds = feeds;
  };

  let scheduled: NodeJS.Timeout | undefined;
  const refresh = (): RefreshResult => {
    const started = performance.now();
    const result = library.refresh();
    for (const error of result.rejected) contentLog.warn({ path: error.path, reason: error.type }, error.message);
    if (result.dirty || state.lastRefresh === undefined) rebuildFeeds();
    state.lastRefresh = new Date();
    contentLog.info(
      {
        added: result.added.length,
        changed: result.changed.length,
        removed: result.removed.length,
        rejected: result.rejected.length,
        unchanged: result.unchanged,
        ms: Math.round(performance.now() - started),
      },
      "content refreshed",
    );
    // Wake up when the next scheduled article comes due, so it appears on time.
    clearTimeout(scheduled);
    const next = library.nextVisibleChange();
    if (next) scheduled = setTimeout(safeRefresh, Math.min(Math.max(next.getTime() - Date.now(), 0) + 50, 2 ** 31 - 1));
    return result;
  };
  const safeRefresh = (): void => {
    try {
      refresh();
    } catch (error) {
      contentLog.error({ err: error }, "content refresh failed");
    }
  };

  refresh();

  const server = createWebServer({
    state,
    library,
    contentDir: config.content.dir,
    log: log.child({ module: "web" }),
    feedLinkHeader: config.feeds.hub
      ? `<${config.feeds.hub}>; rel="hub", <${siteUrls(config.site.url).rss}>; rel="self"`
      : undefined,
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(config.server.port, config.server.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  let settle: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(config.content.dir, { recursive: true }, () => {
      clearTimeout(settle);
      settle = setTimeout(safeRefresh, SETTLE_MS);
    });
    watcher.on("error", (error) => contentLog.warn({ err: error }, "content watcher failed; rescans continue"));
  } catch (error) {
    contentLog.warn({ err: error }, "content watcher unavailable; rescans continue");
  }
  const rescan = setInterval(safeRefresh, RESCAN_MS);

  const urls = siteUrls(config.site.url);
  log.info({ port, rss: urls.rss, atom: urls.atom, json: urls.json }, "herald is serving");

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    library,
    refresh,
    async close() {
      clearInterval(rescan);
      clearTimeout(settle);
      clearTimeout(scheduled);
      watcher?.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeIdleConnections();
      });
      store.close();
    },
  };
}

function newestUpdate(articles: readonly { updated: string }[]): string | undefined {
  return articles.reduce<string | undefined>((max, a) => (max === undefined || a.updated > max ? a.updated : max), undefined);
}
