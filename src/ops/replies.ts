// Replies shown on article pages (pages.showInteractions) and the operator's say over them, shared by
// the dashboard and the CLI. A decision is stored; every process's pages read it within seconds
// (web/pages/index.ts), and the process that made it at once.
import type { Herald } from "../app.ts";
import type { Interaction } from "../store/types.ts";
import type { ActionResult } from "./actions.ts";

export interface ReplyListing extends Interaction {
  hidden: boolean;
}

/** One article's replies, oldest first, with whether each is hidden. */
export async function repliesOf(herald: Herald, articleId: string): Promise<ReplyListing[]> {
  const fed = herald.storage.federation;
  const [replies, moderation] = await Promise.all([
    fed.listInteractions(articleId, { kinds: ["reply"] }),
    fed.listModeration(articleId),
  ]);
  const hidden = new Set(moderation.filter((m) => m.hiddenAt !== null).map((m) => m.interactionId));
  return replies.map((r) => ({ ...r, hidden: hidden.has(r.id) }));
}

/** Hides a reply from the article page (`hide`), or shows it again. */
export async function moderateReplyOn(herald: Herald, id: string, hide: boolean): Promise<ActionResult> {
  const at = new Date().toISOString();
  if (!(await herald.storage.federation.moderateReply(id, hide ? at : null, at)))
    return { ok: false, message: `No reply with id "${id}". \`herald replies ARTICLE\` lists them.` };
  herald.log.info({ reply: id, hidden: hide }, hide ? "reply hidden" : "reply shown");
  return {
    ok: true,
    message: hide
      ? `Hid reply ${id} from the article page.`
      : `Reply ${id} is shown on the article page again.`,
  };
}
