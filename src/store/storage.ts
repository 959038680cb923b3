// One place that knows which backend holds Herald's state. Everything above it (the app, the
// federation runtime, the CLI, the dashboard) talks to a `Storage`: article records, the federation
// store, Fedify's KV store, the delivery queue, the scheduler's leadership and the signals between
// processes. SQLite is the default, for one process; PostgreSQL, for several processes on one or many
// hosts, is chosen by `database.url` or DATABASE_URL.
import { join } from "node:path";
import type { KvStore, MessageQueue, MessageQueueDepth } from "@fedify/fedify";
import type { Config } from "../config/load.ts";
import type { AtomicQueue } from "../federation/publisher.ts";
import type { ArticleStore, FederationStore, MediaStore } from "./types.ts";

/** Fedify's queue plus what Herald needs of it: atomic batches with the ledger, depth, resuming. */
export interface DeliveryQueue<Tx = unknown> extends MessageQueue, AtomicQueue<Tx> {
  getDepth(): Promise<MessageQueueDepth>;
  /**
   * Returns deliveries claimed by processes that are gone to the queue at once (SQLite asks the OS;
   * PostgreSQL leases simply run out), and says how many.
   */
  resumeStopped(): Promise<number>;
  /** Every message still queued, lowest id first, leases left out: for `herald migrate-store`. */
  exportMessages(): Promise<QueuedMessage[]>;
  /**
   * Appends messages as exported, in order (ids, hence ordering-key turns, follow it), due times
   * and attempts kept, in one transaction. They are not leased: any worker may claim them.
   */
  importMessages(messages: readonly QueuedMessage[]): Promise<void>;
}

/** A message waiting in the delivery queue, backend-neutral. */
export interface QueuedMessage {
  /** The message as stored: JSON text, carried byte for byte. */
  message: string;
  orderingKey: string | null;
  /** When it is due (epoch ms). */
  scheduledMs: number;
  /** Claims so far. */
  attempts: number;
}

/** Per article: what the ledger holds and what still waits in the delivery queue (the status page). */
export interface Delivery {
  /** Activities in the ledger, by kind (create, update, delete); silent ones are in the outbox only. */
  activities: Partial<Record<"create" | "update" | "delete", number>>;
  /** Ledger entries that never reached the queue (recovered at the next start). */
  pending: number;
  /** Creates put in the outbox without pushing them (articles present at the very first start). */
  silent: number;
  /** Deliveries waiting in the queue (one per inbox), as the queue depth counts them: not those in flight. */
  waiting: number;
  /** Of those, deliveries that failed at least once and wait for a retry. */
  failing: number;
  /** The newest activity's time (ISO). */
  last: string;
}

/**
 * "Exactly one scheduler acts at a time": `hold()` takes or renews the scheduler's lease and says
 * whether this process may scan and publish now. On SQLite there is one process, which always may.
 */
export interface Leadership {
  hold(): Promise<boolean>;
  /** Gives the lease up (clean stop), so another scheduler takes over on its next try. */
  release(): Promise<void>;
}

/** Cross-process wake-ups: the scheduler tells web processes that content changed. */
export type Signal = "content";

export interface Storage<Tx = unknown> {
  readonly kind: "sqlite" | "postgres";
  /** Where, for logs and status: a file path, or host/database (never a password). */
  readonly location: string;
  readonly articles: ArticleStore;
  readonly federation: FederationStore<Tx>;
  /** Cover images: their facts, mirrored copies and retries. */
  readonly media: MediaStore;
  /**
   * Fedify's KV store, also holding the dashboard's sessions and login limit; with compare-and-swap,
   * which Fedify's interface leaves optional.
   */
  readonly kv: KvStore & Required<Pick<KvStore, "cas">>;
  /**
   * Creates or migrates the schema. Safe when several processes start at once (SQLite: a write
   * lock; PostgreSQL: an advisory lock). Called at start, so a broken database fails the start.
   */
  initialize(): Promise<void>;
  /** The delivery queue, created on first use with this process's concurrency. */
  queue(options: { concurrency: number }): DeliveryQueue<Tx>;
  deliveries(): Promise<Map<string, Delivery>>;
  /** This process's bid for the scheduler's lease (one per process: it is released on close). */
  leadership(holderId: string): Leadership;
  /** Who acts as the scheduler now, for the status page; undefined when nobody (or on SQLite). */
  schedulerHolder(): Promise<string | undefined>;
  /** Tells every process subscribed to `signal` (this one included). */
  notify(signal: Signal): Promise<void>;
  /** Calls `listener` on every `notify(signal)`, in any process; returns the unsubscribe. */
  subscribe(signal: Signal, listener: () => void): Promise<() => Promise<void>>;
  /** Housekeeping for the maintenance job. */
  maintenance(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the backend the configuration names: PostgreSQL when database.url is set, else SQLite in data.dir. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.database.url) {
    const { openPostgresStorage } = await import("./postgres-storage.ts");
    return openPostgresStorage(config.database.url, {
      poolSize: config.database.poolSize,
      leaseMs: config.database.leaseSeconds * 1000,
    });
  }
  const { openSqliteStorage } = await import("./sqlite-storage.ts");
  return openSqliteStorage(join(config.data.dir, "herald.sqlite"));
}

/** host:port/database of a PostgreSQL URL, without user or password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
}

export interface LedgerRow {
  articleId: string;
  kind: "create" | "update" | "delete";
  n: number;
  pending: number;
  silent: number;
  last: string;
}

export interface QueueRow {
  articleId: string;
  waiting: number;
  failing: number;
}

/** Both backends answer with the same two row sets; this folds them into one entry per article. */
export function mergeDeliveries(
  ledger: readonly LedgerRow[],
  queued: readonly QueueRow[],
): Map<string, Delivery> {
  const out = new Map<string, Delivery>();
  for (const row of ledger) {
    const d = out.get(row.articleId) ?? {
      activities: {},
      pending: 0,
      silent: 0,
      waiting: 0,
      failing: 0,
      last: row.last,
    };
    d.activities[row.kind] = Number(row.n);
    d.pending += Number(row.pending);
    d.silent += Number(row.silent);
    if (row.last > d.last) d.last = row.last;
    out.set(row.articleId, d);
  }
  for (const row of queued) {
    const d = out.get(row.articleId);
    if (!d) continue;
    d.waiting = Number(row.waiting);
    d.failing = Number(row.failing);
  }
  return out;
}
