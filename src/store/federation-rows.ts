// Rows of the federation tables as both backends return them (same column names), mapped to records,
// and the backend-neutral dump both backends export and import (`herald migrate-store`).
import {
  type ActivityRecord,
  type Author,
  type Block,
  type DumpedActivity,
  type DumpedFollower,
  type DumpedKey,
  type DumpedObject,
  type FederatedObject,
  type FederationDump,
  type Follower,
  type Interaction,
  type Relay,
  type ReplyModeration,
  type StoredKey,
  type StoreEvent,
  StoreNotEmptyError,
} from "./types.ts";

export type FederationRow = Record<string, string | number | boolean | null>;

export function toFollower(r: FederationRow): Follower {
  return {
    actorId: r.actor_id as string,
    inbox: r.inbox as string,
    sharedInbox: r.shared_inbox as string | null,
    handle: r.handle as string | null,
    followId: r.follow_id as string | null,
    state: r.state as Follower["state"],
    createdAt: r.created_at as string,
  };
}

/** The row's account; MAIN_ACCOUNT when the row has none (a table read without that column). */
function accountOf(r: FederationRow): string {
  return (r.account as string | undefined) ?? "";
}

function toKeyText(r: FederationRow): DumpedKey {
  return {
    account: accountOf(r),
    kind: r.kind as StoredKey["kind"],
    privateJwk: r.private_jwk as string,
    publicJwk: r.public_jwk as string,
    createdAt: r.created_at as string,
  };
}

export function toKey(r: FederationRow): StoredKey {
  const { privateJwk, publicJwk, account: _, ...key } = toKeyText(r);
  return {
    ...key,
    privateJwk: JSON.parse(privateJwk) as JsonWebKey,
    publicJwk: JSON.parse(publicJwk) as JsonWebKey,
  };
}

function toObjectText(r: FederationRow): DumpedObject {
  return {
    account: accountOf(r),
    articleId: r.article_id as string,
    published: r.published as string,
    updated: r.updated as string | null,
    contentHash: r.content_hash as string,
    deletedAt: r.deleted_at as string | null,
    // SQLite has no boolean type: 1; PostgreSQL: true.
    pinned: r.pinned === 1 || r.pinned === true,
    object: r.object as string,
  };
}

export function toObject(r: FederationRow): FederatedObject {
  const { object, account: _, ...rest } = toObjectText(r);
  return { ...rest, object: JSON.parse(object) as Record<string, unknown> };
}

function toActivityText(r: FederationRow): DumpedActivity {
  return {
    account: accountOf(r),
    id: r.id as string,
    articleId: r.article_id as string,
    kind: r.kind as ActivityRecord["kind"],
    state: r.state as ActivityRecord["state"],
    createdAt: r.created_at as string,
    queuedAt: (r.queued_at as string | null | undefined) ?? null,
    activity: r.activity as string,
  };
}

export function toActivity(r: FederationRow): ActivityRecord {
  const { activity, account: _, ...rest } = toActivityText(r);
  return { ...rest, activity: JSON.parse(activity) as Record<string, unknown> };
}

export function toBlock(r: FederationRow): Block {
  return {
    target: r.target as string,
    kind: r.kind as Block["kind"],
    createdAt: r.created_at as string,
    note: r.note as string | null,
  };
}

export function toRelay(r: FederationRow): Relay {
  return {
    url: r.url as string,
    style: r.style as Relay["style"],
    inbox: r.inbox as string | null,
    followId: r.follow_id as string,
    state: r.state as Relay["state"],
    createdAt: r.created_at as string,
    changedAt: r.changed_at as string,
  };
}

export function toModeration(r: FederationRow): ReplyModeration {
  return {
    interactionId: r.interaction_id as string,
    hiddenAt: r.hidden_at as string | null,
    changedAt: r.changed_at as string,
  };
}

export function toAuthor(r: FederationRow): Author {
  return { actorId: r.actor_id as string, name: r.name as string, updatedAt: r.updated_at as string };
}

export function toInteraction(r: FederationRow): Interaction {
  return {
    id: r.id as string,
    articleId: r.article_id as string,
    kind: r.kind as Interaction["kind"],
    actorId: r.actor_id as string,
    url: r.url as string | null,
    content: r.content as string | null,
    createdAt: r.created_at as string,
  };
}

/**
 * The columns a dump carries per table, in import order. Generated ones (seq, the event id) are left
 * out: the target draws them anew, in the dump's order, which is all that reads depend on.
 */
export const DUMP_COLUMNS = {
  meta: ["key", "value"],
  keys: ["account", "kind", "private_jwk", "public_jwk", "created_at"],
  followers: ["account", "actor_id", "inbox", "shared_inbox", "handle", "follow_id", "state", "created_at"],
  objects: [
    "account",
    "article_id",
    "published",
    "updated",
    "content_hash",
    "deleted_at",
    "pinned",
    "object",
  ],
  activities: ["id", "account", "article_id", "kind", "state", "created_at", "queued_at", "activity"],
  interactions: ["id", "article_id", "kind", "actor_id", "url", "content", "created_at"],
  retractions: ["article_id", "retracted_at"],
  events: ["at", "level", "kind", "message"],
  blocks: ["target", "kind", "created_at", "note"],
  relays: ["url", "style", "inbox", "follow_id", "state", "created_at", "changed_at"],
  moderation: ["interaction_id", "hidden_at", "changed_at"],
  authors: ["actor_id", "name", "updated_at"],
} as const satisfies Record<keyof FederationDump, readonly string[]>;

export type DumpTable = keyof typeof DUMP_COLUMNS;
export const DUMP_TABLES = Object.keys(DUMP_COLUMNS) as DumpTable[];
export type DumpRows = Record<DumpTable, FederationRow[]>;

/** Tables whose rows make an instance's history: a target holding any of them is not importable. */
const HISTORY: readonly DumpTable[] = [
  "keys",
  "followers",
  "objects",
  "activities",
  "interactions",
  "retractions",
];

/** Rows per table, as exported (in the backend's order), to the dump. */
export function toDump(rows: DumpRows): FederationDump {
  return {
    meta: rows.meta.map((r) => ({ key: r.key as string, value: r.value as string })),
    keys: rows.keys.map(toKeyText),
    followers: rows.followers.map((r): DumpedFollower => ({ account: accountOf(r), ...toFollower(r) })),
    objects: rows.objects.map(toObjectText),
    activities: rows.activities.map(toActivityText),
    interactions: rows.interactions.map(toInteraction),
    retractions: rows.retractions.map((r) => ({
      articleId: r.article_id as string,
      retractedAt: r.retracted_at as string,
    })),
    events: rows.events.map((r) => ({
      at: r.at as string,
      level: r.level as StoreEvent["level"],
      kind: r.kind as string,
      message: r.message as string,
    })),
    blocks: rows.blocks.map(toBlock),
    relays: rows.relays.map(toRelay),
    moderation: rows.moderation.map(toModeration),
    authors: rows.authors.map(toAuthor),
  };
}

/** The dump as rows per table, keyed by DUMP_COLUMNS, in the dump's order. */
export function toDumpRows(d: FederationDump): DumpRows {
  return {
    meta: d.meta.map((m) => ({ key: m.key, value: m.value })),
    keys: d.keys.map((k) => ({
      account: k.account ?? "",
      kind: k.kind,
      private_jwk: k.privateJwk,
      public_jwk: k.publicJwk,
      created_at: k.createdAt,
    })),
    followers: d.followers.map((f) => ({
      account: f.account ?? "",
      actor_id: f.actorId,
      inbox: f.inbox,
      shared_inbox: f.sharedInbox,
      handle: f.handle,
      follow_id: f.followId,
      state: f.state,
      created_at: f.createdAt,
    })),
    objects: d.objects.map((o) => ({
      account: o.account ?? "",
      article_id: o.articleId,
      published: o.published,
      updated: o.updated,
      content_hash: o.contentHash,
      deleted_at: o.deletedAt,
      pinned: o.pinned,
      object: o.object,
    })),
    activities: d.activities.map((a) => ({
      id: a.id,
      account: a.account ?? "",
      article_id: a.articleId,
      kind: a.kind,
      state: a.state,
      created_at: a.createdAt,
      queued_at: a.queuedAt,
      activity: a.activity,
    })),
    interactions: d.interactions.map((i) => ({
      id: i.id,
      article_id: i.articleId,
      kind: i.kind,
      actor_id: i.actorId,
      url: i.url,
      content: i.content,
      created_at: i.createdAt,
    })),
    retractions: d.retractions.map((r) => ({ article_id: r.articleId, retracted_at: r.retractedAt })),
    events: d.events.map((e) => ({ at: e.at, level: e.level, kind: e.kind, message: e.message })),
    blocks: d.blocks.map((b) => ({ target: b.target, kind: b.kind, created_at: b.createdAt, note: b.note })),
    relays: d.relays.map((r) => ({
      url: r.url,
      style: r.style,
      inbox: r.inbox,
      follow_id: r.followId,
      state: r.state,
      created_at: r.createdAt,
      changed_at: r.changedAt,
    })),
    moderation: d.moderation.map((m) => ({
      interaction_id: m.interactionId,
      hidden_at: m.hiddenAt,
      changed_at: m.changedAt,
    })),
    authors: d.authors.map((a) => ({ actor_id: a.actorId, name: a.name, updated_at: a.updatedAt })),
  };
}

/**
 * One statement counting the history tables, in SQL both backends speak. `tables` maps each to its
 * (checked) table name.
 */
export function historyCountSql(tables: Record<DumpTable, string>): string {
  return `SELECT ${HISTORY.map((t) => `CAST((SELECT count(*) FROM ${tables[t]}) AS integer) AS ${t}`).join(", ")}`;
}

/** Throws StoreNotEmptyError naming what a target already holds (the row of historyCountSql). */
export function assertNoHistory(counts: Record<string, unknown>): void {
  const held = HISTORY.filter((t) => Number(counts[t]) > 0).map((t) => `${counts[t]} ${t}`);
  if (held.length > 0) throw new StoreNotEmptyError(held.join(", "));
}
