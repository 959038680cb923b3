// `herald status`: what the bot did and will do, from the same store the server uses. The admin
// dashboard shows the same `Status`, computed from the running server instead of a snapshot.

import type { Config } from "../config/load.ts";
import { type ArticleDeliveries, articleDeliveries } from "../ops/deliveries.ts";
import { relayLines, type Status, scannedStatus } from "../ops/status.ts";
import { openSnapshot } from "./context.ts";

// The CLI reaches ops only through commands/ (scripts/check-imports.ts).
export { formatDeliveries } from "../ops/deliveries.ts";

/** `herald status`: a dry-run scan on a snapshot of the store, so a running server is not disturbed. */
export async function collectStatus(config: Config, now?: Date): Promise<Status> {
  // Fedify is not loaded: the plan is read from the ledger, and nothing is sent.
  const herald = await openSnapshot(config, { federation: false });
  try {
    // The real store is untouched: this scan runs on the snapshot and sends nothing.
    const scan = await herald.scan({ dryRun: true });
    return {
      ...(await scannedStatus(herald, scan.content.rejected, now)),
      ...herald.origin,
    };
  } finally {
    await herald.dispose();
  }
}

/** `herald deliveries ID`: the article's receipts, read from a snapshot of the store. */
export async function deliveriesOf(config: Config, articleId: string): Promise<ArticleDeliveries> {
  const herald = await openSnapshot(config, { federation: false });
  try {
    return await articleDeliveries(herald.storage, articleId);
  } finally {
    await herald.dispose();
  }
}

/** ` → news, tech`: the accounts an article goes to, when section accounts exist. */
function accountsOf(a: Status["articles"][number]): string {
  return a.accounts ? ` → ${a.accounts.join(", ") || "no account"}` : "";
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
    lines.push(`  ${a.state.padEnd(10)} ${a.path ?? a.id}${extra}${accountsOf(a)}`);
  }
  // With section accounts, where the published ones went too.
  for (const a of s.articles)
    if (a.accounts && a.state === "published")
      lines.push(`  ${"published".padEnd(10)} ${a.path ?? a.id}${accountsOf(a)}`);
  for (const e of s.rejected) lines.push(`  ${"rejected".padEnd(10)} ${e.path}: ${e.message}`);
  lines.push(
    `Followers: ${s.followers.accepted}${s.followers.pending ? ` (+${s.followers.pending} pending)` : ""}` +
      (s.followers.sections?.length
        ? `; sections: ${s.followers.sections.map((a) => `@${a.username} ${a.accepted}`).join(", ")}`
        : ""),
  );
  if (s.moved)
    lines.push(
      `Moved to ${s.moved.to} since ${time(s.moved.since)}${s.moved.queued ? "" : " (Move not queued yet)"}: ` +
        "no new articles are posted; `herald move --undo` resumes",
    );
  lines.push(
    `Delivery queue: ${s.queue.queued} waiting${s.queue.delayed ? ` (${s.queue.delayed} retrying later)` : ""}`,
  );
  for (const t of s.servers) {
    const why = t.lastError ? `: ${t.lastError}` : "";
    const when =
      t.state === "unreachable"
        ? `unreachable since ${time(t.since)}, deliveries wait; next try ${time(t.retryAt)}`
        : t.state === "open"
          ? `not answering, deliveries wait until ${time(t.retryAt)}`
          : `${t.failures} failure(s) in a row`;
    lines.push(`  ${"server".padEnd(10)} ${t.host}: ${when}${why}`);
  }
  if (s.relays.length > 0) {
    lines.push(
      `Relays: ${s.relays.filter((r) => r.state === "accepted").length} of ${s.relays.length} accepted`,
    );
    lines.push(...relayLines(s.relays));
  }
  lines.push(
    `Blocks: ${s.blocks.domains} domain(s), ${s.blocks.actors} account(s)${s.blocks.domains + s.blocks.actors > 0 ? " (herald blocks lists them)" : ""}`,
  );
  lines.push(`Last scan: ${time(s.lastScan)}`);
  if (s.scheduler !== undefined)
    lines.push(`Scheduler: ${s.scheduler ?? "none acting now (a standby takes over at its next tick)"}`);
  lines.push(
    `Next runs: ${Object.entries(s.nextRuns)
      .map(([job, at]) => `${job} ${at ? time(at) : "disabled"}`)
      .join(", ")}`,
  );
  if (s.covers.length > 0) {
    lines.push(
      `Covers: ${s.covers.length} not fetched (posts link to the original image; retried on later scans)`,
    );
    for (const c of s.covers) {
      const why = c.state === "failed" ? `${c.reason}: ${c.message}` : "not tried yet";
      lines.push(`  ${"cover".padEnd(10)} ${c.path}: ${c.source} (${why}) next try ${time(c.retryAt)}`);
    }
  }
  if (s.recentErrors.length > 0) {
    lines.push("Recent problems:");
    for (const e of s.recentErrors) lines.push(`  ${time(e.at)} ${e.level} ${e.kind}: ${e.message}`);
  }
  return lines.join("\n");
}
