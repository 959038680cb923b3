// What others do with Herald's posts, as the inbox hears it: likes, boosts, replies and mentions,
// kept (bounded per actor) for the article pages; a reply's author is kept by name.
import type { InboxContext } from "@fedify/fedify";
import { type Activity, type Announce, type Create, type Like, Note } from "@fedify/vocab";
import { withoutControls } from "../../content/plain-text.ts";
import type { Logger } from "../../log.ts";
import type { Interaction } from "../../store/types.ts";
import type { SiteUrls } from "../../urls.ts";
import type { FederatedAccount, ServedAccounts } from "../actor.ts";
import { fetchActor } from "./remote-actors.ts";

/** What recording an interaction needs. */
export interface RecordDeps {
  urls: SiteUrls;
  /** The main account: its store keeps the interactions, its key fetches reply authors. */
  main: FederatedAccount;
  log: Logger;
}

export interface InteractionDeps extends RecordDeps, Pick<ServedAccounts, "accountOf"> {
  /** True (and logged) when the activity's actor is blocked: the activity is dropped. */
  blocked(activity: Activity): boolean;
}

/** What is kept of a reply or mention (Mastodon caps posts at 500 characters; others allow more). */
export const INTERACTION_EXCERPT_CHARS = 4_000;
/** Replies and mentions kept per actor: the newest. */
export const TALK_PER_ACTOR = 20;

export async function onLike(deps: InteractionDeps, like: Like): Promise<void> {
  const { blocked } = deps;
  if (!blocked(like)) await recordInteraction(deps, "like", like.id, like.actorId, like.objectId, null);
}

export async function onAnnounce(deps: InteractionDeps, announce: Announce): Promise<void> {
  const { blocked } = deps;
  if (!blocked(announce))
    await recordInteraction(deps, "announce", announce.id, announce.actorId, announce.objectId, null);
}

/** A reply to one of Herald's posts, or a mention of one of its accounts. */
export async function onCreate(
  deps: InteractionDeps,
  ctx: InboxContext<void>,
  create: Create,
): Promise<void> {
  const { urls, accountOf, blocked, log: inboxLog } = deps;
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
  const recorded = await recordInteraction(
    deps,
    replyTo ? "reply" : "mention",
    object.id ?? create.id,
    create.actorId,
    replyTo ? object.replyTargetId : null,
    object.content?.toString() ?? null,
    object.url instanceof URL ? object.url.href : null,
  );
  // Article pages show a reply's author by name (pages.showInteractions); the reply is kept without.
  // Fetched once, for a reply kept now: not for a repeat, nor for one refused above.
  if (replyTo && recorded)
    await rememberAuthor(deps, ctx, create.actorId).catch((error: unknown) =>
      inboxLog.warn({ err: error, actor: create.actorId?.href }, "reply author's name not kept"),
    );
}

/** Keeps a like, boost, reply or mention of Herald's; true when it is new and was kept. */
export async function recordInteraction(
  deps: RecordDeps,
  kind: Interaction["kind"],
  id: URL | null,
  actorId: URL | null,
  objectId: URL | null,
  content: string | null,
  url: string | null = null,
): Promise<boolean> {
  const { urls, log: inboxLog } = deps;
  const store = deps.main.store;
  if (!id || !actorId || !boundedInteraction(id.href, actorId.href, url)) return false;
  // Ids are unique per server only: one on another server than its actor's would take that
  // server's id (interactions are keyed by id), and its real like, boost or reply would not count.
  if (id.origin !== actorId.origin) return false;
  const articleId = objectIdToArticleId(urls, objectId) ?? "";
  if (kind !== "mention" && !articleId) return false;
  const fresh = await store.recordInteraction({
    id: id.href,
    articleId,
    kind,
    actorId: actorId.href,
    url,
    content: content === null ? null : excerpt(content, INTERACTION_EXCERPT_CHARS),
    createdAt: new Date().toISOString(),
  });
  if (!fresh) return false;
  inboxLog.info({ kind, article: articleId, actor: actorId.href }, "interaction recorded");
  // Anyone may mention the account: what one actor can make Herald keep is bounded.
  if (kind === "reply" || kind === "mention")
    await store.trimInteractions(actorId.href, ["reply", "mention"], TALK_PER_ACTOR);
  return true;
}

/** Keeps the replier's display name, read from its actor document (fetched from its id). */
async function rememberAuthor(deps: RecordDeps, ctx: InboxContext<void>, actorId: URL): Promise<void> {
  const { profile, store } = deps.main;
  const documentLoader = await ctx.getDocumentLoader({ identifier: profile.username });
  const actor = await fetchActor(actorId, documentLoader, ctx.contextLoader);
  const name = displayName(actor?.name?.toString() ?? "");
  if (name) await store.saveAuthor({ actorId: actorId.href, name, updatedAt: new Date().toISOString() });
}

/** The article an object id of Herald's names (any account's), or undefined. */
export function objectIdToArticleId(urls: SiteUrls, id: URL | null | undefined): string | undefined {
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
