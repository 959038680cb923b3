// Who follows Herald's accounts, as the inbox hears it: a Follow (answered with Accept, or kept
// pending, or rejected when its actor is blocked), an Undo of it, a follower's Block, Delete or
// Move of its own account, and the unverifiable Delete of an account that is gone.
import { createHash } from "node:crypto";
import type { InboxContext } from "@fedify/fedify";
import {
  Accept,
  type Activity,
  Announce,
  type Block,
  Delete,
  Follow,
  Like,
  type Move,
  type Recipient,
  Reject,
  type Undo,
} from "@fedify/vocab";
import type { Logger } from "../../log.ts";
import type { OutboundGuard } from "../../net/outbound.ts";
import type { Follower } from "../../store/types.ts";
import type { FederatedAccount, ServedAccounts } from "../actor.ts";
import type { BlockSet } from "../blocks.ts";
import type { AccountGoneCheck } from "../gone.ts";
import { deliverable, fetchActor } from "./remote-actors.ts";

export interface FollowDeps extends Pick<ServedAccounts, "accountOf" | "allAccounts"> {
  /** Every fetch and delivery Fedify makes goes through it; a follower's inbox must pass it. */
  guard: OutboundGuard;
  /** The operator's blocks as this process knows them now: a blocked actor's Follow is rejected. */
  blocks?: () => BlockSet;
  /** True (and logged) when the activity's actor is blocked: the activity is dropped. */
  blocked(activity: Activity): boolean;
  /** Proof that an account is gone, for the Delete of it that cannot be verified. */
  accountGone: AccountGoneCheck;
  /** Called after a follower of `account` is accepted (backfill, counters). */
  onFollowAccepted?: (follower: Follower, account: FederatedAccount) => Promise<void>;
  log: Logger;
}

export async function onFollow(deps: FollowDeps, ctx: InboxContext<void>, follow: Follow): Promise<void> {
  const { accountOf, log: inboxLog } = deps;
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
    inboxLog.warn({ actor: actor.id.href, inbox: unusable.href }, "follow with an unusable inbox ignored");
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
}

export async function onUndo(deps: FollowDeps, ctx: InboxContext<void>, undo: Undo): Promise<void> {
  const { accountOf, allAccounts, blocked, log: inboxLog } = deps;
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
}

export async function onDelete(deps: FollowDeps, del: Delete): Promise<void> {
  const { allAccounts, blocked, log: inboxLog } = deps;
  if (blocked(del)) return;
  // A deleted account stops following, every account it followed.
  if (!del.actorId || del.objectId?.href !== del.actorId.href) return;
  for (const { store } of await allAccounts())
    if (await store.removeFollower(del.actorId.href))
      inboxLog.info({ actor: del.actorId.href, account: store.account }, "follower account deleted");
}

export async function onBlock(deps: FollowDeps, ctx: InboxContext<void>, block: Block): Promise<void> {
  const { accountOf, blocked, log: inboxLog } = deps;
  if (blocked(block)) return;
  const target = block.objectId ? ctx.parseUri(block.objectId) : null;
  const account = target?.type === "actor" ? await accountOf(target.identifier) : undefined;
  if (block.actorId && account && (await account.store.removeFollower(block.actorId.href))) {
    inboxLog.info({ actor: block.actorId.href, account: account.store.account }, "blocked by follower");
  }
}

export async function onMove(deps: FollowDeps, move: Move): Promise<void> {
  const { allAccounts, blocked, log: inboxLog } = deps;
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
}

/**
 * A deleted account's Delete cannot be verified: its key is gone with it. Anyone can send such a
 * Delete, and any URL (a keyId) can answer 410, so the request itself proves nothing: the follower
 * is removed only when Herald fetches the follower's own actor id and that answers 410 or 404.
 * Fedify's onUnverifiedActivity: a Response (202) when the Delete was taken, else undefined.
 */
export async function onUnverifiedDelete(
  deps: FollowDeps,
  activity: Activity,
): Promise<Response | undefined> {
  const { allAccounts, blocked, accountGone, log: inboxLog } = deps;
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
