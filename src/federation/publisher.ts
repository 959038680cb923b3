// The only module that sends articles to the fediverse. Each decision is written to the ledger
// with its deterministic activity id first; the queue then receives it in one transaction with
// the ledger's "queued" mark, so a crash never loses or repeats one. The queue opens that
// transaction and hands its handle (`Tx`) to `record`; the store writes the mark through it
// (`FederationStore.markQueuedIn`). One code path for SQLite (the shared connection) and
// PostgreSQL (the queue's `TransactionSql`); `Tx` ties a store to a queue of the same backend.
import type { Federation } from "@fedify/fedify";
import { Activity, Create, Reject } from "@fedify/vocab";
import type { Article } from "../content/model.ts";
import type { ArticleRecord } from "../content/records.ts";
import type { Logger } from "../log.ts";
import {
  type ActivityRecord,
  AlreadyQueuedError,
  type AtomicQueue,
  type FederatedObject,
  type FederationStore,
  type Follower,
} from "../store/types.ts";
import type { PublishingControls } from "../sync/controls.ts";
import { dueActions, FIRST_RUN_KEY, type HeldAction } from "../sync/due.ts";
import type { FederationAction } from "../sync/plan.ts";
import { backfillFor } from "./backfill.ts";
import { blurhashesIn, withBlurhashes } from "./blurhash.ts";
import { followAnswer } from "./inbox/follows.ts";
import {
  announceActivity,
  createActivity,
  deleteActivity,
  type ObjectContext,
  objectId,
  tombstone,
  toPost,
  toStoredJson,
  updateActivity,
} from "./objects.ts";

export interface PublisherDeps<Tx> {
  federation: Federation<void>;
  store: FederationStore<Tx>;
  queue: AtomicQueue<Tx>;
  objects: ObjectContext;
  username: string;
  /** Loads the resolved article for an id. */
  article(id: string): Promise<Article | undefined>;
  pushNewestOnFirstRun: number;
  /** How many of the latest posts a new follower is sent (federation.backfillOnFollow); 0 for none. */
  backfillOnFollow?: number;
  /** Inboxes of the relays that accepted Herald (relays.ts): public posts go there too. */
  relayInboxes?: () => Promise<readonly string[]>;
  /** Drip feed and quiet hours; none when absent. */
  controls?: PublishingControls;
  log: Logger;
  now?: () => Date;
  /** The account moved (`herald move`): no new article is posted, edits and deletes still go out. */
  movedTo?: () => Promise<string | undefined>;
}

export interface PublishSummary {
  created: number;
  updated: number;
  deleted: number;
  silent: number;
  /** Actions that wait for a later tick (drip feed, quiet hours). */
  held: HeldAction[];
}

export interface PublishOptions {
  /** Plan and report, change nothing. */
  dryRun?: boolean;
  /** Articles that skip the drip feed and quiet hours this once (`herald publish ID --now`). */
  force?: ReadonlySet<string>;
}

export class Publisher<Tx = unknown> {
  readonly #d: PublisherDeps<Tx>;
  readonly #now: () => Date;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(deps: PublisherDeps<Tx>) {
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Plans against the ledger and carries the plan out. Calls never overlap. */
  publish(
    records: Iterable<ArticleRecord>,
    options: { dryRun?: boolean } = {},
  ): Promise<PublishSummary & { plan: FederationAction[] }> {
    const run = this.#busy.then(() => this.#publish(records, options));
    this.#busy = run.catch(() => undefined);
    return run;
  }

  /**
   * Boosts another account's post of an article (the main account in `bot.mode: announce`), once:
   * recorded in this account's ledger first, then queued to its followers as every activity is.
   * False when it was announced before, or while this account has moved (`herald move`): it posts
   * nothing new then, boosts included; the scan after `--undo` boosts what is due.
   */
  announce(articleId: string, post: URL): Promise<boolean> {
    const run = this.#busy.then(async () => {
      if ((await this.#d.movedTo?.()) !== undefined) return false;
      const { store, objects } = this.#d;
      const activity = announceActivity(post, objects, this.#now());
      if (await store.activityExists(activity.id!.href)) return false;
      const record: ActivityRecord = {
        id: activity.id!.href,
        articleId,
        kind: "announce",
        state: "pending",
        createdAt: this.#now().toISOString(),
        queuedAt: null,
        activity: await toStoredJson(activity),
      };
      if (!(await store.recordAnnouncement(record))) return false;
      this.#d.log.info({ article: articleId, activity: record.id, kind: "announce" }, "activity recorded");
      await this.#enqueue(record);
      return true;
    });
    this.#busy = run.catch(() => undefined);
    return run;
  }

  /**
   * This account's live post of an article, when it was pushed to followers (not a silent first-run
   * entry): what the main account may boost.
   */
  async pushedPost(articleId: string): Promise<URL | undefined> {
    const { store, objects } = this.#d;
    const object = await store.getObject(articleId);
    if (!object || object.deletedAt !== null) return undefined;
    const post = objectId(objects, { id: articleId });
    const create = await store.getActivity(new URL("#create", post).href);
    return create && create.state !== "silent" ? post : undefined;
  }

  /** What this publisher's account has federated (its objects in the ledger). */
  objects(): Promise<FederatedObject[]> {
    return this.#d.store.listObjects();
  }

  /** Sends ledger entries that were recorded but never reached the queue (a crash in between). */
  async recover(): Promise<number> {
    const pending = await this.#d.store.pendingActivities();
    for (const record of pending) await this.#enqueue(record);
    if (pending.length > 0) this.#d.log.info({ count: pending.length }, "pending activities re-enqueued");
    return pending.length;
  }

  /**
   * Sends a newly accepted follower the latest posts its fan-outs missed (backfill.ts decides
   * which), oldest first, to its own inbox. Returns how many were sent.
   */
  async backfill(follower: Follower): Promise<number> {
    const { federation, store, username, objects, log } = this.#d;
    const count = this.#d.backfillOnFollow ?? 0;
    if (count <= 0) return 0;
    // A few more than needed: the newest may be in the middle of their own fan-out (backfill.ts).
    const latest = await store.listCreates({ offset: 0, limit: count + 10 });
    const creates = backfillFor(latest, follower, count);
    const ctx = federation.createContext(new URL(objects.urls.home));
    for (const record of creates) {
      await ctx.sendActivity(
        { identifier: username },
        { id: new URL(follower.actorId), inboxId: new URL(follower.inbox), endpoints: null },
        await Create.fromJsonLd(record.activity),
        { orderingKey: objectId(objects, { id: record.articleId }).href },
      );
    }
    log.info({ actor: follower.actorId, posts: creates.length }, "backfilled new follower");
    return creates.length;
  }

  /**
   * Tells a follower it follows no more (the operator blocked it): a Reject of its stored Follow, to
   * its own inbox. Mastodon then drops the follow on its side too.
   */
  async rejectFollower(follower: Follower): Promise<void> {
    const { federation, username, objects } = this.#d;
    const ctx = federation.createContext(new URL(objects.urls.home));
    const me = ctx.getActorUri(username);
    const actor = new URL(follower.actorId);
    await ctx.sendActivity(
      { identifier: username },
      { id: actor, inboxId: new URL(follower.inbox), endpoints: null },
      followAnswer(Reject, me, {
        id: follower.followId ? new URL(follower.followId) : null,
        actor,
        object: me,
      }),
    );
  }

  async #publish(records: Iterable<ArticleRecord>, { dryRun = false, force = new Set() }: PublishOptions) {
    const { store, log } = this.#d;
    const now = this.#now();
    const { plan, send, held } = await dueActions(store, records, {
      pushNewestOnFirstRun: this.#d.pushNewestOnFirstRun,
      controls: this.#d.controls,
      now,
      force,
    });
    const moved = (await this.#d.movedTo?.()) !== undefined;
    for (const action of send)
      if (moved && action.kind === "create")
        held.push({ articleId: action.articleId, kind: action.kind, reason: "moved" });
    const summary: PublishSummary = { created: 0, updated: 0, deleted: 0, silent: 0, held };
    if (dryRun) return { ...summary, plan };
    for (const action of send) {
      if (moved && action.kind === "create") continue;
      try {
        const record = await this.#record(action);
        if (!record) continue;
        if (record.state === "pending") await this.#enqueue(record);
        if (record.state === "silent") summary.silent++;
        else
          summary[action.kind === "create" ? "created" : action.kind === "update" ? "updated" : "deleted"]++;
        log.info(
          {
            article: action.articleId,
            activity: record.id,
            kind: action.kind,
            silent: record.state === "silent",
          },
          "activity recorded",
        );
      } catch (error) {
        // One article's failure never blocks the others; the next tick plans it again.
        log.error({ err: error, article: action.articleId, kind: action.kind }, "federating article failed");
        await store.addEvent({
          at: now.toISOString(),
          level: "error",
          kind: "federation",
          message: `${action.kind} of ${action.articleId} failed: ${(error as Error).message}`,
        });
      }
    }
    if ((await store.getMeta(FIRST_RUN_KEY)) === undefined)
      await store.setMeta(FIRST_RUN_KEY, now.toISOString());
    return { ...summary, plan };
  }

  /** Builds the object and activity and writes both to the ledger. */
  async #record(action: FederationAction): Promise<ActivityRecord | undefined> {
    const { store, objects: ctx } = this.#d;
    const now = this.#now();
    const nowIso = now.toISOString();
    const previous = await store.getObject(action.articleId);
    if (action.kind === "delete") {
      if (!previous || previous.deletedAt !== null) return undefined;
      const id = objectId(ctx, { id: action.articleId });
      const activity = deleteActivity(id, ctx, now);
      const object: FederatedObject = {
        ...previous,
        deletedAt: nowIso,
        object: await toStoredJson(tombstone(id, now)),
      };
      return this.#write(object, activity, "delete", "pending");
    }
    const article = await this.#d.article(action.articleId);
    if (!article) return undefined;
    // Planned against a ledger another process may have written since (a second scheduler, the CLI):
    // what it already recorded is not decided again.
    if (action.kind === "create" && previous && previous.deletedAt === null) return undefined;
    if (action.kind === "update" && previous?.contentHash === article.contentHash) return undefined;
    if (action.kind === "create") {
      const post = toPost(article, ctx, { published: now });
      const object = await this.#objectRow(article, post, nowIso, null);
      return this.#write(object, createActivity(post, ctx), "create", action.silent ? "silent" : "pending");
    }
    // Update: same id and publication time, a newer `updated` (Mastodon ignores an Update without it).
    const published = new Date(previous!.published);
    const post = toPost(article, ctx, { published, updated: now });
    const object = await this.#objectRow(article, post, previous!.published, nowIso);
    for (let n = 1; ; n++) {
      const activity = updateActivity(post, ctx, article.contentHash, n);
      if (!(await store.activityExists(activity.id!.href)))
        return this.#write(object, activity, "update", "pending");
    }
  }

  async #objectRow(
    article: Article,
    post: Awaited<ReturnType<typeof toPost>>,
    published: string,
    updated: string | null,
  ) {
    return {
      articleId: article.id,
      published,
      updated,
      contentHash: article.contentHash,
      deletedAt: null,
      pinned: article.pinned,
      object: await toStoredJson(post),
    } satisfies FederatedObject;
  }

  async #write(
    object: FederatedObject,
    activity: Activity,
    kind: ActivityRecord["kind"],
    state: ActivityRecord["state"],
  ) {
    const record: ActivityRecord = {
      id: activity.id!.href,
      articleId: object.articleId,
      kind,
      state,
      createdAt: this.#now().toISOString(),
      queuedAt: null,
      activity: await toStoredJson(activity),
    };
    return (await this.#d.store.recordActivity(object, record)) ? record : undefined;
  }

  async #enqueue(record: ActivityRecord): Promise<void> {
    const { federation, queue, store, username, objects } = this.#d;
    // Rebuilt from the ledger: what was recorded is what is sent, blurhashes included.
    const activity = withBlurhashes(
      await Activity.fromJsonLd(record.activity),
      blurhashesIn(record.activity),
    );
    const ctx = federation.createContext(new URL(objects.urls.home));
    // Create → Update → Delete of one article arrive in order at each server.
    const orderingKey = objectId(objects, { id: record.articleId }).href;
    const relays = relayBound(record) ? ((await this.#d.relayInboxes?.()) ?? []) : [];
    try {
      await queue.atomically(
        async () => {
          await ctx.sendActivity({ identifier: username }, "followers", activity, {
            preferSharedInbox: true,
            orderingKey,
            // Per-recipient messages written in one batch; a fan-out message re-run after a crash would repeat.
            fanout: "skip",
          });
          // In the same batch: an inbox that is also a follower's gets the activity once (outbox-messages.ts).
          if (relays.length > 0)
            await ctx.sendActivity(
              { identifier: username },
              relays.map((inbox) => ({ id: new URL(inbox), inboxId: new URL(inbox), endpoints: null })),
              activity,
              { orderingKey, fanout: "skip" },
            );
        },
        (_value, tx) => store.markQueuedIn(tx, record.id),
      );
    } catch (error) {
      // Another process (a second scheduler, `herald sync`) queued it first: its batch is the one.
      if (!(error instanceof AlreadyQueuedError)) throw error;
      this.#d.log.info({ activity: record.id }, "activity was queued by another process");
    }
  }
}

const PUBLIC_ADDRESSES = new Set(["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"]);

/**
 * Relays pass on public posts: a Create or Update addressed to Public in `to` (an unlisted post has it
 * in `cc` and stays off relays), and every Delete (harmless where the post never went).
 */
function relayBound(record: ActivityRecord): boolean {
  if (record.kind === "delete") return true;
  const to = record.activity.to;
  return (Array.isArray(to) ? to : [to]).some((a) => typeof a === "string" && PUBLIC_ADDRESSES.has(a));
}
