import type { Sql, TransactionSql } from "postgres";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";

// "Exactly one scheduler acts at a time, however many are started": a named lease in a table.
//
// Why a table and not `pg_try_advisory_lock` on a dedicated connection. A session advisory lock
// dies with its connection, which is the appeal: a crashed holder frees it at once. But:
// - the holder does not learn that it lost the lock. After a network blip PostgreSQL may already
//   have ended the session (and a second scheduler taken the lock) while the first, its socket not
//   yet failed, goes on publishing. A table lease has a deadline the holder knows, so it can stop
//   acting before the lease can have passed to anyone else;
// - it needs one connection held for the life of the process, and breaks behind PgBouncer in
//   transaction mode (the usual pooler for many replicas), where "the session" is any connection;
// - a half-open TCP connection keeps the lock until keepalive notices, minutes by default: no faster
//   than a 30-second lease in practice.
// The price of the table is that a crashed holder's lease must run out (ttlMs) before another takes
// over; a holder that stops cleanly releases it, and the next candidate takes it on its next try.
// For a scheduler that ticks every minute or so that is fine, and every article is still recorded
// before it is sent, so a late tick does not duplicate anything.
//
// Every acquisition by a new holder (or after expiry) increments `token`: a fencing token. And
// `assertHeld(tx, …)` checks the lease inside the caller's own transaction and locks its row
// FOR SHARE until that transaction ends, so a takeover cannot commit between the check and the
// caller's ledger write: the write happens under the lease or not at all.

export interface Lease {
  name: string;
  holder: string;
  /** Fencing token: larger for every new tenure. */
  token: number;
  /**
   * Local clock time (ms) until which the holder may act: measured from before the request was
   * sent, so it is never later than the database's own expiry.
   */
  validUntil: number;
}

export class LeaseLostError extends Error {
  constructor(name: string, holder: string) {
    super(`Lease ${JSON.stringify(name)} is not held by ${JSON.stringify(holder)}.`);
    this.name = "LeaseLostError";
  }
}

/** The leases table's schema component (`t`: the table, `herald_leases`). */
export function leasesMigrations(t: string): SchemaComponent {
  return {
    component: t,
    migrations: [
      [
        `CREATE TABLE IF NOT EXISTS ${t} (
           name        text PRIMARY KEY,
           holder      text NOT NULL,
           token       bigint NOT NULL,
           expires_at  timestamptz NOT NULL,
           acquired_at timestamptz NOT NULL
         )`,
      ],
    ],
  };
}

export class PostgresLeases {
  readonly #sql: Sql;
  readonly #table: string;
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: { table?: string } = {}) {
    this.#sql = sql;
    this.#table = checkIdentifier(options.table ?? "herald_leases");
    this.initialize = once(() => applySchema(sql, this.#table, leasesMigrations(this.#table).migrations));
  }

  /**
   * Takes the lease if it is free, expired, or already `holderId`'s (then it is renewed, keeping its
   * token). Returns undefined while someone else holds it.
   */
  async tryAcquire(name: string, holderId: string, ttlMs: number): Promise<Lease | undefined> {
    await this.initialize();
    const started = Date.now();
    const sql = this.#sql;
    const table = sql(this.#table);
    const [row] = await sql<{ token: string }[]>`
      INSERT INTO ${table} AS l (name, holder, token, expires_at, acquired_at)
      VALUES (${name}, ${holderId}, 1, now() + ${ttlMs}::float8 * interval '1 millisecond', now())
      ON CONFLICT (name) DO UPDATE SET
        holder = excluded.holder,
        expires_at = excluded.expires_at,
        token = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() THEN l.token ELSE l.token + 1 END,
        acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                           THEN l.acquired_at ELSE now() END
      WHERE l.holder = excluded.holder OR l.expires_at <= now()
      RETURNING token::text AS token`;
    return row
      ? { name, holder: holderId, token: Number(row.token), validUntil: started + ttlMs }
      : undefined;
  }

  /**
   * Extends a lease `holderId` still holds. Undefined if it has expired and been taken, or
   * released; a holder that gets undefined must stop acting.
   */
  async renew(name: string, holderId: string, ttlMs: number): Promise<Lease | undefined> {
    await this.initialize();
    const started = Date.now();
    const sql = this.#sql;
    // An expired lease nobody took is still this holder's: no one else acted in between, since
    // taking it would have changed the holder.
    const [row] = await sql<{ token: string }[]>`
      UPDATE ${sql(this.#table)} SET expires_at = now() + ${ttlMs}::float8 * interval '1 millisecond'
       WHERE name = ${name} AND holder = ${holderId}
      RETURNING token::text AS token`;
    return row
      ? { name, holder: holderId, token: Number(row.token), validUntil: started + ttlMs }
      : undefined;
  }

  /** Gives the lease up so another candidate can take it at once. False if it was not held. */
  async release(name: string, holderId: string): Promise<boolean> {
    await this.initialize();
    const sql = this.#sql;
    // The row stays (expired) so the next tenure's token is still larger.
    const result = await sql`
      UPDATE ${sql(this.#table)} SET expires_at = '-infinity'
       WHERE name = ${name} AND holder = ${holderId} AND expires_at > now()`;
    return result.count === 1;
  }

  /** Who holds the lease now, for status output. */
  async current(name: string): Promise<{ holder: string; token: number; expiresAt: Date } | undefined> {
    await this.initialize();
    const sql = this.#sql;
    const [row] = await sql<{ holder: string; token: string; expires_at: Date }[]>`
      SELECT holder, token::text AS token, expires_at FROM ${sql(this.#table)}
       WHERE name = ${name} AND expires_at > now()`;
    return row ? { holder: row.holder, token: Number(row.token), expiresAt: row.expires_at } : undefined;
  }

  /**
   * Inside the caller's transaction: throws LeaseLostError unless `holderId` holds the lease, and
   * keeps it from changing hands until that transaction ends.
   */
  async assertHeld(tx: TransactionSql, name: string, holderId: string): Promise<void> {
    await this.initialize();
    const [row] = await tx`
      SELECT 1 FROM ${tx(this.#table)}
       WHERE name = ${name} AND holder = ${holderId} AND expires_at > now()
       FOR SHARE`;
    if (!row) throw new LeaseLostError(name, holderId);
  }
}
