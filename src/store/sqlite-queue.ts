import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from "@fedify/fedify";
import { immediateTransaction, statementCache } from "./sqlite-tx.ts";
import type { QueuedMessage } from "./types.ts";

// Why not @fedify/sqlite's SqliteMessageQueue: it deletes a message *before* handling it, so a crash
// mid-delivery loses that delivery; a crash while it holds an ordering-key lock blocks that key forever;
// and it handles one message at a time. Herald promises that a kill -9 at any moment loses nothing,
// so this queue leases instead: a claimed message stays in the table with a lease; it is deleted
// only after its handler finished; a crashed worker's lease expires and another worker takes it.
//
// Exactly-once enqueueing: `atomically(send, record)` collects every message Fedify enqueues while
// `send` runs (an AsyncLocalStorage batch) and writes them in ONE transaction together with
// `record` (the publisher's ledger update). A crash before the commit leaves neither, so the
// publisher sends again after restart; a crash after it leaves both, so it never does.

export interface SqliteQueueOptions {
  /** Messages handled at once by this process. */
  concurrency?: number;
  /** How long a claimed message is hidden from other workers. Longer than any delivery takes. */
  leaseMs?: number;
  /** How often to look for messages enqueued by other processes or coming due. */
  pollMs?: number;
  now?: () => number;
}

interface Claimed {
  id: number;
  message: string;
}

interface Pending {
  message: unknown;
  options: MessageQueueEnqueueOptions | undefined;
}

/** Process-local wake-ups; other processes are found by polling. */
const wake = new EventEmitter();
wake.setMaxListeners(0);

export class SqliteQueue implements MessageQueue {
  readonly nativeRetrial = false;
  readonly #db: DatabaseSync;
  readonly #statement: (sql: string) => StatementSync;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #batch = new AsyncLocalStorage<Pending[]>();

  constructor(db: DatabaseSync, options: SqliteQueueOptions = {}) {
    this.#db = db;
    this.#statement = statementCache(db);
    this.#concurrency = options.concurrency ?? 32;
    this.#leaseMs = options.leaseMs ?? 5 * 60_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    const batch = this.#batch.getStore();
    if (batch) batch.push({ message, options });
    else this.#write([{ message, options }]);
    return Promise.resolve();
  }

  enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const pending = messages.map((message) => ({ message, options }));
    const batch = this.#batch.getStore();
    if (batch) batch.push(...pending);
    else this.#write(pending);
    return Promise.resolve();
  }

  /**
   * Runs `send` (which enqueues through Fedify), then writes everything it enqueued and `record`
   * in one transaction. Nothing reaches the queue if `send` throws. `record` gets the connection,
   * inside the transaction, and must write synchronously: nothing else may run between BEGIN and
   * COMMIT, so a returned promise (work still to do after COMMIT) rolls the batch back.
   */
  async atomically<T>(send: () => Promise<T>, record: (value: T, db: DatabaseSync) => unknown): Promise<T> {
    const pending: Pending[] = [];
    const value = await this.#batch.run(pending, send);
    this.#write(pending, () => {
      const result = record(value, this.#db);
      if (result instanceof Promise) {
        // Settle it here: its rejection, if any, is superseded by this error.
        result.catch(() => undefined);
        throw new TypeError("SqliteQueue.atomically: record must write synchronously, not return a promise.");
      }
    });
    return value;
  }

  #write(pending: readonly Pending[], alsoInTransaction?: () => void): void {
    const now = this.#now();
    const insert = this.#statement(
      "INSERT INTO queue (message, ordering_key, scheduled_ms) VALUES (?, ?, ?)",
    );
    this.#transaction(() => {
      for (const { message, options } of pending) {
        const delay = options?.delay ? Math.max(0, options.delay.total("millisecond")) : 0;
        insert.run(JSON.stringify(message), options?.orderingKey ?? null, now + delay);
      }
      alsoInTransaction?.();
    });
    if (pending.length > 0) wake.emit("enqueue");
  }

  /**
   * Makes messages claimed by processes that no longer exist available again, so a restart after
   * a crash resumes at once instead of waiting for the leases to expire. SQLite is one machine,
   * so the owner's process id says whether it is alive; live workers (another `serve`, a
   * `herald sync --once`) keep their leases.
   */
  releaseLeases(): number {
    const owners = this.#db
      .prepare(
        "SELECT DISTINCT lease_owner AS pid FROM queue WHERE lease_until IS NOT NULL AND lease_owner IS NOT NULL",
      )
      .all() as { pid: number }[];
    const dead = owners.map((o) => o.pid).filter((pid) => pid !== process.pid && !processAlive(pid));
    let released = 0;
    const release = this.#db.prepare(
      "UPDATE queue SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ?",
    );
    for (const pid of dead) released += Number(release.run(pid).changes);
    return released;
  }

  /** Releases every lease, whoever holds it. */
  releaseAllLeases(): number {
    return Number(
      this.#db.prepare("UPDATE queue SET lease_until = NULL WHERE lease_until IS NOT NULL").run().changes,
    );
  }

  exportMessages(): Promise<QueuedMessage[]> {
    const rows = this.#db
      .prepare("SELECT message, ordering_key, scheduled_ms, attempts FROM queue ORDER BY id")
      .all() as { message: string; ordering_key: string | null; scheduled_ms: number; attempts: number }[];
    return Promise.resolve(
      rows.map((r) => ({
        message: r.message,
        orderingKey: r.ordering_key,
        scheduledMs: r.scheduled_ms,
        attempts: r.attempts,
      })),
    );
  }

  importMessages(messages: readonly QueuedMessage[]): Promise<void> {
    const insert = this.#statement(
      "INSERT INTO queue (message, ordering_key, scheduled_ms, attempts) VALUES (?, ?, ?, ?)",
    );
    // In the given order: ids follow it, and with them whose turn it is within an ordering key.
    this.#transaction(() => {
      for (const m of messages) insert.run(m.message, m.orderingKey, m.scheduledMs, m.attempts);
    });
    if (messages.length > 0) wake.emit("enqueue");
    return Promise.resolve();
  }

  getDepth(): Promise<MessageQueueDepth> {
    const now = this.#now();
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) AS queued,
                COALESCE(SUM(CASE WHEN scheduled_ms <= ? THEN 1 ELSE 0 END), 0) AS ready
           FROM queue WHERE lease_until IS NULL OR lease_until < ?`,
      )
      .get(now, now) as { queued: number; ready: number };
    return Promise.resolve({ queued: row.queued, ready: row.ready, delayed: row.queued - row.ready });
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    const signal = options?.signal;
    const inflight = new Set<Promise<void>>();
    let notify: (() => void) | undefined;
    const poke = (): void => notify?.();
    wake.on("enqueue", poke);
    signal?.addEventListener("abort", poke, { once: true });
    try {
      while (!signal?.aborted) {
        const free = this.#concurrency - inflight.size;
        const claimed = free > 0 ? this.#claim(free) : [];
        for (const row of claimed) {
          const task = this.#handle(row, handler).finally(() => {
            inflight.delete(task);
            poke();
          });
          inflight.add(task);
        }
        if (claimed.length > 0 && claimed.length === free) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          notify = () => {
            clearTimeout(timer);
            // Claim after this turn of the event loop: deliveries that finish together are
            // replaced by one claim rather than one each.
            setImmediate(resolve);
          };
        });
        notify = undefined;
      }
    } finally {
      wake.off("enqueue", poke);
      // Let running handlers finish; unclaimed and unfinished messages stay queued for the next start.
      await Promise.allSettled(inflight);
    }
  }

  async #handle(row: Claimed, handler: (message: unknown) => Promise<void> | void): Promise<void> {
    try {
      await handler(JSON.parse(row.message));
    } catch {
      // Fedify's handler retries by re-enqueueing; an error here is final for this copy.
    }
    // Acknowledged at once, one small commit per delivery: a kill -9 then repeats only deliveries
    // truly in flight (at most `concurrency`), not finished ones waiting for a batched DELETE.
    // (Batching these with the next claim saved commits but let 5 of 156 deliveries repeat over 8
    // kills.) The owner may have closed the database meanwhile (a stop): then the row stays leased
    // and is delivered again after a restart, as after a crash; receivers drop it by its id.
    try {
      if (this.#db.isOpen) this.#statement("DELETE FROM queue WHERE id = ?").run(row.id);
    } catch {
      // Busy past the timeout: the lease runs out and the message is delivered again.
    }
  }

  /**
   * Claims ready messages with a lease. A message with an ordering key waits while any earlier
   * message with the same key exists, so Create, Update and Delete of one article keep their order.
   */
  #claim(limit: number): Claimed[] {
    const now = this.#now();
    return this.#transaction(
      () =>
        this.#statement(
          `UPDATE queue SET lease_until = ?, lease_owner = ?, attempts = attempts + 1
              WHERE id IN (
                SELECT q.id FROM queue q
                 WHERE q.scheduled_ms <= ?
                   AND (q.lease_until IS NULL OR q.lease_until < ?)
                   AND (q.ordering_key IS NULL OR NOT EXISTS (
                         SELECT 1 FROM queue e WHERE e.ordering_key = q.ordering_key AND e.id < q.id))
                 ORDER BY q.scheduled_ms, q.id
                 LIMIT ?)
              RETURNING id, message`,
        ).all(now + this.#leaseMs, process.pid, now, now, limit) as unknown as Claimed[],
    );
  }

  #transaction<T>(fn: () => T): T {
    return immediateTransaction(this.#db, fn);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
