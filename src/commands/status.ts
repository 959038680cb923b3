// `herald status`: what the bot did and will do, from the same store the server uses. The admin
// dashboard shows the same `Status`, computed from the running server instead of a snapshot.
import type { Herald } from "../app.ts";
import type { Config } from "../config/load.ts";
import type { ArticleError } from "../content/model.ts";
import type { PublishSummary } from "../federation/publisher.ts";
import { nextRunsOf } from "../scheduler.ts";
import type { FederationAction } from "../sync/plan.ts";
import { openSnapshot } from "./context.ts";

export interface ArticleStatus {
  id: string;
  path: string | null;
  title: string | undefined;
  state: "published" | "feeds-only" | "scheduled" | "held" | "draft" | "retracted" | "removed";
  /** When a scheduled article comes due. */
  at?: string;
  /** Why a held article waits (drip feed, quiet hours). */
  reason?: string;
  interactions?: Record<string, number>;
  /** What the ledger and the delivery queue hold for this article, when it was federated. */
  delivery?: Delivery;
}

export interface Delivery {
  /** Activities in the ledger, by kind (create, update, delete); silent ones are in the outbox only. */
  activities: Partial<Record<"create" | "update" | "delete", number>>;
  /** Ledger entries that never reached the queue (recovered at the next start). */
  pending: number;
  /** Creates put in the outbox without pushing them (articles present at the very first start). */
  silent: number;
  /** Deliveries waiting in the queue (one per inbox), as the queue depth counts them: not those in flight. */
  waiting: number;
  /** Of those, deliveries that failed at least once and wait for a retry. */
  failing: number;
  /** The newest activity's time (ISO). */
  last: string;
}

export interface Status {
  articles: ArticleStatus[];
  counts: Record<ArticleStatus["state"] | "rejected", number>;
  rejected: ArticleError[];
  followers: { accepted: number; pending: number };
  queue: { queued: number; ready?: number; delayed?: number };
  lastScan: string | null;
  nextRuns: Record<string, string | null>;
  recentErrors: { at: string; level: string; kind: string; message: string }[];
}

/** The plan of a scan that changed nothing: what would be sent, and what waits. */
type Plan = (PublishSummary & { plan: FederationAction[] }) | undefined;

/** `herald status`: a dry-run scan on a snapshot of the store, so a running server is not disturbed. */
export async function collectStatus(config: Config, now?: Date): Promise<Status> {
  const herald = await openSnapshot(config);
  try {
    // The real store is untouched: this scan runs on the snapshot and sends nothing.
    const scan = await herald.scan({ dryRun: true });
    return await statusOf(herald, scan.federation, scan.content.rejected, now);
  } finally {
    await herald.dispose();
  }
}

/**
 * The status of a running Herald (the dashboard inside `herald serve`): the content as the last
 * scan left it, and the plan the next one would carry out. Rescans nothing and sends nothing.
 */
export async function liveStatus(herald: Herald, now?: Date): Promise<Status> {
  const plan = herald.federation
    ? await herald.federation.publisher.publish(herald.library.records(), { dryRun: true })
    : undefined;
  return statusOf(herald, plan, [...herald.library.rejected], now);
}

async function statusOf(
  herald: Herald,
  plan: Plan,
  rejected: ArticleError[],
  now: Date | undefined,
): Promise<Status> {
  const { library, store, config } = herald;
  const fed = store.federation;
  const held = new Map((plan?.held ?? []).map((h) => [h.articleId, h.reason]));
  const pendingCreates = new Set(
    (plan?.plan ?? []).filter((a) => a.kind === "create" && !held.has(a.articleId)).map((a) => a.articleId),
  );
  const objects = new Map((await fed.listObjects()).map((o) => [o.articleId, o]));
  const retracted = await fed.retractedIds();
  const interactions = new Map<string, Record<string, number>>();
  for (const i of await fed.listInteractions()) {
    const counts = interactions.get(i.articleId) ?? {};
    counts[i.kind] = (counts[i.kind] ?? 0) + 1;
    interactions.set(i.articleId, counts);
  }
  const deliveries = deliveriesOf(herald);
  const iso = (now ?? new Date()).toISOString();
  const articles: ArticleStatus[] = [];
  for (const r of library.records()) {
    const object = objects.get(r.id);
    if (r.path === null && (!object || object.deletedAt)) continue;
    const base = {
      id: r.id,
      path: r.path,
      title: (await library.get(r.id))?.title,
      interactions: interactions.get(r.id),
      delivery: deliveries.get(r.id),
    };
    let status: ArticleStatus;
    if (retracted.has(r.id)) status = { ...base, state: "retracted" };
    else if (r.path === null) status = { ...base, state: "removed" };
    else if (r.visibleFrom === null) status = { ...base, state: "draft" };
    else if (r.visibleFrom > iso) status = { ...base, state: "scheduled", at: r.visibleFrom };
    else if (held.has(r.id)) status = { ...base, state: "held", reason: held.get(r.id) };
    else if (!r.federate) status = { ...base, state: "feeds-only" };
    else
      status = {
        ...base,
        state: object || !pendingCreates.has(r.id) ? "published" : "held",
        reason: object ? undefined : "next scan",
      };
    articles.push(status);
  }
  articles.sort((a, b) => a.state.localeCompare(b.state) || (a.path ?? "").localeCompare(b.path ?? ""));
  const counts = {
    published: 0,
    "feeds-only": 0,
    scheduled: 0,
    held: 0,
    draft: 0,
    retracted: 0,
    removed: 0,
    rejected: 0,
  };
  for (const a of articles) counts[a.state]++;
  counts.rejected = rejected.length;
  return {
    articles,
    counts,
    rejected,
    followers: {
      accepted: await fed.countFollowers("accepted"),
      pending: await fed.countFollowers("pending"),
    },
    queue: herald.federation ? await herald.federation.queueDepth() : { queued: 0 },
    lastScan: (await fed.getMeta("status.lastScan")) ?? null,
    nextRuns: nextRunsOf(
      [
        { name: "scan", expression: config.schedule.scan },
        { name: "feeds", expression: config.feeds.outDir ? config.schedule.feeds : false },
        { name: "maintenance", expression: config.schedule.maintenance },
      ],
      config.schedule.timezone,
    ),
    recentErrors: await fed.recentEvents(10, "warn"),
  };
}

/**
 * Per article: its activities in the ledger, and its deliveries still in the queue. Fedify queues
 * one `outbox` message per inbox (`attempt` counts failures so far), or one `fanout` message
 * holding many inboxes that it splits later; both carry the activity id the ledger recorded.
 */
function deliveriesOf(herald: Herald): Map<string, Delivery> {
  const db = herald.store.database;
  const out = new Map<string, Delivery>();
  const ledger = db
    .prepare(
      `SELECT article_id AS articleId, kind, COUNT(*) AS n,
              SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
              SUM(CASE WHEN state = 'silent' THEN 1 ELSE 0 END) AS silent, MAX(created_at) AS last
         FROM activities GROUP BY article_id, kind`,
    )
    .all() as {
    articleId: string;
    kind: "create" | "update" | "delete";
    n: number;
    pending: number;
    silent: number;
    last: string;
  }[];
  for (const row of ledger) {
    const d = out.get(row.articleId) ?? {
      activities: {},
      pending: 0,
      silent: 0,
      waiting: 0,
      failing: 0,
      last: row.last,
    };
    d.activities[row.kind] = row.n;
    d.pending += row.pending;
    d.silent += row.silent;
    if (row.last > d.last) d.last = row.last;
    out.set(row.articleId, d);
  }
  const queued = db
    .prepare(
      `SELECT a.article_id AS articleId,
              SUM(CASE WHEN json_extract(q.message, '$.type') = 'fanout'
                       THEN (SELECT COUNT(*) FROM json_each(q.message, '$.inboxes')) ELSE 1 END) AS waiting,
              SUM(CASE WHEN COALESCE(json_extract(q.message, '$.attempt'), 0) > 0 THEN 1 ELSE 0 END) AS failing
         FROM queue q JOIN activities a ON a.id = json_extract(q.message, '$.activityId')
        WHERE json_valid(q.message) AND (q.lease_until IS NULL OR q.lease_until < ?)
        GROUP BY a.article_id`,
    )
    .all(Date.now()) as { articleId: string; waiting: number; failing: number }[];
  for (const row of queued) {
    const d = out.get(row.articleId);
    if (!d) continue;
    d.waiting = row.waiting;
    d.failing = row.failing;
  }
  return out;
}

export function formatStatus(s: Status, timezone: string): string {
  const time = (iso: string | null | undefined) =>
    iso ? new Date(iso).toLocaleString("sv-SE", { timeZone: timezone }).replace("T", " ") : "—";
  const lines: string[] = [];
  const c = s.counts;
  lines.push(
    `Articles: ${c.published} published, ${c["feeds-only"]} feeds only, ${c.scheduled} scheduled, ${c.held} held, ` +
      `${c.draft} draft, ${c.retracted} retracted, ${c.rejected} rejected`,
  );
  for (const a of s.articles) {
    if (a.state === "published" || a.state === "removed") continue;
    const extra = a.state === "scheduled" ? ` at ${time(a.at)}` : a.reason ? ` (${a.reason})` : "";
    lines.push(`  ${a.state.padEnd(10)} ${a.path ?? a.id}${extra}`);
  }
  for (const e of s.rejected) lines.push(`  ${"rejected".padEnd(10)} ${e.path}: ${e.message}`);
  lines.push(
    `Followers: ${s.followers.accepted}${s.followers.pending ? ` (+${s.followers.pending} pending)` : ""}`,
  );
  lines.push(
    `Delivery queue: ${s.queue.queued} waiting${s.queue.delayed ? ` (${s.queue.delayed} retrying later)` : ""}`,
  );
  lines.push(`Last scan: ${time(s.lastScan)}`);
  lines.push(
    `Next runs: ${Object.entries(s.nextRuns)
      .map(([job, at]) => `${job} ${at ? time(at) : "disabled"}`)
      .join(", ")}`,
  );
  if (s.recentErrors.length > 0) {
    lines.push("Recent problems:");
    for (const e of s.recentErrors) lines.push(`  ${time(e.at)} ${e.level} ${e.kind}: ${e.message}`);
  }
  return lines.join("\n");
}
