// The default backend: one SQLite file, one process. Articles, the federation store, Fedify's KV
// store and the delivery queue share one connection, so the queue's batch and the ledger's mark
// commit in one transaction (`DeliveryQueue.atomically`).
import { EventEmitter } from "node:events";
import type { DatabaseSync } from "node:sqlite";
import { type LedgerRow, mergeDeliveries, type QueueRow } from "./deliveries.ts";
import { SqliteStore } from "./sqlite.ts";
import { SqliteKv } from "./sqlite-kv.ts";
import { SqliteOutbox } from "./sqlite-outbox.ts";
import { SqliteQueue } from "./sqlite-queue.ts";
import type { Delivery, DeliveryQueue, Leadership, Signal, Storage } from "./types.ts";

class SqliteDeliveryQueue extends SqliteQueue implements DeliveryQueue<DatabaseSync> {
  async resumeStopped(): Promise<number> {
    return this.releaseLeases();
  }
}

/** One process owns the file, so it is always the scheduler. */
const ALWAYS: Leadership = {
  hold: async () => true,
  release: async () => {},
};

export function openSqliteStorage(file: string): Storage<DatabaseSync> & { readonly store: SqliteStore } {
  const store = new SqliteStore(file);
  const db = store.database;
  const kv = new SqliteKv(db);
  const signals = new EventEmitter();
  let queue: SqliteDeliveryQueue | undefined;
  let outbox: SqliteOutbox | undefined;
  return {
    kind: "sqlite",
    location: file,
    store,
    articles: store,
    federation: store.federation,
    media: store.media,
    quotes: store.quotes,
    moves: store.moves,
    kv,
    // SqliteStore migrates when it opens.
    initialize: async () => {},
    ping: async () => {},
    queue(options) {
      queue ??= new SqliteDeliveryQueue(db, { concurrency: options.concurrency });
      return queue;
    },
    outbox(options) {
      outbox ??= new SqliteOutbox(db, { spreadMs: options?.spreadMs });
      return outbox;
    },
    deliveries: async () => sqliteDeliveries(db),
    leadership: () => ALWAYS,
    schedulerHolder: async () => undefined,
    async notify(signal: Signal) {
      signals.emit(signal);
    },
    async subscribe(signal: Signal, listener: () => void) {
      signals.on(signal, listener);
      return async () => {
        signals.off(signal, listener);
      };
    },
    async maintenance() {
      db.exec("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);");
    },
    async close() {
      store.close();
    },
  };
}

/** Per article: its activities in the ledger, and its deliveries still in the outbox (one per inbox). */
function sqliteDeliveries(db: DatabaseSync): Map<string, Delivery> {
  const ledger = db
    .prepare(
      `SELECT article_id AS articleId, kind, COUNT(*) AS n,
              SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
              SUM(CASE WHEN state = 'silent' THEN 1 ELSE 0 END) AS silent, MAX(created_at) AS last
         FROM activities GROUP BY article_id, kind`,
    )
    .all() as unknown as LedgerRow[];
  const queued = db
    .prepare(
      `SELECT a.article_id AS articleId, COUNT(*) AS waiting,
              SUM(CASE WHEN d.attempt > 0 THEN 1 ELSE 0 END) AS failing
         FROM deliveries d
         JOIN fanouts f ON f.id = d.fanout_id
         JOIN activities a ON a.id = f.activity_id
        WHERE d.lease_until IS NULL OR d.lease_until < ?
        GROUP BY a.article_id`,
    )
    .all(Date.now()) as unknown as QueueRow[];
  return mergeDeliveries(ledger, queued);
}
