// Operator commands that act: sync, publish, retract, followers. Same code paths as the server.
import type { Herald, ScanResult } from "../app.ts";
import type { Config } from "../config/load.ts";
import { type ActionResult, publishOn, removeFollowerFrom, retractOn } from "../ops/actions.ts";
import { openForCommand, openSnapshot } from "./context.ts";

/** How long a command waits for its deliveries when no server is running to take them. */
const DRAIN_MS = 60_000;

export interface SyncReport {
  dryRun: boolean;
  created: string[];
  updated: string[];
  deleted: string[];
  silent: string[];
  held: { articleId: string; kind: string; reason: string; account: string }[];
  rejected: { path: string; message: string }[];
  /** Distinct inboxes each activity goes to (shared inboxes counted once). */
  inboxes: number;
  /**
   * With section accounts: per article planned or held, the accounts it goes to now (usernames),
   * in the order they publish (the main account first).
   */
  accounts?: Record<string, string[]>;
  delivered: number;
}

async function inboxCount(herald: Herald): Promise<number> {
  const followers = await herald.storage.federation.listFollowers({ state: "accepted" });
  return new Set(followers.map((f) => f.sharedInbox ?? f.inbox)).size;
}

async function report(
  herald: Herald,
  scan: ScanResult,
  dryRun: boolean,
  delivered: number,
): Promise<SyncReport> {
  const plan = scan.federation?.plan ?? [];
  const held = scan.federation?.held ?? [];
  const heldIds = new Set(held.map((h) => h.articleId));
  const ids = (kind: string, silent?: boolean) => [
    ...new Set(
      plan
        .filter(
          (a) =>
            a.kind === kind &&
            !heldIds.has(a.articleId) &&
            (silent === undefined || (a.kind === "create" && a.silent === silent)),
        )
        .map((a) => a.articleId),
    ),
  ];
  // One article planned for several accounts is listed once; `accounts` says where it goes.
  const accounts: Record<string, string[]> = {};
  for (const a of [...plan, ...held]) {
    const names = accounts[a.articleId] ?? [];
    if (!names.includes(a.account)) names.push(a.account);
    accounts[a.articleId] = names;
  }
  return {
    dryRun,
    ...(herald.config.accounts.length > 0 ? { accounts } : {}),
    created: ids("create", false),
    updated: ids("update"),
    deleted: ids("delete"),
    silent: ids("create", true),
    held,
    rejected: scan.content.rejected.map((e) => ({ path: e.path, message: e.message })),
    inboxes: await inboxCount(herald),
    delivered,
  };
}

/** `herald sync --once [--dry-run]`: exactly what the `scan` job runs. */
export async function syncOnce(config: Config, { dryRun = false, deliver = true } = {}): Promise<SyncReport> {
  if (dryRun) {
    const herald = await openSnapshot(config);
    try {
      return await report(herald, await herald.scan({ dryRun: true }), true, 0);
    } finally {
      await herald.dispose();
    }
  }
  const herald = await openForCommand(config);
  try {
    const scan = await herald.scan();
    if (scan.feedsChanged) await herald.writeStaticFeeds();
    const delivered = deliver && herald.federation ? await herald.federation.drain(DRAIN_MS) : 0;
    return await report(herald, scan, false, delivered);
  } finally {
    await herald.close();
  }
}

/** `@news, @tech`: the accounts of one article. */
function names(accounts: readonly string[] | undefined): string {
  return (accounts ?? []).map((a) => `@${a}`).join(", ");
}

export function formatSync(r: SyncReport): string {
  const verb = r.dryRun ? "would send" : "sent";
  const lines = [r.dryRun ? "Dry run: nothing was changed." : "Sync done."];
  for (const [kind, ids] of [
    ["Create", r.created],
    ["Update", r.updated],
    ["Delete", r.deleted],
  ] as const) {
    for (const id of ids)
      lines.push(
        r.accounts
          ? `  ${verb} ${kind} for ${id} from ${names(r.accounts[id])}`
          : `  ${verb} ${kind} for ${id} to ${r.inboxes} inbox${r.inboxes === 1 ? "" : "es"}`,
      );
  }
  for (const id of r.silent)
    lines.push(
      `  ${r.dryRun ? "would add" : "added"} ${id} to the outbox${r.accounts ? ` of ${names(r.accounts[id])}` : ""} without pushing (first start)`,
    );
  for (const h of r.held)
    lines.push(
      `  held ${h.kind} for ${h.articleId} (${h.reason})${r.accounts ? ` on ${names([h.account])}` : ""}`,
    );
  for (const e of r.rejected) lines.push(`  rejected ${e.path}: ${e.message}`);
  if (r.created.length + r.updated.length + r.deleted.length + r.silent.length + r.held.length === 0) {
    lines.push("  nothing to send");
  }
  if (!r.dryRun && r.delivered > 0) lines.push(`Delivered ${r.delivered} queued message(s).`);
  return lines.join("\n");
}

/** `herald publish ID [--now]`: publish one article now if it is due; --now skips drip and quiet hours. */
export async function publishArticle(config: Config, id: string, now: boolean): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    await herald.library.refresh();
    const result = await publishOn(herald, (o) => herald.scan(o), id, now);
    if (!result.ok) return result;
    const delivered = herald.federation ? await herald.federation.drain(DRAIN_MS) : 0;
    return {
      ok: true,
      message: `Article "${id}" is published${delivered ? ` (${delivered} deliveries made)` : ""}.`,
    };
  } finally {
    await herald.close();
  }
}

/** `herald retract ID`: Delete everywhere and keep the article out of feeds, whatever its file says. */
export async function retractArticle(config: Config, id: string): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    await herald.library.refresh();
    const result = await retractOn(
      herald,
      async (o) => {
        const scan = await herald.scan(o);
        if (scan.feedsChanged) await herald.writeStaticFeeds();
        return scan;
      },
      id,
    );
    if (!result.ok) return result;
    const delivered = herald.federation ? await herald.federation.drain(DRAIN_MS) : 0;
    return {
      ok: true,
      message: `Article "${id}" is retracted: out of the feeds${result.deleted ? `, Delete sent (${delivered} deliveries made)` : ", it had not been federated"}.`,
    };
  } finally {
    await herald.close();
  }
}

/**
 * Read-only: on a snapshot, so that an empty database is reported (NoStoreError), never set up.
 * `account`: a section account's username (the main account's followers by default).
 */
export async function listFollowers(config: Config, account?: string) {
  const herald = await openSnapshot(config, { federation: false });
  try {
    const key = account === undefined || account === config.bot.username ? "" : account;
    return await herald.storage.federation.forAccount(key).listFollowers({});
  } finally {
    await herald.dispose();
  }
}

export async function removeFollower(config: Config, actor: string, account?: string): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    return await removeFollowerFrom(herald, actor, account);
  } finally {
    await herald.close();
  }
}
