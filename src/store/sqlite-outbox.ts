import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { MessageQueue, MessageQueueDepth, MessageQueueListenOptions } from "@fedify/fedify";
import {
  type Batch,
  collectBatch,
  fanoutsOf,
  inboxHost,
  spreadOffset,
  summarize,
  untilAborted,
} from "./outbox-messages.ts";
import { processAlive } from "./sqlite-queue.ts";
import { immediateTransaction, readTransaction, statementCache } from "./sqlite-tx.ts";
import type {
  ClaimedDelivery,
  DeliveryDay,
  Fanout,
  FanoutBody,
  HostCircuit,
  Outbox,
  OutboxDump,
  Receipt,
  Settlement,
} from "./types.ts";

// Herald's outbox on SQLite (tables made by migration 9 in sqlite.ts). A fan-out is one `fanouts` row
// holding the activity once, and one `deliveries` row per inbox (~100 bytes: ids, the inbox, its
// host, the attempt, due time and lease). Deliveries are leased, not deleted, when claimed, and leave
// the table only when settled; a crashed worker's leases return (its pid is gone). Outcomes are kept
// per fan-out and server in `receipts`, per day in `delivery_days`; circuits per server in `hosts`.
//
// Exactly once: `atomically(send, record)` collects what Fedify enqueues while `send` runs and writes
// it in ONE transaction with `record` (the publisher's ledger mark). See publisher.ts.

export interface SqliteOutboxOptions {
  /** How long a claimed delivery is hidden from other workers. Longer than any delivery takes. */
  leaseMs?: number;
  /** A fan-out to followers is spread over this long: each server's deliveries at their own moment. */
  spreadMs?: number;
  now?: () => number;
}

/** Process-local wake-ups; the worker polls for what other processes queue. */
const wake = new EventEmitter();
wake.setMaxListeners(0);

const DAY_MS = 86_400_000;

interface FanoutRow {
  id: number;
  account: string;
  activityId: string;
  activityType: string;
  orderKey: string | null;
  followers: number;
  body: string;
  createdAt: string;
}

export class SqliteOutbox implements Outbox<DatabaseSync>, MessageQueue {
  readonly nativeRetrial = true;
  readonly #db: DatabaseSync;
  readonly #statement: (sql: string) => StatementSync;
  readonly #leaseMs: number;
  readonly #spreadMs: number;
  readonly #now: () => number;
  readonly #batch = new AsyncLocalStorage<Batch>();

  constructor(db: DatabaseSync, options: SqliteOutboxOptions = {}) {
    this.#db = db;
    this.#statement = statementCache(db);
    this.#leaseMs = options.leaseMs ?? 5 * 60_000;
    this.#spreadMs = options.spreadMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /** No renewal here: the lease itself. */
  get maxHoldMs(): number {
    return this.#leaseMs;
  }

  onQueued(listener: () => void): Promise<() => Promise<void>> {
    wake.on("queued", listener);
    return Promise.resolve(async () => {
      wake.off("queued", listener);
    });
  }

  enqueue(message: unknown): Promise<void> {
    return this.enqueueMany([message]);
  }

  enqueueMany(messages: readonly unknown[]): Promise<void> {
    const batch = this.#batch.getStore();
    if (batch?.open) batch.messages.push(...messages);
    else {
      // Written at once: outside a batch, or from a callback that outlived its batch's `send`
      // (pushed into a batch already written, it would be lost).
      try {
        this.#write(fanoutsOf(messages));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.resolve();
  }

  /** Fedify never delivers from here: Herald's delivery worker does. Waits until stopped. */
  listen(
    _handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    return untilAborted(options?.signal);
  }

  /**
   * Runs `send` (which enqueues through Fedify), then writes every fan-out it produced and `record`
   * in one transaction. `record` must write synchronously (see SqliteQueue.atomically).
   */
  async atomically<T>(send: () => Promise<T>, record: (value: T, db: DatabaseSync) => unknown): Promise<T> {
    const { value, messages } = await collectBatch(this.#batch, send);
    // The publisher's batch: its fan-outs go to the followers collection.
    this.#write(fanoutsOf(messages, true), () => {
      const result = record(value, this.#db);
      if (result instanceof Promise) {
        result.catch(() => undefined);
        throw new TypeError(
          "SqliteOutbox.atomically: record must write synchronously, not return a promise.",
        );
      }
    });
    return value;
  }

  #write(fanouts: readonly Fanout[], alsoInTransaction?: () => void): void {
    const now = this.#now();
    const createdAt = new Date(now).toISOString();
    const insertFanout = this.#statement(
      `INSERT INTO fanouts (account, activity_id, activity_type, order_key, followers, body, inboxes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // A server whose circuit is open gets its new deliveries held until its next probe.
    const insertDelivery = this.#statement(
      `INSERT INTO deliveries (fanout_id, inbox, host, due_ms)
       VALUES (?, ?, ?, MAX(?, COALESCE((SELECT open_until_ms FROM hosts WHERE host = ?), 0)))`,
    );
    immediateTransaction(this.#db, () => {
      for (const f of fanouts) {
        const inboxes = [...new Set(f.inboxes)];
        const { lastInsertRowid } = insertFanout.run(
          f.account,
          f.activityId,
          f.activityType,
          f.orderKey,
          f.followers ? 1 : 0,
          f.body,
          inboxes.length,
          createdAt,
        );
        for (const inbox of inboxes) {
          const host = inboxHost(inbox);
          const due = f.followers ? now + spreadOffset(host, this.#spreadMs) : now;
          insertDelivery.run(lastInsertRowid, inbox, host, due, host);
        }
      }
      alsoInTransaction?.();
    });
    if (fanouts.length > 0) wake.emit("queued");
  }

  claim(limit: number): Promise<ClaimedDelivery[]> {
    const now = this.#now();
    // A delivery waits while an earlier one of the same order key to the same inbox is queued.
    const rows = immediateTransaction(
      this.#db,
      () =>
        this.#statement(
          `UPDATE deliveries SET lease_until = ?, lease_owner = ?
            WHERE id IN (
              SELECT d.id FROM deliveries d JOIN fanouts f ON f.id = d.fanout_id
               WHERE d.due_ms <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
                 AND (f.order_key IS NULL OR NOT EXISTS (
                       SELECT 1 FROM deliveries e JOIN fanouts g ON g.id = e.fanout_id
                        WHERE e.inbox = d.inbox AND e.id < d.id AND g.order_key = f.order_key))
               ORDER BY d.due_ms, d.id LIMIT ?)
            RETURNING id, fanout_id AS fanoutId, inbox, host, attempt`,
        ).all(now + this.#leaseMs, process.pid, now, now, limit) as unknown as ClaimedDelivery[],
    );
    rows.sort((a, b) => a.id - b.id);
    return Promise.resolve(rows.map((r) => ({ ...r })));
  }

  fanout(id: number): Promise<FanoutBody | undefined> {
    const row = this.#statement(
      `SELECT id, account, activity_id AS activityId, activity_type AS activityType, followers, body,
              created_at AS createdAt
         FROM fanouts WHERE id = ?`,
    ).get(id) as
      | (Omit<FanoutBody, "followers" | "createdMs"> & { followers: number; createdAt: string })
      | undefined;
    if (!row) return Promise.resolve(undefined);
    return Promise.resolve({
      id: row.id,
      account: row.account,
      activityId: row.activityId,
      activityType: row.activityType,
      followers: row.followers === 1,
      body: row.body,
      createdMs: Date.parse(row.createdAt),
    });
  }

  settle(settlements: readonly Settlement[], circuits: readonly HostCircuit[]): Promise<void> {
    if (!this.#db.isOpen) return Promise.resolve();
    const { done, retries, receipts, days } = summarize(settlements);
    const remove = this.#statement("DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))");
    const retry = this.#statement(
      "UPDATE deliveries SET attempt = attempt + 1, due_ms = ?, lease_until = NULL, lease_owner = NULL WHERE id = ?",
    );
    const receipt = this.#statement(
      `INSERT INTO receipts (fanout_id, host, inbox, delivered, failed, attempts, last_status, last_error, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fanout_id, host) DO UPDATE SET
         inbox = CASE WHEN receipts.inbox = excluded.inbox THEN receipts.inbox ELSE NULL END,
         delivered = receipts.delivered + excluded.delivered,
         failed = receipts.failed + excluded.failed,
         attempts = receipts.attempts + excluded.attempts,
         last_status = COALESCE(excluded.last_status, receipts.last_status),
         last_error = COALESCE(excluded.last_error, receipts.last_error),
         at = excluded.at`,
    );
    const day = this.#statement(
      `INSERT INTO delivery_days (day, delivered, failed) VALUES (?, ?, ?)
       ON CONFLICT (day) DO UPDATE SET delivered = delivery_days.delivered + excluded.delivered,
                                       failed = delivery_days.failed + excluded.failed`,
    );
    const circuit = this.#statement(
      `INSERT INTO hosts (host, failures, opens, open_until_ms, first_failure_ms, last_failure_ms,
                          last_success_ms, unreachable_since_ms, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host) DO UPDATE SET failures = excluded.failures, opens = excluded.opens,
         open_until_ms = excluded.open_until_ms, first_failure_ms = excluded.first_failure_ms,
         last_failure_ms = excluded.last_failure_ms, last_success_ms = excluded.last_success_ms,
         unreachable_since_ms = excluded.unreachable_since_ms, last_error = excluded.last_error`,
    );
    try {
      immediateTransaction(this.#db, () => {
        if (done.length > 0) remove.run(JSON.stringify(done));
        for (const [id, dueMs] of retries) retry.run(dueMs, id);
        for (const r of receipts)
          receipt.run(
            r.fanoutId,
            r.host,
            r.inbox,
            r.delivered,
            r.failed,
            r.attempts,
            r.lastStatus,
            r.lastError,
            r.at,
          );
        for (const [d, n] of days) day.run(d, n.delivered, n.failed);
        for (const c of circuits)
          circuit.run(
            c.host,
            c.failures,
            c.opens,
            c.openUntilMs,
            c.firstFailureMs,
            c.lastFailureMs,
            c.lastSuccessMs,
            c.unreachableSinceMs,
            c.lastError,
          );
      });
    } catch (error) {
      // Closed or busy past the timeout: the leases run out and the deliveries go again.
      if (this.#db.isOpen && !/database is locked|not open/i.test(String(error))) throw error;
    }
    return Promise.resolve();
  }

  giveBack(ids: readonly number[]): Promise<void> {
    if (ids.length === 0 || !this.#db.isOpen) return Promise.resolve();
    this.#statement(
      `UPDATE deliveries SET lease_until = NULL, lease_owner = NULL
        WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ?`,
    ).run(JSON.stringify(ids), process.pid);
    wake.emit("queued");
    return Promise.resolve();
  }

  hold(host: string, untilMs: number): Promise<void> {
    this.#statement(
      `UPDATE deliveries SET due_ms = MAX(due_ms, ?), lease_until = NULL, lease_owner = NULL
        WHERE host = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
    ).run(untilMs, host, process.pid, this.#now());
    return Promise.resolve();
  }

  release(host: string): Promise<void> {
    const now = this.#now();
    if (
      this.#statement("UPDATE deliveries SET due_ms = ? WHERE host = ? AND due_ms > ?").run(now, host, now)
        .changes
    )
      wake.emit("queued");
    return Promise.resolve();
  }

  circuits(): Promise<HostCircuit[]> {
    return Promise.resolve(
      this.#statement(
        `SELECT host, failures, opens, open_until_ms AS openUntilMs, first_failure_ms AS firstFailureMs,
                last_failure_ms AS lastFailureMs, last_success_ms AS lastSuccessMs,
                unreachable_since_ms AS unreachableSinceMs, last_error AS lastError
           FROM hosts ORDER BY host`,
      ).all() as unknown as HostCircuit[],
    ).then((rows) => rows.map((r) => ({ ...r })));
  }

  followerIdsAt(origin: string, account = ""): Promise<string[]> {
    const rows = this.#statement(
      "SELECT actor_id FROM followers WHERE account = ? AND actor_id >= ? AND actor_id < ? AND +state = 'accepted' ORDER BY actor_id",
    ).all(account, `${origin}/`, `${origin}0`) as { actor_id: string }[];
    return Promise.resolve(rows.map((r) => r.actor_id));
  }

  /** One indexed range read per origin: in-process, there is no round trip to save. */
  async followerIdsByOrigin(origins: readonly string[], account = ""): Promise<Map<string, string[]>> {
    const ids = new Map<string, string[]>();
    for (const origin of new Set(origins)) ids.set(origin, await this.followerIdsAt(origin, account));
    return ids;
  }

  getDepth(): Promise<MessageQueueDepth> {
    const now = this.#now();
    const row = this.#statement(
      `SELECT COUNT(*) AS queued, COALESCE(SUM(CASE WHEN due_ms <= ? THEN 1 ELSE 0 END), 0) AS ready
         FROM deliveries WHERE lease_until IS NULL OR lease_until < ?`,
    ).get(now, now) as { queued: number; ready: number };
    return Promise.resolve({ queued: row.queued, ready: row.ready, delayed: row.queued - row.ready });
  }

  /** Leases of processes that no longer exist return to the queue at once (one machine: ask the OS). */
  resumeStopped(): Promise<number> {
    const owners = this.#db
      .prepare("SELECT DISTINCT lease_owner AS pid FROM deliveries WHERE lease_owner IS NOT NULL")
      .all() as { pid: number }[];
    const release = this.#db.prepare(
      "UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ?",
    );
    let released = 0;
    for (const { pid } of owners)
      if (pid !== process.pid && !processAlive(pid)) released += Number(release.run(pid).changes);
    if (released > 0) wake.emit("queued");
    return Promise.resolve(released);
  }

  receipts(activityIds: readonly string[]): Promise<Receipt[]> {
    if (activityIds.length === 0) return Promise.resolve([]);
    const rows = readTransaction(this.#db, () =>
      this.#db
        .prepare(
          `SELECT f.id AS fanoutId, f.activity_id AS activityId, f.activity_type AS activityType,
                  f.created_at AS createdAt, f.inboxes AS inboxes, h.host AS host, r.inbox AS inbox,
                  COALESCE(r.delivered, 0) AS delivered, COALESCE(r.failed, 0) AS failed,
                  COALESCE(r.attempts, 0) AS attempts, r.last_status AS lastStatus, r.last_error AS lastError,
                  r.at AS at,
                  (SELECT COUNT(*) FROM deliveries d WHERE d.fanout_id = f.id AND d.host = h.host) AS waiting,
                  (SELECT MIN(d.inbox) FROM deliveries d WHERE d.fanout_id = f.id AND d.host = h.host) AS waitingInbox
             FROM fanouts f
             JOIN (SELECT fanout_id, host FROM receipts UNION SELECT fanout_id, host FROM deliveries) h
               ON h.fanout_id = f.id
             LEFT JOIN receipts r ON r.fanout_id = f.id AND r.host = h.host
            WHERE f.activity_id IN (SELECT value FROM json_each(?))
            ORDER BY f.id DESC, h.host`,
        )
        .all(JSON.stringify(activityIds)),
    ) as unknown as (Receipt & { waitingInbox: string | null })[];
    return Promise.resolve(
      rows.map(({ waitingInbox, ...r }) => ({
        ...r,
        // Nothing attempted yet on a server with one queued inbox: that inbox.
        inbox: r.attempts === 0 && r.waiting === 1 ? waitingInbox : r.inbox,
      })),
    );
  }

  days(sinceDay: string): Promise<DeliveryDay[]> {
    return Promise.resolve(
      (
        this.#statement(
          "SELECT day, delivered, failed, followers FROM delivery_days WHERE day >= ? ORDER BY day",
        ).all(sinceDay) as unknown as DeliveryDay[]
      ).map((d) => ({ ...d })),
    );
  }

  snapshotFollowers(day: string, count: number): Promise<void> {
    this.#statement(
      `INSERT INTO delivery_days (day, delivered, failed, followers) VALUES (?, 0, 0, ?)
       ON CONFLICT (day) DO UPDATE SET followers = excluded.followers`,
    ).run(day, count);
    return Promise.resolve();
  }

  prune(beforeMs: number): Promise<number> {
    const before = new Date(beforeMs).toISOString();
    return Promise.resolve(
      immediateTransaction(this.#db, () => {
        const gone = `SELECT id FROM fanouts f WHERE f.created_at < ?
                         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.fanout_id = f.id)`;
        this.#db.prepare(`DELETE FROM receipts WHERE fanout_id IN (${gone})`).run(before);
        const n = Number(this.#db.prepare(`DELETE FROM fanouts WHERE id IN (${gone})`).run(before).changes);
        // A year of daily counts is plenty for the charts.
        this.#db
          .prepare("DELETE FROM delivery_days WHERE day < ?")
          .run(new Date(beforeMs - 365 * DAY_MS).toISOString().slice(0, 10));
        return n;
      }),
    );
  }

  exportOutbox(): Promise<OutboxDump> {
    return Promise.resolve(
      readTransaction(this.#db, () => {
        const fanouts = (
          this.#db
            .prepare(
              `SELECT id, account, activity_id AS activityId, activity_type AS activityType, order_key AS orderKey,
                      followers, body, created_at AS createdAt
                 FROM fanouts f WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.fanout_id = f.id) ORDER BY id`,
            )
            .all() as unknown as FanoutRow[]
        ).map((f) => ({
          id: f.id,
          account: f.account,
          activityId: f.activityId,
          activityType: f.activityType,
          orderKey: f.orderKey,
          followers: f.followers === 1,
          body: f.body,
          createdMs: Date.parse(f.createdAt),
        }));
        const deliveries = (
          this.#db
            .prepare(
              "SELECT fanout_id AS fanoutId, inbox, host, attempt, due_ms AS dueMs FROM deliveries ORDER BY id",
            )
            .all() as unknown as OutboxDump["deliveries"]
        ).map((d) => ({ ...d }));
        return { fanouts, deliveries };
      }),
    );
  }

  importOutbox(dump: OutboxDump): Promise<void> {
    const insertFanout = this.#db.prepare(
      `INSERT INTO fanouts (account, activity_id, activity_type, order_key, followers, body, inboxes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertDelivery = this.#db.prepare(
      "INSERT INTO deliveries (fanout_id, inbox, host, attempt, due_ms) VALUES (?, ?, ?, ?, ?)",
    );
    immediateTransaction(this.#db, () => {
      const ids = new Map<number, number | bigint>();
      for (const f of dump.fanouts) {
        const inboxes = dump.deliveries.filter((d) => d.fanoutId === f.id).length;
        ids.set(
          f.id,
          insertFanout.run(
            f.account ?? "",
            f.activityId,
            f.activityType,
            f.orderKey,
            f.followers ? 1 : 0,
            f.body,
            inboxes,
            new Date(f.createdMs).toISOString(),
          ).lastInsertRowid,
        );
      }
      // In the given order: ids follow it, and with them the order per inbox.
      for (const d of dump.deliveries) {
        const id = ids.get(d.fanoutId);
        if (id !== undefined) insertDelivery.run(id, d.inbox, d.host, d.attempt, d.dueMs);
      }
    });
    if (dump.deliveries.length > 0) wake.emit("queued");
    return Promise.resolve();
  }
}
