// Blocking and unblocking, shared by the dashboard and the CLI. A block is stored first (so a Follow
// arriving meanwhile is rejected), then each follower it covers gets a Reject of its Follow and is
// removed. Every process reads the blocks again within seconds (federation/blocks.ts); this one at once.
import type { Herald } from "../app.ts";
import { parseBlocklist } from "../federation/blocklist.ts";
import { BlockSet, parseBlockTarget } from "../federation/blocks.ts";
import type { Block, Follower } from "../store/types.ts";
import type { ActionResult } from "./actions.ts";

/** `example.social`, `@user@example.social` or an actor URL. */
export async function blockOn(
  herald: Herald,
  input: string,
  note: string | null = null,
): Promise<ActionResult> {
  const target = await resolveTarget(herald, input);
  if ("message" in target) return { ok: false, message: target.message };
  const block: Block = { ...target, createdAt: new Date().toISOString(), note };
  const { added, removed } = await applyBlocks(herald, [block]);
  const what = block.kind === "domain" ? `${block.target} and its subdomains` : block.target;
  return {
    ok: true,
    message: `${added ? "Blocked" : "Already blocked:"} ${what}${followersGone(removed)}.`,
  };
}

export async function unblockOn(herald: Herald, input: string): Promise<ActionResult> {
  const fed = herald.storage.federation;
  const target = await resolveTarget(herald, input);
  if ("message" in target) return { ok: false, message: target.message };
  if (!(await fed.removeBlock(target.target)))
    return { ok: false, message: `"${target.target}" is not blocked. \`herald blocks\` lists the blocks.` };
  await herald.federation?.blocks.refresh();
  return { ok: true, message: `Unblocked ${target.target}; it may follow again.` };
}

/** Imports a Mastodon-format domain blocklist (or one domain per line); `source` names it in notes. */
export async function importBlocklistOn(herald: Herald, text: string, source: string): Promise<ActionResult> {
  const list = parseBlocklist(text);
  const at = new Date().toISOString();
  const blocks: Block[] = list.blocks.map((b) => ({
    kind: "domain",
    target: b.domain,
    createdAt: at,
    note: b.comment ? `${source}: ${b.comment}` : source,
  }));
  const { added, removed } = await applyBlocks(herald, blocks);
  const skipped = list.skipped.length
    ? `; skipped ${list.skipped.length} line(s): ${list.skipped
        .slice(0, 5)
        .map((s) => `line ${s.line} (${s.reason})`)
        .join(", ")}${list.skipped.length > 5 ? ", …" : ""}`
    : "";
  if (blocks.length === 0) return { ok: false, message: `No domain to block in ${source}${skipped}.` };
  return {
    ok: true,
    message: `Blocked ${added} new domain(s) of ${blocks.length} in ${source}${followersGone(removed)}${skipped}.`,
  };
}

/**
 * Stores the blocks, then rejects and removes every follower they cover. The Rejects are queued;
 * the delivery worker lets them through to the blocked servers, and nothing else.
 */
async function applyBlocks(
  herald: Herald,
  blocks: readonly Block[],
): Promise<{ added: number; removed: Follower[] }> {
  const fed = herald.storage.federation;
  const added = await fed.addBlocks(blocks);
  await herald.federation?.blocks.refresh();
  const set = new BlockSet(blocks);
  // A follower whose inbox is on a blocked server goes too: nothing would reach it any more. Each
  // account's followers (section accounts too) are told by the account they followed.
  const removed: Follower[] = [];
  const accounts = new Set(["", ...(await fed.listAccounts()).map((a) => a.account)]);
  for (const account of accounts) {
    const store = fed.forAccount(account);
    const gone = (await store.listFollowers({})).filter(
      (f) =>
        set.blocksActor(f.actorId) ||
        [f.inbox, f.sharedInbox].some((inbox) => inbox !== null && set.blocksActor(inbox)),
    );
    for (const follower of gone) {
      await herald.federation?.publisher.rejectFollower(follower, account);
      await store.removeFollower(follower.actorId);
      removed.push(follower);
    }
  }
  if (blocks.length > 0 || removed.length > 0)
    herald.log.info({ blocks: blocks.length, added, followersRemoved: removed.length }, "blocks added");
  return { added, removed };
}

function followersGone(removed: readonly Follower[]): string {
  if (removed.length === 0) return "";
  const names = removed.slice(0, 5).map((f) => f.handle ?? f.actorId);
  return `; removed ${removed.length} follower(s) with a Reject: ${names.join(", ")}${removed.length > 5 ? ", …" : ""}`;
}

/** A domain, an actor URL, or `@user@host` resolved to its actor id (a follower's, else by WebFinger). */
async function resolveTarget(
  herald: Herald,
  input: string,
): Promise<Pick<Block, "kind" | "target"> | { message: string }> {
  const parsed = parseBlockTarget(input);
  if (!parsed)
    return {
      message: `"${input}" is neither a domain (example.social), an account (@user@example.social) nor an actor URL.`,
    };
  if (parsed.kind !== "handle") return parsed;
  const follower = (await herald.storage.federation.listFollowers({})).find(
    (f) => f.handle === `@${parsed.target}` || f.handle === parsed.target,
  );
  if (follower) return { kind: "actor", target: follower.actorId };
  const runtime = herald.federation;
  if (runtime) {
    const ctx = runtime.activityPub.federation.createContext(new URL(runtime.activityPub.urls.home));
    const actor = await runtime.activityPub.guard
      .run(() => ctx.lookupObject(`@${parsed.target}`))
      .catch(() => null);
    if (actor?.id) return { kind: "actor", target: actor.id.href };
  }
  return {
    message: `Could not find @${parsed.target} (WebFinger). Block its actor URL, or the domain ${parsed.target.split("@")[1]}.`,
  };
}
