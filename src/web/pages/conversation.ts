// The conversation under an article (pages.showInteractions): like and boost counts, the replies the
// inbox recorded that the operator did not hide, and a way to reply from the reader's own server.
// Everything here was written by strangers: reply HTML goes through the remote allow-list (text and
// links only: no images, so nothing loads from the remote server), and authors are shown by the
// display name Herald read when the reply came (as text) and their account address, taken from the
// actor URL Herald verified, with no avatar.
import { withoutControls } from "../../content/plain-text.ts";
import { sanitizeRemoteHtml } from "../../content/sanitize.ts";
import { escapeHtml } from "../../render/html.ts";
import type { FederationStore } from "../../store/types.ts";
import { displayDate } from "./dates.ts";
import { labelsFor } from "./labels.ts";
import { attr } from "./layout.ts";
import type { PageSite } from "./site.ts";

/** Replies shown under an article: the newest. */
export const REPLIES_SHOWN = 100;

export interface Reply {
  id: string;
  actorId: string;
  /** The author's display name when Herald read it (plain text). */
  authorName?: string;
  /** The reply's own page on its server, when it gave an http(s) one. */
  url: string | null;
  content: string | null;
  createdAt: string;
}

export interface Conversation {
  likes: number;
  boosts: number;
  /** Oldest first. */
  replies: Reply[];
  /** The newest reply or moderation decision (ISO): the page's Last-Modified moves with it. */
  lastChange: string | undefined;
}

/** What an article's conversation section shows, read from the store. */
export async function loadConversation(
  store: Pick<FederationStore, "listInteractions" | "listModeration" | "authorNames">,
  articleId: string,
): Promise<Conversation> {
  const [interactions, moderation] = await Promise.all([
    store.listInteractions(articleId, { kinds: ["like", "announce", "reply"] }),
    store.listModeration(articleId),
  ]);
  const hidden = new Set(moderation.filter((m) => m.hiddenAt !== null).map((m) => m.interactionId));
  let likes = 0;
  let boosts = 0;
  const replies: Reply[] = [];
  let lastChange: string | undefined;
  for (const i of interactions) {
    if (i.kind === "like") likes++;
    else if (i.kind === "announce") boosts++;
    else if (!hidden.has(i.id)) {
      replies.push({
        id: i.id,
        actorId: i.actorId,
        url: webUrl(i.url),
        content: i.content,
        createdAt: i.createdAt,
      });
      if (!lastChange || i.createdAt > lastChange) lastChange = i.createdAt;
    }
  }
  for (const m of moderation) if (!lastChange || m.changedAt > lastChange) lastChange = m.changedAt;
  const shown = replies.slice(-REPLIES_SHOWN);
  const names = await store.authorNames([...new Set(shown.map((r) => r.actorId))]);
  for (const r of shown) r.authorName = names.get(r.actorId);
  return { likes, boosts, replies: shown, lastChange };
}

export function renderConversation(
  site: PageSite,
  lang: string,
  conversation: Conversation,
  links: { objectUrl: string; replyAction: string; slug: string },
): string {
  const t = labelsFor(lang);
  const replies = conversation.replies.map((r) => renderReply(site, lang, r)).join("\n");
  return `<section class="box conversation" id="conversation" aria-labelledby="conversation-title">
<h2 id="conversation-title">${escapeHtml(t.conversation)}</h2>
<p class="muted reactions"><span class="likes">${escapeHtml(t.likes(conversation.likes))}</span> · <span class="boosts">${escapeHtml(t.boosts(conversation.boosts))}</span></p>
${replies ? `<ol class="replies">\n${replies}\n</ol>` : `<p class="muted">${escapeHtml(t.noReplies)}</p>`}
<form class="follow-form reply-form" action="${attr(links.replyAction)}" method="get">
<input type="hidden" name="article" value="${attr(links.slug)}">
<label for="reply-instance">${escapeHtml(t.replyIntro)}</label>
<div class="row"><input id="reply-instance" name="instance" type="text" inputmode="url" autocapitalize="none" spellcheck="false" required placeholder="${attr(t.instanceHint)}"><button type="submit">${escapeHtml(t.replyButton)}</button></div>
</form>
<p>${escapeHtml(t.copyPostIntro)}</p>
<div class="handle"><code>${escapeHtml(links.objectUrl)}</code><button type="button" class="secondary" data-copy="${attr(links.objectUrl)}" data-done="${attr(t.copied)}" hidden>${escapeHtml(t.copy)}</button></div>
</section>`;
}

function renderReply(site: PageSite, lang: string, r: Reply): string {
  const profile = webUrl(r.actorId);
  const name = escapeHtml(accountOf(r.actorId));
  const account = profile
    ? `<a href="${attr(profile)}" rel="nofollow ugc noopener noreferrer">${name}</a>`
    : name;
  const author = r.authorName
    ? `<span class="author">${escapeHtml(r.authorName)}</span> ${account}`
    : account;
  const time = `<time datetime="${attr(r.createdAt)}">${escapeHtml(displayDate(r.createdAt, lang, site.timezone))}</time>`;
  const when = r.url ? `<a href="${attr(r.url)}" rel="nofollow ugc noopener noreferrer">${time}</a>` : time;
  const body = r.content ? sanitizeRemoteHtml(r.content, r.url ?? r.actorId) : "";
  return `<li class="reply"><p class="muted">${author} · ${when}</p><div class="reply-body">${body}</div></li>`;
}

/**
 * `@name@host` from an actor URL (`/users/name`, `/@name`, `/u/name`, `/profile/name`): its last path
 * segment: the address beside the display name, which is the stranger's to choose.
 */
export function accountOf(actorId: string): string {
  const url = URL.parse(actorId);
  if (!url) return actorId;
  // Decoded, the segment may hold controls and bidi overrides (`%E2%80%AE`): shown, they would reorder
  // the name and the rest of its line, as in a display name (which loses them when it is kept).
  const segment = url.pathname.replace(/\/+$/, "").split("/").at(-1) ?? "";
  const name = withoutControls(decodeURIComponentSafe(segment)).replace(/^@/, "");
  return name ? `@${name}@${url.host}` : url.host;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function webUrl(value: string | null): string | null {
  const url = value === null ? null : URL.parse(value);
  return url && (url.protocol === "https:" || url.protocol === "http:") ? url.href : null;
}
