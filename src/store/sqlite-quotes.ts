// SQLite side of quote stamps and moves, on the store's one connection (the outbox's too, so
// `revokeIn` and `markQueuedIn` write inside its batch transaction).
import type { DatabaseSync } from "node:sqlite";
import type { MoveLedger, MoveRecord } from "./moves.ts";
import type { QuoteStamp, QuoteStampStore } from "./quotes.ts";
import { immediateTransaction } from "./sqlite-tx.ts";
import { AlreadyQueuedError } from "./types.ts";

type Row = Record<string, unknown>;

function sameConnection(db: DatabaseSync, own: DatabaseSync): void {
  if (db !== own) throw new Error("The outbox and the store must share one SQLite connection.");
}

export function toStamp(r: Row): QuoteStamp {
  return {
    id: r.id as string,
    articleId: r.article_id as string,
    quoteId: r.quote_id as string,
    actorId: r.actor_id as string,
    inbox: r.inbox as string,
    requestId: r.request_id as string,
    createdAt: r.created_at as string,
    revokedAt: (r.revoked_at as string | null) ?? null,
  };
}

export function toMove(r: Row): MoveRecord {
  return {
    id: r.id as string,
    target: r.target as string,
    state: r.state as MoveRecord["state"],
    activity: JSON.parse(r.activity as string) as Record<string, unknown>,
    createdAt: r.created_at as string,
    undoneAt: (r.undone_at as string | null) ?? null,
  };
}

export class SqliteQuoteStamps implements QuoteStampStore<DatabaseSync> {
  readonly #db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async saveStamp(s: QuoteStamp): Promise<QuoteStamp> {
    return immediateTransaction(this.#db, () => {
      this.#db
        .prepare(
          `INSERT OR IGNORE INTO quote_stamps
             (id, article_id, quote_id, actor_id, inbox, request_id, created_at, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(s.id, s.articleId, s.quoteId, s.actorId, s.inbox, s.requestId, s.createdAt, s.revokedAt);
      return toStamp(this.#db.prepare("SELECT * FROM quote_stamps WHERE id = ?").get(s.id) as Row);
    });
  }

  async getStamp(id: string): Promise<QuoteStamp | undefined> {
    const row = this.#db.prepare("SELECT * FROM quote_stamps WHERE id = ?").get(id) as Row | undefined;
    return row ? toStamp(row) : undefined;
  }

  async countStamps(actorId: string): Promise<number> {
    return (
      this.#db.prepare("SELECT COUNT(*) AS n FROM quote_stamps WHERE actor_id = ?").get(actorId) as {
        n: number;
      }
    ).n;
  }

  async liveStamps(): Promise<QuoteStamp[]> {
    return (
      this.#db
        .prepare("SELECT * FROM quote_stamps WHERE revoked_at IS NULL ORDER BY created_at, rowid")
        .all() as Row[]
    ).map(toStamp);
  }

  revokeIn(db: DatabaseSync, id: string, at: string): void {
    sameConnection(db, this.#db);
    const { changes } = db
      .prepare("UPDATE quote_stamps SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .run(at, id);
    if (Number(changes) === 0) throw new AlreadyQueuedError(id);
  }

  async exportStamps(): Promise<QuoteStamp[]> {
    return (this.#db.prepare("SELECT * FROM quote_stamps ORDER BY created_at, rowid").all() as Row[]).map(
      toStamp,
    );
  }

  async importStamps(stamps: readonly QuoteStamp[]): Promise<void> {
    immediateTransaction(this.#db, () => {
      for (const s of stamps)
        this.#db
          .prepare(
            `INSERT INTO quote_stamps (id, article_id, quote_id, actor_id, inbox, request_id, created_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(s.id, s.articleId, s.quoteId, s.actorId, s.inbox, s.requestId, s.createdAt, s.revokedAt);
    });
  }
}

export class SqliteMoves implements MoveLedger<DatabaseSync> {
  readonly #db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async current(): Promise<MoveRecord | undefined> {
    const row = this.#db
      .prepare("SELECT * FROM moves WHERE undone_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1")
      .get() as Row | undefined;
    return row ? toMove(row) : undefined;
  }

  async count(): Promise<number> {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM moves").get() as { n: number }).n;
  }

  async record(m: MoveRecord): Promise<boolean> {
    return immediateTransaction(this.#db, () => {
      if (this.#db.prepare("SELECT 1 FROM moves WHERE undone_at IS NULL OR id = ?").get(m.id)) return false;
      this.#insert(m);
      return true;
    });
  }

  #insert(m: MoveRecord): void {
    this.#db
      .prepare(
        "INSERT INTO moves (id, target, state, activity, created_at, undone_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(m.id, m.target, m.state, JSON.stringify(m.activity), m.createdAt, m.undoneAt);
  }

  async pending(): Promise<MoveRecord[]> {
    return (
      this.#db
        .prepare(
          "SELECT * FROM moves WHERE state = 'pending' AND undone_at IS NULL ORDER BY created_at, rowid",
        )
        .all() as Row[]
    ).map(toMove);
  }

  markQueuedIn(db: DatabaseSync, id: string): void {
    sameConnection(db, this.#db);
    const { changes } = db
      .prepare("UPDATE moves SET state = 'queued' WHERE id = ? AND state = 'pending' AND undone_at IS NULL")
      .run(id);
    if (Number(changes) === 0) throw new AlreadyQueuedError(id);
  }

  undoIn(db: DatabaseSync, id: string, at: string): void {
    sameConnection(db, this.#db);
    const { changes } = db
      .prepare("UPDATE moves SET undone_at = ? WHERE id = ? AND undone_at IS NULL")
      .run(at, id);
    if (Number(changes) === 0) throw new AlreadyQueuedError(id);
  }

  async undo(at: string): Promise<MoveRecord | undefined> {
    return immediateTransaction(this.#db, () => {
      const row = this.#db.prepare("SELECT * FROM moves WHERE undone_at IS NULL").get() as Row | undefined;
      if (!row) return undefined;
      this.#db.prepare("UPDATE moves SET undone_at = ? WHERE id = ?").run(at, row.id as string);
      return { ...toMove(row), undoneAt: at };
    });
  }

  async exportMoves(): Promise<MoveRecord[]> {
    return (this.#db.prepare("SELECT * FROM moves ORDER BY created_at, rowid").all() as Row[]).map(toMove);
  }

  async importMoves(moves: readonly MoveRecord[]): Promise<void> {
    immediateTransaction(this.#db, () => {
      for (const m of moves) this.#insert(m);
    });
  }
}
