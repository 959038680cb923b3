// Quote consent (FEP-044f). A QuoteRequest for one of Herald's posts is answered at once: Accept
// with a QuoteAuthorization stamp when the post's advertised `canQuote` lets the asker in, Reject
// otherwise. Herald never asks the operator (nothing is in `manualApproval`). A stamp is served at
// its own URL while it stands; when its article is deleted or retracted it is revoked: the URL
// answers 404 and the quoter's inbox gets a Delete of the stamp, queued once with the revocation.
import { createHash } from "node:crypto";
import type { Context, InboxContext } from "@fedify/fedify";
import {
  Accept,
  Delete,
  PUBLIC_COLLECTION,
  QuoteAuthorization,
  QuoteRequest,
  type Recipient,
  Reject,
} from "@fedify/vocab";
import type { Logger } from "../log.ts";
import type { QuoteStamp, QuoteStampStore } from "../store/quotes.ts";
import {
  AlreadyQueuedError,
  type AtomicQueue,
  type FederationStore,
  type Interaction,
} from "../store/types.ts";
import { actorUrls, type SiteUrls } from "../urls.ts";

/** Where stamps are served (Fedify object dispatcher); under the actor, so the HTTP layer hands it to Fedify. */
export const QUOTE_AUTHORIZATION_ROUTE = "/users/{identifier}/quote-authorizations/{id}";

/** A stamp's id: the same article and quote post always get the same stamp (a retry, a second request). */
export function stampId(articleId: string, quoteId: string): string {
  return createHash("sha256")
    .update(JSON.stringify([articleId, quoteId]))
    .digest("hex")
    .slice(0, 32);
}

export function stampUri(ctx: Context<void>, username: string, id: string): URL {
  return ctx.getObjectUri(QuoteAuthorization, { identifier: username, id });
}

export interface QuoteDeps {
  store: FederationStore;
  quotes: QuoteStampStore;
  urls: SiteUrls;
  username: string;
  log: Logger;
  /** The article id of one of Herald's object URLs. */
  articleIdOf(id: URL | null): string | undefined;
  /** The actor fetched from its id (never trusted from the activity). */
  fetchActor(ctx: InboxContext<void>, id: URL): Promise<Recipient | null>;
  /** An inbox Herald could ever deliver to (the guard's rules), checked before anything is kept. */
  deliverable(url: URL): boolean;
  record(interaction: Interaction): Promise<void>;
}

type Decision = { ok: true } | { ok: false; reason: string };

/** Who the stored post lets quote without asking: its `interactionPolicy.canQuote.automaticApproval`. */
export function quoteApprovals(object: Record<string, unknown>): string[] {
  const policy = object.interactionPolicy as Record<string, unknown> | undefined;
  const rule = policy?.canQuote as Record<string, unknown> | undefined;
  const approval = rule?.automaticApproval;
  const list = Array.isArray(approval) ? approval : approval === undefined ? [] : [approval];
  return list
    .map((v) => (typeof v === "string" ? v : ((v as { id?: unknown })?.id as string | undefined)))
    .filter((v): v is string => typeof v === "string")
    .map((v) => (v === "as:Public" || v === "Public" ? PUBLIC_COLLECTION.href : v));
}

async function decide(
  deps: QuoteDeps,
  articleId: string | undefined,
  actorId: URL,
  quoteId: URL,
): Promise<Decision> {
  if (!articleId) return { ok: false, reason: "not one of our posts" };
  // The quote post is the asker's: a stamp for someone else's post would be a forgery by proxy.
  if (quoteId.origin !== actorId.origin) return { ok: false, reason: "quote post on another server" };
  const object = await deps.store.getObject(articleId);
  if (!object || object.deletedAt !== null) return { ok: false, reason: "post deleted" };
  if ((await deps.store.retractedIds()).has(articleId)) return { ok: false, reason: "post retracted" };
  const approvals = quoteApprovals(object.object);
  if (approvals.includes(PUBLIC_COLLECTION.href)) return { ok: true };
  if (approvals.includes(actorUrls(deps.urls, deps.username).followers.href)) {
    const follower = await deps.store.getFollower(actorId.href);
    if (follower?.state === "accepted") return { ok: true };
    return { ok: false, reason: "followers only" };
  }
  if (approvals.includes(actorId.href)) return { ok: true };
  return { ok: false, reason: "nobody may quote" };
}

/** Stamps one actor may be granted in all: anyone can ask, and each stamp is a row Herald keeps. */
export const STAMPS_PER_ACTOR = 1_000;

function answerId(me: URL, kind: "accept" | "reject", requestId: URL): URL {
  const digest = createHash("sha256").update(requestId.href).digest("hex").slice(0, 16);
  return new URL(`#${kind}-quote-${digest}`, me);
}

/** Answers one QuoteRequest: Accept with a stamp, or Reject. */
export async function answerQuoteRequest(
  ctx: InboxContext<void>,
  request: QuoteRequest,
  deps: QuoteDeps,
): Promise<void> {
  const quoteId = request.instrumentId;
  if (!request.id || !request.actorId || !request.objectId || !quoteId) return;
  if (quoteId.href.length > 2_048 || request.id.href.length > 2_048) return;
  const actor = await deps.fetchActor(ctx, request.actorId);
  if (!actor?.id || !actor.inboxId) {
    deps.log.warn({ request: request.id.href }, "quote request without a reachable actor ignored");
    return;
  }
  // As for a Follow: an inbox on a private or loopback address is never stored or sent to.
  if (!deps.deliverable(actor.inboxId)) {
    deps.log.warn(
      { request: request.id.href, actor: actor.id.href, inbox: actor.inboxId.href },
      "quote request from an actor whose inbox Herald may not deliver to ignored",
    );
    return;
  }
  const articleId = deps.articleIdOf(request.objectId);
  const wantedStamp = articleId ? stampId(articleId, quoteId.href) : undefined;
  const known = wantedStamp ? await deps.quotes.getStamp(wantedStamp) : undefined;
  const decision: Decision =
    !known && (await deps.quotes.countStamps(actor.id.href)) >= STAMPS_PER_ACTOR
      ? { ok: false, reason: "too many quotes by this actor" }
      : await decide(deps, articleId, actor.id, quoteId);
  const me = ctx.getActorUri(deps.username);
  // The request as ids: what was received may embed a third party's documents.
  const asked = new QuoteRequest({
    id: request.id,
    actor: request.actorId,
    object: request.objectId,
    instrument: quoteId,
  });
  let stamp: QuoteStamp | undefined;
  if (decision.ok) {
    stamp = await deps.quotes.saveStamp({
      id: wantedStamp!,
      articleId: articleId!,
      quoteId: quoteId.href,
      actorId: actor.id.href,
      inbox: actor.inboxId.href,
      requestId: request.id.href,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
  }
  if (stamp && stamp.revokedAt === null) {
    await ctx.sendActivity(
      { identifier: deps.username },
      actor,
      new Accept({
        id: answerId(me, "accept", request.id),
        actor: me,
        to: actor.id,
        object: asked,
        result: stampUri(ctx, deps.username, stamp.id),
      }),
    );
    await deps.record({
      id: request.id.href,
      articleId: articleId!,
      kind: "quote",
      actorId: actor.id.href,
      url: quoteId.href,
      content: null,
      createdAt: new Date().toISOString(),
    });
    deps.log.info({ article: articleId, actor: actor.id.href, quote: quoteId.href }, "quote authorized");
    return;
  }
  await ctx.sendActivity(
    { identifier: deps.username },
    actor,
    new Reject({ id: answerId(me, "reject", request.id), actor: me, to: actor.id, object: asked }),
  );
  deps.log.info(
    { article: articleId, actor: actor.id.href, reason: decision.ok ? "stamp revoked" : decision.reason },
    "quote request rejected",
  );
}

/** The stamp as served: null (404) when unknown, revoked, or its post is gone. */
export async function stampObject(
  ctx: Context<void>,
  deps: Pick<QuoteDeps, "store" | "quotes" | "urls" | "username">,
  id: string,
): Promise<QuoteAuthorization | null> {
  const stamp = await deps.quotes.getStamp(id);
  if (!stamp || stamp.revokedAt !== null) return null;
  const object = await deps.store.getObject(stamp.articleId);
  if (!object || object.deletedAt !== null) return null;
  return new QuoteAuthorization({
    id: stampUri(ctx, deps.username, stamp.id),
    attribution: ctx.getActorUri(deps.username),
    interactingObject: new URL(stamp.quoteId),
    interactionTarget: new URL(deps.urls.object(stamp.articleId)),
  });
}

/**
 * Revokes every standing stamp whose article was deleted or retracted: the quoter gets a Delete of
 * the stamp, queued in one transaction with the revocation, so a crash or a second process neither
 * loses nor repeats it. Run after each scan and at start. Returns how many were revoked.
 */
export async function revokeStamps(
  deps: Pick<QuoteDeps, "store" | "quotes" | "username" | "log"> & {
    ctx: Context<void>;
    outbox: AtomicQueue<unknown>;
  },
): Promise<number> {
  const { ctx, store, quotes, username, log } = deps;
  const live = await quotes.liveStamps();
  if (live.length === 0) return 0;
  const retracted = await store.retractedIds();
  let revoked = 0;
  for (const stamp of live) {
    const object = await store.getObject(stamp.articleId);
    const gone = !object || object.deletedAt !== null || retracted.has(stamp.articleId);
    if (!gone) continue;
    const uri = stampUri(ctx, username, stamp.id);
    const me = ctx.getActorUri(username);
    const at = new Date().toISOString();
    try {
      await deps.outbox.atomically(
        () =>
          ctx.sendActivity(
            { identifier: username },
            { id: new URL(stamp.actorId), inboxId: new URL(stamp.inbox), endpoints: null },
            new Delete({ id: new URL("#delete", uri), actor: me, to: new URL(stamp.actorId), object: uri }),
          ),
        (_value, tx) => quotes.revokeIn(tx, stamp.id, at),
      );
      revoked++;
      log.info({ article: stamp.articleId, quote: stamp.quoteId }, "quote authorization revoked");
    } catch (error) {
      if (!(error instanceof AlreadyQueuedError)) throw error;
    }
  }
  return revoked;
}
