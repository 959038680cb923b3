import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from "@fedify/fedify";
import type { Sql, TransactionSql } from "postgres";
import { fnv1a } from "./hash.ts";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";
import type { QueuedMessage } from "./types.ts";

// The PostgreSQL twin of SqliteQueue (sqlite-queue.ts), with the same guarantees, checked by the same
// contract suite (tests/store/queue.contract.test.ts):
// - Leases, not delete-before-handle: a claimed message stays in the table with lease_until and
//   lease_owner, and is deleted only after its handler returned. A worker that dies loses nothing:
//   its lease runs out and another worker, on any host, takes the message.
// - Ordering keys: a message waits while any earlier message (lower id) with the same key exists.
// - `atomically(send, record)`: every message Fedify enqueues while `send` runs is written in ONE
//   transaction together with the caller's ledger write, which `record` makes through the transaction
//   handle it is given.
//
// What differs because workers are many processes on many hosts:
// - Claims use `FOR UPDATE SKIP LOCKED`: concurrent claimers pass over each other's rows instead of
//   waiting, and PostgreSQL re-checks a row's lease after the lock, so no row is claimed twice.
// - SqliteQueue.releaseLeases() asks the OS whether a lease owner's pid is alive; across hosts nobody
//   can. Instead leases are short (30 s) and renewed every leaseMs/3 while a handler runs, so a dead
//   worker's messages return within one lease, and a slow delivery is not handed to a second worker.
// - Ids come from a sequence, and a transaction that took id 10 can commit after one that took id 11.
//   For one ordering key that would let a claimer see 11 while 10 is still invisible. Enqueuers of
//   the same key therefore take turns: each takes transaction-scoped advisory locks on the (hashed,
//   64) buckets of its keys, in ascending order so they cannot deadlock, before it draws ids.
// - Wake-ups: the enqueueing transaction sends NOTIFY (delivered at commit, to every process), and a
//   completed message whose key has successors sends one too; polling every `pollMs` remains for
//   delayed messages coming due, expired leases, and a lost LISTEN connection.
// - Times are the database's `now()`, so hosts with skewed clocks agree on delays and leases.

export interface PostgresQueueOptions {
  /** Table name; `herald_queue` by default. The connection's search_path picks the schema. */
  table?: string;
  /** Messages handled at once by this process. */
  concurrency?: number;
  /** How long a claim lasts without renewal: how soon a dead worker's messages return. */
  leaseMs?: number;
  /** How often to look for messages coming due, or missed by NOTIFY. */
  pollMs?: number;
  /** Who holds leases: for operators reading the table. Unique per instance by default. */
  owner?: string;
}

/** Writes the caller's ledger change in the transaction that enqueues the batch. */
export type RecordInTransaction<T> = (value: T, sql: TransactionSql) => Promise<unknown> | unknown;

interface Claimed {
  id: string;
  message: string;
}

interface Pending {
  message: unknown;
  options: MessageQueueEnqueueOptions | undefined;
}

interface Batch {
  messages: Pending[];
  open: boolean;
}

/** A row to insert: due `ms` milliseconds after now() (enqueue) or after the epoch (import). */
interface Insert {
  /**
   * The message, or its JSON when it is already text (an import). Encoded only when its chunk is
   * written: a fan-out's messages share one activity object, so holding them costs little, while
   * 10,000 JSON texts of several KB each would all be alive at once.
   */
  message: unknown;
  encoded: boolean;
  orderingKey: string | null;
  ms: number;
  attempts: number;
}

const ORDERING_BUCKETS = 64;
/** Batches of at least this many ready messages are written by COPY (see #copy). */
const COPY_MIN = 64;
/** Rows per INSERT: keeps one statement's parameters to a few MB for large fan-outs. */
const INSERT_CHUNK = 1_000;

/** The queue table's schema component (`t`: the table, `herald_queue`). */
export function queueMigrations(t: string): SchemaComponent {
  return {
    component: t,
    migrations: [
      [
        `CREATE TABLE IF NOT EXISTS ${t} (
           id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           message       text NOT NULL,
           ordering_key  text,
           scheduled_at  timestamptz NOT NULL,
           lease_until   timestamptz,
           lease_owner   text,
           attempts      integer NOT NULL DEFAULT 0
         )`,
        `CREATE INDEX IF NOT EXISTS ${t}_ready ON ${t} (scheduled_at, id)`,
        `CREATE INDEX IF NOT EXISTS ${t}_ordering ON ${t} (ordering_key, id) WHERE ordering_key IS NOT NULL`,
      ],
      // Fan-outs arrive by COPY, which sends values, not expressions: "now" is the column's default.
      [`ALTER TABLE ${t} ALTER COLUMN scheduled_at SET DEFAULT now()`],
    ],
  };
}

export class PostgresQueue implements MessageQueue {
  readonly nativeRetrial = false;
  readonly #sql: Sql;
  readonly #table: string;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #owner: string;
  readonly #batch = new AsyncLocalStorage<Batch>();
  /** Pokes of this instance's running listen() loops, for messages it enqueued itself. */
  readonly #pokes = new Set<() => void>();
  #channel = "";
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresQueueOptions = {}) {
    this.#sql = sql;
    this.#table = checkIdentifier(options.table ?? "herald_queue");
    this.#concurrency = options.concurrency ?? 32;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#owner = options.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const t = this.#table;
    this.initialize = once(async () => {
      await applySchema(sql, t, queueMigrations(t).migrations);
      // NOTIFY channels are per database, not per schema: two Herald instances (or two tests) in
      // different schemas of one database must not wake each other.
      const [row] = await sql<{ schema: string }[]>`SELECT current_schema() AS schema`;
      this.#channel = `${t}_${fnv1a(row?.schema ?? "")}`;
    });
  }

  /** The identity this instance writes into lease_owner. */
  get owner(): string {
    return this.#owner;
  }

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.#add([{ message, options }]);
  }

  enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.#add(messages.map((message) => ({ message, options })));
  }

  /**
   * Runs `send` (which enqueues through Fedify), then writes everything it enqueued and calls
   * `record(value, tx)` in one transaction: both commit, or neither does. Nothing reaches the queue
   * if `send` throws; if `record` throws, the batch is rolled back and the error rethrown.
   */
  async atomically<T>(send: () => Promise<T>, record: RecordInTransaction<T>): Promise<T> {
    const batch: Batch = { messages: [], open: true };
    let value: T;
    try {
      value = await this.#batch.run(batch, send);
    } finally {
      // Anything enqueued from a callback that outlives `send` is written on its own, not dropped.
      batch.open = false;
    }
    await this.#write(batch.messages, (tx) => record(value, tx));
    return value;
  }

  #add(pending: Pending[]): Promise<void> {
    const batch = this.#batch.getStore();
    if (batch?.open) {
      batch.messages.push(...pending);
      return Promise.resolve();
    }
    return this.#write(pending);
  }

  #write(pending: readonly Pending[], alsoInTransaction?: (tx: TransactionSql) => unknown): Promise<void> {
    const rows = pending.map(({ message, options }) => ({
      message,
      encoded: false,
      orderingKey: options?.orderingKey ?? null,
      ms: options?.delay ? Math.max(0, options.delay.total("millisecond")) : 0,
      attempts: 0,
    }));
    return this.#insert(rows, "now", alsoInTransaction);
  }

  async exportMessages(): Promise<QueuedMessage[]> {
    await this.initialize();
    const sql = this.#sql;
    return await sql<QueuedMessage[]>`
      SELECT message, ordering_key AS "orderingKey",
             round(extract(epoch FROM scheduled_at) * 1000)::float8 AS "scheduledMs", attempts
        FROM ${sql(this.#table)} ORDER BY id`;
  }

  importMessages(messages: readonly QueuedMessage[]): Promise<void> {
    const rows = messages.map((m) => ({
      message: m.message,
      encoded: true,
      orderingKey: m.orderingKey,
      ms: m.scheduledMs,
      attempts: m.attempts,
    }));
    return this.#insert(rows, "epoch");
  }

  /** Inserts rows in their order, in one transaction with `alsoInTransaction`, and wakes workers. */
  async #insert(
    rows: readonly Insert[],
    from: "now" | "epoch",
    alsoInTransaction?: (tx: TransactionSql) => unknown,
  ): Promise<void> {
    await this.initialize();
    await this.#sql.begin(async (tx) => {
      const keys = [...new Set(rows.flatMap((r) => (r.orderingKey ? [r.orderingKey] : [])))];
      if (keys.length > 0) {
        const buckets = [...new Set(keys.map((k) => fnv1a(k) % ORDERING_BUCKETS))].sort((a, b) => a - b);
        await tx`
          SELECT count(pg_advisory_xact_lock(hashtext(${this.#table}), b))
            FROM unnest(${tx.array(buckets)}::int[]) AS b`;
      }
      // A fresh fragment per statement: postgres.js fragments are not meant to be reused.
      const base = () => (from === "now" ? tx`now()` : tx`'epoch'::timestamptz`);
      if (from === "now" && rows.length >= COPY_MIN && rows.every((r) => r.ms === 0 && r.attempts === 0))
        await this.#copy(tx, rows);
      else
        for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
          const chunk = rows.slice(start, start + INSERT_CHUNK);
          await tx`
          INSERT INTO ${tx(this.#table)} (message, ordering_key, scheduled_at, attempts)
          SELECT m, k, ${base()} + d * interval '1 millisecond', a
            FROM unnest(${tx.array(chunk.map(encode))}::text[],
                        ${tx.array(chunk.map((r) => r.orderingKey) as string[])}::text[],
                        ${tx.array(chunk.map((r) => r.ms))}::float8[],
                        ${tx.array(chunk.map((r) => r.attempts))}::int[]) WITH ORDINALITY AS u(m, k, d, a, n)
           ORDER BY n`;
        }
      await alsoInTransaction?.(tx);
      if (rows.length > 0) await tx`SELECT pg_notify(${this.#channel}, '')`;
    });
    if (rows.length > 0) for (const poke of this.#pokes) poke();
  }

  /**
   * A fan-out (thousands of messages of several KB: Fedify puts the activity and the signing keys in
   * each) by COPY: about three times faster than INSERT … unnest, whose array parameters postgres.js
   * must escape element by element. Rows keep their order, so ids do too; scheduled_at is the
   * column's default, the transaction's now().
   */
  async #copy(tx: TransactionSql, rows: readonly Insert[]): Promise<void> {
    const stream = await tx`COPY ${tx(this.#table)} (message, ordering_key) FROM STDIN`.writable();
    const done = new Promise<void>((resolve, reject) => {
      stream.once("finish", resolve);
      stream.once("error", reject);
    });
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      let chunk = "";
      for (const row of rows.slice(start, start + INSERT_CHUNK))
        chunk += `${copyText(encode(row))}\t${row.orderingKey === null ? "\\N" : copyText(row.orderingKey)}\n`;
      if (!stream.write(chunk)) await new Promise((resolve) => stream.once("drain", resolve));
    }
    stream.end();
    await done;
  }

  /** Releases every lease, whoever holds it: for an operator who knows every worker is stopped. */
  async releaseAllLeases(): Promise<number> {
    await this.initialize();
    const sql = this.#sql;
    const result = await sql`
      UPDATE ${sql(this.#table)} SET lease_until = NULL, lease_owner = NULL WHERE lease_until IS NOT NULL`;
    return result.count;
  }

  async getDepth(): Promise<MessageQueueDepth> {
    await this.initialize();
    const sql = this.#sql;
    const [row] = await sql<{ queued: number; ready: number }[]>`
      SELECT count(*)::int AS queued, count(*) FILTER (WHERE scheduled_at <= now())::int AS ready
        FROM ${sql(this.#table)} WHERE lease_until IS NULL OR lease_until < now()`;
    const queued = row?.queued ?? 0;
    const ready = row?.ready ?? 0;
    return { queued, ready, delayed: queued - ready };
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return;
    const inflight = new Map<string, Promise<void>>();
    /** Handled, but their DELETE failed (database unreachable): retried with the next claim. */
    const finished: string[] = [];
    let woken = false;
    let wakeUp: (() => void) | undefined;
    const poke = (): void => {
      woken = true;
      wakeUp?.();
    };
    this.#pokes.add(poke);
    signal?.addEventListener("abort", poke, { once: true });
    // Renewal keeps a slow handler's message from being handed to another worker; it stops when
    // this process dies, which is what lets another worker take over.
    const renewal = setInterval(() => {
      const held = [...inflight.keys(), ...finished];
      if (held.length > 0) this.#renew(held).catch(() => {});
    }, this.#leaseMs / 3);
    let subscription: { unlisten(): Promise<void> } | undefined;
    try {
      await this.#untilReady(signal);
      // onlisten runs again after the LISTEN connection reconnects: look for what was missed.
      subscription = await this.#sql.listen(this.#channel, poke, poke).catch(() => undefined);
      while (!signal?.aborted) {
        woken = false;
        const free = this.#concurrency - inflight.size;
        const done = finished.splice(0);
        let claimed: Claimed[] = [];
        let failed = false;
        try {
          claimed = await this.#completeAndClaim(done, free);
        } catch {
          finished.push(...done); // Database unreachable: the next poll tries again.
          failed = true;
        }
        for (const row of claimed) {
          const task = this.#handle(row, handler).then((acked) => {
            inflight.delete(row.id);
            if (!acked) finished.push(row.id);
            poke();
          });
          inflight.set(row.id, task);
        }
        if (claimed.length > 0 && claimed.length === free) continue;
        if (woken && !failed) {
          // Claim after this turn of the event loop: deliveries that finish together are
          // replaced by one claim rather than one each.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          wakeUp = () => {
            clearTimeout(timer);
            setImmediate(resolve);
          };
        });
        wakeUp = undefined;
      }
    } finally {
      this.#pokes.delete(poke);
      signal?.removeEventListener("abort", poke);
      await subscription?.unlisten().catch(() => {});
      // Let running handlers finish (their leases still renewed); unclaimed messages stay queued.
      await Promise.allSettled(inflight.values());
      clearInterval(renewal);
      // Not deleted if this fails: the leases run out and the messages are delivered again.
      await this.#completeAndClaim(finished.splice(0), 0).catch(() => {});
    }
  }

  /** Waits for the schema, retrying while the database is unreachable, until `signal` aborts. */
  async #untilReady(signal: AbortSignal | undefined): Promise<void> {
    while (!signal?.aborted) {
      try {
        await this.initialize();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
      }
    }
  }

  /** Handles one message and acknowledges it; false when the acknowledgement could not be written. */
  async #handle(row: Claimed, handler: (message: unknown) => Promise<void> | void): Promise<boolean> {
    try {
      await handler(JSON.parse(row.message));
    } catch {
      // Fedify's handler retries by re-enqueueing; an error here is final for this copy.
    }
    // Acknowledged at once, one small commit per delivery: a kill -9 then repeats only deliveries
    // truly in flight (at most `concurrency`), not finished ones waiting for a batched DELETE.
    // (Batching these with the next claim saved commits but let 5 of 156 deliveries repeat over 8
    // kills.) While the lease is renewed, a failed DELETE is retried by the listen loop.
    try {
      await this.#complete(this.#sql, [row.id]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Deletes messages whose acknowledgement failed earlier and claims up to `limit` more, in one
   * transaction.
   */
  async #completeAndClaim(done: readonly string[], limit: number): Promise<Claimed[]> {
    if (done.length === 0) return limit > 0 ? this.#claim(this.#sql, limit) : [];
    return await this.#sql.begin(async (tx) => {
      await this.#complete(tx, done);
      return limit > 0 ? await this.#claim(tx, limit) : [];
    });
  }

  /**
   * Deletes handled messages this instance still holds (an expired lease may have passed one to
   * another worker, whose copy is then its own). When later messages share an ordering key with
   * one of them, NOTIFY at commit so that workers elsewhere waiting for it claim the next at once.
   */
  async #complete(tx: Sql | TransactionSql, ids: readonly string[]): Promise<void> {
    const table = tx(this.#table);
    await tx`
      WITH done AS (
        DELETE FROM ${table}
         WHERE id = ANY(${tx.array(ids as string[])}::bigint[]) AND lease_owner = ${this.#owner}
        RETURNING id, ordering_key)
      SELECT pg_notify(${this.#channel}, '')
       WHERE EXISTS (SELECT 1 FROM done JOIN ${table} n ON n.ordering_key = done.ordering_key AND n.id > done.id)`;
  }

  async #renew(ids: readonly string[]): Promise<void> {
    const sql = this.#sql;
    await sql`
      UPDATE ${sql(this.#table)} SET lease_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond'
       WHERE id = ANY(${sql.array(ids as string[])}::bigint[]) AND lease_owner = ${this.#owner}`;
  }

  /**
   * Claims up to `limit` ready messages with a lease. A message with an ordering key waits while any
   * earlier message with the same key exists (leased or not), so Create, Update and Delete of one
   * article reach an inbox in order. SKIP LOCKED lets claimers on other hosts pass over rows being
   * claimed right now; once such a claim commits, its lease excludes the row. (`= ANY(ARRAY(…))`
   * rather than a join keeps the update on the primary key instead of a scan of the whole queue.)
   */
  async #claim(sql: Sql | TransactionSql, limit: number): Promise<Claimed[]> {
    const table = sql(this.#table);
    return await sql<Claimed[]>`
      UPDATE ${table} q
         SET lease_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond',
             lease_owner = ${this.#owner}, attempts = q.attempts + 1
       WHERE q.id = ANY(ARRAY(
         SELECT r.id FROM ${table} r
          WHERE r.scheduled_at <= now()
            AND (r.lease_until IS NULL OR r.lease_until < now())
            AND (r.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM ${table} e WHERE e.ordering_key = r.ordering_key AND e.id < r.id))
          ORDER BY r.scheduled_at, r.id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED))
      RETURNING q.id::text AS id, q.message`;
  }
}

/** A value in COPY's text format: backslash, and the characters that end fields and rows, escaped. */
function copyText(value: string): string {
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t",
  );
}

function encode(row: Insert): string {
  return row.encoded ? (row.message as string) : JSON.stringify(row.message);
}
