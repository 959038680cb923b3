// `herald serve`: the app plus HTTP, the content watcher and the schedules, in one of four roles.
//   all        everything in one process (the default; the only role on SQLite);
//   web        HTTP: pages, feeds, the actor and its inbox; it enqueues, and takes the records the
//              scheduler saves (told by a signal, polled as a safety net: coordination.ts);
//   worker     delivers from the shared queue (and runs inbox handlers Fedify queued);
//   scheduler  reads content/, publishes, writes static feeds; one acts at a time (a lease), the
//              others stand by and take over when its lease runs out.
// Every role answers GET /healthz on server.port, so one container health check fits all.
// The socket is bound once; a reload of the config file (live-config.ts) replaces everything behind
// it, so the new file applies as a start with it would, without dropping the port.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Herald, openHerald, reloadResult, type ScanResult } from "./app.ts";
import { type Config, loadConfig, servedOn } from "./config/load.ts";
import { watchConfigFile } from "./config/watch-file.ts";
import type { Library } from "./content/library.ts";
import { type ContentWatcher, watchContent } from "./content/watch.ts";
import { coordinate } from "./coordination.ts";
import type { PublishOptions } from "./federation/publisher.ts";
import type { FederationRuntime } from "./federation/runtime.ts";
import { liveConfig, type ReloadOutcome, type ReloadReason } from "./live-config.ts";
import type { Logger } from "./log.ts";
import type { Role } from "./roles.ts";
import { type Scheduler, startScheduler } from "./scheduler.ts";
import type { Storage } from "./store/types.ts";
import { actorUrls, siteUrls } from "./urls.ts";
import { accountFeedSelector, accountPages } from "./web/account-feeds.ts";
import { activityPubDeps } from "./web/activitypub.ts";
import { createAdmin } from "./web/admin/index.ts";
import { watchDatabase } from "./web/database-health.ts";
import { feedCache } from "./web/feed-cache.ts";
import { createLazyFeeds, firstOf } from "./web/lazy-feeds.ts";
import { createPages, pageSite } from "./web/pages/index.ts";
import { createWebHandler, type WebState } from "./web/server.ts";
import { tagFeedSelector } from "./web/tag-feeds.ts";

/** How long start-up waits for the content watcher to cover every folder. */
const WATCH_READY_MS = 5_000;

/** A save of the config file is read once the file has been quiet this long (editors write in steps). */
const CONFIG_DEBOUNCE_MS = 300;

export interface RunningServer {
  url: string;
  port: number;
  herald: Herald;
  library: Library;
  storage: Storage;
  role: Role;
  federation: FederationRuntime | undefined;
  scheduler: Scheduler;
  /** One scan (what the watcher, the `scan` schedule and the dashboard run), then fresh feeds and pages. */
  tick(options?: PublishOptions): Promise<ScanResult>;
  /** Reads the config file again and applies what may change while running (SIGHUP, a save). */
  reload(reason?: ReloadReason): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

export type { Role };

export interface ServeOptions {
  /** What this process does (default all). */
  role?: Role;
  /** Run the fediverse side (default true). */
  federation?: boolean;
  /** Overrides content.settleMs (tests). */
  settleMs?: number;
  /** Overrides schedules (tests pass `false` to drive ticks themselves). */
  schedules?: boolean;
  /** Reload when the config file is saved (default true when the configuration came from a file). */
  watchConfig?: boolean;
  /** Overrides how long a save must be quiet before it is read (tests). */
  configDebounceMs?: number;
  /** How a reload loads the configuration (default: the file it came from, as at start). */
  loadConfig?: () => Config;
}

export async function startServer(
  configured: Config,
  log: Logger,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const role = options.role ?? "all";
  if (role !== "all" && !configured.database.url)
    throw new Error(
      `The ${role} role needs PostgreSQL (database.url or DATABASE_URL): on SQLite one process does everything (--role all).`,
    );
  // The port is taken first: a port in use fails at once, before any state is touched, and with
  // site.url left unset every URL and id is minted on the port really served (server.port 0 too).
  const server = createServer(starting);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(configured.server.port, configured.server.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const open = (loaded: Config): Promise<App> =>
    startApp(servedOn(loaded, port), log, {
      role,
      federation: options.federation,
      settleMs: options.settleMs ?? loaded.content.settleMs,
      cron: options.schedules !== false,
    });
  let app: App;
  try {
    app = await open(configured);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  // One listener for the server's life; a reload swaps the app behind it.
  server.off("request", starting);
  server.on("request", (req, res) => app.handler(req, res));
  app.serving();

  const urls = siteUrls(app.herald.config.site.url);
  const serveHttp = role === "all" || role === "web";
  log.info(
    {
      role,
      store: app.storage.kind,
      port,
      rss: serveHttp ? urls.rss : undefined,
      atom: serveHttp ? urls.atom : undefined,
      json: serveHttp ? urls.json : undefined,
      account: app.federation ? actorUrls(urls, configured.bot.username).handle : undefined,
      scheduler: app.schedules ? app.leading : undefined,
    },
    serveHttp ? "herald is serving" : "herald is running",
  );

  const live = liveConfig({
    configured,
    log: log.child({ module: "config" }),
    load: options.loadConfig ?? (() => loadConfig(configured.file ? { file: configured.file } : {})),
    record: (event) => app.storage.federation.addEvent(event),
    apply: async (next) => {
      // The old app stops its schedules, watcher and deliveries but goes on answering requests
      // (from its store and memory) until the new one has scanned; then requests go to the new one.
      const old = app;
      await old.stop();
      try {
        app = await open(next);
        app.serving();
      } catch (error) {
        // Back to what ran before, as a restart with the old file would.
        app = await open(old.configured);
        await old.close();
        throw error;
      }
      await old.close();
    },
  });
  const configWatcher =
    configured.file && options.watchConfig !== false
      ? watchConfigFile(configured.file, () => void live.reload("file"), {
          debounceMs: options.configDebounceMs ?? CONFIG_DEBOUNCE_MS,
          failed: (error) =>
            log.warn(
              { module: "config", err: error, file: configured.file },
              "config watcher failed; SIGHUP still reloads",
            ),
        })
      : undefined;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    role,
    get herald() {
      return app.herald;
    },
    get library() {
      return app.herald.library;
    },
    get storage() {
      return app.storage;
    },
    get federation() {
      return app.federation;
    },
    get scheduler() {
      return app.scheduler;
    },
    tick: (publishOptions) => app.tick(publishOptions),
    reload: (reason = "signal") => live.reload(reason),
    close() {
      closing ??= (async () => {
        configWatcher?.close();
        await live.settled();
        await app.stop();
        await closeServer(server);
        await app.close();
      })();
      return closing;
    },
  };
}

interface AppOptions {
  role: Role;
  federation: boolean | undefined;
  settleMs: number;
  /** Run the cron schedules (tests pass false to drive ticks themselves). */
  cron: boolean;
}

/** Everything `serve` runs on one configuration; a reload replaces it with one on the new configuration. */
interface App {
  readonly configured: Config;
  readonly herald: Herald;
  readonly storage: Storage;
  readonly federation: FederationRuntime | undefined;
  readonly scheduler: Scheduler;
  readonly schedules: boolean;
  readonly leading: boolean;
  readonly handler: RequestListener;
  tick(options?: PublishOptions): Promise<ScanResult>;
  /**
   * Requests reach this app now: the scheduler follows and unfollows relays (a relay fetches Herald's
   * key at once, which a process still starting would answer with 503).
   */
  serving(): void;
  /** Ends the background work (schedules, watcher, timers, deliveries, the lease); requests are still answered. */
  stop(): Promise<void>;
  /** Stops, then closes the store. */
  close(): Promise<void>;
}

async function startApp(config: Config, log: Logger, options: AppOptions): Promise<App> {
  const { role, settleMs } = options;
  const schedules = role === "all" || role === "scheduler";
  const serveHttp = role === "all" || role === "web";
  const herald = await openHerald(config, log, {
    federation: options.federation,
    deliver: role === "all" || role === "worker",
    stableMs: settleMs,
    scans: schedules,
  });
  const { library, storage, federation } = herald;
  // PostgreSQL can go away under a running process: /healthz says so (503) while pages and feeds
  // are still served from memory; the queue and the scheduler retry until it is back.
  const database =
    storage.kind === "postgres"
      ? watchDatabase(() => storage.ping(), { log: log.child({ module: "store" }) })
      : undefined;
  const state: WebState = { feeds: new Map(), lastRefresh: undefined, database };
  const contentLog = log.child({ module: "content" });
  const roles = coordinate({
    storage,
    federation,
    role,
    schedules,
    leaseSeconds: config.database.leaseSeconds,
    log,
  });

  const pages = createPages({
    site: pageSite(config, { federated: federation !== undefined, profileFiles: federation?.profileFiles }),
    library,
    store: storage.federation,
    showInteractions: config.pages.showInteractions,
    accounts: accountPages(config, library, federation !== undefined),
  });
  const tagFeeds = createLazyFeeds({
    config,
    library,
    select: firstOf(tagFeedSelector(config), accountFeedSelector(config, library)),
  });
  const rebuildFeeds = feedCache({
    config,
    library,
    meta: storage.federation,
    state,
    changed: () => {
      pages.invalidate();
      tagFeeds.invalidate();
    },
    log,
  });

  let retry: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Timeout | undefined;
  /** Feeds and pages after a scan or reload, and the timers for what comes due next. */
  const after = async (result: ScanResult, scanned: boolean): Promise<ScanResult> => {
    if (result.feedsChanged || state.lastRefresh === undefined) {
      if (serveHttp) await rebuildFeeds();
      if (scanned) await herald.writeStaticFeeds();
    }
    if (scanned && result.feedsChanged) await roles.announceContent();
    state.lastRefresh = new Date();
    // A stopped app (replaced by a reload, or closing) leaves what comes next to its successor.
    if (stopped) return result;
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

  let stopped = false;
  const ticks = new Set<Promise<unknown>>();
  /** The scheduler scans and publishes; every other process takes what it saved. */
  const tick = (publishOptions: PublishOptions = {}): Promise<ScanResult> => {
    const run = leadOrFollow(publishOptions);
    ticks.add(run);
    void run.catch(() => undefined).finally(() => ticks.delete(run));
    return run;
  };
  const leadOrFollow = async (publishOptions: PublishOptions): Promise<ScanResult> => {
    if (await roles.lead()) return after(await herald.scan(publishOptions), true);
    return after(reloadResult(await herald.reload()), false);
  };
  /**
   * The dashboard's actions (scan now, publish, retract) run in this process, whatever its role, as
   * the CLI's do: an operator's act, not a schedule's. The ledger keeps them from repeating what
   * the scheduler did.
   */
  const act = async (publishOptions: PublishOptions = {}): Promise<ScanResult> =>
    after(await herald.scan(publishOptions), true);
  const safeTick = (): void => {
    if (stopped) return;
    tick().catch(async (error: unknown) => {
      log.error({ err: error }, "scan failed");
      await storage.federation
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
    database?.stop();
    await herald.close();
    throw error;
  }
  // The followers chart gets today's point at start-up too, not only when maintenance runs (a server
  // that was down at that hour would leave a gap). The dashboard only reads: its GETs write nothing.
  if (schedules)
    await herald
      .snapshotFollowers()
      .catch((error: unknown) => log.warn({ err: error }, "counting followers for the chart failed"));

  const activityPub =
    serveHttp && federation
      ? activityPubDeps(federation.activityPub, {
          trustProxy: config.server.trustProxy,
          log: log.child({ module: "inbox" }),
        })
      : undefined;
  const handler: RequestListener = serveHttp
    ? createWebHandler({
        state,
        library,
        contentDir: config.content.dir,
        dataDir: config.data.dir,
        log: log.child({ module: "web" }),
        feedLinkHeader: config.feeds.hub
          ? `<${config.feeds.hub}>; rel="hub", <${siteUrls(config.site.url).rss}>; rel="self"`
          : undefined,
        activityPub,
        profileFiles: federation?.profileFiles,
        lazyFeeds: tagFeeds,
        pages: pages.handle,
        notFound: pages.notFound,
        admin: createAdmin({
          config,
          herald,
          scan: act,
          log: log.child({ module: "admin" }),
          notFound: pages.notFound,
          onRepliesChanged: () => pages.invalidateConversations(),
        }),
      })
    : healthHandler(() => ({
        role,
        scheduler: roles.leading,
        database: database?.up === false ? "down" : "up",
      }));

  // The fast path: a change is picked up once the folder has been quiet for settleMs.
  let settle: NodeJS.Timeout | undefined;
  let watcher: ContentWatcher | undefined;
  if (config.content.watch && schedules) {
    try {
      watcher = watchContent(
        config.content.dir,
        () => {
          clearTimeout(settle);
          settle = setTimeout(safeTick, settleMs + 50);
        },
        (error) => contentLog.warn({ err: error }, "content watcher failed; scheduled scans go on"),
      );
      // Started before the server says it is up, so an article saved right after is seen; a huge
      // tree that takes longer is watched in the background, with the scheduled scan behind it.
      await Promise.race([watcher.ready, new Promise((r) => setTimeout(r, WATCH_READY_MS).unref())]);
    } catch (error) {
      contentLog.warn({ err: error }, "content watcher unavailable; scheduled scans go on");
    }
  }

  await roles.start({ reload: safeTick, takeOver: safeTick });

  // The safety net and the housekeeping: the same functions `herald sync --once` and friends call.
  // A standby scheduler runs them too: each first asks for the lease, which is how it takes over.
  const whenLeading = (job: () => Promise<unknown>) => async () => {
    if (await roles.lead()) await job();
  };
  const scheduler = startScheduler(
    !options.cron || !schedules
      ? []
      : [
          { name: "scan", expression: config.schedule.scan, run: () => tick() },
          {
            name: "feeds",
            expression: config.feeds.outDir ? config.schedule.feeds : false,
            run: whenLeading(() => herald.writeStaticFeeds()),
          },
          {
            name: "maintenance",
            expression: config.schedule.maintenance,
            run: whenLeading(() => herald.maintenance()),
          },
        ],
    { timezone: config.schedule.timezone, log },
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      clearTimeout(settle);
      clearTimeout(retry);
      clearTimeout(scheduled);
      await watcher?.close();
      await roles.stop();
      await scheduler.stop();
      // A scan under way finishes here: two would publish the same article twice.
      await Promise.allSettled(ticks);
      // Deliveries in flight finish first, while we still serve: their recipients fetch our key
      // to verify them, and a closed server turns each into a 401 and a retry.
      await federation?.close();
      // A clean stop hands the scheduler's lease on at once instead of after it runs out.
      await roles.release();
    })();
    return stopping;
  };
  return {
    configured: config,
    herald,
    storage,
    federation,
    scheduler,
    schedules,
    get leading() {
      return roles.leading;
    },
    handler,
    tick,
    serving() {
      if (!federation || !roles.leading) return;
      federation
        .syncRelays()
        .catch((error: unknown) => log.warn({ module: "relays", err: error }, "following relays failed"));
    },
    stop,
    async close() {
      await stop();
      activityPub?.gate.close();
      database?.stop();
      await herald.close();
    },
  };
}

/** Until the first scan is done: every request is told to come back (a health check sees "starting"). */
const starting: RequestListener = (_req, res) => {
  res.writeHead(503, { "content-type": "application/json", "cache-control": "no-store", "retry-after": "1" });
  res.end('{"status":"starting"}');
};

/** Workers and schedulers serve nothing but their health, for container health checks. */
function healthHandler(health: () => Record<string, unknown>): RequestListener {
  return (req, res) => {
    const found = req.method === "GET" && (req.url ?? "").split("?")[0] === "/healthz";
    const body = health();
    const ok = body.database !== "down";
    res.writeHead(found ? (ok ? 200 : 503) : 404, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
    res.end(found ? JSON.stringify({ ok, ...body }) : '{"error":"not found"}');
  };
}

/** Stops accepting, ends idle keep-alive connections now and the rest after 2 s. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((ok) => {
    server.close(() => ok());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
