// Operations the dashboard and the CLI share: publish, retract and remove a follower on an open
// Herald. The CLI opens Herald for one command; `herald serve` passes its running one.
import type { Herald, ScanResult } from "../app.ts";
import type { PublishOptions } from "../federation/publisher.ts";
import { MAIN_ACCOUNT } from "../store/types.ts";

export type ActionResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * Runs one scan and everything that follows it. The CLI passes Herald's own scan; `herald serve`
 * passes its tick, which also refreshes the feeds and pages it serves.
 */
export type Scan = (options?: PublishOptions) => Promise<ScanResult>;

/**
 * Publishes one article if it is due; `now` skips the drip feed and quiet hours this once.
 * Deliveries are queued; the caller's process (serve, or the CLI draining) sends them.
 */
export async function publishOn(herald: Herald, scan: Scan, id: string, now: boolean): Promise<ActionResult> {
  const record = [...herald.library.records()].find((r) => r.id === id && r.path !== null);
  if (!record) return { ok: false, message: `No article with id "${id}". \`herald status\` lists them.` };
  if ((await herald.storage.federation.retractedIds()).has(id)) {
    return { ok: false, message: `Article "${id}" was retracted; retracted articles stay retracted.` };
  }
  if (record.visibleFrom === null) return { ok: false, message: `Article "${id}" is a draft.` };
  if (!record.federate) return { ok: false, message: `Article "${id}" has federate: false.` };
  const result = await scan({ force: now ? new Set([id]) : new Set() });
  const held = result.federation?.held.find((h) => h.articleId === id);
  if (held)
    return { ok: false, message: `Article "${id}" is held (${held.reason}); use --now to send it anyway.` };
  if (!(await herald.storage.federation.getObject(id))) {
    return {
      ok: false,
      message: `Article "${id}" is not due yet (publish_at ${record.visibleFrom}); use --now after that time.`,
    };
  }
  return { ok: true, message: `Article "${id}" is published.` };
}

/** Retracts one article: Delete everywhere, out of the feeds whatever its file says. */
export async function retractOn(
  herald: Herald,
  scan: Scan,
  id: string,
): Promise<(ActionResult & { ok: false }) | { ok: true; deleted: boolean }> {
  const known = [...herald.library.records()].some((r) => r.id === id);
  if (!known) return { ok: false, message: `No article with id "${id}". \`herald status\` lists them.` };
  await herald.storage.federation.retract(id, new Date().toISOString());
  const result = await scan({ force: new Set([id]) });
  const deleted = result.federation?.plan.some((a) => a.kind === "delete" && a.articleId === id) ?? false;
  return { ok: true, deleted };
}

/**
 * Removes a follower by actor URL or `@user@host` from the main account, or from the section account
 * `account` (its username); they get no more posts from it.
 */
export async function removeFollowerFrom(
  herald: Herald,
  actor: string,
  account?: string,
): Promise<ActionResult> {
  const fed = herald.storage.federation.forAccount(
    account === undefined || account === herald.config.bot.username ? MAIN_ACCOUNT : account,
  );
  const match =
    (await fed.getFollower(actor)) ??
    (await fed.listFollowers({})).find((f) => f.handle === actor || `@${f.handle}` === actor);
  if (!match) return { ok: false, message: `No follower "${actor}". \`herald followers\` lists them.` };
  await fed.removeFollower(match.actorId);
  return { ok: true, message: `Removed follower ${match.handle ?? match.actorId}; they get no more posts.` };
}
