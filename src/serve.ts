import { type FSWatcher, watch } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openLibrary, renderFeeds } from "./build.ts";
import type { Config } from "./config/load.ts";
import type { Library, RefreshResult } from "./content/library.ts";
import type { PublishSummary } from "./federation/publisher.ts";
import type { FederationRuntime } from "./federation/runtime.ts";
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
  store: SqliteStore;
  federation: FederationRuntime | undefined;
  /** One tick: rescan content, rebuild feeds if needed, federate what changed. Ticks never overlap. */
  tick(): Promise<TickResult>;
  close(): Promise<void>;
}

export interface TickResult {
  content: RefreshResult;
  federation: PublishSummary | undefined;
}

export interface ServeOptions {
  /** Run the fediverse side (default true). */
  federation?: boolean;
  /** Safety-net rescan interval behind the watcher (default 60 s). */
  rescanMs?: number;
  /** Quiet time after the last file event before processing (default 400 ms). */
  settleMs?: number;
}

const FEED_PATHS = { rss: "/feed.xml", atom: "/atom.xml", json: "/feed.json" } as const;

export async function startServer(
  config: Config,
  log: Logger,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const store = new SqliteStore(join(config.data.dir, "herald.sqlite"));
  const library = openLibrary(config, store);
  const state: WebState = { feeds: new Map(), lastRefresh: undefined };
  const contentLog = log.child({ module: "content" });

  let federation: FederationRuntime | undefined;
  if (options.federation !== false) {
    const { startFederation } = await import("./federation/runtime.ts");
    try {
      federation = await startFederation(config, store, library, log);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  const rebuildFeeds = (): void => {
    const feeds = new Map<string, CachedBody>();
    const lastModified = new Date(newestUpdate(library.visible(config.feeds.limit)) ?? 0);
    for (const feed of renderFeeds(config, library)) {
      feeds.set(FEED_PATHS[feed.kind], cachedBody(feed.body, FEED_CONTENT_TYPES[feed.kind], lastModified));
    }
    state.feeds = feeds;
  };

  let scheduled: NodeJS.Timeout | undefined;
  const runTick = async (): Promise<TickResult> => {
    const started = performance.now();
    const content = library.refresh();
    for (const error of content.rejected)
      contentLog.warn({ path: error.path, reason: error.type }, error.message);
    if (content.dirty || state.lastRefresh === undefined) rebuildFeeds();
    state.lastRefresh = new Date();
    const published = federation ? await federation.publisher.publish(library.records()) : undefined;
    log.info(
      {
        module: "tick",
        added: content.added.length,
        changed: content.changed.length,
        removed: content.removed.length,
        rejected: content.rejected.length,
        unchanged: content.unchanged,
        created: published?.created ?? 0,
        updated: published?.updated ?? 0,
        deleted: published?.deleted ?? 0,
        silent: published?.silent ?? 0,
        ms: Math.round(performance.now() - started),
      },
      "tick done",
    );
    // Wake up when the next scheduled article comes due, so it appears on time.
    clearTimeout(scheduled);
    const next = library.nextVisibleChange();
    if (next)
      scheduled = setTimeout(safeTick, Math.min(Math.max(next.getTime() - Date.now(), 0) + 50, 2 ** 31 - 1));
    return { content, federation: published };
  };
  let running: Promise<TickResult> | undefined;
  let again = false;
  /** Ticks never overlap: a request during a tick runs one more tick right after it. */
  const tick = (): Promise<TickResult> => {
    if (running) {
      again = true;
      return running;
    }
    running = runTick().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        safeTick();
      }
    });
    return running;
  };
  const safeTick = (): void => {
    tick().catch((error: unknown) => log.error({ err: error }, "tick failed"));
  };

  await tick();

  const server = createWebServer({
    state,
    library,
    contentDir: config.content.dir,
    log: log.child({ module: "web" }),
    feedLinkHeader: config.feeds.hub
      ? `<${config.feeds.hub}>; rel="hub", <${siteUrls(config.site.url).rss}>; rel="self"`
      : undefined,
    activityPub: federation?.activityPub,
    profileFiles: federation?.profileFiles,
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
      settle = setTimeout(safeTick, options.settleMs ?? 400);
    });
    watcher.on("error", (error) =>
      contentLog.warn({ err: error }, "content watcher failed; rescans continue"),
    );
  } catch (error) {
    contentLog.warn({ err: error }, "content watcher unavailable; rescans continue");
  }
  const rescan = setInterval(safeTick, options.rescanMs ?? 60_000);

  const urls = siteUrls(config.site.url);
  log.info(
    {
      port,
      rss: urls.rss,
      atom: urls.atom,
      json: urls.json,
      account: `@${config.bot.username}@${new URL(urls.home).host}`,
    },
    "herald is serving",
  );

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    library,
    store,
    federation,
    tick,
    async close() {
      clearInterval(rescan);
      clearTimeout(settle);
      clearTimeout(scheduled);
      watcher?.close();
      await running?.catch(() => undefined);
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeIdleConnections();
      });
      await federation?.close();
      store.close();
    },
  };
}

function newestUpdate(articles: readonly { updated: string }[]): string | undefined {
  return articles.reduce<string | undefined>(
    (max, a) => (max === undefined || a.updated > max ? a.updated : max),
    undefined,
  );
}
