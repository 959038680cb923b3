// `herald replies ARTICLE`, `herald hide-reply ID`, `herald unhide-reply ID` (ops/replies.ts).
import type { Config } from "../config/load.ts";
import type { ActionResult } from "../ops/actions.ts";
import { moderateReplyOn, type ReplyListing, repliesOf } from "../ops/replies.ts";
import { openForCommand, openSnapshot } from "./context.ts";

/** Read-only: on a snapshot, as `herald blocks`. */
export async function listReplies(config: Config, articleId: string): Promise<ReplyListing[]> {
  const herald = await openSnapshot(config, { federation: false });
  try {
    return await repliesOf(herald, articleId);
  } finally {
    await herald.dispose();
  }
}

export async function moderateReplyCommand(config: Config, id: string, hide: boolean): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    return await moderateReplyOn(herald, id, hide);
  } finally {
    await herald.close();
  }
}

export function formatReplies(replies: readonly ReplyListing[]): string {
  if (replies.length === 0) return "No replies.";
  return replies
    .map((r) => {
      const text = (r.content ?? "")
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim();
      const short = text.length > 80 ? `${text.slice(0, 79)}…` : text;
      return `${r.hidden ? "hidden" : "shown "} ${r.id}\n       ${r.createdAt.slice(0, 16)} ${r.actorId}: ${short}`;
    })
    .join("\n");
}
