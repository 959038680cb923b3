// Fedify wiring: the actor, its keys and collections, WebFinger/NodeInfo, and inbox listeners.
// Delivery goes through the persistent queue; only publisher.ts sends articles.
import { createHash } from "node:crypto";
import {
  type Context,
  createFederation,
  type Federation,
  type InboxContext,
  type KvStore,
  type MessageQueue,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Object as APObject,
  Block,
  Create,
  Delete,
  Endpoints,
  Follow,
  Image,
  isActor,
  Like,
  Move,
  Note,
  PropertyValue,
  QuoteAuthorization,
  QuoteRequest,
  type Recipient,
  Reject,
  Service,
  Undo,
} from "@fedify/vocab";
import { type DocumentLoader, getUserAgent } from "@fedify/vocab-runtime";
import { Temporal } from "@js-temporal/polyfill";
import { withoutControls } from "../content/plain-text.ts";
import type { Logger } from "../log.ts";
import { checkTarget } from "../net/guard.ts";
import type { OutboundGuard } from "../net/outbound.ts";
import type { QuoteStampStore } from "../store/quotes.ts";
import type { FederationStore, Follower, Interaction } from "../store/types.ts";
import { ACTOR_ROUTES, type SiteUrls } from "../urls.ts";
import type { BlockSet } from "./blocks.ts";
import { blurhashesIn, withBlurhashes } from "./blurhash.ts";
import { AccountGoneCheck } from "./gone.ts";
import { guardedLoaders, guardedQueue } from "./guarded.ts";
import type { ActorKeyPairs } from "./keys.ts";
import { answerQuoteRequest, QUOTE_AUTHORIZATION_ROUTE, stampObject } from "./quotes.ts";
import { answerFromRelay } from "./relays.ts";

export interface BotProfile {
  username: string;
  name: string;
  /** HTML bio. */
  summary: string;
  avatar?: { url: string; mediaType?: string };
  header?: { url: string; mediaType?: string };
  fields: readonly { name: string; value: string }[];
  discoverable: boolean;
  indexable: boolean;
  manualApproval: boolean;
  /** When the account first existed (ISO). */
  published: string;
}

/** One actor Herald serves: its profile, its keys, and the store scoped to it. */
export interface FederatedAccount {
  profile: BotProfile;
  keys: ActorKeyPairs;
  store: FederationStore;
}

export interface FederationDeps {
  origin: string;
  urls: SiteUrls;
  /** The main account's profile, keys and store. */
  profile: BotProfile;
  keys: ActorKeyPairs;
  store: FederationStore;
  /**
   * The other accounts (runtime's AccountDirectory): a section account by its identifier, configured
   * or removed from the configuration but still known to the store; undefined for anything else.
   */
  account?: (identifier: string) => Promise<FederatedAccount | undefined>;
  /** Every account served, the main one first (NodeInfo, and activities addressed to no one account). */
  allAccounts?: () => Promise<FederatedAccount[]>;
  kv: KvStore;
  /** Received activities, handled by Fedify's inbox listeners. */
  queue: MessageQueue;
  /** Outgoing activities: Herald's outbox, which keeps them for its own delivery worker (delivery.ts). */
  outbox: MessageQueue;
  /** Accepted followers of an account (its store key) on one origin: FEP-8fcf's partial collection. */
  followerIdsAt?: (origin: string, account: string) => Promise<string[]>;
  log: Logger;
  /** Every fetch and delivery Fedify makes goes through it (loopback and private addresses refused). */
  guard: OutboundGuard;
  /** The operator's blocks as this process knows them now (federation/blocks.ts). */
  blocks?: () => BlockSet;
  /** Quote stamps granted (FEP-044f); without it QuoteRequests are ignored. */
  quotes?: QuoteStampStore;
  /** The account's identity over time: `alsoKnownAs` (moving in) and `movedTo` (moving out). */
  identity?: AccountIdentity;
  /** Called after a follower of `account` is accepted (backfill, counters). */
  onFollowAccepted?: (follower: Follower, account: FederatedAccount) => Promise<void>;
  version: string;
}

const PAGE_SIZE = 50;

function objectIdToArticleId(urls: SiteUrls, id: URL | null | undefined): string | undefined {
  if (!id) return undefined;
  const prefix = urls.object("");
  const href = id.href.split("#")[0]!;
  if (!href.startsWith(prefix)) return undefined;
  // A section account's object (`objects/@tech/<id>`) is the same article.
  const rest = href.slice(prefix.length).replace(/^@[^/]+\//, "");
  // A stranger's id may be malformed (`%E0%A4%A`): it names no article, rather than failing the
  // inbox listener (which the queue would then retry, again and again).
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

export function createHeraldFederation(deps: FederationDeps): Federation<void> {
  const { profile, store, urls, log } = deps;
  const federation = createFederation<void>({
    kv: deps.kv,
    queue: { inbox: guardedQueue(deps.queue, deps.guard), outbox: deps.outbox },
    manuallyStartQueue: true,
    origin: deps.origin,
    // Servers that only read draft-cavage answer 202 to RFC 9421 and drop the activity: knock with cavage.
    firstKnock: "draft-cavage-http-signatures-12",
    // Fedify's own address check stays off (it cannot be combined with these loaders): the guard does it.
    ...guardedLoaders(
      deps.guard,
      deps.kv,
      getUserAgent({ software: `Herald/${deps.version}`, url: new URL(urls.home) }),
    ),
  });

  const main: FederatedAccount = { profile, keys: deps.keys, store };
  /** The account an identifier names: the main one, a section account, or none. */
  const accountOf = async (identifier: string): Promise<FederatedAccount | undefined> =>
    identifier === profile.username ? main : await deps.account?.(identifier);
  const allAccounts = async (): Promise<FederatedAccount[]> => (await deps.allAccounts?.()) ?? [main];

  federation
    .setActorDispatcher(ACTOR_ROUTES.actor, async (ctx, identifier) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      // Moving in and out (identity.ts) is the main account's.
      const identity = account === main ? await deps.identity?.current() : undefined;
      return actorObject(ctx, account.profile, urls, identity);
    })
    .mapHandle(async (_ctx, username) => ((await accountOf(username)) ? username : null))
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? [account.keys.rsa, account.keys.ed25519] : [];
    });

  federation
    .setFollowersDispatcher(ACTOR_ROUTES.followers, async (_ctx, identifier, cursor, baseUrl) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      const store = account.store;
      if (baseUrl && deps.followerIdsAt) {
        // FEP-8fcf: a server checks its digest against the followers Herald has there, all at once.
        const ids = await deps.followerIdsAt(baseUrl.origin, store.account);
        const recipients = ids.map((id) => ({ id: new URL(id), inboxId: null, endpoints: null }));
        return cursor === null || cursor === "0" ? { items: recipients, nextCursor: null } : { items: [] };
      }
      // cursor null = every follower at once: what sendActivity("followers") asks for.
      const offset = cursor === null ? 0 : Number(cursor);
      const limit = cursor === null ? -1 : PAGE_SIZE;
      const followers = await store.listFollowers({ state: "accepted", offset, limit });
      const total = cursor === null ? followers.length : await store.countFollowers("accepted");
      return {
        items: followers.map(toRecipient),
        nextCursor: cursor !== null && offset + PAGE_SIZE < total ? String(offset + PAGE_SIZE) : null,
      };
    })
    .setCounter(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? account.store.countFollowers("accepted") : null;
    })
    .setFirstCursor(async (_ctx, identifier) => ((await accountOf(identifier)) ? "0" : null));

  federation
    .setOutboxDispatcher(ACTOR_ROUTES.outbox, async (_ctx, identifier, cursor) => {
      const account = await accountOf(identifier);
      if (!account || cursor === null) return null;
      const store = account.store;
      const offset = Number(cursor) || 0;
      const records = await store.listCreates({ offset, limit: PAGE_SIZE });
      const items = await Promise.all(
        records.map(async (r) =>
          withBlurhashes(await Create.fromJsonLd(r.activity), blurhashesIn(r.activity)),
        ),
      );
      return {
        items,
        nextCursor: offset + PAGE_SIZE < (await store.countCreates()) ? String(offset + PAGE_SIZE) : null,
      };
    })
    .setCounter(async (_ctx, identifier) => (await accountOf(identifier))?.store.countCreates() ?? null)
    .setFirstCursor(async (_ctx, identifier) => ((await accountOf(identifier)) ? "0" : null));

  const pinnedObjects = async (account: FederatedAccount) =>
    (await account.store.listObjects()).filter((o) => o.pinned && o.deletedAt === null);
  federation
    .setFeaturedDispatcher(ACTOR_ROUTES.featured, async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      const pinned = await pinnedObjects(account);
      pinned.sort((a, b) => (a.published < b.published ? 1 : -1));
      return { items: await Promise.all(pinned.map((o) => postFromJson(o.object))) };
    })
    // Without a counter Fedify omits totalItems; every collection of the actor must give it.
    .setCounter(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? (await pinnedObjects(account)).length : null;
    });

  federation.setNodeInfoDispatcher("/nodeinfo/2.1", async () => {
    const accounts = await allAccounts();
    const posts = await Promise.all(accounts.map((a) => a.store.countCreates()));
    const users = accounts.length;
    return {
      software: { name: "herald", version: deps.version, homepage: new URL(urls.home) },
      protocols: ["activitypub"],
      services: { inbound: [], outbound: ["atom1.0", "rss2.0"] },
      openRegistrations: false,
      usage: {
        users: { total: users, activeHalfyear: users, activeMonth: users },
        localPosts: posts.reduce((a, b) => a + b, 0),
        localComments: 0,
      },
      metadata: {},
    };
  });

  const quoteDeps = () =>
    deps.quotes
      ? {
          store,
          quotes: deps.quotes,
          urls,
          username: profile.username,
          log: log.child({ module: "quotes" }),
          // Stamps are the main account's (quotes.ts): a section account's post is not its to grant.
          deliverable: (url: URL) => deliverable(url, deps.guard),
          articleIdOf: (id: URL | null) =>
            id?.href.startsWith(`${urls.object("")}@`) ? undefined : objectIdToArticleId(urls, id),
          fetchActor: async (inboxCtx: InboxContext<void>, id: URL) =>
            fetchActor(
              id,
              await inboxCtx.getDocumentLoader({ identifier: profile.username }),
              inboxCtx.contextLoader,
            ),
          record: async (i: Interaction) => {
            await recordInteraction(
              i.kind,
              new URL(i.id),
              new URL(i.actorId),
              new URL(urls.object(i.articleId)),
              null,
              i.url,
            );
          },
        }
      : undefined;
  federation.setObjectDispatcher(QuoteAuthorization, QUOTE_AUTHORIZATION_ROUTE, async (ctx, values) => {
    const q = quoteDeps();
    return q && values.identifier === profile.username ? stampObject(ctx, q, values.id) : null;
  });

  const inboxLog = log.child({ module: "inbox" });
  // The inbox gate drops what blocked servers and actors sign (their Follows excepted, to be
  // rejected); this catches the rest: an actor blocked by id whose key is named otherwise, an
  // activity relayed by another server.
  const blocked = (activity: Activity): boolean => {
    if (!activity.actorId || !deps.blocks?.().blocksActor(activity.actorId)) return false;
    inboxLog.debug(
      { actor: activity.actorId.href, id: activity.id?.href },
      "activity of a blocked actor dropped",
    );
    return true;
  };
  const accountGone = new AccountGoneCheck(deps.guard, inboxLog);
  federation
    .setInboxListeners(ACTOR_ROUTES.inbox, ACTOR_ROUTES.sharedInbox)
    .on(Follow, async (ctx, follow) => {
      if (!follow.id || !follow.actorId || !follow.objectId) return;
      const target = ctx.parseUri(follow.objectId);
      const account = target?.type === "actor" ? await accountOf(target.identifier) : undefined;
      if (!account) return;
      const { store, profile } = account;
      const refused = deps.blocks?.().blocksActor(follow.actorId) ?? false;
      // Always fetched from its id: an actor embedded in the Follow is the sender's word for its inbox.
      const documentLoader = await ctx.getDocumentLoader({ identifier: profile.username });
      const actor = await fetchActor(follow.actorId, documentLoader, ctx.contextLoader);
      if (!actor?.id || !actor.inboxId) {
        inboxLog.warn({ follow: follow.id.href }, "follow without a reachable actor ignored");
        return;
      }
      const unusable = [actor.inboxId, actor.endpoints?.sharedInbox].find(
        (url) => url && !deliverable(url, deps.guard),
      );
      if (unusable) {
        inboxLog.warn(
          { actor: actor.id.href, inbox: unusable.href },
          "follow with an unusable inbox ignored",
        );
        return;
      }
      if (refused) {
        // Nothing is stored: a blocked actor's Follow is answered, and forgotten.
        await sendAnswer(ctx, Reject, follow, actor, profile.username);
        await store.removeFollower(actor.id.href);
        inboxLog.info({ actor: actor.id.href }, "follow of a blocked actor rejected");
        return;
      }
      const follower: Follower = {
        actorId: actor.id.href,
        inbox: actor.inboxId.href,
        sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
        handle: actor.preferredUsername ? `@${actor.preferredUsername}@${actor.id.host}` : null,
        followId: follow.id.href,
        state: profile.manualApproval ? "pending" : "accepted",
        createdAt: (await store.getFollower(actor.id.href))?.createdAt ?? new Date().toISOString(),
      };
      await store.upsertFollower(follower);
      inboxLog.info(
        { actor: follower.actorId, account: profile.username, state: follower.state },
        "follow received",
      );
      if (follower.state === "accepted") {
        await sendAnswer(ctx, Accept, follow, actor, profile.username);
        await deps.onFollowAccepted?.(follower, account);
      }
    })
    .on(Undo, async (ctx, undo) => {
      if (blocked(undo)) return;
      // Some servers undo by the Follow's id alone, and that id is rarely fetchable: the stored id of
      // the signer's own follow is enough (each account keeps its own follows).
      const accounts = await allAccounts();
      if (undo.actorId && undo.objectId) {
        for (const { store } of accounts) {
          const follower = await store.getFollower(undo.actorId.href);
          if (follower?.followId !== undo.objectId.href) continue;
          if (await store.removeFollower(follower.actorId))
            inboxLog.info({ actor: follower.actorId, account: store.account }, "follower left");
          return;
        }
      }
      const object = await undo.getObject({ crossOrigin: "ignore" }).catch(() => null);
      // Servers often embed the Follow without its actor; the Undo is signed by its actor, so only
      // that actor's follow is ever removed: of the account it names, or of every account.
      if (
        object instanceof Follow &&
        undo.actorId &&
        (object.actorId === null || object.actorId.href === undo.actorId.href)
      ) {
        const target = object.objectId ? ctx.parseUri(object.objectId) : null;
        const named = target?.type === "actor" ? await accountOf(target.identifier) : undefined;
        for (const { store } of named ? [named] : accounts)
          if (await store.removeFollower(undo.actorId.href))
            inboxLog.info({ actor: undo.actorId.href, account: store.account }, "follower left");
      } else if ((object instanceof Like || object instanceof Announce) && object.id) {
        // Interactions are a record of what happened; an undo is rare and needs no bookkeeping.
        inboxLog.debug({ activity: object.id.href }, "undo of interaction");
      }
    })
    .on(Delete, async (_ctx, del) => {
      if (blocked(del)) return;
      // A deleted account stops following, every account it followed.
      if (!del.actorId || del.objectId?.href !== del.actorId.href) return;
      for (const { store } of await allAccounts())
        if (await store.removeFollower(del.actorId.href))
          inboxLog.info({ actor: del.actorId.href, account: store.account }, "follower account deleted");
    })
    .on(Block, async (ctx, block) => {
      if (blocked(block)) return;
      const target = block.objectId ? ctx.parseUri(block.objectId) : null;
      const account = target?.type === "actor" ? await accountOf(target.identifier) : undefined;
      if (block.actorId && account && (await account.store.removeFollower(block.actorId.href))) {
        inboxLog.info({ actor: block.actorId.href, account: account.store.account }, "blocked by follower");
      }
    })
    .on(Like, async (_ctx, like) => {
      if (!blocked(like)) await recordInteraction("like", like.id, like.actorId, like.objectId, null);
    })
    .on(Announce, async (_ctx, announce) => {
      if (!blocked(announce))
        await recordInteraction("announce", announce.id, announce.actorId, announce.objectId, null);
    })
    .on(Create, async (ctx, create) => {
      if (blocked(create) || !create.actorId) return;
      // The Note must be on the signer's server. One claiming another server's id would be fetched
      // from there (crossOrigin "ignore"): that server's words shown under the signer's name, its
      // reply id taken (interactions are keyed by id), and, when the fetch fails, the listener
      // failing and the queue retrying it. Nothing of it is fetched now.
      if (create.objectId && create.objectId.origin !== create.actorId.origin) return;
      const object = await create.getObject({ crossOrigin: "ignore" });
      if (!(object instanceof Note)) return;
      const replyTo = objectIdToArticleId(urls, object.replyTargetId);
      // A mention of any of the site's accounts.
      let mentioned = false;
      for await (const tag of object.getTags()) {
        const href = "href" in tag ? (tag as { href: URL | null }).href : null;
        const named = href ? ctx.parseUri(href) : null;
        if (named?.type === "actor" && (await accountOf(named.identifier))) mentioned = true;
      }
      if (!replyTo && !mentioned) return;
      await recordInteraction(
        replyTo ? "reply" : "mention",
        object.id ?? create.id,
        create.actorId,
        replyTo ? object.replyTargetId : null,
        object.content?.toString() ?? null,
        object.url instanceof URL ? object.url.href : null,
      );
      // Article pages show a reply's author by name (pages.showInteractions); the reply is kept without.
      if (replyTo)
        await rememberAuthor(ctx, create.actorId).catch((error: unknown) =>
          inboxLog.warn({ err: error, actor: create.actorId?.href }, "reply author's name not kept"),
        );
    })
    // A relay's answer to Herald's Follow (relays.ts); other Accepts and Rejects are not about relays.
    .on(Accept, async (_ctx, accept) => {
      if (!blocked(accept) && accept.actorId && accept.objectId)
        await answerFromRelay({ store, log: inboxLog }, "accepted", accept.actorId, accept.objectId);
    })
    .on(Reject, async (_ctx, reject) => {
      if (!blocked(reject) && reject.actorId && reject.objectId)
        await answerFromRelay({ store, log: inboxLog }, "rejected", reject.actorId, reject.objectId);
    })
    .on(QuoteRequest, async (ctx, request) => {
      const q = quoteDeps();
      if (q && !blocked(request)) await answerQuoteRequest(ctx, request, q);
    })
    .on(Move, async (_ctx, move) => {
      if (blocked(move) || !move.actorId) return;
      // A follower moved its account: its new account follows Herald by itself (Mastodon sends the
      // Follow), and the old one unfollows; nothing here to do but note it.
      if (move.objectId?.href !== move.actorId.href) return;
      for (const account of await allAccounts()) {
        const follower = await account.store.getFollower(move.actorId.href);
        if (follower)
          inboxLog.info(
            { actor: follower.actorId, target: move.targetId?.href, account: account.profile.username },
            "follower moved",
          );
      }
    })
    // Everything else (Add to a remote "following" collection, Update of a remote profile, …) is
    // acknowledged and ignored; without this listener Fedify logs each one as an error.
    .on(Activity, (_ctx, activity) =>
      inboxLog.debug({ type: activity.constructor.name, id: activity.id?.href }, "activity ignored"),
    )
    // A deleted account's Delete cannot be verified: its key is gone with it. Anyone can send such a
    // Delete, and any URL (a keyId) can answer 410, so the request itself proves nothing: the follower
    // is removed only when Herald fetches the follower's own actor id and that answers 410 or 404.
    .onUnverifiedActivity(async (_ctx, activity) => {
      const actor = activity.actorId;
      if (!(activity instanceof Delete) || !actor || activity.objectId?.href !== actor.href) return;
      if (blocked(activity)) return;
      const following = [];
      for (const account of await allAccounts())
        if (await account.store.getFollower(actor.href)) following.push(account.store);
      if (following.length === 0) return;
      if (!(await accountGone.confirm(actor))) return;
      for (const followed of following)
        if (await followed.removeFollower(actor.href))
          inboxLog.info({ actor: actor.href, account: followed.account }, "follower account gone");
      return new Response(null, { status: 202 });
    })
    .onError((_ctx, error) => inboxLog.error({ err: error }, "inbox listener failed"));

  async function recordInteraction(
    kind: Interaction["kind"],
    id: URL | null,
    actorId: URL | null,
    objectId: URL | null,
    content: string | null,
    url: string | null = null,
  ): Promise<void> {
    if (!id || !actorId || !boundedInteraction(id.href, actorId.href, url)) return;
    // Ids are unique per server only: one on another server than its actor's would take that
    // server's id (interactions are keyed by id), and its real like, boost or reply would not count.
    if (id.origin !== actorId.origin) return;
    const articleId = objectIdToArticleId(urls, objectId) ?? "";
    if (kind !== "mention" && !articleId) return;
    const fresh = await store.recordInteraction({
      id: id.href,
      articleId,
      kind,
      actorId: actorId.href,
      url,
      content: content === null ? null : excerpt(content, INTERACTION_EXCERPT_CHARS),
      createdAt: new Date().toISOString(),
    });
    if (!fresh) return;
    inboxLog.info({ kind, article: articleId, actor: actorId.href }, "interaction recorded");
    // Anyone may mention the account: what one actor can make Herald keep is bounded.
    if (kind === "reply" || kind === "mention")
      await store.trimInteractions(actorId.href, ["reply", "mention"], TALK_PER_ACTOR);
  }

  /** Keeps the replier's display name, read from its actor document (fetched from its id). */
  async function rememberAuthor(ctx: InboxContext<void>, actorId: URL): Promise<void> {
    const documentLoader = await ctx.getDocumentLoader({ identifier: profile.username });
    const actor = await fetchActor(actorId, documentLoader, ctx.contextLoader);
    const name = displayName(actor?.name?.toString() ?? "");
    if (name) await store.saveAuthor({ actorId: actorId.href, name, updatedAt: new Date().toISOString() });
  }

  async function sendAnswer(
    ctx: InboxContext<void>,
    answer: typeof Accept | typeof Reject,
    follow: Follow,
    actor: Recipient,
    identifier: string,
  ): Promise<void> {
    const me = ctx.getActorUri(identifier);
    await ctx.sendActivity(
      { identifier },
      actor,
      followAnswer(answer, me, { id: follow.id, actor: follow.actorId!, object: follow.objectId }),
    );
  }

  return federation;
}

/**
 * Accept or Reject of a Follow, with an id made from the Follow's (a retry is the same activity).
 * The Follow is given as ids only: the received one would carry the actor document getActor()
 * fetched (a third party's key material) inside our answer.
 */
export function followAnswer<T extends typeof Accept | typeof Reject>(
  answer: T,
  me: URL,
  follow: { id: URL | null; actor: URL; object: URL | null },
): InstanceType<T> {
  const kind = answer === Accept ? "accept" : "reject";
  const digest = createHash("sha256")
    .update(follow.id?.href ?? follow.actor.href)
    .digest("hex")
    .slice(0, 16);
  return new answer({
    id: new URL(`#${kind}-${digest}`, me),
    actor: me,
    object: new Follow({ id: follow.id, actor: follow.actor, object: follow.object }),
  }) as InstanceType<T>;
}

/** Where the account comes from and where it went: `alsoKnownAs` and `movedTo`. */
export interface AccountIdentity {
  current(): Promise<{ aliases: readonly URL[]; movedTo: URL | null }>;
}

/** The bot's actor document (also sent in Update after a profile change). */
export async function actorObject(
  ctx: Context<void>,
  profile: BotProfile,
  urls: SiteUrls,
  identity?: { aliases: readonly URL[]; movedTo: URL | null },
): Promise<Service> {
  const identifier = profile.username;
  const keys = await ctx.getActorKeyPairs(identifier);
  return new Service({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    name: profile.name,
    summary: profile.summary,
    url: new URL(urls.home),
    published: Temporal.Instant.from(profile.published),
    manuallyApprovesFollowers: profile.manualApproval,
    discoverable: profile.discoverable,
    indexable: profile.indexable,
    icon: profile.avatar
      ? new Image({ url: new URL(profile.avatar.url), mediaType: profile.avatar.mediaType })
      : null,
    image: profile.header
      ? new Image({ url: new URL(profile.header.url), mediaType: profile.header.mediaType })
      : null,
    attachments: profile.fields.map((f) => new PropertyValue({ name: f.name, value: f.value })),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    featured: ctx.getFeaturedUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    aliases: [...(identity?.aliases ?? [])],
    successor: identity?.movedTo ?? null,
  });
}

/** What is kept of a reply or mention (Mastodon caps posts at 500 characters; others allow more). */
export const INTERACTION_EXCERPT_CHARS = 4_000;
/** Replies and mentions kept per actor: the newest. */
export const TALK_PER_ACTOR = 20;

/** The first `max` characters of an HTML text, never ending inside a tag or a surrogate pair. */
export function excerpt(html: string, max: number): string {
  if (html.length <= max) return html;
  let cut = html.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const open = cut.lastIndexOf("<");
  if (open > cut.lastIndexOf(">")) cut = cut.slice(0, open);
  return `${cut}…`;
}

/**
 * A remote display name as plain text: control and bidirectional-override characters out (a name
 * must not reorder the page around it), whitespace folded, at most 100 characters.
 */
export function displayName(name: string): string {
  const clean = withoutControls(name).replace(/\s+/g, " ").trim();
  // Cut by code point: a cut between the halves of a surrogate pair (an emoji) leaves a lone half.
  if (clean.length <= 100) return clean;
  const chars = [...clean.slice(0, 202)]; // more than 100 code points when it is longer
  return chars.length > 100 ? `${chars.slice(0, 99).join("")}…` : clean;
}

/** Ids and URLs of a sane length: a 1 MB id is not an interaction worth keeping. */
function boundedInteraction(...values: (string | null)[]): boolean {
  return values.every((v) => v === null || v.length <= 2_048);
}

/** The actor at `id`, fetched from there; null when it is not an actor or names another id. */
async function fetchActor(id: URL, documentLoader: DocumentLoader, contextLoader: DocumentLoader) {
  try {
    const { document } = await documentLoader(id.href);
    const object = await APObject.fromJsonLd(document, { documentLoader, contextLoader });
    return isActor(object) && object.id?.href === id.href ? object : null;
  } catch {
    return null;
  }
}

/** An inbox Herald could ever deliver to: http(s), and not a literal non-public address. */
function deliverable(url: URL, guard: OutboundGuard): boolean {
  try {
    checkTarget(url, guard.options);
    return true;
  } catch {
    return false;
  }
}

function toRecipient(f: Follower): Recipient {
  return {
    id: new URL(f.actorId),
    inboxId: new URL(f.inbox),
    endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
  };
}

/** Rebuilds a stored post (Note or Article JSON-LD) as a vocab object. */
async function postFromJson(json: Record<string, unknown>) {
  const { Article } = await import("@fedify/vocab");
  const post = json.type === "Article" ? await Article.fromJsonLd(json) : await Note.fromJsonLd(json);
  return withBlurhashes(post, blurhashesIn(json));
}
