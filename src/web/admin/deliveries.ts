// Deliveries as the dashboard shows them: per post on its article view (delivered to N of M inboxes,
// the servers that failed or still wait, with the reason), and the servers not answering on the
// main page. The same facts `herald deliveries ID` and `herald status` print.
import type {
  ActivityDelivery,
  ArticleDeliveries,
  ServerDelivery,
  ServerTrouble,
} from "../../ops/deliveries.ts";
import { attr, esc } from "./layout.ts";

/** Servers with failed or waiting deliveries listed per activity; `herald deliveries` lists them all. */
const TROUBLED_SHOWN = 20;
/** Servers that took every delivery, named in their one line before "and N more". */
const FINE_NAMED = 8;
/** Fan-outs shown per article (a backfill to each new follower is one of its own). */
const ACTIVITIES_SHOWN = 10;
/** Servers on the main page. */
const SERVERS_SHOWN = 20;

const ACTIVITY_NAMES: Readonly<Record<string, string>> = {
  Create: "Create: the post",
  Update: "Update: an edit",
  Delete: "Delete: the post withdrawn",
};

type Time = (iso: string) => string;

const count = new Intl.NumberFormat("en-US");

/** The article view's Deliveries section: one block per activity sent, newest first. */
export function deliveriesSection(d: ArticleDeliveries, time: Time): string {
  const shown = d.activities.slice(0, ACTIVITIES_SHOWN);
  const hidden = d.activities.length - shown.length;
  const body = shown.length
    ? `${shown.map((a, i) => activityBlock(d.articleId, a, i, time)).join("\n")}${
        hidden > 0
          ? `\n<p class="note">${hidden} older ${hidden === 1 ? "activity is" : "activities are"} not shown; <code>herald deliveries ${esc(d.articleId)}</code> lists every one.</p>`
          : ""
      }`
    : '<p class="empty">No deliveries recorded: it had no followers when it went out, it was there at the very first start (put in the outbox, not sent), or its receipts were pruned after 30 days.</p>';
  return `<section aria-labelledby="deliveries-title" id="deliveries">
<h2 id="deliveries-title">Deliveries</h2>
${body}
</section>`;
}

function activityBlock(articleId: string, a: ActivityDelivery, index: number, time: Time): string {
  const troubled = a.servers.filter((s) => s.failed + s.waiting > 0);
  const fine = a.servers.filter((s) => s.failed + s.waiting === 0);
  const listed = troubled.slice(0, TROUBLED_SHOWN);
  const counts = [
    a.failed ? `<span class="warn nowrap">${count.format(a.failed)} failed</span>` : "",
    a.waiting ? `<span class="nowrap">${count.format(a.waiting)} waiting</span>` : "",
  ].filter(Boolean);
  const lines: string[] = [];
  if (listed.length)
    lines.push(
      `<ul class="problems servers">${listed.map((s) => `<li>${serverLine(s, time)}</li>`).join("\n")}</ul>`,
    );
  if (troubled.length > listed.length)
    lines.push(
      `<p class="note">And ${troubled.length - listed.length} more servers with failed or waiting deliveries: <code>herald deliveries ${esc(articleId)}</code> lists them all.</p>`,
    );
  if (fine.length) lines.push(`<p class="fine">${fineLine(fine)}</p>`);
  return `<article class="delivery" id="delivery-${index + 1}">
<h3>${esc(ACTIVITY_NAMES[a.type] ?? a.type)} <small class="nowrap">queued ${time(a.queuedAt)}</small></h3>
<p>Delivered to <strong>${count.format(a.delivered)} of ${count.format(a.inboxes)}</strong> ${a.inboxes === 1 ? "inbox" : "inboxes"}${counts.length ? ` · ${counts.join(" · ")}` : ""}</p>
${lines.join("\n")}
</article>`;
}

function serverLine(s: ServerDelivery, time: Time): string {
  const what = [
    s.failed ? `<span class="warn nowrap">${count.format(s.failed)} failed</span>` : "",
    s.waiting ? `${count.format(s.waiting)} waiting` : "",
    s.delivered ? `${count.format(s.delivered)} delivered` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const reason = s.lastError ?? (s.lastStatus !== null ? `HTTP ${s.lastStatus}` : null);
  const facts = [
    reason ? esc(reason) : s.attempts === 0 ? "not tried yet" : "",
    s.at ? `<span class="nowrap">last try ${time(s.at)}</span>` : "",
    s.attempts
      ? `<span class="nowrap">${s.attempts} ${s.attempts === 1 ? "attempt" : "attempts"}</span>`
      : "",
  ].filter(Boolean);
  return `<strong>${esc(s.host)}</strong>: ${what}${facts.length ? `<br><span class="meta">${facts.join(" · ")}</span>` : ""}${
    s.inbox ? `<br><span class="meta">Inbox ${esc(s.inbox)}</span>` : ""
  }`;
}

/** "12 servers took every delivery: a.example, b.example … and 4 more." */
function fineLine(fine: readonly ServerDelivery[]): string {
  const named = fine.slice(0, FINE_NAMED).map((s) => esc(s.host));
  const more = fine.length - named.length;
  const list = more > 0 ? `${named.join(", ")} and ${more} more` : named.join(", ");
  return `${fine.length === 1 ? "1 server" : `${count.format(fine.length)} servers`} took every delivery: ${list}.`;
}

/** The main page's "Servers not answering": nothing at all when every server answers. */
export function serversSection(servers: readonly ServerTrouble[], time: Time, nowMs: number): string {
  if (servers.length === 0) return "";
  const shown = servers.slice(0, SERVERS_SHOWN);
  const more = servers.length - shown.length;
  return `<section aria-labelledby="servers-title">
<h2 id="servers-title">Servers not answering</h2>
<p class="note">Their followers are kept; deliveries to them wait and go out once they answer.</p>
<ul class="items" id="servers">
${shown.map((s) => serverItem(s, time, nowMs)).join("\n")}
</ul>${more > 0 ? `\n<p class="note">And ${more} more: <code>herald status</code> lists them all.</p>` : ""}
</section>`;
}

const STATE_LABELS: Readonly<Record<ServerTrouble["state"], string>> = {
  unreachable: "unreachable",
  open: "paused",
  failing: "failing",
};

function serverItem(s: ServerTrouble, time: Time, nowMs: number): string {
  const next =
    s.retryAt && Date.parse(s.retryAt) > nowMs
      ? `<span class="nowrap">next try ${time(s.retryAt)}</span>`
      : s.state === "failing"
        ? "retried with each delivery's own schedule"
        : "next try with its next delivery";
  const facts = [
    s.since ? `failing since <span class="nowrap">${time(s.since)}</span>` : "",
    `<span class="nowrap">${s.failures} failed ${s.failures === 1 ? "attempt" : "attempts"}</span> in a row`,
    next,
  ].filter(Boolean);
  return `<li class="item" data-state="${attr(s.state)}">
<div>
<h3><span class="badge ${attr(s.state)}">${esc(STATE_LABELS[s.state])}</span> ${esc(s.host)}</h3>
<p>${facts.join(" · ")}</p>
${s.lastError ? `<p class="meta">Last error: ${esc(s.lastError)}</p>` : ""}
</div>
</li>`;
}
