// The inbox: which listener takes each kind of activity Herald's accounts receive. Follows and the
// rest of a follower's life are in follows.ts; likes, boosts, replies and mentions in
// interactions.ts; a relay's answer goes to relays.ts, a QuoteRequest to quotes.ts.
import type { Federation } from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Block,
  Create,
  Delete,
  Follow,
  Like,
  Move,
  QuoteRequest,
  Reject,
  Undo,
} from "@fedify/vocab";
import type { Logger } from "../../log.ts";
import type { OutboundGuard } from "../../net/outbound.ts";
import type { Follower } from "../../store/types.ts";
import { ACTOR_ROUTES, type SiteUrls } from "../../urls.ts";
import type { FederatedAccount, ServedAccounts } from "../actor.ts";
import type { BlockSet } from "../blocks.ts";
import { AccountGoneCheck } from "../gone.ts";
import { answerQuoteRequest, type QuoteDeps } from "../quotes.ts";
import { answerFromRelay } from "../relays.ts";
import { onBlock, onDelete, onFollow, onMove, onUndo, onUnverifiedDelete } from "./follows.ts";
import { onAnnounce, onCreate, onLike } from "./interactions.ts";

export interface InboxDeps {
  accounts: ServedAccounts;
  urls: SiteUrls;
  /** Every fetch and delivery Fedify makes goes through it (loopback and private addresses refused). */
  guard: OutboundGuard;
  /** The operator's blocks as this process knows them now (federation/blocks.ts). */
  blocks?: () => BlockSet;
  /** What answering a QuoteRequest needs; undefined when QuoteRequests are ignored. */
  quoteDeps: () => QuoteDeps | undefined;
  /** Called after a follower of `account` is accepted (backfill, counters). */
  onFollowAccepted?: (follower: Follower, account: FederatedAccount) => Promise<void>;
  /** The inbox's logger. */
  log: Logger;
}

export function registerInboxListeners(federation: Federation<void>, deps: InboxDeps): void {
  const { accounts, quoteDeps, log: inboxLog } = deps;
  const { main, accountOf, allAccounts } = accounts;
  const store = main.store;
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
  const follows = {
    accountOf,
    allAccounts,
    guard: deps.guard,
    blocks: deps.blocks,
    blocked,
    accountGone: new AccountGoneCheck(deps.guard, inboxLog),
    onFollowAccepted: deps.onFollowAccepted,
    log: inboxLog,
  };
  const interactions = { urls: deps.urls, main, accountOf, blocked, log: inboxLog };
  federation
    .setInboxListeners(ACTOR_ROUTES.inbox, ACTOR_ROUTES.sharedInbox)
    .on(Follow, (ctx, follow) => onFollow(follows, ctx, follow))
    .on(Undo, (ctx, undo) => onUndo(follows, ctx, undo))
    .on(Delete, (_ctx, del) => onDelete(follows, del))
    .on(Block, (ctx, block) => onBlock(follows, ctx, block))
    .on(Like, (_ctx, like) => onLike(interactions, like))
    .on(Announce, (_ctx, announce) => onAnnounce(interactions, announce))
    .on(Create, (ctx, create) => onCreate(interactions, ctx, create))
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
    .on(Move, (_ctx, move) => onMove(follows, move))
    // Everything else (Add to a remote "following" collection, Update of a remote profile, …) is
    // acknowledged and ignored; without this listener Fedify logs each one as an error.
    .on(Activity, (_ctx, activity) =>
      inboxLog.debug({ type: activity.constructor.name, id: activity.id?.href }, "activity ignored"),
    )
    // A deleted account's Delete, which cannot be verified (follows.ts).
    .onUnverifiedActivity((_ctx, activity) => onUnverifiedDelete(follows, activity))
    .onError((_ctx, error) => inboxLog.error({ err: error }, "inbox listener failed"));
}
