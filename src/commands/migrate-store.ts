// `herald migrate-store`: moves an instance's store from SQLite (data.dir/herald.sqlite) to PostgreSQL
// without losing its identity. Signing keys and followers are what cannot be recreated: remote
// servers know the keys, and followers would have to follow again. The activity ledger keeps
// deterministic activity ids, so nothing is sent twice; article records keep ids and first-seen dates;
// deliveries still waiting in the outbox go out from the new store (their fan-outs, attempts and due
// times kept), and so do received activities still waiting in the inbox queue. Receipts, circuits
// and the daily counts stay behind: they describe the old store's past, and fill again.
//
// Not copied: Fedify's KV store. It holds a cache of remote documents (actors, their public keys)
// and marks that a received activity was already handled. The cache refills on demand, and a marked
// activity redelivered after the move is recorded once anyway (followers are upserted, interactions
// keep their remote id), so copying would move megabytes of stale data for nothing.
//
// The copy refuses a target that is in use (two instances never merge), and is checked afterwards:
// the same row counts on both sides, the same keys, the same followers.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { Config } from "../config/load.ts";
import type { ArticleChange } from "../content/records.ts";
import { describePostgresUrl } from "../store/postgres-schema.ts";
import { openPostgresStorage } from "../store/postgres-storage.ts";
import { openSqliteStorage } from "../store/sqlite-storage.ts";
import {
  type DeliveryQueue,
  type FederationDump,
  type Outbox,
  type Storage,
  StoreNotEmptyError,
} from "../store/types.ts";

/** Articles per saveBatches batch: bounded statements, one transaction for all of them. */
const ARTICLE_BATCH = 500;

/**
 * Rows per table: articles, the federation tables, messages in the inbox queue, deliveries queued in
 * the outbox, and cover images.
 */
export type StoreCounts = { articles: number } & Record<keyof FederationDump, number> & {
    queue: number;
    deliveries: number;
    media: number;
    quoteStamps: number;
    moves: number;
  };

export interface MigrationReport {
  from: string;
  to: string;
  /** What both stores hold after the copy (verified equal). */
  counts: StoreCounts;
}

/** importAll replaces these in a target without history: they say nothing about an instance. */
const REPLACED: ReadonlySet<keyof StoreCounts> = new Set(["meta", "events", "blocks", "relays", "authors"]);

/**
 * Copies everything `from` holds into `to`, which must be empty, then verifies the copy. Throws
 * StoreNotEmptyError (writing nothing) for a target in use, and an Error when the copy differs.
 */
export async function migrateStore(
  from: Storage,
  to: Storage,
  log: (line: string) => void = () => {},
): Promise<MigrationReport> {
  await copyStore(from, to, log);
  log("Verifying…");
  const counts = await verifyMigration(from, to);
  return { from: from.location, to: to.location, counts };
}

/**
 * The copy without the check: also how `herald status` and dry runs take a snapshot of a PostgreSQL
 * store that a running Herald keeps changing (into a temporary SQLite file they may scribble on).
 */
export async function copyStore(
  from: Storage,
  to: Storage,
  log: (line: string) => void = () => {},
): Promise<void> {
  await refuseTargetInUse(to);
  log(`Reading ${from.location}…`);
  const articles = await readArticles(from);
  const dump = await from.federation.exportAll();
  const messages = await inboxQueue(from).exportMessages();
  const outbox = await outboxOf(from).exportOutbox();
  // Mirrored copies stay where they are (data.dir/media): only their records move.
  const media = await from.media.listMedia();
  const stamps = await from.quotes.exportStamps();
  const moves = await from.moves.exportMoves();
  log(
    `Copying ${articles.flat().length} articles, ${dump.keys.length} keys, ${dump.followers.length} followers, ` +
      `${dump.activities.length} activities, ${outbox.deliveries.length} queued deliveries and ` +
      `${messages.length} received activities to ${to.location}…`,
  );
  // The federation store first: its import checks again, atomically, that the target has no history.
  await to.federation.importAll(dump);
  try {
    await to.articles.saveBatches(articles);
    await outboxOf(to).importOutbox(outbox);
    await inboxQueue(to).importMessages(messages);
    await to.media.saveMedia(media);
    await to.quotes.importStamps(stamps);
    await to.moves.importMoves(moves);
  } catch (error) {
    throw new Error(
      `The copy stopped half-way: ${to.location} holds the federation store but not every article or ` +
        `queued delivery. Do not start Herald on it; empty it (drop its herald_ tables) and run ` +
        `migrate-store again. Cause: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Compares both stores: row counts of every table, every account's signing keys (public and
 * private JWK) and followers. Throws naming every difference; returns the counts when there is none.
 */
export async function verifyMigration(from: Storage, to: Storage): Promise<StoreCounts> {
  const [source, target] = await Promise.all([countRows(from), countRows(to)]);
  const differences = (Object.keys(source) as (keyof StoreCounts)[])
    .filter((table) => source[table] !== target[table])
    .map((table) => `${table}: ${source[table]} in the source, ${target[table]} in the target`);
  // Every account's (the main one and each section account's): the dumps hold all of them.
  const [before, after] = await Promise.all([from.federation.exportAll(), to.federation.exportAll()]);
  if (!isDeepStrictEqual(before.keys, after.keys)) differences.push("the signing keys differ");
  if (!isDeepStrictEqual(before.followers, after.followers)) differences.push("the follower lists differ");
  if (differences.length > 0)
    throw new Error(
      `Verification failed: ${differences.join("; ")}. Was Herald still running on ${from.location}? ` +
        `Do not start Herald on ${to.location}; empty it and run migrate-store again.`,
    );
  return source;
}

/** The target may hold meta and events (replaced by the copy), nothing else. */
async function refuseTargetInUse(to: Storage): Promise<void> {
  const counts = await countRows(to);
  const held = (Object.keys(counts) as (keyof StoreCounts)[])
    .filter((table) => counts[table] > 0 && !REPLACED.has(table))
    .map((table) => `${counts[table]} ${table}`);
  if (held.length > 0) throw new StoreNotEmptyError(held.join(", "));
}

async function countRows(storage: Storage): Promise<StoreCounts> {
  const [records, dump, messages, outbox, media, stamps, moves] = await Promise.all([
    storage.articles.listRecords(),
    storage.federation.exportAll(),
    inboxQueue(storage).exportMessages(),
    outboxOf(storage).exportOutbox(),
    storage.media.listMedia(),
    storage.quotes.exportStamps(),
    storage.moves.exportMoves(),
  ]);
  const federation = Object.fromEntries(Object.entries(dump).map(([table, rows]) => [table, rows.length]));
  return {
    articles: records.length,
    ...(federation as Record<keyof FederationDump, number>),
    queue: messages.length,
    deliveries: outbox.deliveries.length,
    media: media.length,
    quoteStamps: stamps.length,
    moves: moves.length,
  };
}

/**
 * Every record with its article, in batches. Read up front: saveBatches pulls its batches
 * synchronously (SQLite), and getArticle is async. An instance's articles fit in memory; they are
 * what the SQLite file mostly holds.
 */
async function readArticles(from: Storage): Promise<ArticleChange[][]> {
  const records = await from.articles.listRecords();
  const batches: ArticleChange[][] = [];
  for (let start = 0; start < records.length; start += ARTICLE_BATCH) {
    const chunk = records.slice(start, start + ARTICLE_BATCH);
    batches.push(
      await Promise.all(
        chunk.map(async (record) => ({ record, article: await from.articles.getArticle(record.id) })),
      ),
    );
  }
  return batches;
}

/** The inbox queue only for reading and writing rows: nothing listens, so the concurrency is moot. */
function inboxQueue(storage: Storage): DeliveryQueue {
  return storage.queue({ concurrency: 1 });
}

/** The outbox only for reading and writing rows: nothing is enqueued, so the spread is moot. */
function outboxOf(storage: Storage): Outbox {
  return storage.outbox();
}

function formatMigration(r: MigrationReport): string {
  const rows: [string, number][] = [
    ["articles", r.counts.articles],
    ["signing keys", r.counts.keys],
    ["followers", r.counts.followers],
    ["federated objects", r.counts.objects],
    ["activities", r.counts.activities],
    ["interactions", r.counts.interactions],
    ["retractions", r.counts.retractions],
    ["events", r.counts.events],
    ["blocks", r.counts.blocks],
    ["relays", r.counts.relays],
    ["reply decisions (hidden)", r.counts.moderation],
    ["reply authors' names", r.counts.authors],
    ["settings (meta)", r.counts.meta],
    ["queued deliveries", r.counts.deliveries],
    ["received, queued", r.counts.queue],
    ["cover images", r.counts.media],
    ["quote stamps", r.counts.quoteStamps],
    ["moves", r.counts.moves],
  ];
  return [
    `Copied ${r.from} to ${r.to}, and verified:`,
    ...rows.map(([name, n]) => `  ${name.padEnd(18)} ${String(n).padStart(7)}`),
    "Next: set database.url (or DATABASE_URL) to the target and start Herald. Keep herald.sqlite as a backup.",
  ].join("\n");
}

const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;

/**
 * `herald migrate-store [--to URL]`: from data.dir/herald.sqlite to `target`, else database.url.
 * Messages name the target by host and database only: its URL may hold a password.
 */
export async function migrateStoreCommand(
  config: Config,
  target: string | undefined,
  log: (line: string) => void = () => {},
): Promise<{ ok: boolean; message: string }> {
  const file = join(config.data.dir, "herald.sqlite");
  if (!existsSync(file))
    return { ok: false, message: `Nothing to migrate: there is no SQLite store at ${file} (data.dir).` };
  const url = target ?? config.database.url;
  if (url === undefined)
    return {
      ok: false,
      message: "Where to? Pass --to postgres://user@host:5432/database, or set database.url (DATABASE_URL).",
    };
  if (!POSTGRES_URL.test(url) || !URL.canParse(url))
    return { ok: false, message: "--to: expected a postgres:// or postgresql:// URL." };
  const from = openSqliteStorage(file);
  const to = openPostgresStorage(url);
  try {
    await to.initialize();
    return { ok: true, message: formatMigration(await migrateStore(from, to, log)) };
  } catch (error) {
    return {
      ok: false,
      message: `Migration to ${describePostgresUrl(url)} failed: ${(error as Error).message}`,
    };
  } finally {
    await to.close();
    await from.close();
  }
}
