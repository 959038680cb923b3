// Fedify wiring: one federation object for every account Herald serves, with the actor and its
// keys (actor.ts), its collections (collections.ts), NodeInfo, quote stamps (quotes.ts) and the
// inbox listeners (inbox/listeners.ts). Delivery goes through the persistent queue; only
// publisher.ts sends articles.
import {
  createFederation,
  type Federation,
  type InboxContext,
  type KvStore,
  type MessageQueue,
} from "@fedify/fedify";
import { QuoteAuthorization } from "@fedify/vocab";
import { getUserAgent } from "@fedify/vocab-runtime";
import type { Logger } from "../log.ts";
import type { OutboundGuard } from "../net/outbound.ts";
import type { QuoteStampStore } from "../store/quotes.ts";
import type { FederationStore, Follower, Interaction } from "../store/types.ts";
import type { SiteUrls } from "../urls.ts";
import {
  type AccountIdentity,
  type BotProfile,
  type FederatedAccount,
  registerActorDispatchers,
  type ServedAccounts,
} from "./actor.ts";
import type { BlockSet } from "./blocks.ts";
import { registerCollectionDispatchers } from "./collections.ts";
import { guardedLoaders, guardedQueue } from "./guarded.ts";
import { objectIdToArticleId, recordInteraction } from "./inbox/interactions.ts";
import { registerInboxListeners } from "./inbox/listeners.ts";
import { deliverable, fetchActor } from "./inbox/remote-actors.ts";
import type { ActorKeyPairs } from "./keys.ts";
import { QUOTE_AUTHORIZATION_ROUTE, stampObject } from "./quotes.ts";

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
  const served: ServedAccounts = {
    main,
    accountOf: async (identifier) =>
      identifier === profile.username ? main : await deps.account?.(identifier),
    allAccounts: async () => (await deps.allAccounts?.()) ?? [main],
  };
  const { allAccounts } = served;

  registerActorDispatchers(federation, served, urls, deps.identity);
  registerCollectionDispatchers(federation, {
    accountOf: served.accountOf,
    followerIdsAt: deps.followerIdsAt,
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

  const inboxLog = log.child({ module: "inbox" });
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
              { urls, main, log: inboxLog },
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

  registerInboxListeners(federation, {
    accounts: served,
    urls,
    guard: deps.guard,
    blocks: deps.blocks,
    quoteDeps,
    onFollowAccepted: deps.onFollowAccepted,
    log: inboxLog,
  });

  return federation;
}
