// Composition root shared by `herald serve` and the operator CLI: one store, one library, one
// publisher. Scheduled jobs are ordinary async methods here; serve adds HTTP, the watcher and
// cron timing, and the CLI calls the same methods once.
import { existsSync } from "node:fs";
import { exportFeeds, openLibrary } from "./build.ts";
import type { Config } from "./config/load.ts";
import type { Library, RefreshResult } from "./content/library.ts";
import type { AccountsSummary } from "./federation/account-publishers.ts";
import type { PublishOptions } from "./federation/publisher.ts";
import type { FederationRuntime } from "./federation/runtime.ts";
import type { Logger } from "./log.ts";
import { CoverMedia } from "./media/covers.ts";
import { openStorage, sqliteStoreFile } from "./store/storage.ts";
import type { Storage } from "./store/types.ts";
import { siteUrls } from "./urls.ts";

/** How long receipts of finished fan-outs are kept. */
const RECEIPTS_KEPT_MS = 30 * 86_400_000;

export interface HeraldOptions {
  /** Set up the fediverse side (default true). */
  federation?: boolean;
  /** Run the delivery queue in this process (serve: true; CLI commands: false). */
  deliver?: boolean;
  /** Leave files modified more recently than this for a later scan (serve: content.settleMs). */
  stableMs?: number;
  /** The clock (tests drive publish_at, the drip feed and quiet hours with it). */
  now?: () => Date;
  /**
   * Read content/ in this process (default true). Web and worker processes of a scaled-out
   * deployment do not: they take the records the scheduler saved (`reload`).
   */
  scans?: boolean;
}

export interface ScanResult {
  content: RefreshResult;
  /** What every account published (each action and held one names its account). */
  federation: AccountsSummary | undefined;
  /** Whether what feeds show may have changed. */
  feedsChanged: boolean;
}

export interface Herald {
  readonly config: Config;
  readonly log: Logger;
  readonly storage: Storage;
  readonly library: Library;
  /** Cover images: what is known of them, and their mirrored copies. */
  readonly media: CoverMedia;
  readonly federation: FederationRuntime | undefined;
  /**
   * The `scan` job: rescan content (or, without `scans`, take the records saved by the process that
   * does), publish what is due. Calls never overlap.
   */
  scan(options?: PublishOptions): Promise<ScanResult>;
  /** Takes the records another process saved, without publishing; true if feeds or pages may differ. */
  reload(): Promise<boolean>;
  /** The `feeds` job: rewrite static feed files when feeds.outDir is set. */
  writeStaticFeeds(): Promise<boolean>;
  /** The `maintenance` job. */
  maintenance(): Promise<void>;
  /** Records today's follower count for the dashboard's chart (maintenance, and serve at start-up). */
  snapshotFollowers(): Promise<void>;
  close(): Promise<void>;
}

export async function openHerald(config: Config, log: Logger, options: HeraldOptions = {}): Promise<Herald> {
  const storage = await openStorage(
    config,
    log.isLevelEnabled("warn") ? log.child({ module: "store" }) : undefined,
  );
  let library: Library;
  let media: CoverMedia;
  try {
    await storage.initialize();
    await refuseForgottenInstance(config, storage);
    media = await CoverMedia.open({
      store: storage.media,
      urls: siteUrls(config.site.url),
      contentDir: config.content.dir,
      dataDir: config.data.dir,
      mirror: config.media.mirror,
      allowPrivateAddress: config.federation.allowPrivateAddress,
      log: log.child({ module: "media" }),
    });
    library = await openLibrary(config, storage.articles, options.now, {
      stableMs: options.stableMs,
      show: media.show,
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  const scans = options.scans ?? true;
  const contentLog = log.child({ module: "content" });
  let federation: FederationRuntime | undefined;
  if (options.federation !== false) {
    const { startFederation } = await import("./federation/runtime.ts");
    try {
      federation = await startFederation(config, storage, library, log, {
        deliver: options.deliver ?? false,
        now: options.now,
      });
    } catch (error) {
      await storage.close();
      throw error;
    }
  }
  const fedStore = storage.federation;

  /** Retracted articles, and with publishing.holdFeeds those not yet posted, stay out of feeds. */
  const updateHidden = async (): Promise<boolean> => {
    const hidden = await fedStore.retractedIds();
    if (config.publishing.holdFeeds && federation) {
      const posted = new Set((await fedStore.listObjects()).map((o) => o.articleId));
      for (const r of library.records()) if (r.federate && !posted.has(r.id)) hidden.add(r.id);
    }
    return library.hide(hidden);
  };

  /** Records newly seen covers and looks at those due; true when what readers see changed. */
  const lookAtCovers = async (covers: RefreshResult["covers"]): Promise<boolean> => {
    await media.notice(covers);
    if ((await media.process()) === 0) return false;
    library.forgetLoaded();
    return true;
  };

  /** Articles and cover images another process saved. */
  const reload = async (): Promise<boolean> => {
    const articles = await library.reload();
    const covers = await media.reload();
    if (covers) library.forgetLoaded();
    return articles || covers;
  };

  const runScan = async (publishOptions: PublishOptions): Promise<ScanResult> => {
    const started = performance.now();
    const content = scans ? await library.refresh() : reloadResult(await reload()).content;
    // New covers are looked at before publishing, so a new post carries its image from the start.
    const coversChanged = scans && !publishOptions.dryRun ? await lookAtCovers(content.covers) : false;
    const at = new Date().toISOString();
    for (const error of content.rejected)
      contentLog.warn({ path: error.path, reason: error.type }, error.message);
    if (!publishOptions.dryRun) {
      await fedStore.setMeta("status.lastScan", at);
    }
    const published = federation
      ? await federation.publisher.publish(library.records(), publishOptions)
      : undefined;
    // Quote stamps of what was just deleted or retracted stop standing (FEP-044f).
    if (federation && published && published.deleted > 0) await federation.revokeQuotes();
    const hiddenChanged = await updateHidden();
    log.info(
      {
        module: "scan",
        added: content.added.length,
        changed: content.changed.length,
        removed: content.removed.length,
        rejected: content.rejected.length,
        unchanged: content.unchanged,
        created: published?.created ?? 0,
        updated: published?.updated ?? 0,
        deleted: published?.deleted ?? 0,
        silent: published?.silent ?? 0,
        held: published?.held.length ?? 0,
        dryRun: publishOptions.dryRun ?? false,
        ms: Math.round(performance.now() - started),
      },
      "scan done",
    );
    return {
      content,
      federation: published,
      feedsChanged: content.dirty || hiddenChanged || coversChanged,
    };
  };

  let running: Promise<ScanResult> | undefined;
  const scan = async (publishOptions: PublishOptions = {}): Promise<ScanResult> => {
    // noOverlap: a scan asked for during another waits for it, then runs on the latest state.
    while (running) await running.catch(() => undefined);
    running = runScan(publishOptions).finally(() => {
      running = undefined;
    });
    return running;
  };

  const snapshotFollowers = async (): Promise<void> => {
    const today = new Date().toISOString().slice(0, 10);
    await storage.outbox().snapshotFollowers(today, await fedStore.countFollowers("accepted"));
  };

  await updateHidden();

  return {
    config,
    log,
    storage,
    library,
    media,
    federation,
    scan,
    async reload() {
      const changed = await reload();
      return (await updateHidden()) || changed;
    },
    async writeStaticFeeds() {
      if (!config.feeds.outDir) return false;
      const { unwritable } = await exportFeeds(config.feeds.outDir, config, library);
      if (unwritable.length > 0)
        log.warn(
          { module: "feeds", tags: unwritable },
          "tags without static feeds (no folder can carry their name)",
        );
      return true;
    },
    async maintenance() {
      const announced = (await federation?.announceProfile()) ?? false;
      const depth = federation ? await federation.queueDepth() : undefined;
      const outbox = storage.outbox();
      // Receipts are for "what happened to my post": a month of them; the daily counts stay a year.
      const pruned = await outbox.prune(Date.now() - RECEIPTS_KEPT_MS);
      await snapshotFollowers();
      await storage.maintenance();
      log.info(
        { module: "maintenance", profileAnnounced: announced, queue: depth, prunedFanouts: pruned },
        "maintenance done",
      );
    },
    snapshotFollowers,
    async close() {
      await running?.catch(() => undefined);
      await federation?.close();
      await storage.close();
    },
  };
}

/** The scan result of a process that took records from the store instead of reading content/. */
export function reloadResult(changed: boolean): ScanResult {
  return {
    content: {
      added: [],
      changed: [],
      moved: [],
      removed: [],
      rejected: [],
      unchanged: 0,
      deferred: 0,
      dirty: changed,
      covers: [],
    },
    federation: undefined,
    feedsChanged: changed,
  };
}

/**
 * DATABASE_URL pointed at an empty PostgreSQL while data.dir still holds the instance's SQLite store:
 * starting would mint new keys and forget every follower. Refused until the store is moved.
 */
async function refuseForgottenInstance(config: Config, storage: Storage): Promise<void> {
  if (storage.kind === "sqlite" || (await storage.federation.getKeys()).length > 0) return;
  const file = sqliteStoreFile(config);
  if (!existsSync(file)) return;
  const { sqliteInstanceHolds } = await import("./store/sqlite-file.ts");
  const held = sqliteInstanceHolds(file);
  // Not a Herald store, or one without keys: nothing to lose.
  if (held === undefined || held.keys === 0) return;
  throw new Error(
    `${file} holds this instance's signing keys and ${held.followers} follower(s), and the PostgreSQL ` +
      `database at ${storage.location} holds none. Starting on it would give the account new keys and ` +
      "lose those followers. Move the store first: `herald migrate-store` (see README, Scaling out), or " +
      "move that file out of data.dir if you mean to start over.",
  );
}
