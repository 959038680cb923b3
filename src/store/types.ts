import type { KvStore, MessageQueue, MessageQueueDepth } from "@fedify/fedify";
import type { ArticleStore } from "../content/records.ts";
import type { MoveLedger } from "./moves.ts";
import type { QuoteStampStore } from "./quotes.ts";

/**
 * What Herald knows of one cover image, by its URL: its facts (type, size, blurhash) and, for a
 * remote image, whether a copy is kept under data.dir/media. Written by the process that scans,
 * read by every process that serves pages, feeds and posts.
 */
export interface MediaRecord {
  /** The image's own URL: the original for a remote image, Herald's URL for a file beside an article. */
  source: string;
  kind: "remote" | "local";
  /** For a file beside an article: where it is (resolved again, with the same rules, each time). */
  local?: { articlePath: string; ref: string };
  /**
   * `pending`: seen, not looked at yet; `ready`: facts known (and the copy kept, for a mirrored
   * remote image); `failed`: the last attempt failed, tried again from `retryAt`.
   */
  state: "pending" | "ready" | "failed";
  mediaType?: string;
  width?: number;
  height?: number;
  /** Bytes. */
  length?: number;
  blurhash?: string;
  /** sha256 (hex) of the bytes: the copy's file name, with the extension of `mediaType`. */
  sha256?: string;
  /** A copy is kept and served from Herald's origin. */
  mirrored: boolean;
  /** Failed attempts in a row (0 once ready). */
  attempts: number;
  /** When it was last looked at (ISO), `null` before that. */
  checkedAt: string | null;
  /** When to look at it (again) (ISO); `null` once ready. */
  retryAt: string | null;
  /** Why the last attempt failed: a stable reason code and a sentence. */
  error?: { reason: string; message: string };
  /** The article that showed it last (status names it). */
  articleId: string;
}

/** Cover images' records. SQLite and PostgreSQL pass one contract suite (tests/store/media.contract.test.ts). */
export interface MediaStore {
  listMedia(): Promise<MediaRecord[]>;
  /** Upserts, by `source`, in one transaction. */
  saveMedia(records: readonly MediaRecord[]): Promise<void>;
}

export interface StoredKey {
  kind: "rsa" | "ed25519";
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  createdAt: string;
}

export interface Follower {
  actorId: string;
  inbox: string;
  sharedInbox: string | null;
  /** `@user@host`, for people reading the list. */
  handle: string | null;
  /** Id of the Follow activity, echoed in our Accept. */
  followId: string | null;
  state: "accepted" | "pending";
  createdAt: string;
}

/**
 * An operator's block: a domain (its subdomains too) or one actor. A blocked server or actor gets no
 * deliveries, its Follows are rejected and what it sends the inbox is dropped (federation/blocks.ts).
 */
export interface Block {
  /** A lower-case host name (`example.social`) or an actor id (`https://example.social/users/x`). */
  target: string;
  kind: "domain" | "actor";
  createdAt: string;
  /** Where it came from or why (an imported list's public comment, say); null when nothing was said. */
  note: string | null;
}

/**
 * A relay Herald follows (FEP-ae0c), as configured in `federation.relays`. `mastodon`: the URL is the
 * relay's inbox, followed with a Follow of the Public collection; `litepub`: the URL is the relay's
 * actor (ends in /actor), followed like any actor. Public posts go to accepted relays.
 */
export interface Relay {
  /** As configured. */
  url: string;
  style: "mastodon" | "litepub";
  /** Where Herald delivers: the URL itself (mastodon) or the actor's inbox (litepub); null before it is known. */
  inbox: string | null;
  /** Id of Herald's Follow, matched against the relay's Accept or Reject. */
  followId: string;
  state: "pending" | "accepted" | "rejected";
  createdAt: string;
  /** When the state last changed. */
  changedAt: string;
}

/** An operator's decision about one reply shown on an article page. */
export interface ReplyModeration {
  /** The reply's interaction id. */
  interactionId: string;
  /** When it was hidden; null when shown again. */
  hiddenAt: string | null;
  /** When this changed last (pages use it for Last-Modified). */
  changedAt: string;
}

/** A remote account's display name, as its actor document gave it when it last replied. */
export interface Author {
  actorId: string;
  /** Plain text, as the remote server sent it (escape it when shown). */
  name: string;
  updatedAt: string;
}

/** What the fediverse currently has of one article. */
export interface FederatedObject {
  articleId: string;
  /** Federation time of the Create (Mastodon drops posts older than 6 h from home timelines). */
  published: string;
  updated: string | null;
  contentHash: string;
  deletedAt: string | null;
  pinned: boolean;
  /** The JSON-LD object as last federated: served at its id, embedded in the outbox. */
  object: Record<string, unknown>;
}

export type ActivityKind = "create" | "update" | "delete";

/**
 * What a ledger entry records: an article's lifecycle (ActivityKind), or, for the main account in
 * `bot.mode: announce`, its boost of a section account's post.
 */
export type LedgerKind = ActivityKind | "announce";

/**
 * The ledger entry for one decided activity. `pending`: recorded, not yet in the delivery queue;
 * `queued`: handed to the queue in the same transaction that set this state; `silent`: in the
 * outbox only (articles present before the first start, which are not pushed).
 */
export interface ActivityRecord {
  id: string;
  articleId: string;
  kind: LedgerKind;
  state: "pending" | "queued" | "silent";
  createdAt: string;
  /**
   * When its deliveries were queued (`markQueuedIn`), after the followers were listed for them:
   * a follower stored later was not among them. Null until then, and for entries queued before
   * Herald recorded it.
   */
  queuedAt: string | null;
  activity: Record<string, unknown>;
}

export interface InteractionQuery {
  kinds?: readonly Interaction["kind"][];
  newest?: number;
}

export interface Interaction {
  /** The remote activity's id: a redelivery is recorded once. */
  id: string;
  articleId: string;
  kind: "like" | "announce" | "reply" | "mention" | "quote";
  actorId: string;
  url: string | null;
  content: string | null;
  createdAt: string;
}

/**
 * What Herald federated, who follows it, and its keys. Every method is async: the PostgreSQL
 * implementation talks to a server. `Tx` is the transaction handle the delivery queue of the same
 * backend opens for an enqueue batch (`DatabaseSync` for SQLite, `TransactionSql` for PostgreSQL),
 * through which `markQueuedIn` writes, so the ledger mark commits with the batch or not at all.
 */
export interface FederationStore<Tx = unknown> {
  /**
   * The account this handle reads and writes: keys, followers, objects, the ledger and meta are per
   * account; retractions, events, interactions and blocks are the instance's, shared by all.
   * MAIN_ACCOUNT ('') is the main (`bot`) account, which owns every row written before accounts
   * existed, so a single-account instance keeps its ids, keys and followers as they were.
   */
  readonly account: string;
  /** The same store (same connection, same transactions) scoped to another account. */
  forAccount(account: string): FederationStore<Tx>;
  /**
   * Every account that has keys, followers or objects, with its accepted followers: accounts removed
   * from the configuration are listed too.
   */
  listAccounts(): Promise<{ account: string; followers: number }[]>;
  /** Meta of this account: a section account's keys live beside the main's, prefixed (accountMetaKey). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  getKeys(): Promise<StoredKey[]>;
  /** Inserts keys that do not exist yet; never overwrites a stored key. */
  addKeys(keys: readonly StoredKey[]): Promise<void>;

  upsertFollower(follower: Follower): Promise<void>;
  removeFollower(actorId: string): Promise<boolean>;
  getFollower(actorId: string): Promise<Follower | undefined>;
  listFollowers(options: { state?: Follower["state"]; offset?: number; limit?: number }): Promise<Follower[]>;
  countFollowers(state?: Follower["state"]): Promise<number>;

  getObject(articleId: string): Promise<FederatedObject | undefined>;
  /** This account's objects, by article id. */
  listObjects(): Promise<FederatedObject[]>;
  /** Upserts the object and inserts the activity, in one transaction. False if the activity id exists. */
  recordActivity(object: FederatedObject, activity: ActivityRecord): Promise<boolean>;
  /**
   * Inserts an activity that changes no object of this account (an Announce of another account's
   * post). False if the activity id exists.
   */
  recordAnnouncement(activity: ActivityRecord): Promise<boolean>;
  /**
   * pending → queued, written through `tx`, the transaction in which the queue writes the activity's
   * messages (`AtomicQueue.atomically`). SQLite's queue runs it synchronously inside BEGIN…COMMIT,
   * so its implementation must not await anything before its write. Throws AlreadyQueuedError when
   * the activity is not pending (another process queued it first, or it is silent): the batch then
   * rolls back, so two processes recovering the same entry never both send it.
   */
  markQueuedIn(tx: Tx, activityId: string): Promise<void> | void;
  pendingActivities(): Promise<ActivityRecord[]>;
  /** Create activities of live objects, newest first (the outbox). */
  listCreates(options: { offset: number; limit: number }): Promise<ActivityRecord[]>;
  countCreates(): Promise<number>;
  activityExists(id: string): Promise<boolean>;
  /** One ledger entry by id, whichever account recorded it. */
  getActivity(id: string): Promise<ActivityRecord | undefined>;
  /** The ledger's activity ids for one article, oldest first (receipts are kept per activity). */
  activityIdsOf(articleId: string): Promise<string[]>;

  /** Creation times of pushed (not silent) activities of a kind since an instant: the drip feed's memory. */
  activityTimesSince(kind: ActivityKind, sinceIso: string): Promise<string[]>;

  /** An operator's retraction: the article leaves feeds and the fediverse, whatever its file says. */
  retract(articleId: string, at: string): Promise<void>;
  retractedIds(): Promise<Set<string>>;

  /** A short operator-visible log (last scan, rejections, failures) shared by serve and the CLI. */
  addEvent(event: StoreEvent): Promise<void>;
  recentEvents(
    limit: number,
    level?: "warn" | "error",
  ): Promise<{ at: string; level: string; kind: string; message: string }[]>;

  recordInteraction(interaction: Interaction): Promise<boolean>;
  /**
   * Oldest first; with `newest`, only the newest N, newest first (what a page shows), of `kinds`
   * when given.
   */
  listInteractions(articleId?: string, options?: InteractionQuery): Promise<Interaction[]>;
  /** How many interactions of each kind each article has, without loading them. */
  countInteractions(): Promise<{ articleId: string; kind: Interaction["kind"]; count: number }[]>;
  /** Keeps the newest `keep` interactions of `kinds` by one actor and deletes the rest; how many went. */
  trimInteractions(actorId: string, kinds: readonly Interaction["kind"][], keep: number): Promise<number>;

  /** Adds blocks that do not exist yet (an existing one is kept as it is); how many were new. */
  addBlocks(blocks: readonly Block[]): Promise<number>;
  removeBlock(target: string): Promise<boolean>;
  /** Every block, by target. */
  listBlocks(): Promise<Block[]>;

  /** Every relay, by URL. */
  listRelays(): Promise<Relay[]>;
  /** Inserts or replaces the relay with this URL. */
  saveRelay(relay: Relay): Promise<void>;
  removeRelay(url: string): Promise<boolean>;

  /** Hides a reply (hiddenAt) or shows it again (null). False when no reply has this id. */
  moderateReply(interactionId: string, hiddenAt: string | null, at: string): Promise<boolean>;
  /** Decisions about replies, of one article's replies when given. */
  listModeration(articleId?: string): Promise<ReplyModeration[]>;
  /** Remembers a remote account's display name (replaces the one known). */
  saveAuthor(author: Author): Promise<void>;
  /** The display names known of these accounts. */
  authorNames(actorIds: readonly string[]): Promise<Map<string, string>>;

  /** Everything the store holds, read in one snapshot: what `herald migrate-store` carries over. */
  exportAll(): Promise<FederationDump>;
  /**
   * Writes a dump into this store in ONE transaction, keeping the dump's order (activities and
   * interactions get their insertion order from it). Meta, events, blocks and relays are replaced by the dump's.
   * Throws StoreNotEmptyError, writing nothing, when the store already holds any federation history
   * (keys, followers, objects, activities, interactions or retractions): two instances never merge.
   */
  importAll(dump: FederationDump): Promise<void>;
}

export interface StoreEvent {
  at: string;
  level: "info" | "warn" | "error";
  kind: string;
  message: string;
}

export interface Retraction {
  articleId: string;
  retractedAt: string;
}

/** A record whose JSON documents stay the text the store holds, so they travel byte for byte. */
type AsText<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

/** Which account a dumped row belongs to (MAIN_ACCOUNT for the main one). */
type OfAccount<T> = T & { account: string };

export type DumpedKey = OfAccount<AsText<StoredKey, "privateJwk" | "publicJwk">>;
export type DumpedFollower = OfAccount<Follower>;
export type DumpedObject = OfAccount<AsText<FederatedObject, "object">>;
export type DumpedActivity = OfAccount<AsText<ActivityRecord, "activity">>;

/** The main (`bot`) account's value of every `account` column: rows from before accounts are its. */
export const MAIN_ACCOUNT = "";

/**
 * Meta keys are per account: the main account's as they always were, a section account's prefixed,
 * so the first-run mark, the actor's publication time and profile hash are each account's own.
 */
export function accountMetaKey(account: string, key: string): string {
  return account === MAIN_ACCOUNT ? key : `account/${account}/${key}`;
}

/**
 * A whole federation store, backend-neutral. Lists whose order the store's reads depend on keep it:
 * activities and interactions in insertion order (SQLite rowid, PostgreSQL seq: pending activities
 * and interactions of one instant are ordered by it), objects in insertion order where kept,
 * events oldest first. The rest is sorted by primary key.
 */
export interface FederationDump {
  meta: { key: string; value: string }[];
  keys: DumpedKey[];
  followers: DumpedFollower[];
  objects: DumpedObject[];
  activities: DumpedActivity[];
  interactions: Interaction[];
  retractions: Retraction[];
  events: StoreEvent[];
  blocks: Block[];
  relays: Relay[];
  moderation: ReplyModeration[];
  authors: Author[];
}

/** markQueuedIn found the activity no longer pending: its messages must not be written again. */
export class AlreadyQueuedError extends Error {
  constructor(activityId: string) {
    super(`Activity ${activityId} is not pending: it was queued already.`);
    this.name = "AlreadyQueuedError";
  }
}

/** importAll found the target already in use: copying into it would merge two instances. */
export class StoreNotEmptyError extends Error {
  constructor(holds: string) {
    super(
      `The target store already holds ${holds}: importing would merge two Herald instances. ` +
        "Import into an empty store (a new database, or a new schema or table prefix).",
    );
    this.name = "StoreNotEmptyError";
  }
}

/** A queue that writes what `send` enqueued and `record`'s writes through `Tx` in one transaction. */
export interface AtomicQueue<Tx> {
  atomically<T>(send: () => Promise<T>, record: (value: T, tx: Tx) => unknown): Promise<T>;
}

/** Fedify's queue plus what Herald needs of it: atomic batches with the ledger, depth, resuming. */
export interface DeliveryQueue<Tx = unknown> extends MessageQueue, AtomicQueue<Tx> {
  getDepth(): Promise<MessageQueueDepth>;
  /**
   * Returns deliveries claimed by processes that are gone to the queue at once (SQLite asks the OS;
   * PostgreSQL leases simply run out), and says how many.
   */
  resumeStopped(): Promise<number>;
  /** Every message still queued, lowest id first, leases left out: for `herald migrate-store`. */
  exportMessages(): Promise<QueuedMessage[]>;
  /**
   * Appends messages as exported, in order (ids, hence ordering-key turns, follow it), due times
   * and attempts kept, in one transaction. They are not leased: any worker may claim them.
   */
  importMessages(messages: readonly QueuedMessage[]): Promise<void>;
}

/** A message waiting in the delivery queue, backend-neutral. */
export interface QueuedMessage {
  /** The message as stored: JSON text, carried byte for byte. */
  message: string;
  orderingKey: string | null;
  /** When it is due (epoch ms). */
  scheduledMs: number;
  /** Claims so far. */
  attempts: number;
}

/** Per article: what the ledger holds and what still waits in the delivery queue (the status page). */
export interface Delivery {
  /** Activities in the ledger, by kind (create, update, delete); silent ones are in the outbox only. */
  activities: Partial<Record<"create" | "update" | "delete", number>>;
  /** Ledger entries that never reached the queue (recovered at the next start). */
  pending: number;
  /** Creates put in the outbox without pushing them (articles present at the very first start). */
  silent: number;
  /** Deliveries waiting in the queue (one per inbox), as the queue depth counts them: not those in flight. */
  waiting: number;
  /** Of those, deliveries that failed at least once and wait for a retry. */
  failing: number;
  /** The newest activity's time (ISO). */
  last: string;
}

/**
 * "Exactly one scheduler acts at a time": `hold()` takes or renews the scheduler's lease and says
 * whether this process may scan and publish now. On SQLite there is one process, which always may.
 */
export interface Leadership {
  hold(): Promise<boolean>;
  /** Gives the lease up (clean stop), so another scheduler takes over on its next try. */
  release(): Promise<void>;
}

/** Cross-process wake-ups: the scheduler tells web processes that content changed. */
export type Signal = "content";

export interface Storage<Tx = unknown> {
  readonly kind: "sqlite" | "postgres";
  /** Where, for logs and status: a file path, or host/database (never a password). */
  readonly location: string;
  readonly articles: ArticleStore;
  readonly federation: FederationStore<Tx>;
  /** Cover images: their facts, mirrored copies and retries. */
  readonly media: MediaStore;
  /** Quote stamps granted (FEP-044f), revoked in the outbox's transaction `Tx`. */
  readonly quotes: QuoteStampStore<Tx>;
  /** The Moves of the account (moving out), queued in the outbox's transaction `Tx`. */
  readonly moves: MoveLedger<Tx>;
  /**
   * Fedify's KV store, also holding the dashboard's sessions and login limit; with compare-and-swap,
   * which Fedify's interface leaves optional.
   */
  readonly kv: KvStore & Required<Pick<KvStore, "cas">>;
  /**
   * Creates or migrates the schema. Safe when several processes start at once (SQLite: a write
   * lock; PostgreSQL: an advisory lock). Called at start, so a broken database fails the start.
   */
  initialize(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects when it cannot be reached. */
  ping(): Promise<void>;
  /** The inbox queue (activities received, handled by Fedify), created on first use with this process's concurrency. */
  queue(options: { concurrency: number }): DeliveryQueue<Tx>;
  /** The outbox: fan-outs, deliveries, receipts and circuits. `spreadMs` paces a fan-out to followers. */
  outbox(options?: { spreadMs?: number }): Outbox<Tx>;
  deliveries(): Promise<Map<string, Delivery>>;
  /** This process's bid for the scheduler's lease (one per process: it is released on close). */
  leadership(holderId: string): Leadership;
  /** Who acts as the scheduler now, for the status page; undefined when nobody (or on SQLite). */
  schedulerHolder(): Promise<string | undefined>;
  /** Tells every process subscribed to `signal` (this one included). */
  notify(signal: Signal): Promise<void>;
  /** Calls `listener` on every `notify(signal)`, in any process; returns the unsubscribe. */
  subscribe(signal: Signal, listener: () => void): Promise<() => Promise<void>>;
  /** Housekeeping for the maintenance job. */
  maintenance(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One activity on its way to many inboxes, as the outbox keeps it: the body once per fan-out and one
 * small row per inbox. No key material: the delivery worker signs with keys it loads itself.
 */
export interface Fanout {
  /**
   * The actor identifier (username) whose key signs it, read from the key Fedify chose; '' for
   * fan-outs queued before accounts existed, which are the main account's.
   */
  account: string;
  activityId: string;
  /** The activity's type IRI, for logs and receipts. */
  activityType: string;
  /** Fan-outs with one key reach each inbox in the order queued (an article's Create, Update, Delete). */
  orderKey: string | null;
  /** Sent to the followers collection: each delivery carries a FEP-8fcf digest of that server's followers. */
  followers: boolean;
  /** The activity as sent: JSON-LD text with its proof and Linked Data signature. */
  body: string;
  inboxes: readonly string[];
}

/** A delivery the worker claimed: leased to this process until it is settled or the lease runs out. */
export interface ClaimedDelivery {
  id: number;
  fanoutId: number;
  inbox: string;
  /** `host[:port]` of the inbox: the unit of connection pools, concurrency and circuits. */
  host: string;
  /** Attempts made before this one. */
  attempt: number;
}

export interface FanoutBody {
  id: number;
  /** As Fanout.account: whose key signs its deliveries. */
  account: string;
  activityId: string;
  activityType: string;
  followers: boolean;
  body: string;
  /** When it was queued (epoch ms): deliveries older than the give-up age are not tried again. */
  createdMs: number;
}

/** What became of one delivery attempt. */
export type DeliveryResult =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status: number | null; error: string; dueMs: number }
  | { kind: "failed"; status: number | null; error: string };

export interface Settlement {
  delivery: ClaimedDelivery;
  result: DeliveryResult;
  /** When the attempt ended (epoch ms). */
  atMs: number;
}

/**
 * A remote server's circuit. Closed (`openUntilMs` null): deliveries go out. Open: its deliveries wait
 * until `openUntilMs`, then one probe decides. `unreachableSinceMs`: failing for longer than
 * federation.unreachableAfterDays; its followers are kept and served again once it answers.
 */
export interface HostCircuit {
  host: string;
  /** Failed attempts in a row. */
  failures: number;
  /** Times the circuit opened in a row: the backoff doubles with each. */
  opens: number;
  openUntilMs: number | null;
  firstFailureMs: number | null;
  lastFailureMs: number | null;
  lastSuccessMs: number | null;
  unreachableSinceMs: number | null;
  lastError: string | null;
}

/** Per fan-out and server: how its deliveries went (one row per server, however many inboxes it has). */
export interface Receipt {
  fanoutId: number;
  activityId: string;
  activityType: string;
  host: string;
  /** The inbox, while the server has one for this fan-out; null once it has several (aggregated). */
  inbox: string | null;
  delivered: number;
  failed: number;
  /** Deliveries still queued (waiting, retrying, or held by an open circuit). */
  waiting: number;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** Last attempt (ISO). */
  at: string | null;
  createdAt: string;
  inboxes: number;
}

export interface DeliveryDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  delivered: number;
  failed: number;
  /** Accepted followers at the day's last snapshot; null when none was taken. */
  followers: number | null;
}

/** A queued delivery with its fan-out, backend-neutral: what `herald migrate-store` carries over. */
export interface OutboxDump {
  fanouts: (FanoutBody & { orderKey: string | null })[];
  deliveries: (Omit<ClaimedDelivery, "id"> & { dueMs: number })[];
}

/**
 * Herald's outbox: Fedify's outbox queue (it records what Fedify would send, stripped of the keys
 * Fedify puts in each message), the publisher's atomic batches, and the delivery worker's store.
 */
export interface Outbox<Tx = unknown> extends MessageQueue, AtomicQueue<Tx> {
  /**
   * How long a claimed delivery stays this process's: its lease (SQLite), or the cap on renewing it
   * (PostgreSQL). The worker settles or lets go of a claim well within it.
   */
  readonly maxHoldMs: number;
  /** Calls `listener` when deliveries were queued (by this process; PostgreSQL: by any). Returns the unsubscribe. */
  onQueued(listener: () => void): Promise<() => Promise<void>>;
  /** Leases up to `limit` due deliveries to this process (ordered per inbox by `orderKey`). */
  claim(limit: number): Promise<ClaimedDelivery[]>;
  fanout(id: number): Promise<FanoutBody | undefined>;
  /** Records outcomes and circuits in one transaction: delivered and failed rows leave the queue. */
  settle(settlements: readonly Settlement[], circuits: readonly HostCircuit[]): Promise<void>;
  /** Claimed deliveries this process will not send after all (a clean stop): anyone may claim them now. */
  giveBack(ids: readonly number[]): Promise<void>;
  /** An opened circuit: the server's queued deliveries wait until `untilMs`; its leases here are given up. */
  hold(host: string, untilMs: number): Promise<void>;
  /** A closed circuit: the server's held deliveries are due now. */
  release(host: string): Promise<void>;
  circuits(): Promise<HostCircuit[]>;
  /**
   * Accepted followers of `account` (the store's account key, MAIN_ACCOUNT for the main one) whose
   * actor id is on `origin` (`https://host[:port]`), for FEP-8fcf digests.
   */
  followerIdsAt(origin: string, account?: string): Promise<string[]>;
  /** `followerIdsAt` for several origins in one look-up: every origin asked for is a key. */
  followerIdsByOrigin(origins: readonly string[], account?: string): Promise<Map<string, string[]>>;
  getDepth(): Promise<MessageQueueDepth>;
  /** Leases of processes that are gone return to the queue (SQLite asks the OS; PostgreSQL leases run out). */
  resumeStopped(): Promise<number>;
  /** Receipts of the fan-outs of these activities, newest fan-out first. */
  receipts(activityIds: readonly string[]): Promise<Receipt[]>;
  days(sinceDay: string): Promise<DeliveryDay[]>;
  /** Records today's follower count for the chart. */
  snapshotFollowers(day: string, count: number): Promise<void>;
  /** Receipts and bodies of fan-outs older than `beforeMs` with nothing left queued; how many went. */
  prune(beforeMs: number): Promise<number>;
  exportOutbox(): Promise<OutboxDump>;
  importOutbox(dump: OutboxDump): Promise<void>;
}
