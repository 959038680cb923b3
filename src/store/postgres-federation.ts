import type { Sql, TransactionSql } from "postgres";
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
import { applySchema, checkIdentifier, once, type SchemaComponent } from "./postgres-schema.ts";
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

// The PostgreSQL twin of SqliteFederationStore, for several Herald processes sharing one database.
// Same semantics, checked by one contract suite (tests/store/federation.contract.test.ts).
//
// Choices that keep the two stores interchangeable (and `herald migrate-store` a plain copy):
// - Instants stay ISO text, as the application writes them: they round-trip byte for byte, and ISO
//   instants of one format order correctly as text. Ordered text columns use COLLATE "C" (byte
//   order, as SQLite's BINARY), so ties and paging do not depend on the server's locale.
// - JSON documents (keys, objects, activities) are text, not jsonb: jsonb reorders object keys, and
//   an object is served exactly as it was federated.
// - SQLite's implicit rowid ordered pending activities and interactions of one instant by insertion;
//   here an identity column `seq` does.
// - The activity is inserted first, ON CONFLICT DO NOTHING: two processes recording the same
//   deterministic id at once cannot both win, where a check-then-insert could.

/** The queue's transaction, in which `markQueuedIn` writes (PostgresQueue.atomically hands it over). */
export type PostgresLedgerTx = TransactionSql;

export interface PostgresFederationStoreOptions {
  /** Prepended to every table name; `herald_` by default. The connection's search_path picks the schema. */
  prefix?: string;
  /** Whose keys, followers, objects, ledger and meta this handle sees; the main account's by default. */
  account?: string;
}

const EVENTS_KEPT = 500;

type Row = FederationRow;

/**
 * Export order: insertion (seq) where reads depend on it, the primary key elsewhere. Objects have no
 * insertion order here and no read depends on their order (listObjects sorts by article id), so
 * none is asked for (`null`).
 */
const EXPORT_ORDER: Record<DumpTable, readonly string[] | null> = {
  meta: ["key"],
  keys: ["account", "kind"],
  followers: ["account", "actor_id"],
  objects: null,
  activities: ["seq"],
  interactions: ["seq"],
  retractions: ["article_id"],
  events: ["id"],
  blocks: ["target"],
  relays: ["url"],
  moderation: ["interaction_id"],
  authors: ["actor_id"],
};

/** Rows per INSERT on import: 10,000 activities are ten round trips, each statement a few MB at most. */
const IMPORT_CHUNK = 1_000;

/** The federation tables, by role, named with `prefix`. */
function tablesOf(prefix: string): Record<DumpTable, string> {
  const name = (table: string) => checkIdentifier(`${prefix}${table}`);
  return {
    meta: name("meta"),
    keys: name("keys"),
    followers: name("followers"),
    objects: name("objects"),
    activities: name("activities"),
    interactions: name("interactions"),
    retractions: name("retractions"),
    events: name("events"),
    blocks: name("blocks"),
    relays: name("relays"),
    moderation: name("moderation"),
    authors: name("authors"),
  };
}

/**
 * The federation store's schema components, in the order they are applied: the federation tables,
 * then relays and reply moderation, each its own component so that other tables' migrations are
 * appended independently.
 */
export function federationMigrations(prefix: string): SchemaComponent[] {
  const t = tablesOf(prefix);
  return [
    {
      component: `${prefix}federation`,
      migrations: [
        [
          `CREATE TABLE IF NOT EXISTS ${t.meta} (key text COLLATE "C" PRIMARY KEY, value text NOT NULL)`,
          `CREATE TABLE IF NOT EXISTS ${t.keys} (
           kind        text COLLATE "C" PRIMARY KEY,
           private_jwk text NOT NULL,
           public_jwk  text NOT NULL,
           created_at  text NOT NULL
         )`,
          `CREATE TABLE IF NOT EXISTS ${t.followers} (
           actor_id     text COLLATE "C" PRIMARY KEY,
           inbox        text NOT NULL,
           shared_inbox text,
           handle       text,
           follow_id    text,
           state        text NOT NULL CHECK (state IN ('accepted', 'pending')),
           created_at   text COLLATE "C" NOT NULL
         )`,
          `CREATE INDEX IF NOT EXISTS ${t.followers}_state ON ${t.followers} (state, created_at, actor_id)`,
          `CREATE INDEX IF NOT EXISTS ${t.followers}_order ON ${t.followers} (created_at, actor_id)`,
          `CREATE TABLE IF NOT EXISTS ${t.objects} (
           article_id   text COLLATE "C" PRIMARY KEY,
           published    text NOT NULL,
           updated      text,
           content_hash text NOT NULL,
           deleted_at   text,
           pinned       boolean NOT NULL DEFAULT false,
           object       text NOT NULL
         )`,
          `CREATE TABLE IF NOT EXISTS ${t.activities} (
           id          text COLLATE "C" PRIMARY KEY,
           seq         bigint GENERATED ALWAYS AS IDENTITY,
           article_id  text COLLATE "C" NOT NULL,
           kind        text NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
           state       text NOT NULL CHECK (state IN ('pending', 'queued', 'silent')),
           created_at  text COLLATE "C" NOT NULL,
           activity    text NOT NULL
         )`,
          `CREATE INDEX IF NOT EXISTS ${t.activities}_state ON ${t.activities} (state, created_at, seq)`,
          `CREATE INDEX IF NOT EXISTS ${t.activities}_article ON ${t.activities} (article_id, created_at)`,
          `CREATE INDEX IF NOT EXISTS ${t.activities}_kind ON ${t.activities} (kind, created_at)`,
          `CREATE TABLE IF NOT EXISTS ${t.interactions} (
           id          text COLLATE "C" PRIMARY KEY,
           seq         bigint GENERATED ALWAYS AS IDENTITY,
           article_id  text COLLATE "C" NOT NULL,
           kind        text NOT NULL CHECK (kind IN ('like', 'announce', 'reply', 'mention')),
           actor_id    text NOT NULL,
           url         text,
           content     text,
           created_at  text COLLATE "C" NOT NULL
         )`,
          `CREATE INDEX IF NOT EXISTS ${t.interactions}_article ON ${t.interactions} (article_id, kind)`,
          `CREATE TABLE IF NOT EXISTS ${t.retractions} (
           article_id   text COLLATE "C" PRIMARY KEY,
           retracted_at text NOT NULL
         )`,
          `CREATE TABLE IF NOT EXISTS ${t.events} (
           id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           at      text NOT NULL,
           level   text NOT NULL,
           kind    text NOT NULL,
           message text NOT NULL
         )`,
        ],
        // When an activity's deliveries were queued: backfill on follow tells by it whether a new
        // follower was already among the recipients.
        [`ALTER TABLE ${t.activities} ADD COLUMN IF NOT EXISTS queued_at text COLLATE "C"`],
        // Operator blocks (federation/blocks.ts): a domain (with its subdomains) or an actor id.
        [
          `CREATE TABLE IF NOT EXISTS ${t.blocks} (
           target     text COLLATE "C" PRIMARY KEY,
           kind       text NOT NULL CHECK (kind IN ('domain', 'actor')),
           created_at text NOT NULL,
           note       text
         )`,
        ],
        // Quotes (FEP-044f) are recorded as interactions too.
        [
          `ALTER TABLE ${t.interactions} DROP CONSTRAINT IF EXISTS ${t.interactions}_kind_check`,
          `ALTER TABLE ${t.interactions} ADD CONSTRAINT ${t.interactions}_kind_check
             CHECK (kind IN ('like', 'announce', 'reply', 'mention', 'quote'))`,
        ],
        // Several fediverse accounts: keys, followers, objects and the ledger per account, '' (the
        // main account) on every row already there, so its ids, keys and followers stay as they
        // were. Activity ids carry their account in the URL: the id stays the key.
        [
          `ALTER TABLE ${t.keys} ADD COLUMN account text COLLATE "C" NOT NULL DEFAULT ''`,
          `ALTER TABLE ${t.keys} DROP CONSTRAINT ${t.keys}_pkey, ADD PRIMARY KEY (account, kind)`,
          `ALTER TABLE ${t.followers} ADD COLUMN account text COLLATE "C" NOT NULL DEFAULT ''`,
          `ALTER TABLE ${t.followers} DROP CONSTRAINT ${t.followers}_pkey, ADD PRIMARY KEY (account, actor_id)`,
          `DROP INDEX IF EXISTS ${t.followers}_state`,
          `DROP INDEX IF EXISTS ${t.followers}_order`,
          `CREATE INDEX ${t.followers}_state ON ${t.followers} (account, state, created_at, actor_id)`,
          `CREATE INDEX ${t.followers}_order ON ${t.followers} (account, created_at, actor_id)`,
          `ALTER TABLE ${t.objects} ADD COLUMN account text COLLATE "C" NOT NULL DEFAULT ''`,
          `ALTER TABLE ${t.objects} DROP CONSTRAINT ${t.objects}_pkey, ADD PRIMARY KEY (account, article_id)`,
          `ALTER TABLE ${t.activities} ADD COLUMN account text COLLATE "C" NOT NULL DEFAULT ''`,
          `CREATE INDEX ${t.activities}_account ON ${t.activities} (account, kind, created_at)`,
          // The main account of `bot.mode: announce` records Announces of section posts.
          `ALTER TABLE ${t.activities} DROP CONSTRAINT IF EXISTS ${t.activities}_kind_check`,
          `ALTER TABLE ${t.activities} ADD CONSTRAINT ${t.activities}_kind_check
             CHECK (kind IN ('create', 'update', 'delete', 'announce'))`,
        ],
      ],
    },
    // Relays Herald follows (federation/relays.ts).
    {
      component: `${prefix}relays`,
      migrations: [
        [
          `CREATE TABLE IF NOT EXISTS ${t.relays} (
           url        text COLLATE "C" PRIMARY KEY,
           style      text NOT NULL CHECK (style IN ('mastodon', 'litepub')),
           inbox      text,
           follow_id  text NOT NULL,
           state      text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
           created_at text NOT NULL,
           changed_at text NOT NULL
         )`,
        ],
      ],
    },
    // The operator's hidden replies (article pages show the rest), and the display names of
    // accounts that replied.
    {
      component: `${prefix}moderation`,
      migrations: [
        [
          `CREATE TABLE IF NOT EXISTS ${t.moderation} (
           interaction_id text COLLATE "C" PRIMARY KEY,
           hidden_at      text,
           changed_at     text NOT NULL
         )`,
          `CREATE TABLE IF NOT EXISTS ${t.authors} (
           actor_id   text COLLATE "C" PRIMARY KEY,
           name       text NOT NULL,
           updated_at text NOT NULL
         )`,
        ],
      ],
    },
  ];
}

export class PostgresFederationStore implements FederationStore<PostgresLedgerTx> {
  readonly #sql: Sql;
  readonly #t: Record<DumpTable, string>;
  readonly #options: PostgresFederationStoreOptions;
  readonly account: string;
  /** Creates the tables once per instance, serialised against other processes (applySchema). */
  readonly initialize: () => Promise<void>;

  constructor(sql: Sql, options: PostgresFederationStoreOptions = {}, initialize?: () => Promise<void>) {
    this.#sql = sql;
    this.#options = options;
    this.account = options.account ?? MAIN_ACCOUNT;
    const prefix = options.prefix ?? "herald_";
    this.#t = tablesOf(prefix);
    this.initialize =
      initialize ??
      once(async () => {
        for (const { component, migrations } of federationMigrations(prefix))
          await applySchema(sql, component, migrations);
      });
  }

  forAccount(account: string): PostgresFederationStore {
    if (account === this.account) return this;
    return new PostgresFederationStore(this.#sql, { ...this.#options, account }, this.initialize);
  }

  async listAccounts(): Promise<{ account: string; followers: number }[]> {
    const sql = await this.#ready();
    const rows = await sql<{ account: string; n: number }[]>`
      SELECT k.account, (SELECT count(*)::int FROM ${sql(this.#t.followers)} f
                          WHERE f.account = k.account AND f.state = 'accepted') AS n
        FROM (SELECT account FROM ${sql(this.#t.keys)} UNION SELECT account FROM ${sql(this.#t.followers)}
              UNION SELECT account FROM ${sql(this.#t.objects)}) k
       ORDER BY k.account`;
    return rows.map((r) => ({ account: r.account, followers: r.n }));
  }

  /** The client after the schema exists. */
  async #ready(): Promise<Sql> {
    await this.initialize();
    return this.#sql;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<{ value: string }[]>`
      SELECT value FROM ${sql(this.#t.meta)} WHERE key = ${accountMetaKey(this.account, key)}`;
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.meta)} (key, value) VALUES (${accountMetaKey(this.account, key)}, ${value})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
  }

  async getKeys(): Promise<StoredKey[]> {
    const sql = await this.#ready();
    return (
      await sql<Row[]>`SELECT * FROM ${sql(this.#t.keys)} WHERE account = ${this.account} ORDER BY kind DESC`
    ).map(toKey);
  }

  async addKeys(keys: readonly StoredKey[]): Promise<void> {
    const sql = await this.#ready();
    await sql.begin(async (tx) => {
      for (const k of keys)
        await tx`
          INSERT INTO ${tx(this.#t.keys)} (account, kind, private_jwk, public_jwk, created_at)
          VALUES (${this.account}, ${k.kind}, ${JSON.stringify(k.privateJwk)}, ${JSON.stringify(k.publicJwk)},
                  ${k.createdAt})
          ON CONFLICT (account, kind) DO NOTHING`;
    });
  }

  async upsertFollower(f: Follower): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.followers)} (account, actor_id, inbox, shared_inbox, handle, follow_id, state, created_at)
      VALUES (${this.account}, ${f.actorId}, ${f.inbox}, ${f.sharedInbox}, ${f.handle}, ${f.followId}, ${f.state},
              ${f.createdAt})
      ON CONFLICT (account, actor_id) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
        handle = excluded.handle, follow_id = excluded.follow_id, state = excluded.state`;
  }

  async removeFollower(actorId: string): Promise<boolean> {
    const sql = await this.#ready();
    const result = await sql`
      DELETE FROM ${sql(this.#t.followers)} WHERE account = ${this.account} AND actor_id = ${actorId}`;
    return result.count > 0;
  }

  async getFollower(actorId: string): Promise<Follower | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<Row[]>`
      SELECT * FROM ${sql(this.#t.followers)} WHERE account = ${this.account} AND actor_id = ${actorId}`;
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
  }): Promise<Follower[]> {
    const sql = await this.#ready();
    // A negative limit means all, as in SQLite; LIMIT NULL is PostgreSQL's LIMIT ALL.
    const rows = await sql<Row[]>`
      SELECT * FROM ${sql(this.#t.followers)} WHERE account = ${this.account}
       ${state ? sql`AND state = ${state}` : sql``}
       ORDER BY created_at, actor_id LIMIT ${limit < 0 ? null : limit} OFFSET ${offset}`;
    return rows.map(toFollower);
  }

  async countFollowers(state?: Follower["state"]): Promise<number> {
    const sql = await this.#ready();
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${sql(this.#t.followers)} WHERE account = ${this.account}
       ${state ? sql`AND state = ${state}` : sql``}`;
    return row!.n;
  }

  async getObject(articleId: string): Promise<FederatedObject | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<Row[]>`
      SELECT * FROM ${sql(this.#t.objects)} WHERE account = ${this.account} AND article_id = ${articleId}`;
    return row ? toObject(row) : undefined;
  }

  async listObjects(): Promise<FederatedObject[]> {
    const sql = await this.#ready();
    return (
      await sql<Row[]>`
      SELECT * FROM ${sql(this.#t.objects)} WHERE account = ${this.account} ORDER BY article_id`
    ).map(toObject);
  }

  async recordActivity(o: FederatedObject, a: ActivityRecord): Promise<boolean> {
    const sql = await this.#ready();
    return sql.begin(async (tx) => {
      const inserted = await tx`
        INSERT INTO ${tx(this.#t.activities)} (id, account, article_id, kind, state, created_at, activity)
        VALUES (${a.id}, ${this.account}, ${a.articleId}, ${a.kind}, ${a.state}, ${a.createdAt}, ${JSON.stringify(a.activity)})
        ON CONFLICT (id) DO NOTHING RETURNING 1`;
      if (inserted.length === 0) return false;
      await tx`
        INSERT INTO ${tx(this.#t.objects)} (account, article_id, published, updated, content_hash, deleted_at, pinned, object)
        VALUES (${this.account}, ${o.articleId}, ${o.published}, ${o.updated}, ${o.contentHash}, ${o.deletedAt}, ${o.pinned},
                ${JSON.stringify(o.object)})
        ON CONFLICT (account, article_id) DO UPDATE SET published = excluded.published, updated = excluded.updated,
          content_hash = excluded.content_hash, deleted_at = excluded.deleted_at, pinned = excluded.pinned,
          object = excluded.object`;
      return true;
    });
  }

  async recordAnnouncement(a: ActivityRecord): Promise<boolean> {
    const sql = await this.#ready();
    const inserted = await sql`
      INSERT INTO ${sql(this.#t.activities)} (id, account, article_id, kind, state, created_at, activity)
      VALUES (${a.id}, ${this.account}, ${a.articleId}, ${a.kind}, ${a.state}, ${a.createdAt},
              ${JSON.stringify(a.activity)})
      ON CONFLICT (id) DO NOTHING RETURNING 1`;
    return inserted.length > 0;
  }

  /** Writes through the queue's transaction: the mark commits with the enqueued batch, or neither does. */
  async markQueuedIn(tx: PostgresLedgerTx, activityId: string): Promise<void> {
    // The queue's transaction may be the first use of this store in the process.
    await this.initialize();
    const result = await tx`
      UPDATE ${tx(this.#t.activities)} SET state = 'queued', queued_at = ${new Date().toISOString()}
       WHERE id = ${activityId} AND state = 'pending'`;
    if (result.count === 0) throw new AlreadyQueuedError(activityId);
  }

  async pendingActivities(): Promise<ActivityRecord[]> {
    const sql = await this.#ready();
    return (
      await sql<Row[]>`
        SELECT * FROM ${sql(this.#t.activities)} WHERE state = 'pending' AND account = ${this.account}
         ORDER BY created_at, seq`
    ).map(toActivity);
  }

  async listCreates({ offset, limit }: { offset: number; limit: number }): Promise<ActivityRecord[]> {
    const sql = await this.#ready();
    return (
      await sql<Row[]>`
        SELECT a.* FROM ${sql(this.#t.activities)} a
          JOIN ${sql(this.#t.objects)} o ON o.account = a.account AND o.article_id = a.article_id
         WHERE a.account = ${this.account} AND a.kind = 'create' AND o.deleted_at IS NULL
         ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit} OFFSET ${offset}`
    ).map(toActivity);
  }

  async countCreates(): Promise<number> {
    const sql = await this.#ready();
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${sql(this.#t.activities)} a
        JOIN ${sql(this.#t.objects)} o ON o.account = a.account AND o.article_id = a.article_id
       WHERE a.account = ${this.account} AND a.kind = 'create' AND o.deleted_at IS NULL`;
    return row!.n;
  }

  async activityExists(id: string): Promise<boolean> {
    const sql = await this.#ready();
    return (await sql`SELECT 1 FROM ${sql(this.#t.activities)} WHERE id = ${id}`).length > 0;
  }

  async getActivity(id: string): Promise<ActivityRecord | undefined> {
    const sql = await this.#ready();
    const [row] = await sql<Row[]>`SELECT * FROM ${sql(this.#t.activities)} WHERE id = ${id}`;
    return row ? toActivity(row) : undefined;
  }

  async activityIdsOf(articleId: string): Promise<string[]> {
    const sql = await this.#ready();
    const rows = await sql<{ id: string }[]>`
      SELECT id FROM ${sql(this.#t.activities)} WHERE account = ${this.account} AND article_id = ${articleId}
       ORDER BY created_at, id`;
    return rows.map((r) => r.id);
  }

  async activityTimesSince(kind: ActivityRecord["kind"], sinceIso: string): Promise<string[]> {
    const sql = await this.#ready();
    const rows = await sql<{ created_at: string }[]>`
      SELECT created_at FROM ${sql(this.#t.activities)}
       WHERE account = ${this.account} AND kind = ${kind} AND state <> 'silent' AND created_at >= ${sinceIso}`;
    return rows.map((r) => r.created_at);
  }

  async retract(articleId: string, at: string): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.retractions)} (article_id, retracted_at) VALUES (${articleId}, ${at})
      ON CONFLICT (article_id) DO NOTHING`;
  }

  async retractedIds(): Promise<Set<string>> {
    const sql = await this.#ready();
    const rows = await sql<{ article_id: string }[]>`SELECT article_id FROM ${sql(this.#t.retractions)}`;
    return new Set(rows.map((r) => r.article_id));
  }

  async addEvent(e: StoreEvent): Promise<void> {
    const sql = await this.#ready();
    const events = sql(this.#t.events);
    await sql`INSERT INTO ${events} (at, level, kind, message) VALUES (${e.at}, ${e.level}, ${e.kind}, ${e.message})`;
    // A bounded log: keep the last EVENTS_KEPT events (ids from concurrent writers may have gaps:
    // then slightly fewer are kept, never more).
    await sql`DELETE FROM ${events} WHERE id <= (SELECT max(id) FROM ${events}) - ${EVENTS_KEPT}`;
  }

  async recentEvents(
    limit: number,
    level?: "warn" | "error",
  ): Promise<{ at: string; level: string; kind: string; message: string }[]> {
    const sql = await this.#ready();
    const rows = await sql<{ at: string; level: string; kind: string; message: string }[]>`
      SELECT at, level, kind, message FROM ${sql(this.#t.events)}
       ${level ? sql`WHERE level IN ('error', ${level})` : sql``}
       ORDER BY id DESC LIMIT ${limit}`;
    return rows.map((r) => ({ at: r.at, level: r.level, kind: r.kind, message: r.message }));
  }

  async recordInteraction(i: Interaction): Promise<boolean> {
    const sql = await this.#ready();
    const inserted = await sql`
      INSERT INTO ${sql(this.#t.interactions)} (id, article_id, kind, actor_id, url, content, created_at)
      VALUES (${i.id}, ${i.articleId}, ${i.kind}, ${i.actorId}, ${i.url}, ${i.content}, ${i.createdAt})
      ON CONFLICT (id) DO NOTHING RETURNING 1`;
    return inserted.length > 0;
  }

  async listInteractions(articleId?: string, options: InteractionQuery = {}): Promise<Interaction[]> {
    const sql = await this.#ready();
    const conditions = [
      ...(articleId !== undefined ? [sql`article_id = ${articleId}`] : []),
      ...(options.kinds ? [sql`kind = ANY(${[...options.kinds]})`] : []),
    ];
    const where = conditions.length
      ? sql`WHERE ${conditions.reduce((all, c) => sql`${all} AND ${c}`)}`
      : sql``;
    const rows =
      options.newest === undefined
        ? await sql<Row[]>`SELECT * FROM ${sql(this.#t.interactions)} ${where} ORDER BY created_at, seq`
        : await sql<Row[]>`SELECT * FROM ${sql(this.#t.interactions)} ${where}
             ORDER BY created_at DESC, seq DESC LIMIT ${options.newest}`;
    return rows.map(toInteraction);
  }

  async countInteractions(): Promise<{ articleId: string; kind: Interaction["kind"]; count: number }[]> {
    const sql = await this.#ready();
    const rows = await sql<{ article_id: string; kind: Interaction["kind"]; n: string }[]>`
      SELECT article_id, kind, COUNT(*) AS n FROM ${sql(this.#t.interactions)} GROUP BY article_id, kind`;
    return rows.map((r) => ({ articleId: r.article_id, kind: r.kind, count: Number(r.n) }));
  }

  async trimInteractions(
    actorId: string,
    kinds: readonly Interaction["kind"][],
    keep: number,
  ): Promise<number> {
    const sql = await this.#ready();
    const t = sql(this.#t.interactions);
    const deleted = await sql`
      DELETE FROM ${t} WHERE actor_id = ${actorId} AND kind = ANY(${[...kinds]}) AND seq NOT IN (
        SELECT seq FROM ${t} WHERE actor_id = ${actorId} AND kind = ANY(${[...kinds]})
         ORDER BY created_at DESC, seq DESC LIMIT ${keep})`;
    return deleted.count;
  }

  async addBlocks(blocks: readonly Block[]): Promise<number> {
    if (blocks.length === 0) return 0;
    const sql = await this.#ready();
    const rows = blocks.map((b) => ({
      target: b.target,
      kind: b.kind,
      created_at: b.createdAt,
      note: b.note,
    }));
    const added = await sql`
      INSERT INTO ${sql(this.#t.blocks)} ${sql(rows, "target", "kind", "created_at", "note")}
      ON CONFLICT (target) DO NOTHING`;
    return added.count;
  }

  async removeBlock(target: string): Promise<boolean> {
    const sql = await this.#ready();
    return (await sql`DELETE FROM ${sql(this.#t.blocks)} WHERE target = ${target}`).count > 0;
  }

  async listBlocks(): Promise<Block[]> {
    const sql = await this.#ready();
    return (await sql<Row[]>`SELECT * FROM ${sql(this.#t.blocks)} ORDER BY target`).map(toBlock);
  }

  async listRelays(): Promise<Relay[]> {
    const sql = await this.#ready();
    return (await sql<Row[]>`SELECT * FROM ${sql(this.#t.relays)} ORDER BY url`).map(toRelay);
  }

  async saveRelay(r: Relay): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.relays)} (url, style, inbox, follow_id, state, created_at, changed_at)
      VALUES (${r.url}, ${r.style}, ${r.inbox}, ${r.followId}, ${r.state}, ${r.createdAt}, ${r.changedAt})
      ON CONFLICT (url) DO UPDATE SET style = excluded.style, inbox = excluded.inbox,
        follow_id = excluded.follow_id, state = excluded.state, created_at = excluded.created_at,
        changed_at = excluded.changed_at`;
  }

  async removeRelay(url: string): Promise<boolean> {
    const sql = await this.#ready();
    return (await sql`DELETE FROM ${sql(this.#t.relays)} WHERE url = ${url}`).count > 0;
  }

  async moderateReply(interactionId: string, hiddenAt: string | null, at: string): Promise<boolean> {
    const sql = await this.#ready();
    const written = await sql`
      INSERT INTO ${sql(this.#t.moderation)} (interaction_id, hidden_at, changed_at)
      SELECT id, ${hiddenAt}, ${at} FROM ${sql(this.#t.interactions)} WHERE id = ${interactionId} AND kind = 'reply'
      ON CONFLICT (interaction_id) DO UPDATE SET hidden_at = excluded.hidden_at, changed_at = excluded.changed_at`;
    return written.count > 0;
  }

  async listModeration(articleId?: string): Promise<ReplyModeration[]> {
    const sql = await this.#ready();
    const rows =
      articleId === undefined
        ? await sql<Row[]>`SELECT * FROM ${sql(this.#t.moderation)} ORDER BY interaction_id`
        : await sql<Row[]>`
            SELECT m.* FROM ${sql(this.#t.moderation)} m JOIN ${sql(this.#t.interactions)} i
                ON i.id = m.interaction_id
             WHERE i.article_id = ${articleId} ORDER BY m.interaction_id`;
    return rows.map(toModeration);
  }

  async saveAuthor(a: Author): Promise<void> {
    const sql = await this.#ready();
    await sql`
      INSERT INTO ${sql(this.#t.authors)} (actor_id, name, updated_at) VALUES (${a.actorId}, ${a.name}, ${a.updatedAt})
      ON CONFLICT (actor_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`;
  }

  async authorNames(actorIds: readonly string[]): Promise<Map<string, string>> {
    if (actorIds.length === 0) return new Map();
    const sql = await this.#ready();
    const rows = await sql<
      Row[]
    >`SELECT * FROM ${sql(this.#t.authors)} WHERE actor_id = ANY(${[...actorIds]})`;
    return new Map(rows.map(toAuthor).map((a) => [a.actorId, a.name]));
  }

  async exportAll(): Promise<FederationDump> {
    const sql = await this.#ready();
    // Repeatable read: every table from one snapshot, even while other processes write.
    return await sql.begin("isolation level repeatable read read only", async (tx) => {
      const rows = {} as Record<DumpTable, Row[]>;
      for (const table of DUMP_TABLES) {
        const order = EXPORT_ORDER[table];
        rows[table] = await tx<Row[]>`
          SELECT ${tx(DUMP_COLUMNS[table])} FROM ${tx(this.#t[table])} ${order ? tx`ORDER BY ${tx(order as string[])}` : tx``}`;
      }
      return toDump(rows);
    });
  }

  async importAll(dump: FederationDump): Promise<void> {
    const sql = await this.#ready();
    const rows = toDumpRows(dump);
    await sql.begin(async (tx) => {
      // Writers in other processes wait for the commit (readers do not), so nothing slips in between
      // the emptiness check and the copy.
      await tx.unsafe(`LOCK TABLE ${Object.values(this.#t).join(", ")} IN EXCLUSIVE MODE`);
      assertNoHistory((await tx.unsafe<Row[]>(historyCountSql(this.#t)))[0]!);
      await tx`DELETE FROM ${tx(this.#t.meta)}`;
      await tx`DELETE FROM ${tx(this.#t.events)}`;
      await tx`DELETE FROM ${tx(this.#t.blocks)}`;
      await tx`DELETE FROM ${tx(this.#t.relays)}`;
      await tx`DELETE FROM ${tx(this.#t.authors)}`;
      for (const table of DUMP_TABLES)
        await insertInOrder(tx, this.#t[table], DUMP_COLUMNS[table], rows[table]);
    });
  }
}

/**
 * Inserts rows in their order, IMPORT_CHUNK per statement: each chunk travels as one JSON document
 * (one parameter) and json_to_recordset spreads it into rows; WITH ORDINALITY … ORDER BY keeps the
 * order, so identity columns (seq, event ids) are drawn in it. `table` passed checkIdentifier and
 * `columns` are constants, so the text built here holds no outside input.
 */
async function insertInOrder(
  tx: TransactionSql,
  table: string,
  columns: readonly string[],
  rows: readonly Row[],
): Promise<void> {
  const names = columns.join(", ");
  const types = columns.map((c) => `${c} ${c === "pinned" ? "boolean" : "text"}`).join(", ");
  const statement = `
    INSERT INTO ${table} (${names})
    SELECT ${names} FROM ROWS FROM (json_to_recordset($1::text::json) AS (${types}))
           WITH ORDINALITY AS r(${names}, n)
     ORDER BY n`;
  for (let start = 0; start < rows.length; start += IMPORT_CHUNK)
    await tx.unsafe(statement, [JSON.stringify(rows.slice(start, start + IMPORT_CHUNK))]);
}
