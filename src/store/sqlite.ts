import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Article } from "../content/model.ts";
import type { ArticleChange, ArticleRecord, ArticleStore } from "../content/records.ts";
import { RECORD_COLUMNS, recordFromColumns } from "./article-rows.ts";
import { SqliteFederationStore } from "./sqlite-federation.ts";
import { SqliteMediaStore } from "./sqlite-media.ts";
import { SqliteMoves, SqliteQuoteStamps } from "./sqlite-quotes.ts";
import { immediateTransaction } from "./sqlite-tx.ts";

// Migrations run in order at open; each runs once, recorded in PRAGMA user_version. The list is
// frozen: a migration that has shipped is never edited and reads no schema constant that may change
// later, because files already past it would not see the change. A change is a new migration.
// A step is SQL, or a function where SQLite's DDL cannot say "only if missing" (ADD COLUMN).
type Migration = string | ((db: DatabaseSync) => void);

const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE articles (
     id            TEXT PRIMARY KEY,
     path          TEXT,
     slug          TEXT NOT NULL,
     body_hash     TEXT NOT NULL,
     first_seen    TEXT NOT NULL,
     content_hash  TEXT NOT NULL,
     changed_at    TEXT,
     removed_at    TEXT,
     published     TEXT NOT NULL,
     visible_from  TEXT,
     federate      INTEGER NOT NULL DEFAULT 1,
     file_size     INTEGER,
     file_mtime_ms REAL,
     file_ino      INTEGER,
     fingerprint   TEXT,
     article       TEXT
   );
   CREATE UNIQUE INDEX articles_path ON articles(path) WHERE path IS NOT NULL;`,
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE keys (
     kind        TEXT PRIMARY KEY,
     private_jwk TEXT NOT NULL,
     public_jwk  TEXT NOT NULL,
     created_at  TEXT NOT NULL
   );
   CREATE TABLE followers (
     actor_id     TEXT PRIMARY KEY,
     inbox        TEXT NOT NULL,
     shared_inbox TEXT,
     handle       TEXT,
     follow_id    TEXT,
     state        TEXT NOT NULL CHECK (state IN ('accepted', 'pending')),
     created_at   TEXT NOT NULL
   );
   CREATE INDEX followers_state ON followers(state, created_at);
   -- One row per federated article: what the fediverse currently has of it.
   CREATE TABLE objects (
     article_id   TEXT PRIMARY KEY,
     published    TEXT NOT NULL,
     updated      TEXT,
     content_hash TEXT NOT NULL,
     deleted_at   TEXT,
     pinned       INTEGER NOT NULL DEFAULT 0,
     object       TEXT NOT NULL
   );
   -- The ledger: every activity ever decided, with its deterministic id, before it is sent.
   CREATE TABLE activities (
     id          TEXT PRIMARY KEY,
     article_id  TEXT NOT NULL,
     kind        TEXT NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
     state       TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'silent')),
     created_at  TEXT NOT NULL,
     activity    TEXT NOT NULL
   );
   CREATE INDEX activities_state ON activities(state, created_at);
   CREATE INDEX activities_article ON activities(article_id, created_at);
   CREATE TABLE interactions (
     id          TEXT PRIMARY KEY,
     article_id  TEXT NOT NULL,
     kind        TEXT NOT NULL CHECK (kind IN ('like', 'announce', 'reply', 'mention')),
     actor_id    TEXT NOT NULL,
     url         TEXT,
     content     TEXT,
     created_at  TEXT NOT NULL
   );
   CREATE INDEX interactions_article ON interactions(article_id, kind);
   -- The delivery queue (SqliteQueue). Files made by Herald before lease_owner and the claim index
   -- got a narrower table here; migration 7 brings those up to this one.
   CREATE TABLE IF NOT EXISTS queue (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     message       TEXT NOT NULL,
     ordering_key  TEXT,
     scheduled_ms  INTEGER NOT NULL,
     lease_until   INTEGER,
     lease_owner   INTEGER,
     attempts      INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX IF NOT EXISTS queue_ready ON queue(scheduled_ms, id);
   CREATE INDEX IF NOT EXISTS queue_ordering ON queue(ordering_key, id) WHERE ordering_key IS NOT NULL;
   CREATE INDEX IF NOT EXISTS queue_claim ON queue(scheduled_ms, id, lease_until, ordering_key);`,
  `CREATE TABLE retractions (article_id TEXT PRIMARY KEY, retracted_at TEXT NOT NULL);
   CREATE TABLE events (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     at      TEXT NOT NULL,
     level   TEXT NOT NULL,
     kind    TEXT NOT NULL,
     message TEXT NOT NULL
   );`,
  // When an activity's deliveries were queued: backfill on follow tells by it whether a new follower
  // was already among the recipients.
  `ALTER TABLE activities ADD COLUMN queued_at TEXT;`,
  // Title and tags beside the record, so lists, tag pages and status need no article JSON. Filled
  // from the stored JSON, not by re-deriving the corpus; a row without JSON keeps title '', which
  // makes the next refresh read its file again (Library).
  `ALTER TABLE articles ADD COLUMN title TEXT NOT NULL DEFAULT '';
   ALTER TABLE articles ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
   UPDATE articles
      SET title = COALESCE(json_extract(article, '$.title'), ''),
          tags = COALESCE(json_extract(article, '$.tags'), '[]')
    WHERE json_valid(article);`,
  // Cover images: facts, mirror state and retries (MediaRecord as JSON, keyed by the image URL).
  `CREATE TABLE media (source TEXT PRIMARY KEY, record TEXT NOT NULL);`,
  // 7. The queue's lease owner (so a worker releases only its own leases) and the claim index:
  // claiming reads lease_until and ordering_key of every row it passes, stored after the message in
  // overflow pages; the covering index spares those reads. SqliteQueue used to add both itself.
  (db) => {
    const columns = db.prepare("PRAGMA table_info(queue)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "lease_owner"))
      db.exec("ALTER TABLE queue ADD COLUMN lease_owner INTEGER");
    db.exec("CREATE INDEX IF NOT EXISTS queue_claim ON queue(scheduled_ms, id, lease_until, ordering_key);");
  },
  // 8. Fedify's KV store (SqliteKv), which used to create its own table at every open. Keys are
  // compared byte-wise (BINARY) for SqliteKv's prefix ranges; WITHOUT ROWID keeps them in key order.
  `CREATE TABLE IF NOT EXISTS kv (
     key        TEXT PRIMARY KEY,
     value      TEXT NOT NULL,
     expires_ms INTEGER
   ) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS kv_expires ON kv(expires_ms) WHERE expires_ms IS NOT NULL;`,
  // 9. Every record column, so listing the records (each start of every command that opens the
  // library) reads this index, a few bytes per article, instead of the table: there each row holds
  // its article JSON, and title and tags (added by migration 5) lie after it, in overflow pages.
  `CREATE INDEX IF NOT EXISTS articles_records ON articles(
     id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published,
     visible_from, federate, file_size, file_mtime_ms, file_ino, fingerprint, title, tags);`,
  // 10. Herald's outbox (sqlite-outbox.ts): the activity once per fan-out, a small row per inbox, no
  // key material; receipts per fan-out and server, daily counts, circuits per server. Deliveries that
  // Fedify queued before (one message per inbox, each with the activity and the private keys) move
  // over, their keys dropped, and leave the queue. IF NOT EXISTS: a file set back to an earlier version
  // (as tests of earlier migrations do) runs it again harmlessly.
  `CREATE TABLE IF NOT EXISTS fanouts (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     activity_id   TEXT NOT NULL,
     activity_type TEXT NOT NULL,
     order_key     TEXT,
     followers     INTEGER NOT NULL DEFAULT 0,
     body          TEXT NOT NULL,
     inboxes       INTEGER NOT NULL,
     created_at    TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS fanouts_activity ON fanouts(activity_id);
   CREATE TABLE IF NOT EXISTS deliveries (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     fanout_id   INTEGER NOT NULL,
     inbox       TEXT NOT NULL,
     host        TEXT NOT NULL,
     attempt     INTEGER NOT NULL DEFAULT 0,
     due_ms      INTEGER NOT NULL,
     lease_until INTEGER,
     lease_owner INTEGER
   );
   CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(due_ms, id);
   CREATE INDEX IF NOT EXISTS deliveries_inbox ON deliveries(inbox, id);
   CREATE INDEX IF NOT EXISTS deliveries_fanout ON deliveries(fanout_id, host);
   CREATE TABLE IF NOT EXISTS receipts (
     fanout_id   INTEGER NOT NULL,
     host        TEXT NOT NULL,
     inbox       TEXT,
     delivered   INTEGER NOT NULL DEFAULT 0,
     failed      INTEGER NOT NULL DEFAULT 0,
     attempts    INTEGER NOT NULL DEFAULT 0,
     last_status INTEGER,
     last_error  TEXT,
     at          TEXT,
     PRIMARY KEY (fanout_id, host)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS delivery_days (
     day       TEXT PRIMARY KEY,
     delivered INTEGER NOT NULL DEFAULT 0,
     failed    INTEGER NOT NULL DEFAULT 0,
     followers INTEGER
   );
   CREATE TABLE IF NOT EXISTS hosts (
     host                 TEXT PRIMARY KEY,
     failures             INTEGER NOT NULL DEFAULT 0,
     opens                INTEGER NOT NULL DEFAULT 0,
     open_until_ms        INTEGER,
     first_failure_ms     INTEGER,
     last_failure_ms      INTEGER,
     last_success_ms      INTEGER,
     unreachable_since_ms INTEGER,
     last_error           TEXT
   );
   CREATE TEMP TABLE legacy AS
     SELECT q.id, q.scheduled_ms, COALESCE(json_extract(q.message, '$.attempt'), 0) AS attempt,
            json_extract(q.message, '$.type') AS type, q.message, q.ordering_key
       FROM queue q
      WHERE json_valid(q.message) AND json_extract(q.message, '$.type') IN ('outbox', 'fanout');
   INSERT INTO fanouts (id, activity_id, activity_type, order_key, followers, body, inboxes, created_at)
     SELECT id, COALESCE(json_extract(message, '$.activityId'), ''), COALESCE(json_extract(message, '$.activityType'), ''),
            CASE WHEN instr(ordering_key, char(10)) > 0 THEN substr(ordering_key, 1, instr(ordering_key, char(10)) - 1)
                 ELSE ordering_key END,
            json_extract(message, '$.headers."Collection-Synchronization"') IS NOT NULL
              OR json_extract(message, '$.collectionSync') IS NOT NULL,
            json_extract(message, '$.activity'),
            CASE WHEN type = 'outbox' THEN 1 ELSE (SELECT COUNT(*) FROM json_each(message, '$.inboxes')) END,
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       FROM legacy;
   INSERT INTO deliveries (fanout_id, inbox, host, attempt, due_ms)
     SELECT id, inbox, lower(substr(rest, 1, instr(rest || '/', '/') - 1)), attempt, scheduled_ms
       FROM (SELECT l.id, l.attempt, l.scheduled_ms, i.inbox,
                    substr(i.inbox, instr(i.inbox, '://') + 3) AS rest
               FROM legacy l
               JOIN (SELECT id, json_extract(message, '$.inbox') AS inbox FROM legacy WHERE type = 'outbox'
                     UNION ALL
                     SELECT l2.id, e.key FROM legacy l2, json_each(l2.message, '$.inboxes') e WHERE l2.type = 'fanout') i
                 ON i.id = l.id)
      WHERE inbox IS NOT NULL;
   DELETE FROM queue WHERE id IN (SELECT id FROM legacy);
   DROP TABLE temp.legacy;`,
  // 11. Operator blocks (federation/blocks.ts): a domain (with its subdomains) or an actor id.
  `CREATE TABLE IF NOT EXISTS blocks (
     target     TEXT PRIMARY KEY,
     kind       TEXT NOT NULL CHECK (kind IN ('domain', 'actor')),
     created_at TEXT NOT NULL,
     note       TEXT
   );`,
  // 12. Quote consent and moving out: the QuoteAuthorization stamps granted (FEP-044f), the Move ledger,
  // and "quote" among the interaction kinds. SQLite cannot change a CHECK in place: the interactions
  // table is rebuilt from its own stored definition (whatever columns and indexes other migrations
  // gave it), rowids kept, so listing order stays insertion order.
  (db) => {
    db.exec(`CREATE TABLE IF NOT EXISTS quote_stamps (
       id         TEXT PRIMARY KEY,
       article_id TEXT NOT NULL,
       quote_id   TEXT NOT NULL,
       actor_id   TEXT NOT NULL,
       inbox      TEXT NOT NULL,
       request_id TEXT NOT NULL,
       created_at TEXT NOT NULL,
       revoked_at TEXT
     );
     CREATE INDEX IF NOT EXISTS quote_stamps_live ON quote_stamps(revoked_at, created_at);
     CREATE TABLE IF NOT EXISTS moves (
       id         TEXT PRIMARY KEY,
       target     TEXT NOT NULL,
       state      TEXT NOT NULL CHECK (state IN ('pending', 'queued')),
       activity   TEXT NOT NULL,
       created_at TEXT NOT NULL,
       undone_at  TEXT
     );`);
    const table = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'interactions'")
      .get() as { sql: string } | undefined;
    if (!table || table.sql.includes("'quote'")) return;
    const kinds = /'mention'\s*\)/;
    if (!kinds.test(table.sql)) throw new Error("interactions: unexpected kind constraint; not migrated.");
    const indexes = db
      .prepare(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL",
      )
      .all() as { sql: string }[];
    const columns = (db.prepare("PRAGMA table_info(interactions)").all() as { name: string }[])
      .map((c) => `"${c.name}"`)
      .join(", ");
    db.exec(
      table.sql
        .replace(/^CREATE TABLE\s+"?interactions"?/, "CREATE TABLE interactions_quotes")
        .replace(kinds, "'mention', 'quote')"),
    );
    db.exec(`INSERT INTO interactions_quotes (rowid, ${columns}) SELECT rowid, ${columns} FROM interactions;
             DROP TABLE interactions;
             ALTER TABLE interactions_quotes RENAME TO interactions;`);
    for (const index of indexes) db.exec(index.sql);
  },
  // 13. Relays Herald follows (federation/relays.ts), the operator's hidden replies (pages show the
  // rest) and the display names of accounts that replied. Moderation and names are tables of their
  // own: interactions stay a record of what arrived.
  `CREATE TABLE IF NOT EXISTS relays (
     url        TEXT PRIMARY KEY,
     style      TEXT NOT NULL CHECK (style IN ('mastodon', 'litepub')),
     inbox      TEXT,
     follow_id  TEXT NOT NULL,
     state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
     created_at TEXT NOT NULL,
     changed_at TEXT NOT NULL
   );
   CREATE TABLE IF NOT EXISTS moderation (
     interaction_id TEXT PRIMARY KEY,
     hidden_at      TEXT,
     changed_at     TEXT NOT NULL
   );
   CREATE TABLE IF NOT EXISTS authors (
     actor_id   TEXT PRIMARY KEY,
     name       TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );`,
  // 14. Several fediverse accounts (accounts.ts): keys, followers, objects and the ledger get an
  // `account` column, '' (the main account) on every row already there, so a single-account file
  // keeps its ids, keys and followers as they were. Keys, followers and objects were keyed by kind,
  // actor and article alone: SQLite cannot change a primary key, so those tables are rebuilt, rowids
  // kept (listObjects answers in rowid order). Activity ids carry their account in the URL already:
  // the id stays the key. A fan-out names the account whose key signs it.
  (db) => {
    const has = (table: string) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some(
        (c) => c.name === "account",
      );
    // A file set back to an earlier version (tests of earlier migrations) runs this again: only what
    // is missing is done.
    if (!has("keys"))
      db.exec(`CREATE TABLE keys_by_account (
     account     TEXT NOT NULL DEFAULT '',
     kind        TEXT NOT NULL,
     private_jwk TEXT NOT NULL,
     public_jwk  TEXT NOT NULL,
     created_at  TEXT NOT NULL,
     PRIMARY KEY (account, kind)
   );
   INSERT INTO keys_by_account (rowid, account, kind, private_jwk, public_jwk, created_at)
     SELECT rowid, '', kind, private_jwk, public_jwk, created_at FROM keys;
   DROP TABLE keys;
   ALTER TABLE keys_by_account RENAME TO keys;
   CREATE TABLE followers_by_account (
     account      TEXT NOT NULL DEFAULT '',
     actor_id     TEXT NOT NULL,
     inbox        TEXT NOT NULL,
     shared_inbox TEXT,
     handle       TEXT,
     follow_id    TEXT,
     state        TEXT NOT NULL CHECK (state IN ('accepted', 'pending')),
     created_at   TEXT NOT NULL,
     PRIMARY KEY (account, actor_id)
   );
   INSERT INTO followers_by_account (rowid, account, actor_id, inbox, shared_inbox, handle, follow_id, state, created_at)
     SELECT rowid, '', actor_id, inbox, shared_inbox, handle, follow_id, state, created_at FROM followers;
   DROP TABLE followers;
   ALTER TABLE followers_by_account RENAME TO followers;
   CREATE INDEX followers_state ON followers(account, state, created_at);
   CREATE TABLE objects_by_account (
     account      TEXT NOT NULL DEFAULT '',
     article_id   TEXT NOT NULL,
     published    TEXT NOT NULL,
     updated      TEXT,
     content_hash TEXT NOT NULL,
     deleted_at   TEXT,
     pinned       INTEGER NOT NULL DEFAULT 0,
     object       TEXT NOT NULL,
     PRIMARY KEY (account, article_id)
   );
   INSERT INTO objects_by_account (rowid, account, article_id, published, updated, content_hash, deleted_at, pinned, object)
     SELECT rowid, '', article_id, published, updated, content_hash, deleted_at, pinned, object FROM objects;
   DROP TABLE objects;
   ALTER TABLE objects_by_account RENAME TO objects;`);
    // Rebuilt too, rowids kept (pending entries of one instant go in rowid order): the main account
    // of `bot.mode: announce` records Announces of the section accounts' posts in its ledger.
    if (!has("activities"))
      db.exec(`CREATE TABLE activities_by_account (
         id          TEXT PRIMARY KEY,
         account     TEXT NOT NULL DEFAULT '',
         article_id  TEXT NOT NULL,
         kind        TEXT NOT NULL CHECK (kind IN ('create', 'update', 'delete', 'announce')),
         state       TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'silent')),
         created_at  TEXT NOT NULL,
         activity    TEXT NOT NULL,
         queued_at   TEXT
       );
       INSERT INTO activities_by_account (rowid, id, account, article_id, kind, state, created_at, activity, queued_at)
         SELECT rowid, id, '', article_id, kind, state, created_at, activity, queued_at FROM activities;
       DROP TABLE activities;
       ALTER TABLE activities_by_account RENAME TO activities;
       CREATE INDEX activities_state ON activities(state, created_at);
       CREATE INDEX activities_article ON activities(article_id, created_at);
       CREATE INDEX activities_account ON activities(account, kind, created_at);`);
    if (!has("fanouts")) db.exec("ALTER TABLE fanouts ADD COLUMN account TEXT NOT NULL DEFAULT ''");
  },
];

export class SqliteStore implements ArticleStore {
  readonly #db: DatabaseSync;
  readonly #file: string;
  /** Followers, keys, the activity ledger and interactions, on the same connection. */
  readonly federation: SqliteFederationStore;
  /** Cover images, on the same connection. */
  readonly media: SqliteMediaStore;
  /** Quote stamps (FEP-044f) and the Move ledger, on the same connection (the outbox's). */
  readonly quotes: SqliteQuoteStamps;
  readonly moves: SqliteMoves;

  constructor(file: string) {
    this.#file = file;
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;");
    try {
      this.#migrate();
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.federation = new SqliteFederationStore(this.#db);
    this.media = new SqliteMediaStore(this.#db);
    this.quotes = new SqliteQuoteStamps(this.#db);
    this.moves = new SqliteMoves(this.#db);
  }

  /** The same connection, for Fedify's KV store and the delivery queue (one transaction with the ledger). */
  get database(): DatabaseSync {
    return this.#db;
  }

  #migrate(): void {
    const { user_version: current } = this.#db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    };
    if (current > MIGRATIONS.length)
      throw new Error(
        `${this.#file} is at schema version ${current}, newer than this Herald knows (${MIGRATIONS.length}). Run the newer Herald, or restore a backup.`,
      );
    if (current === MIGRATIONS.length) return;
    immediateTransaction(this.#db, () => {
      // Re-read inside the lock: another process may have migrated meanwhile.
      const { user_version: v } = this.#db.prepare("PRAGMA user_version").get() as { user_version: number };
      for (const migration of MIGRATIONS.slice(v)) {
        if (typeof migration === "string") this.#db.exec(migration);
        else migration(this.#db);
      }
      this.#db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    });
  }

  #listRecords: StatementSync | undefined;

  async listRecords(): Promise<ArticleRecord[]> {
    // From the covering index (migration 9), each row an array, taken one at a time: no object
    // per row to build, and no row outlives its record, on the path every command takes (10,000
    // articles: 10,000 rows).
    if (!this.#listRecords) {
      this.#listRecords = this.#db.prepare(`SELECT ${RECORD_COLUMNS.join(", ")} FROM articles`);
      this.#listRecords.setReturnArrays(true);
    }
    const records: ArticleRecord[] = [];
    for (const row of this.#listRecords.iterate())
      records.push(recordFromColumns(row as unknown as unknown[]));
    return records;
  }

  async getArticle(id: string): Promise<Article | undefined> {
    const row = this.#db.prepare("SELECT article FROM articles WHERE id = ?").get(id) as
      | { article: string | null }
      | undefined;
    return row?.article ? (JSON.parse(row.article) as Article) : undefined;
  }

  #upsert: StatementSync | undefined;
  #release: StatementSync | undefined;

  async saveRecords(changes: readonly ArticleChange[]): Promise<void> {
    this.#inTransaction(() => this.#save(changes));
  }

  async saveBatches(batches: Iterable<readonly ArticleChange[]>): Promise<void> {
    this.#inTransaction(() => {
      for (const batch of batches) this.#save(batch);
    });
  }

  /**
   * Synchronous from BEGIN to COMMIT, so no other caller's write can slip in. Deferred: the write lock
   * is taken by the first write, so a refresh that changes nothing takes none.
   */
  #inTransaction(fn: () => void): void {
    if (this.#db.isTransaction) {
      fn();
      return;
    }
    this.#db.exec("BEGIN");
    try {
      fn();
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Synchronous, in the open transaction. */
  #save(changes: readonly ArticleChange[]): void {
    if (changes.length === 0) return;
    // Prepared once per connection, not per call: a cold build saves in many batches.
    this.#upsert ??= this.#db.prepare(
      `INSERT INTO articles (id, path, slug, body_hash, first_seen, content_hash, changed_at, removed_at, published,
                             visible_from, federate, file_size, file_mtime_ms, file_ino, fingerprint, title, tags,
                             article)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET
         path = excluded.path, slug = excluded.slug, body_hash = excluded.body_hash,
         content_hash = excluded.content_hash, changed_at = excluded.changed_at,
         removed_at = excluded.removed_at, published = excluded.published,
         visible_from = excluded.visible_from, federate = excluded.federate, file_size = excluded.file_size,
         file_mtime_ms = excluded.file_mtime_ms, file_ino = excluded.file_ino, fingerprint = excluded.fingerprint,
         title = excluded.title, tags = excluded.tags, article = COALESCE(excluded.article, articles.article)`,
    );
    // A path moves between ids on rename: free every path first so the unique index never trips mid-batch.
    this.#release ??= this.#db.prepare("UPDATE articles SET path = NULL WHERE path = ? AND id <> ?");
    const upsert = this.#upsert;
    const release = this.#release;
    for (const { record: r } of changes) if (r.path) release.run(r.path, r.id);
    for (const { record: r, article } of changes) {
      upsert.run(
        r.id,
        r.path,
        r.slug,
        r.bodyHash,
        r.firstSeen,
        r.contentHash,
        r.changedAt,
        r.removedAt,
        r.published,
        r.visibleFrom,
        r.federate ? 1 : 0,
        r.file?.size ?? null,
        r.file?.mtimeMs ?? null,
        r.file?.ino ?? null,
        r.file?.fingerprint ?? null,
        r.title,
        JSON.stringify(r.tags),
        article ? JSON.stringify(article) : null,
      );
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
