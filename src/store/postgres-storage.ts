// The scale-out backend: every Herald process (web, worker, scheduler) on one PostgreSQL. Each part
// is its own small module with its own contract tests; this file only wires them to one client.
import postgres, { type Sql, type TransactionSql } from "postgres";
import { type LedgerRow, mergeDeliveries, type QueueRow } from "./deliveries.ts";
import { fnv1a } from "./hash.ts";
import { articlesMigrations, PostgresArticleStore } from "./postgres-articles.ts";
import { federationMigrations, PostgresFederationStore } from "./postgres-federation.ts";
import { kvMigrations, PostgresKvStore } from "./postgres-kv.ts";
import { leasesMigrations, PostgresLeases } from "./postgres-lease.ts";
import { mediaMigrations, PostgresMediaStore } from "./postgres-media.ts";
import { applyOutboxSchema, outboxMigrations, PostgresOutbox } from "./postgres-outbox.ts";
import { PostgresQueue, queueMigrations } from "./postgres-queue.ts";
import { openPostgresQuotes, quotesMigrations } from "./postgres-quotes.ts";
import {
  type ComponentState,
  checkIdentifier,
  describePostgresUrl,
  once,
  readSchemaState,
  requireCurrentSchema,
  type SchemaComponent,
} from "./postgres-schema.ts";
import type { DeliveryQueue, Leadership, Signal, Storage } from "./types.ts";

class PostgresDeliveryQueue extends PostgresQueue implements DeliveryQueue<TransactionSql> {
  /** Leases of a stopped worker run out by themselves (database.leaseSeconds); nothing to do at start. */
  async resumeStopped(): Promise<number> {
    return 0;
  }
}

const SCHEDULER_LEASE = "scheduler";

export interface PostgresStorageOptions {
  poolSize?: number;
  /** Delivery and scheduler lease length. */
  leaseMs?: number;
  /** Table name prefix (`herald_`). */
  prefix?: string;
  /**
   * For commands that must change nothing: every transaction is read-only (PostgreSQL refuses any
   * write), and initialize() checks that the schema is this Herald's instead of migrating it.
   */
  readOnly?: boolean;
}

/** Every schema component, in the order initialize() applies them. */
export function schemaComponents(prefix = "herald_"): SchemaComponent[] {
  const table = (name: string) => checkIdentifier(`${prefix}${name}`);
  return [
    articlesMigrations(table("articles")),
    ...federationMigrations(prefix),
    kvMigrations(table("kv")),
    leasesMigrations(table("leases")),
    queueMigrations(table("queue")),
    outboxMigrations(prefix),
    mediaMigrations(table("media")),
    quotesMigrations(prefix),
  ];
}

export function openPostgresStorage(
  url: string,
  options: PostgresStorageOptions = {},
): Storage<TransactionSql> & {
  readonly sql: Sql;
  initialize(): Promise<void>;
  /** Each schema component's recorded version against this Herald's; reads only. */
  schemaState(): Promise<ComponentState[]>;
} {
  const sql = postgres(url, {
    max: options.poolSize ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    connection: {
      application_name: "herald",
      ...(options.readOnly ? { default_transaction_read_only: true } : {}),
    },
  });
  const prefix = options.prefix ?? "herald_";
  const leaseMs = options.leaseMs ?? 30_000;
  const articles = new PostgresArticleStore(sql, { prefix });
  const federation = new PostgresFederationStore(sql, { prefix });
  const kv = new PostgresKvStore(sql, { table: `${prefix}kv` });
  const media = new PostgresMediaStore(sql, { prefix });
  const consent = openPostgresQuotes(sql, prefix);
  const leases = new PostgresLeases(sql, { table: `${prefix}leases` });
  const queueTable = `${prefix}queue`;
  let queue: PostgresDeliveryQueue | undefined;
  const getQueue = (concurrency: number): PostgresDeliveryQueue => {
    queue ??= new PostgresDeliveryQueue(sql, { table: queueTable, concurrency, leaseMs });
    return queue;
  };
  // The queue's table, without creating the queue: its concurrency is the caller's of `queue()`,
  // which openHerald calls after initialize(). (getQueue(1) here made every process deliver one
  // message at a time, whatever federation.concurrency said.)
  let queueSchema: PostgresDeliveryQueue | undefined;
  const queueTableReady = (): Promise<void> => {
    if (queue) return queue.initialize();
    queueSchema ??= new PostgresDeliveryQueue(sql, { table: queueTable, leaseMs });
    return queueSchema.initialize();
  };
  let outbox: PostgresOutbox | undefined;
  // The outbox's tables, without the outbox: its options (spreadSeconds) are the caller's of `outbox()`.
  // After the queue's table, whose Fedify outbox messages its first migration moves over.
  const outboxSchema = once(async () => {
    await queueTableReady();
    await applyOutboxSchema(sql, prefix);
  });
  let channel: string | undefined;
  const signalChannel = async (): Promise<string> => {
    // NOTIFY channels are per database, not per schema: instances in two schemas stay apart.
    if (channel === undefined) {
      const [row] = await sql<{ schema: string }[]>`SELECT current_schema() AS schema`;
      channel = `${prefix}signal_${fnv1a(row?.schema ?? "")}`;
    }
    return channel;
  };
  const leaderships: PostgresLeadership[] = [];

  return {
    kind: "postgres",
    location: describePostgresUrl(url),
    async ping() {
      await sql`SELECT 1`;
    },
    sql,
    articles,
    federation,
    kv,
    media,
    quotes: consent.quotes,
    moves: consent.moves,
    schemaState: () => readSchemaState(sql, schemaComponents(prefix)),
    async initialize() {
      if (options.readOnly) {
        requireCurrentSchema(describePostgresUrl(url), await readSchemaState(sql, schemaComponents(prefix)));
        return;
      }
      // Every table, in a fixed order, each under the schema lock: a process that starts sees them all.
      await articles.initialize();
      await federation.initialize();
      await kv.initialize();
      await leases.initialize();
      await queueTableReady();
      await outboxSchema();
      await media.initialize();
      await consent.initialize();
    },
    queue: (opts) => getQueue(opts.concurrency),
    outbox(opts) {
      outbox ??= new PostgresOutbox(sql, { prefix, leaseMs, spreadMs: opts?.spreadMs });
      return outbox;
    },
    async deliveries() {
      await federation.initialize();
      await outboxSchema();
      const activities = sql(`${prefix}activities`);
      const ledger = await sql<LedgerRow[]>`
        SELECT article_id AS "articleId", kind, count(*)::int AS n,
               count(*) FILTER (WHERE state = 'pending')::int AS pending,
               count(*) FILTER (WHERE state = 'silent')::int AS silent, max(created_at) AS last
          FROM ${activities} GROUP BY article_id, kind`;
      // Deliveries waiting in the outbox (one per inbox), as its depth counts them: not those in flight.
      const queued = await sql<QueueRow[]>`
        SELECT a.article_id AS "articleId", count(*)::int AS waiting,
               count(*) FILTER (WHERE d.attempt > 0)::int AS failing
          FROM ${sql(`${prefix}deliveries`)} d
          JOIN ${sql(`${prefix}fanouts`)} f ON f.id = d.fanout_id
          JOIN ${activities} a ON a.id = f.activity_id
         WHERE d.lease_until IS NULL OR d.lease_until < now()
         GROUP BY a.article_id`;
      return mergeDeliveries(ledger, queued);
    },
    leadership(holderId) {
      const leadership = new PostgresLeadership(leases, holderId, leaseMs);
      leaderships.push(leadership);
      return leadership;
    },
    async schedulerHolder() {
      return (await leases.current(SCHEDULER_LEASE))?.holder;
    },
    async notify(signal: Signal) {
      await sql`SELECT pg_notify(${await signalChannel()}, ${signal})`;
    },
    async subscribe(signal: Signal, listener: () => void) {
      const subscription = await sql.listen(await signalChannel(), (payload) => {
        if (payload === signal) listener();
      });
      return () => subscription.unlisten();
    },
    async maintenance() {
      await kv.sweepExpired();
    },
    async close() {
      for (const l of leaderships) await l.release().catch(() => {});
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * The scheduler's lease, renewed in the background while held so that a scheduler ticking every few
 * minutes keeps it between ticks. `hold()` answers true only while the lease is safely ours: with a
 * margin of a third of its length, so a tick never starts on a lease about to pass to someone else.
 * (Even then, every decision is a ledger row with a deterministic id, so two schedulers acting at
 * once could not send an article twice; the lease keeps them from doing the work twice.)
 */
class PostgresLeadership implements Leadership {
  readonly #leases: PostgresLeases;
  readonly #holder: string;
  readonly #ttlMs: number;
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(leases: PostgresLeases, holder: string, ttlMs: number) {
    this.#leases = leases;
    this.#holder = holder;
    this.#ttlMs = ttlMs;
  }

  async hold(): Promise<boolean> {
    const lease =
      this.#validUntil > 0
        ? await this.#leases.renew(SCHEDULER_LEASE, this.#holder, this.#ttlMs)
        : await this.#leases.tryAcquire(SCHEDULER_LEASE, this.#holder, this.#ttlMs);
    this.#validUntil = lease?.validUntil ?? 0;
    if (!lease) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return false;
    }
    this.#timer ??= setInterval(() => {
      this.hold().catch(() => {
        this.#validUntil = 0;
      });
    }, this.#ttlMs / 3).unref();
    return this.#validUntil - Date.now() > this.#ttlMs / 3;
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#validUntil > 0) await this.#leases.release(SCHEDULER_LEASE, this.#holder);
    this.#validUntil = 0;
  }
}
