// What happened to a post, server by server: `herald deliveries ARTICLE`, the dashboard's article
// view, and the servers that stopped answering (status). Read from the outbox's receipts and circuits.
import type { HostCircuit, Receipt, Storage } from "../store/types.ts";

/** One server's share of a post: the receipt without the fan-out's own fields. */
export type ServerDelivery = Pick<
  Receipt,
  "host" | "inbox" | "delivered" | "failed" | "waiting" | "attempts" | "lastStatus" | "lastError" | "at"
>;

export interface ActivityDelivery {
  activityId: string;
  /** `Create`, `Update`, `Delete`, … */
  type: string;
  queuedAt: string;
  inboxes: number;
  delivered: number;
  failed: number;
  waiting: number;
  /** Servers with failures or deliveries still waiting first, then the rest by name. */
  servers: ServerDelivery[];
}

export interface ArticleDeliveries {
  articleId: string;
  /** Newest first; an activity sent again to one follower (backfill) is a fan-out of its own. */
  activities: ActivityDelivery[];
}

export async function articleDeliveries(storage: Storage, articleId: string): Promise<ArticleDeliveries> {
  const ids = await storage.federation.activityIdsOf(articleId);
  return deliveriesFromReceipts(articleId, await storage.outbox().receipts(ids));
}

/** An article's receipts (as `Outbox.receipts` lists them, newest fan-out first), per activity. */
export function deliveriesFromReceipts(articleId: string, receipts: readonly Receipt[]): ArticleDeliveries {
  const byFanout = new Map<number, Receipt[]>();
  for (const r of receipts) byFanout.set(r.fanoutId, [...(byFanout.get(r.fanoutId) ?? []), r]);
  const activities: ActivityDelivery[] = [];
  for (const rows of byFanout.values()) {
    const first = rows[0]!;
    const servers = rows.map((r) => ({
      host: r.host,
      inbox: r.inbox,
      delivered: r.delivered,
      failed: r.failed,
      waiting: r.waiting,
      attempts: r.attempts,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      at: r.at,
    }));
    servers.sort(
      (a, b) =>
        Number(b.failed + b.waiting > 0) - Number(a.failed + a.waiting > 0) || a.host.localeCompare(b.host),
    );
    activities.push({
      activityId: first.activityId,
      type: first.activityType.replace(/^.*[#/]/, ""),
      queuedAt: first.createdAt,
      inboxes: first.inboxes,
      delivered: sum(rows, "delivered"),
      failed: sum(rows, "failed"),
      waiting: sum(rows, "waiting"),
      servers,
    });
  }
  return { articleId, activities };
}

export interface ServerTrouble {
  host: string;
  state: "unreachable" | "open" | "failing";
  failures: number;
  since: string | null;
  /** When its deliveries are tried again (an open circuit's probe). */
  retryAt: string | null;
  lastError: string | null;
}

/** Servers that are failing now: unreachable ones first. */
export async function troubledServers(storage: Storage, nowMs = Date.now()): Promise<ServerTrouble[]> {
  return troubleFromCircuits(await storage.outbox().circuits(), nowMs);
}

/** The circuits of servers failing now, unreachable ones first. */
export function troubleFromCircuits(circuits: readonly HostCircuit[], nowMs: number): ServerTrouble[] {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return circuits
    .filter((c) => c.failures > 0 || c.unreachableSinceMs !== null)
    .map((c: HostCircuit) => ({
      host: c.host,
      state:
        c.unreachableSinceMs !== null
          ? ("unreachable" as const)
          : c.openUntilMs !== null && c.openUntilMs > nowMs
            ? ("open" as const)
            : ("failing" as const),
      failures: c.failures,
      since: iso(c.firstFailureMs),
      retryAt: iso(c.openUntilMs),
      lastError: c.lastError,
    }))
    .sort((a, b) => rank(a.state) - rank(b.state) || a.host.localeCompare(b.host));
}

const rank = (s: ServerTrouble["state"]) => ["unreachable", "open", "failing"].indexOf(s);

function sum(rows: readonly Receipt[], key: "delivered" | "failed" | "waiting"): number {
  return rows.reduce((n, r) => n + r[key], 0);
}

/** `herald deliveries ARTICLE`: one block per activity, failures grouped by server with the reason. */
export function formatDeliveries(d: ArticleDeliveries): string {
  if (d.activities.length === 0) return `${d.articleId}: nothing was sent to the fediverse for it.\n`;
  const lines: string[] = [];
  for (const a of d.activities) {
    const waiting = a.waiting ? `, ${a.waiting} waiting` : "";
    const failed = a.failed ? `, ${a.failed} failed` : "";
    lines.push(`${a.type} ${a.activityId}  queued ${a.queuedAt}`);
    lines.push(`  delivered to ${a.delivered} of ${a.inboxes} inbox(es)${failed}${waiting}`);
    for (const s of a.servers) {
      if (s.failed === 0 && s.waiting === 0) continue;
      const what = [s.failed ? `${s.failed} failed` : "", s.waiting ? `${s.waiting} waiting` : ""]
        .filter(Boolean)
        .join(", ");
      lines.push(
        `  ${s.host}: ${what}${s.lastError ? ` (${s.lastError})` : ""}${s.inbox ? ` ${s.inbox}` : ""}`,
      );
    }
    const fine = a.servers.filter((s) => s.failed === 0 && s.waiting === 0).length;
    if (fine > 0) lines.push(`  ${fine} server(s) took every delivery`);
  }
  return `${lines.join("\n")}\n`;
}
