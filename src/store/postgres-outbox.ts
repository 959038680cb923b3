import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { MessageQueue, MessageQueueDepth, MessageQueueListenOptions } from "@fedify/fedify";
import type { Sql, TransactionSql } from "postgres";
import { fnv1a } from "./hash.ts";
import {
  type Batch,
  collectBatch,
  fanoutsOf,
  inboxHost,
  spreadOffset,
  summarize,
  untilAborted,
} from "./outbox-messages.ts";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";
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

// Herald's outbox on PostgreSQL: the twin of SqliteOutbox (sqlite-outbox.ts), with the same tables
// and guarantees, checked by the same contract suite (tests/store/outbox.contract.test.ts). A fan-out
// is one `fanouts` row holding the activity once, and one small `deliveries` row per inbox; outcomes
// go to `receipts` (per fan-out and server) and `delivery_days`; circuits per server to `hosts`. No
// key material is ever written: the delivery worker signs with keys it loads itself.
//
// What differs from SQLite because workers are many processes on many hosts (as in postgres-queue.ts):
// - Claims use `FOR UPDATE OF d SKIP LOCKED`: concurrent claimers pass over each other's rows, and
//   PostgreSQL re-checks a row's lease after the lock, so no delivery is claimed twice. (OF d: the
//   fan-out row joined for its order key is not locked, or a claimer would skip a whole fan-out.)
// - Leases last `leaseMs` (database.leaseSeconds) and are renewed every leaseMs/3 for the deliveries
//   this instance claimed and has not settled, as PostgresQueue renews a running handler's message:
//   a slow delivery, or one waiting behind its server's concurrency limit in the worker, is not
//   handed to a second worker, and a dead worker's deliveries come back within one lease. Renewal
//   stops after MAX_HOLD_MS however long a delivery is held (far longer than any attempt and its
//   wait take): a delivery the worker lost track of returns to the queue instead of staying leased
//   for the life of the process. resumeStopped() has nothing to do.
// - Ids come from sequences, and a transaction that drew delivery id 10 can commit after one that
//   drew id 11. A delivery waits while an earlier one (lower id) to the same inbox with the same
//   order key exists; a claimer seeing 11 while 10 is still invisible would break that. Writers of
//   fan-outs with an order key therefore take turns: transaction-scoped advisory locks on the
//   (hashed, 64) buckets of their keys, in ascending order so they cannot deadlock, before they draw
//   any id. Fan-outs without a key take no lock.
// - Due times and leases are the database's `now()`, so hosts with skewed clocks agree. Instants the
//   worker computes with its own clock (a retry's due time, a circuit's open-until) are turned into
//   delays from that clock and added to now(). Circuits themselves (the `hosts` rows) keep the
//   worker's epoch milliseconds, as the worker reads and writes them.
// - Wake-ups: NOTIFY on a channel per schema, sent by the enqueueing transaction (delivered at
//   commit, to every process), by release(), and by a settlement that frees the next delivery of an
//   ordered inbox; the worker's polling remains for deliveries coming due and expired leases.
//
// Exactly once: `atomically(send, record)` collects what Fedify enqueues while `send` runs and writes
// it in ONE transaction with `record` (the publisher's ledger mark). See publisher.ts.

export interface PostgresOutboxOptions {
  /** Prepended to every table name; `herald_` by default. The connection's search_path picks the schema. */
  prefix?: string;
  /** How long a claim lasts without renewal: how soon a dead worker's deliveries return. */
  leaseMs?: number;
  /** A fan-out to followers is spread over this long: each server's deliveries at their own moment. */
  spreadMs?: number;
  /** Who holds leases: for operators reading the table. Unique per instance by default. */
  owner?: string;
  /** The worker's clock, against which its instants (retry due times, hold until) are read. */
  now?: () => number;
  /** Renewal of a claimed delivery stops after this long (MAX_HOLD_MS; tests shorten it). */
  maxHoldMs?: number;
}

const ORDERING_BUCKETS = 64;
/** Inboxes per INSERT: a 10,000-follower fan-out is one statement of a few hundred KB. */
const INSERT_CHUNK = 10_000;
/** Renewal of a claimed delivery stops after this long (see above). */
const MAX_HOLD_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

/** The outbox's table names for a prefix. */
function tablesOf(prefix: string) {
  const name = (table: string) => checkIdentifier(`${prefix}${table}`);
  return {
    fanouts: name("fanouts"),
    deliveries: name("deliveries"),
    receipts: name("receipts"),
    days: name("delivery_days"),
    hosts: name("hosts"),
    followers: name("followers"),
    queue: name("queue"),
  };
}

/**
 * The outbox's migrations. The first also moves what Fedify queued before (one message per inbox in
 * `${prefix}queue`, each with the activity and the actor's private keys) into fan-outs without keys,
 * and deletes it from the queue, as SQLite's migration 9 does. The queue is PostgresQueue's table;
 * openPostgresStorage creates it before this runs, and a database without one has nothing to move.
 */
function migrations(prefix: string): string[][] {
  const t = tablesOf(prefix);
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${t.fanouts} (
         id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         activity_id   text COLLATE "C" NOT NULL,
         activity_type text NOT NULL,
         order_key     text COLLATE "C",
         followers     boolean NOT NULL DEFAULT false,
         body          text NOT NULL,
         inboxes       integer NOT NULL,
         created_at    timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX IF NOT EXISTS ${t.fanouts}_activity ON ${t.fanouts} (activity_id)`,
      `CREATE TABLE IF NOT EXISTS ${t.deliveries} (
         id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         fanout_id   bigint NOT NULL,
         inbox       text COLLATE "C" NOT NULL,
         host        text COLLATE "C" NOT NULL,
         attempt     integer NOT NULL DEFAULT 0,
         due_at      timestamptz NOT NULL DEFAULT now(),
         lease_until timestamptz,
         lease_owner text
       )`,
      `CREATE INDEX IF NOT EXISTS ${t.deliveries}_due ON ${t.deliveries} (due_at, id)`,
      `CREATE INDEX IF NOT EXISTS ${t.deliveries}_inbox ON ${t.deliveries} (inbox, id)`,
      `CREATE INDEX IF NOT EXISTS ${t.deliveries}_fanout ON ${t.deliveries} (fanout_id, host)`,
      `CREATE TABLE IF NOT EXISTS ${t.receipts} (
         fanout_id   bigint NOT NULL,
         host        text COLLATE "C" NOT NULL,
         inbox       text COLLATE "C",
         delivered   integer NOT NULL DEFAULT 0,
         failed      integer NOT NULL DEFAULT 0,
         attempts    integer NOT NULL DEFAULT 0,
         last_status integer,
         last_error  text,
         at          timestamptz,
         PRIMARY KEY (fanout_id, host)
       )`,
      `CREATE TABLE IF NOT EXISTS ${t.days} (
         day       text COLLATE "C" PRIMARY KEY,
         delivered integer NOT NULL DEFAULT 0,
         failed    integer NOT NULL DEFAULT 0,
         followers integer
       )`,
      `CREATE TABLE IF NOT EXISTS ${t.hosts} (
         host                 text COLLATE "C" PRIMARY KEY,
         failures             integer NOT NULL DEFAULT 0,
         opens                integer NOT NULL DEFAULT 0,
         open_until_ms        bigint,
         first_failure_ms     bigint,
         last_failure_ms      bigint,
         last_success_ms      bigint,
         unreachable_since_ms bigint,
         last_error           text
       )`,
      // Fedify's messages, found by their JSON text (JSON.stringify writes no spaces) before any is
      // parsed: inbox messages are left alone. One fan-out per activity body, order key and
      // followers flag; deliveries in queue order, so each inbox keeps its order. `json`, not
      // `jsonb`: the activity's text is kept as it was.
      `DO $migrate$
       BEGIN
         IF to_regclass('${t.queue}') IS NULL THEN RETURN; END IF;
         WITH legacy AS MATERIALIZED (
           SELECT id, scheduled_at, m, m->>'type' AS kind,
                  COALESCE(m->>'activityId', m->'activity'->>'id', '') AS activity_id,
                  COALESCE(m->>'activityType', '') AS activity_type,
                  NULLIF(split_part(COALESCE(ordering_key, m->>'orderingKey', ''), E'\\n', 1), '') AS order_key,
                  (m->'headers'->'Collection-Synchronization') IS NOT NULL
                    OR (m->'collectionSync') IS NOT NULL AS followers,
                  (m->'activity')::text AS body,
                  COALESCE((m->>'attempt')::int, 0) AS attempt
             FROM (SELECT id, scheduled_at, ordering_key, message::json AS m FROM ${t.queue}
                    WHERE message LIKE '%"type":"outbox"%' OR message LIKE '%"type":"fanout"%') q
            WHERE m->>'type' IN ('outbox', 'fanout') AND (m->'activity') IS NOT NULL),
         targets AS MATERIALIZED (
           SELECT l.id, i.inbox, i.n
             FROM legacy l
             CROSS JOIN LATERAL (
               SELECT l.m->>'inbox' AS inbox, 0::bigint AS n WHERE l.kind = 'outbox'
               UNION ALL
               SELECT k, o FROM json_object_keys(
                 CASE WHEN l.kind = 'fanout' AND json_typeof(l.m->'inboxes') = 'object' THEN l.m->'inboxes'
                      ELSE '{}'::json END) WITH ORDINALITY AS e(k, o)
               UNION ALL
               SELECT v, o FROM json_array_elements_text(
                 CASE WHEN l.kind = 'fanout' AND json_typeof(l.m->'inboxes') = 'array' THEN l.m->'inboxes'
                      ELSE '[]'::json END) WITH ORDINALITY AS e(v, o)) i
            WHERE i.inbox IS NOT NULL),
         per_row AS (SELECT id, count(*)::int AS n FROM targets GROUP BY id),
         grouped AS (
           SELECT l.activity_id, l.activity_type, l.order_key, l.followers, l.body,
                  COALESCE(sum(p.n), 0)::int AS inboxes, min(l.id) AS first
             FROM legacy l LEFT JOIN per_row p ON p.id = l.id
            GROUP BY l.activity_id, l.activity_type, l.order_key, l.followers, l.body),
         made AS (
           INSERT INTO ${t.fanouts} (activity_id, activity_type, order_key, followers, body, inboxes)
           SELECT activity_id, activity_type, order_key, followers, body, inboxes FROM grouped ORDER BY first
           RETURNING id, activity_id, activity_type, order_key, followers, md5(body) AS digest),
         moved AS (
           INSERT INTO ${t.deliveries} (fanout_id, inbox, host, attempt, due_at)
           SELECT f.id, t.inbox,
                  lower(COALESCE(substring(t.inbox FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#]*)'), '')),
                  l.attempt, l.scheduled_at
             FROM targets t
             JOIN legacy l ON l.id = t.id
             JOIN made f ON f.activity_id = l.activity_id AND f.activity_type = l.activity_type
                        AND f.order_key IS NOT DISTINCT FROM l.order_key AND f.followers = l.followers
                        AND f.digest = md5(l.body)
            ORDER BY l.id, t.n)
         -- Data-modifying WITH queries run to completion whether read or not (made, moved).
         DELETE FROM ${t.queue} WHERE id IN (SELECT id FROM legacy);
       END
       $migrate$`,
    ],
    // Several accounts: the actor identifier whose key signs a fan-out ('' for the main account, as
    // every fan-out queued before).
    [`ALTER TABLE ${t.fanouts} ADD COLUMN IF NOT EXISTS account text COLLATE "C" NOT NULL DEFAULT ''`],
  ];
}

/** The outbox's schema component. */
export function outboxMigrations(prefix: string): SchemaComponent {
  return { component: `${prefix}outbox`, migrations: migrations(prefix) };
}

/** Creates or migrates the outbox's tables (serialised against other processes by applySchema). */
export function applyOutboxSchema(sql: Sql, prefix = "herald_"): Promise<void> {
  const { component, migrations } = outboxMigrations(prefix);
  return applySchema(sql, component, migrations);
}

/** A queued fan-out as `exportOutbox` reads it. */
type FanoutRow = OutboxDump["fanouts"][number];

export class PostgresOutbox implements Outbox<TransactionSql>, MessageQueue {
  readonly nativeRetrial = true;
  readonly #sql: Sql;
  readonly #prefix: string;
  readonly #t: ReturnType<typeof tablesOf>;
  readonly #leaseMs: number;
  readonly #spreadMs: number;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #maxHoldMs: number;

  /** Leases are renewed while held, up to this long. */
  get maxHoldMs(): number {
    return this.#maxHoldMs;
  }
  readonly #batch = new AsyncLocalStorage<Batch>();
  /** This process's listeners: told at once of what it queues itself (NOTIFY tells everyone else). */
  readonly #listeners = new Set<() => void>();
  /** Deliveries claimed here and not settled yet, by id: when each was claimed (this clock). */
  readonly #held = new Map<number, number>();
  #renewal: NodeJS.Timeout | undefined;
  #channel = "";
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresOutboxOptions = {}) {
    this.#sql = sql;
    this.#prefix = options.prefix ?? "herald_";
    this.#t = tablesOf(this.#prefix);
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#spreadMs = options.spreadMs ?? 0;
    this.#owner = options.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.#now = options.now ?? Date.now;
    this.#maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.initialize = once(async () => {
      await applyOutboxSchema(sql, this.#prefix);
      // NOTIFY channels are per database, not per schema: instances in two schemas stay apart.
      const [row] = await sql<{ schema: string }[]>`SELECT current_schema() AS schema`;
      this.#channel = `${this.#t.fanouts}_${fnv1a(row?.schema ?? "")}`;
    });
  }

  /** The identity this instance writes into lease_owner. */
  get owner(): string {
    return this.#owner;
  }

  async #ready(): Promise<Sql> {
    await this.initialize();
    return this.#sql;
  }

  async onQueued(listener: () => void): Promise<() => Promise<void>> {
    const sql = await this.#ready();
    this.#listeners.add(listener);
    // onlisten runs again after the LISTEN connection reconnects: the worker looks for what it missed.
    const subscription = await sql.listen(this.#channel, () => listener(), listener).catch(() => undefined);
    return async () => {
      this.#listeners.delete(listener);
      await subscription?.unlisten().catch(() => {});
    };
  }

  #wake(): void {
    for (const listener of this.#listeners) listener();
  }

  enqueue(message: unknown): Promise<void> {
    return this.enqueueMany([message]);
  }

  async enqueueMany(messages: readonly unknown[]): Promise<void> {
    const batch = this.#batch.getStore();
    if (batch?.open) {
      batch.messages.push(...messages);
      return;
    }
    await this.#write(fanoutsOf(messages));
  }

  /** Fedify never delivers from here: Herald's delivery worker does. Waits until stopped. */
  listen(
    _handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    return untilAborted(options?.signal);
  }

  /**
   * Runs `send` (which enqueues through Fedify), then writes every fan-out it produced and calls
   * `record(value, tx)` in one transaction: both commit, or neither does. Nothing is written if `send`
   * throws; if `record` throws, the fan-outs are rolled back and the error rethrown.
   */
  async atomically<T>(send: () => Promise<T>, record: (value: T, tx: TransactionSql) => unknown): Promise<T> {
    const { value, messages } = await collectBatch(this.#batch, send);
    const fanouts = fanoutsOf(messages, true);
    messages.length = 0;
    await this.#write(fanouts, (tx) => record(value, tx));
    return value;
  }

  /** Takes the ordering turns of these keys (see the top of this file), in the transaction. */
  async #takeTurns(tx: TransactionSql, keys: readonly (string | null)[]): Promise<void> {
    const buckets = [...new Set(keys.flatMap((k) => (k === null ? [] : [fnv1a(k) % ORDERING_BUCKETS])))].sort(
      (a, b) => a - b,
    );
    if (buckets.length === 0) return;
    await tx`
      SELECT count(pg_advisory_xact_lock(hashtext(${this.#t.fanouts}), b))
        FROM unnest(${tx.array(buckets)}::int[]) AS b`;
  }

  async #write(
    fanouts: readonly Fanout[],
    alsoInTransaction?: (tx: TransactionSql) => unknown,
  ): Promise<void> {
    const sql = await this.#ready();
    const t = this.#t;
    await sql.begin(async (tx) => {
      await this.#takeTurns(
        tx,
        fanouts.map((f) => f.orderKey),
      );
      for (const f of fanouts) {
        const inboxes = [...new Set(f.inboxes)];
        const [made] = await tx<{ id: string }[]>`
          INSERT INTO ${tx(t.fanouts)} (account, activity_id, activity_type, order_key, followers, body, inboxes)
          VALUES (${f.account}, ${f.activityId}, ${f.activityType}, ${f.orderKey}, ${f.followers}, ${f.body}, ${inboxes.length})
          RETURNING id::text AS id`;
        for (let start = 0; start < inboxes.length; start += INSERT_CHUNK) {
          const chunk = inboxes.slice(start, start + INSERT_CHUNK);
          const hosts = chunk.map(inboxHost);
          const offsets = hosts.map((h) => (f.followers ? spreadOffset(h, this.#spreadMs) : 0));
          // One statement per fan-out (per 10,000 inboxes), in inbox order. A server whose circuit
          // is open gets its new deliveries held until its next probe.
          await tx`
            INSERT INTO ${tx(t.deliveries)} (fanout_id, inbox, host, due_at)
            SELECT ${made!.id}::bigint, u.inbox, u.host,
                   GREATEST(now() + u.offset_ms * interval '1 millisecond',
                            COALESCE(to_timestamp(c.open_until_ms / 1000.0), '-infinity'))
              FROM unnest(${tx.array(chunk)}::text[], ${tx.array(hosts)}::text[], ${tx.array(offsets)}::int[])
                   WITH ORDINALITY AS u(inbox, host, offset_ms, n)
              LEFT JOIN ${tx(t.hosts)} c ON c.host = u.host
             ORDER BY u.n`;
        }
      }
      await alsoInTransaction?.(tx);
      if (fanouts.length > 0) await tx`SELECT pg_notify(${this.#channel}, '')`;
    });
    if (fanouts.length > 0) this.#wake();
  }

  async claim(limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const sql = await this.#ready();
    const t = this.#t;
    // A delivery waits while an earlier one of the same order key to the same inbox is queued.
    // (`= ANY(ARRAY(…))` rather than a join keeps the update on the primary key.)
    //
    // The claim must read the due deliveries in index order (due_at, id) and stop after `limit`
    // that may go: a few hundred rows at most, whatever the queue holds. Left to choose, the planner
    // sometimes reads every due delivery instead, checks each one's order against its inbox, and
    // sorts them all (seen mid-fan-out: 80 ms a claim with 5,000 queued, on both workers, hundreds of
    // times a round: the database then used more CPU than the workers). Sorting is therefore turned
    // off for this statement, which leaves the planner only the index order. The order check looks
    // up earlier deliveries by inbox alone (inbox, id), then each one's fan-out by its key: joined
    // to the fan-outs, it was planned as a scan of every delivery of the fan-out, per row.)
    const [, rows] = await sql.begin((tx) => [
      tx`SET LOCAL enable_sort = off`,
      tx<ClaimedDelivery[]>`
      UPDATE ${tx(t.deliveries)} q
         SET lease_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond',
             lease_owner = ${this.#owner}
       WHERE q.id = ANY(ARRAY(
         SELECT d.id FROM ${tx(t.deliveries)} d JOIN ${tx(t.fanouts)} f ON f.id = d.fanout_id
          WHERE d.due_at <= now()
            AND (d.lease_until IS NULL OR d.lease_until < now())
            AND (f.order_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM ${tx(t.deliveries)} e
                   WHERE e.inbox = d.inbox AND e.id < d.id
                     AND (SELECT g.order_key FROM ${tx(t.fanouts)} g WHERE g.id = e.fanout_id) = f.order_key))
          ORDER BY d.due_at, d.id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED))
      RETURNING q.id::float8 AS id, q.fanout_id::float8 AS "fanoutId", q.inbox, q.host, q.attempt`,
    ]);
    const at = this.#now();
    const claimed = rows.map((r) => ({ ...r })).sort((a, b) => a.id - b.id);
    for (const d of claimed) this.#held.set(d.id, at);
    if (claimed.length > 0) this.#startRenewal();
    return claimed;
  }

  /** Renews the leases of what this instance holds every leaseMs/3, while it holds anything. */
  #startRenewal(): void {
    if (this.#renewal) return;
    this.#renewal = setInterval(() => {
      const now = this.#now();
      for (const [id, since] of this.#held) if (now - since > this.#maxHoldMs) this.#held.delete(id);
      if (this.#held.size === 0) {
        clearInterval(this.#renewal);
        this.#renewal = undefined;
        return;
      }
      this.#renew([...this.#held.keys()]).catch((error: { code?: string }) => {
        // The client was closed: nothing more can be renewed, nor needs to be.
        if (error?.code === "CONNECTION_ENDED" || error?.code === "CONNECTION_DESTROYED") {
          this.#held.clear();
          clearInterval(this.#renewal);
          this.#renewal = undefined;
        }
      });
    }, this.#leaseMs / 3);
    this.#renewal.unref();
  }

  async #renew(ids: readonly number[]): Promise<void> {
    const sql = this.#sql;
    await sql`
      UPDATE ${sql(this.#t.deliveries)}
         SET lease_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond'
       WHERE id = ANY(${sql.array(ids as number[])}::bigint[]) AND lease_owner = ${this.#owner}`;
  }

  async fanout(id: number): Promise<FanoutBody | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<FanoutBody[]>`
      SELECT id::float8 AS id, account, activity_id AS "activityId", activity_type AS "activityType", followers, body,
             round(extract(epoch FROM created_at) * 1000)::float8 AS "createdMs"
        FROM ${sql(this.#t.fanouts)} WHERE id = ${id}`;
    return row ? { ...row } : undefined;
  }

  /**
   * Records outcomes and circuits in one transaction. A settlement applies only to a delivery no
   * other worker holds now (its lease ran out and another claimed it: that one's outcome counts), so
   * receipts and daily counts count each delivery once.
   */
  async settle(settlements: readonly Settlement[], circuits: readonly HostCircuit[]): Promise<void> {
    if (settlements.length === 0 && circuits.length === 0) return;
    const sql = await this.#ready();
    const t = this.#t;
    const now = this.#now();
    const ids = settlements.map((s) => s.delivery.id);
    const delays = settlements.map((s) =>
      s.result.kind === "retry" ? Math.max(0, s.result.dueMs - now) : null,
    );
    await sql.begin(async (tx) => {
      const applied = new Set<number>();
      const freed: string[] = [];
      if (settlements.length > 0) {
        const rows = await tx<{ id: number; inbox: string; freed: boolean }[]>`
          WITH s AS (
            SELECT * FROM unnest(${tx.array(ids)}::bigint[], ${tx.array(delays as number[])}::float8[]) AS s(id, delay)),
          gone AS (
            DELETE FROM ${tx(t.deliveries)} d USING s
             WHERE d.id = s.id AND s.delay IS NULL AND (d.lease_owner = ${this.#owner} OR d.lease_owner IS NULL)
            RETURNING d.id, d.inbox, d.fanout_id),
          retried AS (
            UPDATE ${tx(t.deliveries)} d
               SET attempt = d.attempt + 1, due_at = now() + s.delay * interval '1 millisecond',
                   lease_until = NULL, lease_owner = NULL
              FROM s
             WHERE d.id = s.id AND s.delay IS NOT NULL AND (d.lease_owner = ${this.#owner} OR d.lease_owner IS NULL)
            RETURNING d.id, d.inbox)
          SELECT id::float8 AS id, inbox,
                 EXISTS (SELECT 1 FROM ${tx(t.fanouts)} f WHERE f.id = gone.fanout_id AND f.order_key IS NOT NULL) AS freed
            FROM gone
          UNION ALL SELECT id::float8, inbox, false FROM retried`;
        // Only a delivery of an ordered fan-out can have held another back.
        for (const r of rows) {
          applied.add(r.id);
          if (r.freed) freed.push(r.inbox);
        }
      }
      // The next delivery of an ordered inbox may now go: workers elsewhere hear of it at commit.
      // One look-up in the inbox index per freed inbox (LATERAL … LIMIT 1): as a plain semi-join the
      // planner read the whole queue for it, 5 ms a settlement mid-fan-out.
      if (freed.length > 0)
        await tx`
          SELECT pg_notify(${this.#channel}, '')
           WHERE EXISTS (
             SELECT 1 FROM unnest(${tx.array(freed)}::text[]) AS i(inbox)
              CROSS JOIN LATERAL (
                SELECT 1 FROM ${tx(t.deliveries)} n JOIN ${tx(t.fanouts)} g ON g.id = n.fanout_id
                 WHERE n.inbox = i.inbox AND g.order_key IS NOT NULL LIMIT 1) w)`;
      const { receipts, days: byDay } = summarize(settlements.filter((s) => applied.has(s.delivery.id)));
      const days = [...byDay].map(([day, n]) => ({ day, ...n }));
      const latest = [...new Map(circuits.map((c) => [c.host, c])).values()];
      if (receipts.length === 0 && days.length === 0 && latest.length === 0) return;
      const column = (pick: (c: HostCircuit) => number | null) => tx.array(latest.map(pick) as number[]);
      // Receipts, today's count and circuits are rows every worker updates: one statement, last
      // before the commit, so each transaction holds their locks for as short a time as it can.
      await tx`
        WITH receipts AS (
          INSERT INTO ${tx(t.receipts)} (fanout_id, host, inbox, delivered, failed, attempts, last_status, last_error, at)
          SELECT * FROM unnest(
            ${tx.array(receipts.map((r) => r.fanoutId))}::bigint[], ${tx.array(receipts.map((r) => r.host))}::text[],
            ${tx.array(receipts.map((r) => r.inbox) as string[])}::text[],
            ${tx.array(receipts.map((r) => r.delivered))}::int[], ${tx.array(receipts.map((r) => r.failed))}::int[],
            ${tx.array(receipts.map((r) => r.attempts))}::int[],
            ${tx.array(receipts.map((r) => r.lastStatus) as number[])}::int[],
            ${tx.array(receipts.map((r) => r.lastError) as string[])}::text[],
            ${tx.array(receipts.map((r) => r.at))}::timestamptz[])
          ON CONFLICT (fanout_id, host) DO UPDATE SET
            inbox = CASE WHEN ${tx(t.receipts)}.inbox = excluded.inbox THEN ${tx(t.receipts)}.inbox ELSE NULL END,
            delivered = ${tx(t.receipts)}.delivered + excluded.delivered,
            failed = ${tx(t.receipts)}.failed + excluded.failed,
            attempts = ${tx(t.receipts)}.attempts + excluded.attempts,
            last_status = COALESCE(excluded.last_status, ${tx(t.receipts)}.last_status),
            last_error = COALESCE(excluded.last_error, ${tx(t.receipts)}.last_error),
            at = excluded.at
          RETURNING 1),
        days AS (
          INSERT INTO ${tx(t.days)} (day, delivered, failed)
          SELECT * FROM unnest(${tx.array(days.map((d) => d.day))}::text[],
                               ${tx.array(days.map((d) => d.delivered))}::int[],
                               ${tx.array(days.map((d) => d.failed))}::int[])
          ON CONFLICT (day) DO UPDATE SET delivered = ${tx(t.days)}.delivered + excluded.delivered,
                                          failed = ${tx(t.days)}.failed + excluded.failed
          RETURNING 1),
        hosts AS (
          INSERT INTO ${tx(t.hosts)} (host, failures, opens, open_until_ms, first_failure_ms, last_failure_ms,
                                      last_success_ms, unreachable_since_ms, last_error)
          SELECT * FROM unnest(
            ${tx.array(latest.map((c) => c.host))}::text[], ${column((c) => c.failures)}::int[],
            ${column((c) => c.opens)}::int[], ${column((c) => c.openUntilMs)}::bigint[],
            ${column((c) => c.firstFailureMs)}::bigint[], ${column((c) => c.lastFailureMs)}::bigint[],
            ${column((c) => c.lastSuccessMs)}::bigint[], ${column((c) => c.unreachableSinceMs)}::bigint[],
            ${tx.array(latest.map((c) => c.lastError) as string[])}::text[])
          ON CONFLICT (host) DO UPDATE SET failures = excluded.failures, opens = excluded.opens,
            open_until_ms = excluded.open_until_ms, first_failure_ms = excluded.first_failure_ms,
            last_failure_ms = excluded.last_failure_ms, last_success_ms = excluded.last_success_ms,
            unreachable_since_ms = excluded.unreachable_since_ms, last_error = excluded.last_error
          RETURNING 1)
        SELECT (SELECT count(*) FROM receipts) + (SELECT count(*) FROM days) + (SELECT count(*) FROM hosts) AS n`;
    });
    for (const id of ids) this.#held.delete(id);
  }

  async giveBack(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const sql = await this.#ready();
    await sql`
      UPDATE ${sql(this.#t.deliveries)} SET lease_until = NULL, lease_owner = NULL
       WHERE id = ANY(${sql.array(ids as number[])}::bigint[]) AND lease_owner = ${this.#owner}`;
    for (const id of ids) this.#held.delete(id);
    await sql`SELECT pg_notify(${this.#channel}, '')`;
  }

  async hold(host: string, untilMs: number): Promise<void> {
    const sql = await this.#ready();
    const delay = Math.max(0, untilMs - this.#now());
    const rows = await sql<{ id: number }[]>`
      UPDATE ${sql(this.#t.deliveries)}
         SET due_at = GREATEST(due_at, now() + ${delay}::float8 * interval '1 millisecond'),
             lease_until = NULL, lease_owner = NULL
       WHERE host = ${host} AND (lease_owner IS NULL OR lease_owner = ${this.#owner} OR lease_until < now())
      RETURNING id::float8 AS id`;
    for (const r of rows) this.#held.delete(r.id);
  }

  async release(host: string): Promise<void> {
    const sql = await this.#ready();
    const due = await sql`
      UPDATE ${sql(this.#t.deliveries)} SET due_at = now() WHERE host = ${host} AND due_at > now()`;
    if (due.count === 0) return;
    await sql`SELECT pg_notify(${this.#channel}, '')`;
    this.#wake();
  }

  async circuits(): Promise<HostCircuit[]> {
    const sql = await this.#ready();
    const rows = await sql<HostCircuit[]>`
      SELECT host, failures, opens, open_until_ms::float8 AS "openUntilMs",
             first_failure_ms::float8 AS "firstFailureMs", last_failure_ms::float8 AS "lastFailureMs",
             last_success_ms::float8 AS "lastSuccessMs", unreachable_since_ms::float8 AS "unreachableSinceMs",
             last_error AS "lastError"
        FROM ${sql(this.#t.hosts)} ORDER BY host`;
    return rows.map((r) => ({ ...r }));
  }

  async followerIdsAt(origin: string, account = ""): Promise<string[]> {
    const sql = await this.#ready();
    // actor_id is COLLATE "C": a byte-wise range on its primary key, `origin/` up to `origin0`
    // ('0' follows '/'), which a longer host (`https://a.example.evil`) is not in.
    const rows = await sql<{ actorId: string }[]>`
      SELECT actor_id AS "actorId" FROM ${sql(this.#t.followers)}
       WHERE account = ${account} AND state = 'accepted' AND actor_id >= ${`${origin}/`} AND actor_id < ${`${origin}0`}
       ORDER BY actor_id`;
    return rows.map((r) => r.actorId);
  }

  /**
   * The same ranges for many origins in one statement: a worker asks for the origins of a whole
   * claim at once, rather than a round trip per server (500 per fan-out to 500 servers, per worker).
   */
  async followerIdsByOrigin(origins: readonly string[], account = ""): Promise<Map<string, string[]>> {
    const wanted = [...new Set(origins)];
    const ids = new Map<string, string[]>(wanted.map((o) => [o, []]));
    if (wanted.length === 0) return ids;
    const sql = await this.#ready();
    const rows = await sql<{ origin: string; actorId: string }[]>`
      SELECT o.origin, f.actor_id AS "actorId"
        FROM unnest(${sql.array(wanted)}::text[]) AS o(origin)
        CROSS JOIN LATERAL (
          SELECT actor_id FROM ${sql(this.#t.followers)}
           WHERE account = ${account} AND state = 'accepted' AND actor_id >= (o.origin || '/') COLLATE "C"
             AND actor_id < (o.origin || '0') COLLATE "C"
           ORDER BY actor_id) f`;
    for (const r of rows) ids.get(r.origin)?.push(r.actorId);
    return ids;
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const sql = await this.#ready();
    const [row] = await sql<{ queued: number; ready: number }[]>`
      SELECT count(*)::int AS queued, count(*) FILTER (WHERE due_at <= now())::int AS ready
        FROM ${sql(this.#t.deliveries)} WHERE lease_until IS NULL OR lease_until < now()`;
    const queued = row?.queued ?? 0;
    const ready = row?.ready ?? 0;
    return { queued, ready, delayed: queued - ready };
  }

  /** Leases of a stopped worker run out by themselves (database.leaseSeconds): nothing to do. */
  resumeStopped(): Promise<number> {
    return Promise.resolve(0);
  }

  async receipts(activityIds: readonly string[]): Promise<Receipt[]> {
    if (activityIds.length === 0) return [];
    const sql = await this.#ready();
    const t = this.#t;
    const rows = await sql<(Receipt & { waitingInbox: string | null })[]>`
      WITH f AS (
        SELECT * FROM ${sql(t.fanouts)} WHERE activity_id = ANY(${sql.array(activityIds as string[])}::text[])),
      h AS (
        SELECT fanout_id, host FROM ${sql(t.receipts)} WHERE fanout_id IN (SELECT id FROM f)
        UNION
        SELECT fanout_id, host FROM ${sql(t.deliveries)} WHERE fanout_id IN (SELECT id FROM f))
      SELECT f.id::float8 AS "fanoutId", f.activity_id AS "activityId", f.activity_type AS "activityType",
             to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", f.inboxes, h.host, r.inbox,
             COALESCE(r.delivered, 0) AS delivered, COALESCE(r.failed, 0) AS failed,
             COALESCE(r.attempts, 0) AS attempts, r.last_status AS "lastStatus", r.last_error AS "lastError",
             to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, w.waiting, w.inbox AS "waitingInbox"
        FROM f
        JOIN h ON h.fanout_id = f.id
        LEFT JOIN ${sql(t.receipts)} r ON r.fanout_id = f.id AND r.host = h.host
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS waiting, min(d.inbox) AS inbox
            FROM ${sql(t.deliveries)} d WHERE d.fanout_id = f.id AND d.host = h.host) w
       ORDER BY f.id DESC, h.host`;
    return rows.map(({ waitingInbox, ...r }) => ({
      ...r,
      // Nothing attempted yet on a server with one queued inbox: that inbox.
      inbox: r.attempts === 0 && r.waiting === 1 ? waitingInbox : r.inbox,
    }));
  }

  async days(sinceDay: string): Promise<DeliveryDay[]> {
    const sql = await this.#ready();
    const rows = await sql<DeliveryDay[]>`
      SELECT day, delivered, failed, followers FROM ${sql(this.#t.days)} WHERE day >= ${sinceDay} ORDER BY day`;
    return rows.map((r) => ({ ...r }));
  }

  async snapshotFollowers(day: string, count: number): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.days)} (day, delivered, failed, followers) VALUES (${day}, 0, 0, ${count})
      ON CONFLICT (day) DO UPDATE SET followers = excluded.followers`;
  }

  async prune(beforeMs: number): Promise<number> {
    const sql = await this.#ready();
    const t = this.#t;
    return await sql.begin(async (tx) => {
      const [row] = await tx<{ n: number }[]>`
        WITH gone AS (
          SELECT id FROM ${tx(t.fanouts)} f
           WHERE f.created_at < to_timestamp(${beforeMs}::float8 / 1000)
             AND NOT EXISTS (SELECT 1 FROM ${tx(t.deliveries)} d WHERE d.fanout_id = f.id)),
        dropped_receipts AS (DELETE FROM ${tx(t.receipts)} WHERE fanout_id IN (SELECT id FROM gone)),
        dropped AS (DELETE FROM ${tx(t.fanouts)} WHERE id IN (SELECT id FROM gone) RETURNING 1)
        SELECT count(*)::int AS n FROM dropped`;
      // A year of daily counts is plenty for the charts.
      await tx`
        DELETE FROM ${tx(t.days)} WHERE day < ${new Date(beforeMs - 365 * DAY_MS).toISOString().slice(0, 10)}`;
      return row?.n ?? 0;
    });
  }

  async exportOutbox(): Promise<OutboxDump> {
    const sql = await this.#ready();
    const t = this.#t;
    return await sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => {
      const fanouts = await tx<FanoutRow[]>`
        SELECT id::float8 AS id, account, activity_id AS "activityId", activity_type AS "activityType",
               order_key AS "orderKey", followers, body, round(extract(epoch FROM created_at) * 1000)::float8 AS "createdMs"
          FROM ${tx(t.fanouts)} f
         WHERE EXISTS (SELECT 1 FROM ${tx(t.deliveries)} d WHERE d.fanout_id = f.id) ORDER BY id`;
      const deliveries = await tx<OutboxDump["deliveries"]>`
        SELECT fanout_id::float8 AS "fanoutId", inbox, host, attempt, round(extract(epoch FROM due_at) * 1000)::float8 AS "dueMs"
          FROM ${tx(t.deliveries)} ORDER BY id`;
      return { fanouts: fanouts.map((f) => ({ ...f })), deliveries: deliveries.map((d) => ({ ...d })) };
    });
  }

  /**
   * Appends a dump in one transaction: fan-outs with their creation times, deliveries in the dump's
   * order (ids, hence the order per inbox, follow it) with their attempts and due times, none leased.
   */
  async importOutbox(dump: OutboxDump): Promise<void> {
    const sql = await this.#ready();
    const t = this.#t;
    const counts = new Map<number, number>();
    for (const d of dump.deliveries) counts.set(d.fanoutId, (counts.get(d.fanoutId) ?? 0) + 1);
    await sql.begin(async (tx) => {
      await this.#takeTurns(
        tx,
        dump.fanouts.map((f) => f.orderKey),
      );
      const ids = new Map<number, string>();
      for (const f of dump.fanouts) {
        const [made] = await tx<{ id: string }[]>`
          INSERT INTO ${tx(t.fanouts)} (account, activity_id, activity_type, order_key, followers, body, inboxes, created_at)
          VALUES (${f.account ?? ""}, ${f.activityId}, ${f.activityType}, ${f.orderKey}, ${f.followers}, ${f.body},
                  ${counts.get(f.id) ?? 0}, to_timestamp(${f.createdMs}::float8 / 1000))
          RETURNING id::text AS id`;
        ids.set(f.id, made!.id);
      }
      const rows = dump.deliveries.filter((d) => ids.has(d.fanoutId));
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await tx`
          INSERT INTO ${tx(t.deliveries)} (fanout_id, inbox, host, attempt, due_at)
          SELECT f, i, h, a, to_timestamp(d / 1000)
            FROM unnest(${tx.array(chunk.map((d) => ids.get(d.fanoutId)!))}::bigint[],
                        ${tx.array(chunk.map((d) => d.inbox))}::text[], ${tx.array(chunk.map((d) => d.host))}::text[],
                        ${tx.array(chunk.map((d) => d.attempt))}::int[], ${tx.array(chunk.map((d) => d.dueMs))}::float8[])
                 WITH ORDINALITY AS u(f, i, h, a, d, n)
           ORDER BY n`;
      }
      if (rows.length > 0) await tx`SELECT pg_notify(${this.#channel}, '')`;
    });
    if (dump.deliveries.length > 0) this.#wake();
  }
}
