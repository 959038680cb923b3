// PostgreSQL side of quote stamps and moves: one schema component (`<prefix>quotes`) for both tables.
// `revokeIn` and `markQueuedIn` write through the outbox's transaction (PostgresOutbox.atomically).
import type { Sql, TransactionSql } from "postgres";
import type { MoveLedger, MoveRecord } from "./moves.ts";
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";
import type { QuoteStamp, QuoteStampStore } from "./quotes.ts";
import { toMove, toStamp } from "./sqlite-quotes.ts";
import { AlreadyQueuedError } from "./types.ts";

type Row = Record<string, unknown>;

/** The schema component of both tables: quote stamps and moves. */
export function quotesMigrations(prefix: string): SchemaComponent {
  const stamps = checkIdentifier(`${prefix}quote_stamps`);
  const moves = checkIdentifier(`${prefix}moves`);
  return {
    component: `${prefix}quotes`,
    migrations: [
      [
        `CREATE TABLE IF NOT EXISTS ${stamps} (
             id         text COLLATE "C" PRIMARY KEY,
             seq        bigint GENERATED ALWAYS AS IDENTITY,
             article_id text COLLATE "C" NOT NULL,
             quote_id   text NOT NULL,
             actor_id   text NOT NULL,
             inbox      text NOT NULL,
             request_id text NOT NULL,
             created_at text COLLATE "C" NOT NULL,
             revoked_at text
           )`,
        `CREATE INDEX IF NOT EXISTS ${stamps}_live ON ${stamps} (created_at, seq) WHERE revoked_at IS NULL`,
        `CREATE TABLE IF NOT EXISTS ${moves} (
             id         text COLLATE "C" PRIMARY KEY,
             seq        bigint GENERATED ALWAYS AS IDENTITY,
             target     text NOT NULL,
             state      text NOT NULL CHECK (state IN ('pending', 'queued')),
             activity   text NOT NULL,
             created_at text COLLATE "C" NOT NULL,
             undone_at  text
           )`,
      ],
    ],
  };
}

/** Both tables, created once per process under the schema lock. */
function quotesSchema(sql: Sql, prefix: string) {
  const stamps = checkIdentifier(`${prefix}quote_stamps`);
  const moves = checkIdentifier(`${prefix}moves`);
  return {
    stamps,
    moves,
    initialize: once(() => applySchema(sql, `${prefix}quotes`, quotesMigrations(prefix).migrations)),
  };
}

export type QuotesSchema = ReturnType<typeof quotesSchema>;

export function openPostgresQuotes(sql: Sql, prefix = "herald_") {
  const schema = quotesSchema(sql, prefix);
  return {
    initialize: schema.initialize,
    quotes: new PostgresQuoteStamps(sql, schema),
    moves: new PostgresMoves(sql, schema),
  };
}

/** The client and the component's tables, created on first use. */
abstract class QuotesTables {
  readonly #sql: Sql;
  protected readonly s: QuotesSchema;
  constructor(sql: Sql, schema: QuotesSchema) {
    this.#sql = sql;
    this.s = schema;
  }

  protected async ready(): Promise<Sql> {
    await this.s.initialize();
    return this.#sql;
  }
}

const STAMP_COLUMNS = [
  "id",
  "article_id",
  "quote_id",
  "actor_id",
  "inbox",
  "request_id",
  "created_at",
  "revoked_at",
] as const;

function stampRow(s: QuoteStamp) {
  return {
    id: s.id,
    article_id: s.articleId,
    quote_id: s.quoteId,
    actor_id: s.actorId,
    inbox: s.inbox,
    request_id: s.requestId,
    created_at: s.createdAt,
    revoked_at: s.revokedAt,
  };
}

export class PostgresQuoteStamps extends QuotesTables implements QuoteStampStore<TransactionSql> {
  async saveStamp(s: QuoteStamp): Promise<QuoteStamp> {
    const sql = await this.ready();
    await sql`INSERT INTO ${sql(this.s.stamps)} ${sql(stampRow(s), ...STAMP_COLUMNS)} ON CONFLICT (id) DO NOTHING`;
    return (await this.getStamp(s.id))!;
  }

  async getStamp(id: string): Promise<QuoteStamp | undefined> {
    const sql = await this.ready();
    const [row] = await sql<Row[]>`SELECT * FROM ${sql(this.s.stamps)} WHERE id = ${id}`;
    return row ? toStamp(row) : undefined;
  }

  async countStamps(actorId: string): Promise<number> {
    const sql = await this.ready();
    const [row] = await sql<{ n: string }[]>`
      SELECT COUNT(*) AS n FROM ${sql(this.s.stamps)} WHERE actor_id = ${actorId}`;
    return Number(row?.n ?? 0);
  }

  async liveStamps(): Promise<QuoteStamp[]> {
    const sql = await this.ready();
    return (
      await sql<Row[]>`SELECT * FROM ${sql(this.s.stamps)} WHERE revoked_at IS NULL ORDER BY created_at, seq`
    ).map(toStamp);
  }

  async revokeIn(tx: TransactionSql, id: string, at: string): Promise<void> {
    await this.s.initialize();
    const result = await tx`
      UPDATE ${tx(this.s.stamps)} SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`;
    if (result.count === 0) throw new AlreadyQueuedError(id);
  }

  async exportStamps(): Promise<QuoteStamp[]> {
    const sql = await this.ready();
    return (await sql<Row[]>`SELECT * FROM ${sql(this.s.stamps)} ORDER BY created_at, seq`).map(toStamp);
  }

  async importStamps(stamps: readonly QuoteStamp[]): Promise<void> {
    if (stamps.length === 0) return;
    const sql = await this.ready();
    await sql`INSERT INTO ${sql(this.s.stamps)} ${sql(stamps.map(stampRow), ...STAMP_COLUMNS)}`;
  }
}

const MOVE_COLUMNS = ["id", "target", "state", "activity", "created_at", "undone_at"] as const;

function moveRow(m: MoveRecord) {
  return {
    id: m.id,
    target: m.target,
    state: m.state,
    activity: JSON.stringify(m.activity),
    created_at: m.createdAt,
    undone_at: m.undoneAt,
  };
}

export class PostgresMoves extends QuotesTables implements MoveLedger<TransactionSql> {
  async current(): Promise<MoveRecord | undefined> {
    const sql = await this.ready();
    const [row] = await sql<Row[]>`
      SELECT * FROM ${sql(this.s.moves)} WHERE undone_at IS NULL ORDER BY created_at DESC, seq DESC LIMIT 1`;
    return row ? toMove(row) : undefined;
  }

  async count(): Promise<number> {
    const sql = await this.ready();
    const [row] = await sql<{ n: string }[]>`SELECT COUNT(*) AS n FROM ${sql(this.s.moves)}`;
    return Number(row?.n ?? 0);
  }

  async record(m: MoveRecord): Promise<boolean> {
    const sql = await this.ready();
    return sql.begin(async (tx) => {
      // Two `herald move` at once: the table lock makes the second see the first's Move.
      await tx`LOCK TABLE ${tx(this.s.moves)} IN SHARE ROW EXCLUSIVE MODE`;
      const [existing] = await tx`
        SELECT 1 FROM ${tx(this.s.moves)} WHERE undone_at IS NULL OR id = ${m.id}`;
      if (existing) return false;
      await tx`INSERT INTO ${tx(this.s.moves)} ${tx(moveRow(m), ...MOVE_COLUMNS)}`;
      return true;
    });
  }

  async pending(): Promise<MoveRecord[]> {
    const sql = await this.ready();
    return (
      await sql<Row[]>`
        SELECT * FROM ${sql(this.s.moves)} WHERE state = 'pending' AND undone_at IS NULL
         ORDER BY created_at, seq`
    ).map(toMove);
  }

  async markQueuedIn(tx: TransactionSql, id: string): Promise<void> {
    await this.s.initialize();
    const result = await tx`
      UPDATE ${tx(this.s.moves)} SET state = 'queued'
       WHERE id = ${id} AND state = 'pending' AND undone_at IS NULL`;
    if (result.count === 0) throw new AlreadyQueuedError(id);
  }

  async undoIn(tx: TransactionSql, id: string, at: string): Promise<void> {
    await this.s.initialize();
    const result = await tx`
      UPDATE ${tx(this.s.moves)} SET undone_at = ${at} WHERE id = ${id} AND undone_at IS NULL`;
    if (result.count === 0) throw new AlreadyQueuedError(id);
  }

  async undo(at: string): Promise<MoveRecord | undefined> {
    const sql = await this.ready();
    const [row] = await sql<Row[]>`
      UPDATE ${sql(this.s.moves)} SET undone_at = ${at} WHERE undone_at IS NULL RETURNING *`;
    return row ? toMove(row) : undefined;
  }

  async exportMoves(): Promise<MoveRecord[]> {
    const sql = await this.ready();
    return (await sql<Row[]>`SELECT * FROM ${sql(this.s.moves)} ORDER BY created_at, seq`).map(toMove);
  }

  async importMoves(moves: readonly MoveRecord[]): Promise<void> {
    if (moves.length === 0) return;
    const sql = await this.ready();
    await sql`INSERT INTO ${sql(this.s.moves)} ${sql(moves.map(moveRow), ...MOVE_COLUMNS)}`;
  }
}
