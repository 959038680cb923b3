import type { DatabaseSync } from "node:sqlite";
import {
  assertNoHistory,
  DUMP_COLUMNS,
  DUMP_TABLES,
  type DumpTable,
  type FederationRow,
  historyCountSql,
  toActivity,
  toAuthor,
  toBlock,
  toDump,
  toDumpRows,
  toFollower,
  toInteraction,
  toKey,
  toModeration,
  toObject,
  toRelay,
} from "./federation-rows.ts";
import { immediateTransaction, readTransaction } from "./sqlite-tx.ts";
import {
  type ActivityRecord,
  AlreadyQueuedError,
  type Author,
  accountMetaKey,
  type Block,
  type FederatedObject,
  type FederationDump,
  type FederationStore,
  type Follower,
  type Interaction,
  type InteractionQuery,
  MAIN_ACCOUNT,
  type Relay,
  type ReplyModeration,
  type StoredKey,
  type StoreEvent,
} from "./types.ts";

type Row = FederationRow;

/** Table names equal the dump's here (PostgreSQL prefixes them). */
const TABLES = Object.fromEntries(DUMP_TABLES.map((t) => [t, t])) as Record<DumpTable, string>;

/** Export order: insertion (rowid) where reads depend on it, the primary key elsewhere. */
const EXPORT_ORDER: Record<DumpTable, string> = {
  meta: "key",
  keys: "account, kind",
  followers: "account, actor_id",
  // Insertion order, as before listObjects was ordered by article (with accounts, PostgreSQL's heap order
  // stopped being stable).
  objects: "rowid",
  activities: "rowid",
  interactions: "rowid",
  retractions: "article_id",
  events: "id",
  blocks: "target",
  relays: "url",
  moderation: "interaction_id",
  authors: "actor_id",
};

export class SqliteFederationStore implements FederationStore<DatabaseSync> {
  readonly #db: DatabaseSync;
  readonly account: string;

  /** `account`: whose keys, followers, objects, ledger and meta this handle sees (MAIN_ACCOUNT: the main one's). */
  constructor(db: DatabaseSync, account: string = MAIN_ACCOUNT) {
    this.#db = db;
    this.account = account;
  }

  forAccount(account: string): SqliteFederationStore {
    return account === this.account ? this : new SqliteFederationStore(this.#db, account);
  }

  async listAccounts(): Promise<{ account: string; followers: number }[]> {
    return (
      this.#db
        .prepare(
          `SELECT k.account, (SELECT COUNT(*) FROM followers f WHERE f.account = k.account AND f.state = 'accepted') AS n
             FROM (SELECT account FROM keys UNION SELECT account FROM followers UNION SELECT account FROM objects) k
            ORDER BY k.account`,
        )
        .all() as { account: string; n: number }[]
    ).map((r) => ({ account: r.account, followers: Number(r.n) }));
  }

  #tx<T>(fn: () => T): T {
    return immediateTransaction(this.#db, fn);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (
      this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(accountMetaKey(this.account, key)) as
        | { value: string }
        | undefined
    )?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(accountMetaKey(this.account, key), value);
  }

  async getKeys(): Promise<StoredKey[]> {
    return (
      this.#db.prepare("SELECT * FROM keys WHERE account = ? ORDER BY kind DESC").all(this.account) as Row[]
    ).map(toKey);
  }

  async addKeys(keys: readonly StoredKey[]): Promise<void> {
    const insert = this.#db.prepare(
      "INSERT OR IGNORE INTO keys (account, kind, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.#tx(() => {
      for (const k of keys)
        insert.run(
          this.account,
          k.kind,
          JSON.stringify(k.privateJwk),
          JSON.stringify(k.publicJwk),
          k.createdAt,
        );
    });
  }

  async upsertFollower(f: Follower): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO followers (account, actor_id, inbox, shared_inbox, handle, follow_id, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(account, actor_id) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
           handle = excluded.handle, follow_id = excluded.follow_id, state = excluded.state`,
      )
      .run(this.account, f.actorId, f.inbox, f.sharedInbox, f.handle, f.followId, f.state, f.createdAt);
  }

  async removeFollower(actorId: string): Promise<boolean> {
    return (
      Number(
        this.#db
          .prepare("DELETE FROM followers WHERE account = ? AND actor_id = ?")
          .run(this.account, actorId).changes,
      ) > 0
    );
  }

  async getFollower(actorId: string): Promise<Follower | undefined> {
    const row = this.#db
      .prepare("SELECT * FROM followers WHERE account = ? AND actor_id = ?")
      .get(this.account, actorId) as Row | undefined;
    return row ? toFollower(row) : undefined;
  }

  async listFollowers({
    state,
    offset = 0,
    limit = -1,
  }: {
    state?: Follower["state"];
    offset?: number;
    limit?: number;
  }) {
    const rows = (
      state
        ? this.#db
            .prepare(
              "SELECT * FROM followers WHERE account = ? AND state = ? ORDER BY created_at, actor_id LIMIT ? OFFSET ?",
            )
            .all(this.account, state, limit, offset)
        : this.#db
            .prepare(
              "SELECT * FROM followers WHERE account = ? ORDER BY created_at, actor_id LIMIT ? OFFSET ?",
            )
            .all(this.account, limit, offset)
    ) as Row[];
    return rows.map(toFollower);
  }

  async countFollowers(state?: Follower["state"]): Promise<number> {
    const row = (
      state
        ? this.#db
            .prepare("SELECT COUNT(*) AS n FROM followers WHERE account = ? AND state = ?")
            .get(this.account, state)
        : this.#db.prepare("SELECT COUNT(*) AS n FROM followers WHERE account = ?").get(this.account)
    ) as { n: number };
    return row.n;
  }

  async getObject(articleId: string): Promise<FederatedObject | undefined> {
    const row = this.#db
      .prepare("SELECT * FROM objects WHERE account = ? AND article_id = ?")
      .get(this.account, articleId) as Row | undefined;
    return row ? toObject(row) : undefined;
  }

  async listObjects(): Promise<FederatedObject[]> {
    return (
      this.#db
        .prepare("SELECT * FROM objects WHERE account = ? ORDER BY article_id")
        .all(this.account) as Row[]
    ).map(toObject);
  }

  async recordActivity(o: FederatedObject, a: ActivityRecord): Promise<boolean> {
    return this.#tx(() => {
      if (this.#db.prepare("SELECT 1 FROM activities WHERE id = ?").get(a.id) !== undefined) return false;
      this.#db
        .prepare(
          `INSERT INTO objects (account, article_id, published, updated, content_hash, deleted_at, pinned, object)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(account, article_id) DO UPDATE SET published = excluded.published, updated = excluded.updated,
             content_hash = excluded.content_hash, deleted_at = excluded.deleted_at, pinned = excluded.pinned,
             object = excluded.object`,
        )
        .run(
          this.account,
          o.articleId,
          o.published,
          o.updated,
          o.contentHash,
          o.deletedAt,
          o.pinned ? 1 : 0,
          JSON.stringify(o.object),
        );
      this.#db
        .prepare(
          "INSERT INTO activities (id, account, article_id, kind, state, created_at, activity) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(a.id, this.account, a.articleId, a.kind, a.state, a.createdAt, JSON.stringify(a.activity));
      return true;
    });
  }

  async recordAnnouncement(a: ActivityRecord): Promise<boolean> {
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO activities (id, account, article_id, kind, state, created_at, activity)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, this.account, a.articleId, a.kind, a.state, a.createdAt, JSON.stringify(a.activity));
    return Number(result.changes) > 0;
  }

  /** `db` is the queue's connection, inside its transaction: it must be this store's connection. */
  markQueuedIn(db: DatabaseSync, activityId: string): void {
    if (db !== this.#db)
      throw new Error("The queue and the federation store must share one SQLite connection.");
    const { changes } = db
      .prepare("UPDATE activities SET state = 'queued', queued_at = ? WHERE id = ? AND state = 'pending'")
      .run(new Date().toISOString(), activityId);
    if (Number(changes) === 0) throw new AlreadyQueuedError(activityId);
  }

  async pendingActivities(): Promise<ActivityRecord[]> {
    return (
      this.#db
        .prepare(
          "SELECT * FROM activities WHERE state = 'pending' AND account = ? ORDER BY created_at, rowid",
        )
        .all(this.account) as Row[]
    ).map(toActivity);
  }

  async listCreates({ offset, limit }: { offset: number; limit: number }): Promise<ActivityRecord[]> {
    return (
      this.#db
        .prepare(
          `SELECT a.* FROM activities a JOIN objects o ON o.account = a.account AND o.article_id = a.article_id
            WHERE a.account = ? AND a.kind = 'create' AND o.deleted_at IS NULL
            ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?`,
        )
        .all(this.account, limit, offset) as Row[]
    ).map(toActivity);
  }

  async countCreates(): Promise<number> {
    return (
      this.#db
        .prepare(
          `SELECT COUNT(*) AS n FROM activities a JOIN objects o ON o.account = a.account AND o.article_id = a.article_id
            WHERE a.account = ? AND a.kind = 'create' AND o.deleted_at IS NULL`,
        )
        .get(this.account) as { n: number }
    ).n;
  }

  async activityExists(id: string): Promise<boolean> {
    return this.#db.prepare("SELECT 1 FROM activities WHERE id = ?").get(id) !== undefined;
  }

  async getActivity(id: string): Promise<ActivityRecord | undefined> {
    const row = this.#db.prepare("SELECT * FROM activities WHERE id = ?").get(id) as Row | undefined;
    return row ? toActivity(row) : undefined;
  }

  async activityIdsOf(articleId: string): Promise<string[]> {
    return (
      this.#db
        .prepare("SELECT id FROM activities WHERE account = ? AND article_id = ? ORDER BY created_at, id")
        .all(this.account, articleId) as { id: string }[]
    ).map((r) => r.id);
  }

  async activityTimesSince(kind: ActivityRecord["kind"], sinceIso: string): Promise<string[]> {
    return (
      this.#db
        .prepare(
          "SELECT created_at FROM activities WHERE account = ? AND kind = ? AND state <> 'silent' AND created_at >= ?",
        )
        .all(this.account, kind, sinceIso) as { created_at: string }[]
    ).map((r) => r.created_at);
  }

  async retract(articleId: string, at: string): Promise<void> {
    this.#db
      .prepare("INSERT OR IGNORE INTO retractions (article_id, retracted_at) VALUES (?, ?)")
      .run(articleId, at);
  }

  async retractedIds(): Promise<Set<string>> {
    return new Set(
      (this.#db.prepare("SELECT article_id FROM retractions").all() as { article_id: string }[]).map(
        (r) => r.article_id,
      ),
    );
  }

  async addEvent(e: StoreEvent): Promise<void> {
    this.#db
      .prepare("INSERT INTO events (at, level, kind, message) VALUES (?, ?, ?, ?)")
      .run(e.at, e.level, e.kind, e.message);
    // A bounded log: keep the last 500 events.
    this.#db.prepare("DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - 500").run();
  }

  async recentEvents(limit: number, level?: "warn" | "error") {
    const rows = level
      ? this.#db
          .prepare(
            "SELECT at, level, kind, message FROM events WHERE level IN ('error', ?) ORDER BY id DESC LIMIT ?",
          )
          .all(level, limit)
      : this.#db.prepare("SELECT at, level, kind, message FROM events ORDER BY id DESC LIMIT ?").all(limit);
    return rows as { at: string; level: string; kind: string; message: string }[];
  }

  async recordInteraction(i: Interaction): Promise<boolean> {
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO interactions (id, article_id, kind, actor_id, url, content, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(i.id, i.articleId, i.kind, i.actorId, i.url, i.content, i.createdAt);
    return Number(result.changes) > 0;
  }

  async listInteractions(articleId?: string, options: InteractionQuery = {}): Promise<Interaction[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (articleId !== undefined) {
      where.push("article_id = ?");
      params.push(articleId);
    }
    if (options.kinds) {
      where.push(`kind IN (${options.kinds.map(() => "?").join(", ") || "NULL"})`);
      params.push(...options.kinds);
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const order =
      options.newest === undefined
        ? "ORDER BY created_at, rowid"
        : "ORDER BY created_at DESC, rowid DESC LIMIT ?";
    if (options.newest !== undefined) params.push(options.newest);
    const rows = this.#db.prepare(`SELECT * FROM interactions ${filter} ${order}`).all(...params) as Row[];
    return rows.map(toInteraction);
  }

  async countInteractions(): Promise<{ articleId: string; kind: Interaction["kind"]; count: number }[]> {
    const rows = this.#db
      .prepare("SELECT article_id, kind, COUNT(*) AS n FROM interactions GROUP BY article_id, kind")
      .all() as { article_id: string; kind: Interaction["kind"]; n: number }[];
    return rows.map((r) => ({ articleId: r.article_id, kind: r.kind, count: Number(r.n) }));
  }

  async trimInteractions(
    actorId: string,
    kinds: readonly Interaction["kind"][],
    keep: number,
  ): Promise<number> {
    const marks = kinds.map(() => "?").join(", ");
    const result = this.#db
      .prepare(
        `DELETE FROM interactions WHERE actor_id = ? AND kind IN (${marks}) AND rowid NOT IN (
           SELECT rowid FROM interactions WHERE actor_id = ? AND kind IN (${marks})
            ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      )
      .run(actorId, ...kinds, actorId, ...kinds, keep);
    return Number(result.changes);
  }

  async addBlocks(blocks: readonly Block[]): Promise<number> {
    const insert = this.#db.prepare(
      "INSERT OR IGNORE INTO blocks (target, kind, created_at, note) VALUES (?, ?, ?, ?)",
    );
    return this.#tx(() =>
      blocks.reduce(
        (added, b) => added + Number(insert.run(b.target, b.kind, b.createdAt, b.note).changes),
        0,
      ),
    );
  }

  async removeBlock(target: string): Promise<boolean> {
    return Number(this.#db.prepare("DELETE FROM blocks WHERE target = ?").run(target).changes) > 0;
  }

  async listBlocks(): Promise<Block[]> {
    return (this.#db.prepare("SELECT * FROM blocks ORDER BY target").all() as Row[]).map(toBlock);
  }

  async listRelays(): Promise<Relay[]> {
    return (this.#db.prepare("SELECT * FROM relays ORDER BY url").all() as Row[]).map(toRelay);
  }

  async saveRelay(r: Relay): Promise<void> {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO relays (url, style, inbox, follow_id, state, created_at, changed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.url, r.style, r.inbox, r.followId, r.state, r.createdAt, r.changedAt);
  }

  async removeRelay(url: string): Promise<boolean> {
    return Number(this.#db.prepare("DELETE FROM relays WHERE url = ?").run(url).changes) > 0;
  }

  async moderateReply(interactionId: string, hiddenAt: string | null, at: string): Promise<boolean> {
    return this.#tx(() => {
      const reply = this.#db
        .prepare("SELECT 1 FROM interactions WHERE id = ? AND kind = 'reply'")
        .get(interactionId);
      if (!reply) return false;
      this.#db
        .prepare("INSERT OR REPLACE INTO moderation (interaction_id, hidden_at, changed_at) VALUES (?, ?, ?)")
        .run(interactionId, hiddenAt, at);
      return true;
    });
  }

  async listModeration(articleId?: string): Promise<ReplyModeration[]> {
    const rows =
      articleId === undefined
        ? this.#db.prepare("SELECT * FROM moderation ORDER BY interaction_id").all()
        : this.#db
            .prepare(
              `SELECT m.* FROM moderation m JOIN interactions i ON i.id = m.interaction_id
                WHERE i.article_id = ? ORDER BY m.interaction_id`,
            )
            .all(articleId);
    return (rows as Row[]).map(toModeration);
  }

  async saveAuthor(a: Author): Promise<void> {
    this.#db
      .prepare("INSERT OR REPLACE INTO authors (actor_id, name, updated_at) VALUES (?, ?, ?)")
      .run(a.actorId, a.name, a.updatedAt);
  }

  async authorNames(actorIds: readonly string[]): Promise<Map<string, string>> {
    if (actorIds.length === 0) return new Map();
    const rows = this.#db
      .prepare(`SELECT * FROM authors WHERE actor_id IN (${actorIds.map(() => "?").join(", ")})`)
      .all(...actorIds) as Row[];
    return new Map(rows.map(toAuthor).map((a) => [a.actorId, a.name]));
  }

  async exportAll(): Promise<FederationDump> {
    // One read transaction: one snapshot, even while another process writes; no write lock taken.
    return readTransaction(this.#db, () => {
      const rows = Object.fromEntries(
        DUMP_TABLES.map((t) => [
          t,
          this.#db
            .prepare(`SELECT ${DUMP_COLUMNS[t].join(", ")} FROM ${t} ORDER BY ${EXPORT_ORDER[t]}`)
            .all() as Row[],
        ]),
      ) as Record<DumpTable, Row[]>;
      return toDump(rows);
    });
  }

  async importAll(dump: FederationDump): Promise<void> {
    const rows = toDumpRows(dump);
    this.#tx(() => {
      assertNoHistory(this.#db.prepare(historyCountSql(TABLES)).get() as Row);
      this.#db.exec(
        "DELETE FROM meta; DELETE FROM events; DELETE FROM blocks; DELETE FROM relays; DELETE FROM authors;",
      );
      for (const table of DUMP_TABLES) {
        const columns = DUMP_COLUMNS[table];
        const insert = this.#db.prepare(
          `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `:${c}`).join(", ")})`,
        );
        // In the dump's order: rowids follow it.
        for (const row of rows[table]) insert.run(sqliteValues(row));
      }
    });
  }
}

/** SQLite binds no booleans: 1 and 0, as the stores write them. */
function sqliteValues(row: Row): Record<string, string | number | null> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      typeof value === "boolean" ? Number(value) : value,
    ]),
  );
}
