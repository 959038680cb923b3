// `herald serve`: the app plus HTTP, the content watcher and the schedules.
import { type FSWatcher, watch } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Herald, openHerald, type ScanResult } from "./app.ts";
import { renderFeeds } from "./build.ts";
import type { Config } from "./config/load.ts";
import type { Library } from "./content/library.ts";
import type { PublishOptions } from "./federation/publisher.ts";
import type { FederationRuntime } from "./federation/runtime.ts";
import { FEED_CONTENT_TYPES } from "./feeds/index.ts";
import { pingHub } from "./feeds/websub.ts";
import type { Logger } from "./log.ts";
import { type Scheduler, startScheduler } from "./scheduler.ts";
import type { SqliteStore } from "./store/sqlite.ts";
import { siteUrls } from "./urls.ts";
import { createAdmin } from "./web/admin/index.ts";
import { type CachedBody, cachedBody } from "./web/cached.ts";
import { createPages, pageSite } from "./web/pages/index.ts";
import { createWebServer, type WebState } from "./web/server.ts";

export interface RunningServer {
  url: string;
  port: number;
  herald: Herald;
  library: Library;
  store: SqliteStore;
  federation: FederationRuntime | undefined;
  scheduler: Scheduler;
  /** One scan (what the watcher, the `scan` schedule and the dashboard run), then fresh feeds and pages. */
  tick(options?: PublishOptions): Promise<ScanResult>;
  close(): Promise<void>;
}

export type TickResult = ScanResult;

export interface ServeOptions {
  /** Run the fediverse side (default true). */
  federation?: boolean;
  /** Overrides content.settleMs (tests). */
  settleMs?: number;
  /** Overrides schedules (tests pass `false` to drive ticks themselves). */
  schedules?: boolean;
}

const FEED_PATHS = { rss: "/feed.xml", atom: "/atom.xml", json: "/feed.json" } as const;

export async function startServer(
  config: Config,
  log: Logger,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const settleMs = options.settleMs ?? config.content.settleMs;
  const herald = await openHerald(config, log, {
    federation: options.federation,
    deliver: true,
    stableMs: settleMs,
  });
  const { library, store, federation } = herald;
  const state: WebState = { feeds: new Map(), lastRefresh: undefined };
  const contentLog = log.child({ module: "content" });

  const pages = createPages({
    site: pageSite(config, { federated: federation !== undefined, profileFiles: federation?.profileFiles }),
    library,
    store: store.federation,
  });
  const rebuildFeeds = async (): Promise<void> => {
    const feeds = new Map<string, CachedBody>();
    const visible = await library.visible(config.feeds.limit);
    // ISO instants compare as strings; the feed's Last-Modified is its newest item's update.
    const newest =
      visible
        .map((a) => a.updated)
        .sort()
        .at(-1) ?? "";
    for (const feed of await renderFeeds(config, library)) {
      feeds.set(
        FEED_PATHS[feed.kind],
        cachedBody(feed.body, FEED_CONTENT_TYPES[feed.kind], new Date(newest || 0)),
      );
    }
    // Served from here on; the store's answers below only decide whom to ping.
    state.feeds = feeds;
    pages.invalidate();
    // WebSub: ping the hub for every feed whose bytes changed since the last ping (kept in the store,
    // so a restart with new content pings too, and one without does not).
    if (config.feeds.hub) {
      const urls = siteUrls(config.site.url);
      const changed: (keyof typeof FEED_PATHS)[] = [];
      for (const kind of Object.keys(FEED_PATHS) as (keyof typeof FEED_PATHS)[]) {
        const etag = feeds.get(FEED_PATHS[kind])!.etag;
        const key = `websub.${kind}`;
        if ((await store.federation.getMeta(key)) === etag) continue;
        await store.federation.setMeta(key, etag);
        changed.push(kind);
      }
      if (changed.length > 0)
        void pingHub(
          config.feeds.hub,
          changed.map((kind) => urls[kind]),
          log.child({ module: "websub" }),
        );
    }
  };

  let retry: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Timeout | undefined;
  const tick = async (options: PublishOptions = {}): Promise<ScanResult> => {
    const result = await herald.scan(options);
    if (result.feedsChanged || state.lastRefresh === undefined) {
      await rebuildFeeds();
      await herald.writeStaticFeeds();
    }
    state.lastRefresh = new Date();
    // Files still being written are looked at again once they have settled.
    clearTimeout(retry);
    if (result.content.deferred > 0) retry = setTimeout(safeTick, settleMs + 50);
    // Wake up when the next scheduled article comes due, or a held one may go.
    clearTimeout(scheduled);
    const next = library.nextVisibleChange();
    if (next)
      scheduled = setTimeout(safeTick, Math.min(Math.max(next.getTime() - Date.now(), 0) + 50, 2 ** 31 - 1));
    return result;
  };
  const safeTick = (): void => {
    tick().catch(async (error: unknown) => {
      log.error({ err: error }, "scan failed");
      await store.federation
        .addEvent({
          at: new Date().toISOString(),
          level: "error",
          kind: "scan",
          message: (error as Error).message,
        })
        .catch((err: unknown) => log.error({ err }, "recording the failure failed"));
    });
  };

  try {
    await tick();
  } catch (error) {
    await herald.close();
    throw error;
  }

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
    pages: pages.handle,
    notFound: pages.notFound,
    admin: createAdmin({
      config,
      herald,
      scan: tick,
      log: log.child({ module: "admin" }),
      notFound: pages.notFound,
    }),
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(config.server.port, config.server.host, () => ok());
  }).catch(async (error: unknown) => {
    await herald.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;

  // The fast path: a change is picked up once the folder has been quiet for settleMs.
  let settle: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  if (config.content.watch) {
    try {
      watcher = watch(config.content.dir, { recursive: true }, () => {
        clearTimeout(settle);
        settle = setTimeout(safeTick, settleMs + 50);
      });
      watcher.on("error", (error) =>
        contentLog.warn({ err: error }, "content watcher failed; scheduled scans go on"),
      );
    } catch (error) {
      contentLog.warn({ err: error }, "content watcher unavailable; scheduled scans go on");
    }
  }

  // The safety net and the housekeeping: the same functions `herald sync --once` and friends call.
  const scheduler = startScheduler(
    options.schedules === false
      ? []
      : [
          { name: "scan", expression: config.schedule.scan, run: () => tick() },
          {
            name: "feeds",
            expression: config.feeds.outDir ? config.schedule.feeds : false,
            run: async () => herald.writeStaticFeeds(),
          },
          { name: "maintenance", expression: config.schedule.maintenance, run: () => herald.maintenance() },
        ],
    { timezone: config.schedule.timezone, log },
  );
  await store.federation.setMeta("status.nextRuns", JSON.stringify(scheduler.nextRuns()));

  const urls = siteUrls(config.site.url);
  log.info(
    {
      port,
      rss: urls.rss,
      atom: urls.atom,
      json: urls.json,
      account: federation ? `@${config.bot.username}@${new URL(urls.home).host}` : undefined,
    },
    "herald is serving",
  );

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    herald,
    library,
    store,
    federation,
    scheduler,
    tick,
    close() {
      closing ??= (async () => {
        clearTimeout(settle);
        clearTimeout(retry);
        clearTimeout(scheduled);
        watcher?.close();
        await scheduler.stop();
        // Deliveries in flight finish first, while we still serve: their recipients fetch our key
        // to verify them, and a closed server turns each into a 401 and a retry.
        await federation?.close();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2_000).unref();
        });
        await herald.close();
      })();
      return closing;
    },
  };
}
