// Relays (FEP-ae0c): servers that pass public posts on to everyone who subscribed to them, for reach
// when the account has few followers. Two kinds exist in the wild:
// - Mastodon-style (pub-relay, Activity-Relay): configured by their inbox URL. Herald follows the
//   Public collection, sending the Follow to that inbox, as Mastodon's own relay support does.
// - LitePub (Pleroma's relay, aode-relay): configured by their actor URL (…/actor). Herald follows
//   the actor, as any account, at the inbox its actor document names.
// The relay answers with Accept or Reject of Herald's Follow. Herald keeps the state per relay; public
// posts go to accepted relays (the publisher adds their inboxes to each post's fan-out), and a relay
// taken out of the configuration gets an Undo of the Follow.
//
// Follow and Undo are written as plain JSON into Herald's outbox, not through Fedify: Fedify compacts
// the Public collection to `as:Public`, and Mastodon-style relays compare the full IRI.
import { createHash } from "node:crypto";
import type { MessageQueue } from "@fedify/fedify";
import { Object as APObject, isActor } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import type { Logger } from "../log.ts";
import { checkTarget } from "../net/guard.ts";
import type { OutboundGuard } from "../net/outbound.ts";
import type { FederationStore, Relay } from "../store/types.ts";
import { relayStyle } from "./relay-style.ts";

export const PUBLIC_COLLECTION = "https://www.w3.org/ns/activitystreams#Public";
const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
const FOLLOW_TYPE = "https://www.w3.org/ns/activitystreams#Follow";
const UNDO_TYPE = "https://www.w3.org/ns/activitystreams#Undo";

export interface RelayDeps {
  store: FederationStore;
  /** Herald's outbox: what is enqueued here, the delivery worker signs and sends. */
  outbox: Pick<MessageQueue, "enqueue">;
  /** Herald's actor id. */
  actorId: string;
  guard: OutboundGuard;
  /** Signed, guarded fetches (a relay's actor document). */
  documentLoader: () => Promise<{ documentLoader: DocumentLoader; contextLoader: DocumentLoader }>;
  log: Logger;
  now?: () => Date;
}

export interface RelaySync {
  followed: string[];
  /** Relays whose Follow was sent again (still pending, or not sent before a crash). */
  retried: string[];
  undone: string[];
  /** Configured relays that could not be followed now (a bad address, an unreachable actor). */
  failed: { url: string; reason: string }[];
}

/**
 * Brings the followed relays in line with the configuration: follows new ones (recorded as pending
 * before the Follow is queued), follows pending ones again (same Follow id: a relay that already has
 * it sees a repeat), and undoes and forgets those no longer configured.
 */
export async function syncRelays(deps: RelayDeps, configured: readonly string[]): Promise<RelaySync> {
  const { store, log } = deps;
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const result: RelaySync = { followed: [], retried: [], undone: [], failed: [] };
  const stored = new Map((await store.listRelays()).map((r) => [r.url, r]));
  const wanted = new Set(configured);
  for (const relay of stored.values()) {
    if (wanted.has(relay.url)) continue;
    if (relay.inbox) await enqueue(deps, relay.inbox, relay.url, undoJson(deps.actorId, relay));
    await store.removeRelay(relay.url);
    result.undone.push(relay.url);
    log.info({ relay: relay.url }, "relay unfollowed");
  }
  for (const url of wanted) {
    const known = stored.get(url);
    if (known && known.state !== "pending") continue;
    try {
      const style = relayStyle(url);
      const inbox = known?.inbox ?? (await relayInbox(deps, url, style));
      const relay: Relay = known
        ? { ...known, inbox }
        : {
            url,
            style,
            inbox,
            followId: followIdOf(deps.actorId, url, now),
            state: "pending",
            createdAt: now,
            changedAt: now,
          };
      await store.saveRelay(relay);
      await enqueue(deps, inbox, url, followJson(deps.actorId, relay));
      (known ? result.retried : result.followed).push(url);
      log.info({ relay: url, style, retry: known !== undefined }, "relay follow sent");
    } catch (error) {
      const reason = (error as Error).message;
      result.failed.push({ url, reason });
      log.warn({ relay: url, reason }, "relay could not be followed");
    }
  }
  return result;
}

/**
 * A relay's Accept or Reject of Herald's Follow: the relay's state changes when the Follow is one of
 * Herald's relay follows and the signer is that relay (its actor, or for a Mastodon-style relay,
 * an actor on the relay's host). Anything else is not about relays: false.
 */
export async function answerFromRelay(
  deps: Pick<RelayDeps, "store" | "log" | "now">,
  answer: "accepted" | "rejected",
  signer: URL,
  followId: URL,
): Promise<boolean> {
  const relay = (await deps.store.listRelays()).find((r) => r.followId === followId.href);
  if (!relay) return false;
  const relayUrl = new URL(relay.url);
  const fromRelay =
    relay.style === "litepub" ? withoutHash(signer) === relayUrl.href : signer.host === relayUrl.host;
  if (!fromRelay) {
    deps.log.warn({ relay: relay.url, signer: signer.href }, "relay answer from another actor ignored");
    return true;
  }
  if (relay.state !== answer) {
    const changedAt = (deps.now ?? (() => new Date()))().toISOString();
    await deps.store.saveRelay({ ...relay, state: answer, changedAt });
    deps.log.info({ relay: relay.url, state: answer }, "relay answered");
  }
  return true;
}

/** Inboxes of the relays that accepted Herald: where public posts also go. */
export async function acceptedRelayInboxes(store: Pick<FederationStore, "listRelays">): Promise<string[]> {
  return (await store.listRelays())
    .filter((r) => r.state === "accepted" && r.inbox !== null)
    .map((r) => r.inbox!);
}

/** The Follow's id: one per relay and subscription (a relay removed and added again is followed anew). */
function followIdOf(actorId: string, url: string, createdAt: string): string {
  const digest = createHash("sha256").update(`${url}\n${createdAt}`).digest("hex").slice(0, 16);
  return new URL(`#relay-follow-${digest}`, actorId).href;
}

function followJson(actorId: string, relay: Relay): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id: relay.followId,
    type: "Follow",
    actor: actorId,
    object: relay.style === "litepub" ? relay.url : PUBLIC_COLLECTION,
  };
}

function undoJson(actorId: string, relay: Relay): Record<string, unknown> {
  const { "@context": context, ...follow } = followJson(actorId, relay);
  return {
    "@context": context,
    id: relay.followId.replace("#relay-follow-", "#relay-undo-"),
    type: "Undo",
    actor: actorId,
    object: follow,
  };
}

/** Where the relay takes activities: the configured inbox, or the inbox of the LitePub relay's actor. */
async function relayInbox(deps: RelayDeps, url: string, style: Relay["style"]): Promise<string> {
  checkTarget(url, deps.guard.options);
  if (style === "mastodon") return new URL(url).href;
  const { documentLoader, contextLoader } = await deps.documentLoader();
  const { document } = await documentLoader(url);
  const actor = await APObject.fromJsonLd(document, { documentLoader, contextLoader });
  if (!isActor(actor) || actor.id?.href !== new URL(url).href || !actor.inboxId)
    throw new Error(`${url} is not a relay actor with an inbox.`);
  return checkTarget(actor.inboxId, deps.guard.options).href;
}

/** Into Herald's outbox, as Fedify's outbox messages look (outbox-messages.ts keeps what it needs). */
async function enqueue(
  deps: RelayDeps,
  inbox: string,
  relayUrl: string,
  activity: Record<string, unknown>,
): Promise<void> {
  await deps.outbox.enqueue({
    type: "outbox",
    activityId: activity.id,
    activityType: activity.type === "Follow" ? FOLLOW_TYPE : UNDO_TYPE,
    activity,
    inbox,
    // A relay's Follow and Undo reach it in the order sent.
    orderingKey: `relay ${relayUrl}`,
  });
}

function withoutHash(url: URL): string {
  return url.hash ? url.href.slice(0, url.href.indexOf("#")) : url.href;
}
