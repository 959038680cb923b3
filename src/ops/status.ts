// The status the dashboard shows and `herald status` prints: what the bot did and will do, computed
// from an open Herald (the running server's, or a snapshot the CLI opened).
import { AccountRouter, routeNames } from "../accounts/routes.ts";
import { accountSpecs } from "../accounts/specs.ts";
import type { Herald } from "../app.ts";
import type { ArticleError } from "../content/model.ts";
import { relayStyle } from "../federation/relay-style.ts";
import { nextRunsOf } from "../scheduler.ts";
import { type Delivery, MAIN_ACCOUNT, type Relay } from "../store/types.ts";
import { dueActions, dueOptionsOf, type HeldAction } from "../sync/due.ts";
import type { FederationAction } from "../sync/plan.ts";
import { type ServerTrouble, troubledServers } from "./deliveries.ts";

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
  /** The accounts it goes to (usernames, the main one first when it posts it), with section accounts. */
  accounts?: string[];
}

/** A remote cover Herald could not fetch (yet): the post links to the original, retried later. */
export interface CoverProblem {
  articleId: string;
  path: string | null;
  source: string;
  /** `pending`: not fetched yet (the next scan will); `failed`: the last attempt failed. */
  state: "pending" | "failed";
  reason?: string;
  message?: string;
  attempts: number;
  retryAt: string | null;
}

export interface Status {
  articles: ArticleStatus[];
  counts: Record<ArticleStatus["state"] | "rejected", number>;
  rejected: ArticleError[];
  /** The main account's followers; `sections`: each section account's accepted followers, with sections. */
  followers: { accepted: number; pending: number; sections?: { username: string; accepted: number }[] };
  /** The account moved (`herald move`): where to, since when, and whether its Move was queued yet. */
  moved: { to: string; since: string; queued: boolean } | null;
  /** Deliveries in the outbox. */
  queue: { queued: number; ready?: number; delayed?: number };
  /** Servers that are failing deliveries now: unreachable ones first. */
  servers: ServerTrouble[];
  lastScan: string | null;
  /** Where state lives: `sqlite` or `postgres`, and the file or host/database (never a password). */
  store: { kind: "sqlite" | "postgres"; location: string };
  /** On PostgreSQL, the process that acts as the scheduler now (`host/pid/role`), if any. */
  scheduler?: string | null;
  nextRuns: Record<string, string | null>;
  /** Cover images not fetched or read (yet), and why. */
  covers: CoverProblem[];
  /** Relays (federation.relays) and whether they accepted Herald; a configured one not followed yet is `unfollowed`. */
  relays: RelayStatus[];
  /** The operator's blocks (herald block, the dashboard, imported lists). */
  blocks: { domains: number; actors: number };
  recentErrors: { at: string; level: string; kind: string; message: string }[];
}

export interface RelayStatus {
  url: string;
  style: Relay["style"];
  state: Relay["state"] | "unfollowed";
  /** When the state last changed; null when unfollowed. */
  since: string | null;
}

/** Configured relays with their stored state; stored ones no longer configured are listed until undone. */
export function relayStatus(configured: readonly string[], stored: readonly Relay[]): RelayStatus[] {
  const byUrl = new Map(stored.map((r) => [r.url, r]));
  const urls = [...new Set([...configured, ...byUrl.keys()])].sort();
  return urls.map((url) => {
    const r = byUrl.get(url);
    return r
      ? { url, style: r.style, state: r.state, since: r.changedAt }
      : { url, style: relayStyle(url), state: "unfollowed", since: null };
  });
}

/** One line per relay, as `herald status` prints them. */
export function relayLines(relays: readonly RelayStatus[]): string[] {
  return relays.map((r) => {
    const style = r.style === "litepub" ? "LitePub" : "Mastodon-style";
    const state = r.state === "unfollowed" ? "not followed yet" : r.state;
    return `  ${state.padEnd(10)} ${r.url} (${style})${r.since ? ` since ${r.since}` : ""}`;
  });
}

/** The plan of a scan that changed nothing: what would be sent, and what waits. */
interface Plan {
  plan: FederationAction[];
  held: HeldAction[];
}

/**
 * The status of a running Herald (the dashboard inside `herald serve`): the content as the last
 * scan left it, and the plan the next one would carry out. Rescans nothing and sends nothing.
 */
export async function liveStatus(herald: Herald, now?: Date): Promise<Status> {
  const plan = herald.federation ? await planOf(herald) : undefined;
  return statusOf(herald, plan, [...herald.library.rejected], now);
}

/**
 * The status of a Herald whose scan just ran (`herald status` on a snapshot), with the plan the
 * next scan would carry out even when Fedify is not loaded.
 */
export async function scannedStatus(herald: Herald, rejected: ArticleError[], now?: Date): Promise<Status> {
  return statusOf(herald, await planOf(herald), rejected, now);
}

/**
 * What the next scan would send and hold now for the main account, read from the ledger: the
 * articles it posts itself (bot.mode), and what it posted already.
 */
async function planOf(herald: Herald): Promise<Plan> {
  const { config, library } = herald;
  const fed = herald.storage.federation;
  let records = [...library.records()];
  if (config.accounts.length > 0 && config.bot.mode !== "all") {
    const router = new AccountRouter(accountSpecs(config), config.bot.mode, (id) => library.get(id));
    const posted = new Set((await fed.listObjects()).filter((o) => !o.deletedAt).map((o) => o.articleId));
    const kept = [];
    for (const r of records) if (posted.has(r.id) || (await router.route(r)).main) kept.push(r);
    records = kept;
  }
  return dueActions(fed, records, dueOptionsOf(config, new Date()));
}

async function statusOf(
  herald: Herald,
  plan: Plan | undefined,
  rejected: ArticleError[],
  now: Date | undefined,
): Promise<Status> {
  const { library, storage, config } = herald;
  const fed = storage.federation;
  const held = new Map<string, string>((plan?.held ?? []).map((h) => [h.articleId, h.reason]));
  const moved = await movedOf(storage);
  // A moved account posts nothing new (the publisher holds every Create).
  if (moved)
    for (const a of plan?.plan ?? [])
      if (a.kind === "create" && !held.has(a.articleId)) held.set(a.articleId, "moved");
  const pendingCreates = new Set(
    (plan?.plan ?? []).filter((a) => a.kind === "create" && !held.has(a.articleId)).map((a) => a.articleId),
  );
  const objects = new Map((await fed.listObjects()).map((o) => [o.articleId, o]));
  const retracted = await fed.retractedIds();
  const interactions = new Map<string, Record<string, number>>();
  for (const { articleId, kind, count } of await fed.countInteractions()) {
    const counts = interactions.get(articleId) ?? {};
    counts[kind] = count;
    interactions.set(articleId, counts);
  }
  const deliveries = await storage.deliveries();
  // With section accounts, where each article goes (tags, folders, front matter, bot.mode).
  const router =
    config.accounts.length > 0
      ? new AccountRouter(accountSpecs(config), config.bot.mode, (id) => library.get(id))
      : undefined;
  const iso = (now ?? new Date()).toISOString();
  const articles: ArticleStatus[] = [];
  for (const r of library.records()) {
    const object = objects.get(r.id);
    if (r.path === null && (!object || object.deletedAt)) continue;
    const base = {
      id: r.id,
      path: r.path,
      // From the record: loading every article's JSON for its title would read the whole corpus.
      title: r.title || undefined,
      interactions: interactions.get(r.id),
      delivery: deliveries.get(r.id),
      ...(router ? { accounts: routeNames(await router.route(r), config.bot.username) } : {}),
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
      ...(config.accounts.length > 0 ? { sections: await sectionFollowers(fed) } : {}),
    },
    moved,
    queue: await storage.outbox().getDepth(),
    servers: await troubledServers(storage),
    lastScan: (await fed.getMeta("status.lastScan")) ?? null,
    store: { kind: storage.kind, location: storage.location },
    scheduler: storage.kind === "postgres" ? ((await storage.schedulerHolder()) ?? null) : undefined,
    nextRuns: nextRunsOf(
      [
        { name: "scan", expression: config.schedule.scan },
        { name: "feeds", expression: config.feeds.outDir ? config.schedule.feeds : false },
        { name: "maintenance", expression: config.schedule.maintenance },
      ],
      config.schedule.timezone,
    ),
    covers: coverProblems(herald),
    relays: relayStatus(config.federation.relays, await fed.listRelays()),
    blocks: await blockCounts(herald),
    recentErrors: await fed.recentEvents(10, "warn"),
  };
}

async function movedOf(storage: Herald["storage"]): Promise<Status["moved"]> {
  const move = await storage.moves.current();
  return move ? { to: move.target, since: move.createdAt, queued: move.state === "queued" } : null;
}

/** Accepted followers of every section account the store knows (configured or removed), by username. */
async function sectionFollowers(
  fed: Herald["storage"]["federation"],
): Promise<{ username: string; accepted: number }[]> {
  return (await fed.listAccounts())
    .filter((a) => a.account !== MAIN_ACCOUNT)
    .map((a) => ({ username: a.account, accepted: a.followers }));
}

async function blockCounts(herald: Herald): Promise<Status["blocks"]> {
  const blocks = await herald.storage.federation.listBlocks();
  const domains = blocks.filter((b) => b.kind === "domain").length;
  return { domains, actors: blocks.length - domains };
}

/** Remote covers of present articles that are not ready: fetches that failed, and those not tried yet. */
function coverProblems(herald: Herald): CoverProblem[] {
  const paths = new Map([...herald.library.records()].map((r) => [r.id, r.path]));
  const problems: CoverProblem[] = [];
  for (const m of herald.media.records()) {
    const path = paths.get(m.articleId);
    // A missing local file is reported by the scan itself (a warning on the article).
    if (m.kind !== "remote" || m.state === "ready" || path === undefined || path === null) continue;
    problems.push({
      articleId: m.articleId,
      path,
      source: m.source,
      state: m.state,
      reason: m.error?.reason,
      message: m.error?.message,
      attempts: m.attempts,
      retryAt: m.retryAt,
    });
  }
  return problems.sort((a, b) => (a.path ?? "").localeCompare(b.path ?? ""));
}
