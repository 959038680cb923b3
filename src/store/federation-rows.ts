// Rows of the federation tables as both backends return them (same column names), mapped to records.
import type { ActivityRecord, FederatedObject, Follower, Interaction } from "./types.ts";

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

export function toObject(r: FederationRow): FederatedObject {
  return {
    articleId: r.article_id as string,
    published: r.published as string,
    updated: r.updated as string | null,
    contentHash: r.content_hash as string,
    deletedAt: r.deleted_at as string | null,
    // SQLite has no boolean type: 1; PostgreSQL: true.
    pinned: r.pinned === 1 || r.pinned === true,
    object: JSON.parse(r.object as string) as Record<string, unknown>,
  };
}

export function toActivity(r: FederationRow): ActivityRecord {
  return {
    id: r.id as string,
    articleId: r.article_id as string,
    kind: r.kind as ActivityRecord["kind"],
    state: r.state as ActivityRecord["state"],
    createdAt: r.created_at as string,
    activity: JSON.parse(r.activity as string) as Record<string, unknown>,
  };
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
