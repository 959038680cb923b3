// The dashboard page: what `herald status` shows, with the operator's buttons next to it.
import type { HistoryDay } from "../../ops/history.ts";
import type { ArticleStatus, Status } from "../../ops/status.ts";
import type { Block, Follower, Interaction } from "../../store/types.ts";
import { blocksSection } from "./blocks.ts";
import { deliveriesChart, followersChart } from "./charts.ts";
import { serversSection } from "./deliveries.ts";
import { attr, csrfField, esc, renderShell } from "./layout.ts";
import type { Flash } from "./sessions.ts";

export interface DashboardView {
  siteTitle: string;
  /** Times are shown in this zone (the schedules' one). */
  timezone: string;
  csrf: string;
  flash?: Flash;
  status: Status;
  /** One page of followers, and where it is among them. */
  followers: readonly Follower[];
  followerPages?: { page: number; pages: number };
  /** The operator's blocks (when federated). */
  blocks?: readonly Block[];
  /** The newest replies and mentions, by article id (counts of all are in the status). */
  interactions: ReadonlyMap<string, readonly Interaction[]>;
  /** Replies the operator hid from article pages. */
  hiddenReplies?: ReadonlySet<string>;
  /** The public page of each article that has one now. */
  pages: ReadonlyMap<string, string>;
  /** Whether the fediverse side runs (otherwise there is nothing to publish or follow). */
  federated: boolean;
  /** The last days, oldest first, for the charts (when federated). */
  history?: readonly HistoryDay[];
  /** The time the page shows (epoch ms; default now). */
  nowMs?: number;
}

/** Most urgent first: what waits, then what is out, then what is gone. */
const STATE_ORDER: readonly ArticleStatus["state"][] = [
  "held",
  "scheduled",
  "draft",
  "published",
  "feeds-only",
  "retracted",
  "removed",
];

const HOLD_REASONS: Readonly<Record<string, string>> = {
  drip: "held by the drip feed (publishing.maxPerHour / minIntervalMinutes)",
  "quiet-hours": "held until quiet hours end",
  moved: "not posted: the account moved (herald move --undo resumes)",
  "next scan": "goes out with the next scan",
};

const INTERACTION_LABELS: Readonly<Record<Interaction["kind"], [string, string]>> = {
  like: ["like", "likes"],
  announce: ["boost", "boosts"],
  reply: ["reply", "replies"],
  mention: ["mention", "mentions"],
  quote: ["quote", "quotes"],
};

export function renderDashboard(v: DashboardView): string {
  const s = v.status;
  const time = timeFormatter(v.timezone);
  const flash = v.flash
    ? `<p class="flash ${v.flash.ok ? "ok" : "error"}" role="status">${esc(v.flash.text)}</p>`
    : "";
  const failing = s.articles.reduce((n, a) => n + (a.delivery?.failing ?? 0), 0);
  const stats: [string, string][] = [
    ["Published", String(s.counts.published + s.counts["feeds-only"])],
    ["Scheduled", String(s.counts.scheduled)],
    ["Held", String(s.counts.held)],
    ["Drafts", String(s.counts.draft)],
    ["Retracted", String(s.counts.retracted)],
    ["Rejected", String(s.counts.rejected)],
    [
      "Followers",
      `${s.followers.accepted}${s.followers.pending ? ` <small>+${s.followers.pending} pending</small>` : ""}`,
    ],
    ["Blocks", String(s.blocks.domains + s.blocks.actors)],
    [
      "Delivery queue",
      `${s.queue.queued}${failing ? ` <small class="warn">${failing} retrying</small>` : ""}`,
    ],
  ];
  const articles = [...s.articles].sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
      (a.title ?? a.id).localeCompare(b.title ?? b.id),
  );
  const nextRuns = Object.entries(s.nextRuns)
    .map(([job, at]) => `${esc(job)} ${at ? time(at) : "off"}`)
    .join(", ");
  const moved = s.moved
    ? `<p class="flash error" role="status">Moved to ${link(s.moved.to, s.moved.to)} since ${time(s.moved.since)}${s.moved.queued ? "" : " (the Move is not queued yet)"}: no new articles are posted. <code>herald move --undo</code> resumes posting.</p>`
    : "";
  const main = `<h1>Dashboard</h1>
${flash}${moved}
<section aria-labelledby="overview-title">
<h2 id="overview-title" class="visually-hidden">Overview</h2>
<dl class="stats">
${stats.map(([k, value]) => `<div><dt>${esc(k)}</dt><dd>${value}</dd></div>`).join("\n")}
</dl>
<div class="toolbar">
<form method="post" action="/admin/scan">${csrfField(v.csrf)}<button type="submit">Scan content now</button></form>
<p>Last scan ${s.lastScan ? time(s.lastScan) : "never"}. Next runs: ${nextRuns}. Times in ${esc(v.timezone)}.</p>${
    s.scheduler !== undefined
      ? `\n<p>Store: PostgreSQL (${esc(s.store.location)}). Scheduler: ${s.scheduler ? esc(s.scheduler) : "none acting now"}.</p>`
      : ""
  }
</div>
</section>
${serversSection(s.servers, time, v.nowMs ?? Date.now())}
${v.history?.length ? chartsSection(v.history) : ""}
<section aria-labelledby="articles-title">
<h2 id="articles-title">Articles</h2>
${articles.length ? `<ul class="items">\n${articles.map((a) => articleItem(v, a, time)).join("\n")}\n</ul>` : '<p class="empty">No articles yet.</p>'}
</section>
${s.rejected.length ? rejectedSection(s) : ""}
<section aria-labelledby="followers-title">
<h2 id="followers-title">Followers</h2>
${followersList(v, time)}
</section>
${v.federated ? relaysSection(s, time) : ""}
${v.federated ? blocksSection(v.blocks ?? [], v.csrf, time) : ""}
<section aria-labelledby="problems-title">
<h2 id="problems-title">Recent problems</h2>
${
  s.recentErrors.length
    ? `<ul class="problems">${s.recentErrors
        .map(
          (e) => `<li>${time(e.at)} <strong>${esc(e.level)}</strong> ${esc(e.kind)}: ${esc(e.message)}</li>`,
        )
        .join("\n")}</ul>`
    : '<p class="empty">None.</p>'
}
</section>`;
  return renderShell({ title: "Dashboard", siteTitle: v.siteTitle, main, csrf: v.csrf });
}

function articleItem(v: DashboardView, a: ArticleStatus, time: (iso: string) => string): string {
  const url = v.pages.get(a.id);
  const title = esc(a.title ?? a.id);
  const detail =
    a.state === "scheduled" && a.at
      ? `Scheduled for ${time(a.at)}.`
      : a.state === "held"
        ? `Not posted yet: ${esc(HOLD_REASONS[a.reason ?? ""] ?? a.reason ?? "waiting")}.`
        : a.state === "retracted"
          ? `Retracted: out of the feeds and pages${a.delivery?.activities.delete ? "; Delete sent to followers" : ""}.`
          : a.state === "removed"
            ? "Its file is gone."
            : a.state === "feeds-only"
              ? "In the feeds only (federate: false)."
              : a.state === "draft"
                ? "Draft: not in the feeds."
                : "";
  const counts: string[] = [];
  // With section accounts: which of the site's accounts the article goes to.
  if (a.accounts)
    counts.push(
      `<li class="accounts">Accounts: ${a.accounts.length ? a.accounts.map((n) => `@${esc(n)}`).join(", ") : "none"}</li>`,
    );
  const d = a.delivery;
  if (d) {
    const sent = (["create", "update", "delete"] as const)
      .filter((k) => d.activities[k])
      .map((k) =>
        k === "create"
          ? `${d.activities[k]} Create${d.silent ? " (outbox only: present at the first start)" : ""}`
          : `${d.activities[k]} ${k === "update" ? "Update" : "Delete"}`,
      );
    counts.push(`<li>Ledger: ${esc(sent.join(", "))}, last ${time(d.last)}</li>`);
    if (d.waiting)
      counts.push(`<li>${d.waiting} ${d.waiting === 1 ? "delivery" : "deliveries"} in the queue</li>`);
    if (d.failing) counts.push(`<li class="warn">${d.failing} failed, retrying</li>`);
    if (d.pending) counts.push(`<li class="warn">${d.pending} not queued yet</li>`);
  }
  const interactions = v.interactions.get(a.id) ?? [];
  for (const kind of ["like", "announce", "reply", "mention"] as const) {
    const n = a.interactions?.[kind] ?? 0;
    // Federated articles always show their likes, boosts and replies, zero included.
    if (n || (d && kind !== "mention"))
      counts.push(`<li>${n} ${INTERACTION_LABELS[kind][n === 1 ? 0 : 1]}</li>`);
  }
  const actions: string[] = [];
  if (v.federated && a.state === "held") {
    actions.push(
      `<form method="post" action="/admin/publish">${csrfField(v.csrf)}<input type="hidden" name="id" value="${attr(a.id)}"><button type="submit" aria-label="Publish ${attr(a.title ?? a.id)} now">Publish now</button></form>`,
    );
  }
  // Drafts are not out anywhere, and a removed file's Delete is already on its way.
  if (a.state !== "retracted" && a.state !== "draft" && a.state !== "removed") {
    actions.push(
      `<a class="button secondary" href="/admin/retract?id=${encodeURIComponent(a.id)}" aria-label="Retract ${attr(a.title ?? a.id)}…">Retract…</a>`,
    );
  }
  const talk = interactions.filter((i) => i.kind === "reply" || i.kind === "mention");
  const talked = (a.interactions?.reply ?? 0) + (a.interactions?.mention ?? 0);
  const details = talk.length
    ? `<details><summary>Replies and mentions (${Math.max(talked, talk.length)})</summary><ul>${talk
        .map(
          (i) =>
            `<li>${link(i.url, i.actorId)}: ${esc(plainText(i.content ?? ""))}${i.kind === "reply" ? replyToggle(v, i) : ""}</li>`,
        )
        .join("")}</ul></details>`
    : "";
  return `<li class="item" id="article-${attr(a.id)}" data-state="${attr(a.state)}">
<div>
<h3><span class="badge ${attr(a.state)}">${esc(a.state)}</span> <a href="/admin/articles/${attr(encodeURIComponent(a.id))}">${title}</a></h3>
<p class="meta">${esc(a.id)}${a.path ? ` · ${esc(a.path)}` : ""}${url ? ` · <a href="${attr(url)}" aria-label="Public page of ${attr(a.title ?? a.id)}">public page</a>` : ""}</p>
${detail ? `<p>${detail}</p>` : ""}
${counts.length ? `<ul class="counts">${counts.join("")}</ul>` : ""}
</div>
${actions.length ? `<div class="actions">${actions.join("")}</div>` : ""}
${details}
</li>`;
}

/** Hide a reply from the article page, or show it again. */
function replyToggle(v: DashboardView, i: Interaction): string {
  const hidden = v.hiddenReplies?.has(i.id) ?? false;
  const action = hidden ? "/admin/replies/show" : "/admin/replies/hide";
  return ` ${hidden ? '<span class="badge">hidden</span> ' : ""}<form method="post" action="${action}" class="inline">${csrfField(v.csrf)}<input type="hidden" name="id" value="${attr(i.id)}"><button type="submit" class="secondary" aria-label="${hidden ? "Show" : "Hide"} reply ${attr(i.id)}">${hidden ? "Show on page" : "Hide from page"}</button></form>`;
}

function relaysSection(s: Status, time: (iso: string) => string): string {
  if (s.relays.length === 0) return "";
  return `<section aria-labelledby="relays-title">
<h2 id="relays-title">Relays</h2>
<ul class="items" id="relays">${s.relays
    .map(
      (
        r,
      ) => `<li class="item"><div><h3><span class="badge ${attr(r.state)}">${esc(r.state === "unfollowed" ? "not followed yet" : r.state)}</span> ${esc(r.url)}</h3>
<p class="meta">${r.style === "litepub" ? "LitePub relay" : "Mastodon-style relay"}${r.since ? ` · since ${time(r.since)}` : ""}</p></div></li>`,
    )
    .join("\n")}</ul>
<p class="meta">Public posts also go to accepted relays. Relays are set in <code>federation.relays</code>.</p>
</section>`;
}

function chartsSection(days: readonly HistoryDay[]): string {
  return `<section aria-labelledby="charts-title">
<h2 id="charts-title">The last ${days.length} days</h2>
<div class="charts">
${deliveriesChart(days)}
${followersChart(days)}
</div>
</section>`;
}

function rejectedSection(s: Status): string {
  return `<section aria-labelledby="rejected-title">
<h2 id="rejected-title">Rejected files</h2>
<ul class="items">${s.rejected
    .map(
      (e) =>
        `<li class="item"><div><h3><span class="badge rejected">rejected</span> ${esc(e.path)}</h3><p>${esc(e.message)}</p><p class="meta">${esc(e.type)}</p></div></li>`,
    )
    .join("\n")}</ul>
</section>`;
}

function followersList(v: DashboardView, time: (iso: string) => string): string {
  if (!v.federated) return '<p class="empty">The fediverse side is off.</p>';
  if (v.followers.length === 0) return '<p class="empty">No followers yet.</p>';
  const { page, pages } = v.followerPages ?? { page: 1, pages: 1 };
  const nav =
    pages > 1
      ? `<nav class="pages" aria-label="Followers pages">${page > 1 ? `<a href="/admin?followers=${page - 1}#followers-title">Previous</a> ` : ""}page ${page} of ${pages}${page < pages ? ` <a href="/admin?followers=${page + 1}#followers-title">Next</a>` : ""}</nav>`
      : "";
  return `${nav}<ul class="items" id="followers">${v.followers
    .map((f) => {
      const name = f.handle ? `@${f.handle.replace(/^@/, "")}` : f.actorId;
      return `<li class="item">
<div>
<h3>${f.state === "pending" ? '<span class="badge held">pending</span> ' : ""}${link(f.actorId, name)}</h3>
<p class="meta">${esc(f.actorId)} · since ${time(f.createdAt)}</p>
</div>
<div class="actions"><form method="post" action="/admin/followers/remove">${csrfField(v.csrf)}<input type="hidden" name="actor" value="${attr(f.actorId)}"><button type="submit" class="danger secondary" aria-label="Remove follower ${attr(name)}">Remove</button></form></div>
</li>`;
    })
    .join("\n")}</ul>${nav}`;
}

/** A link to a remote page, when it is http(s); the text alone otherwise. */
function link(url: string | null, text: string): string {
  const href = url && URL.canParse(url) ? new URL(url) : undefined;
  return href && /^https?:$/.test(href.protocol)
    ? `<a href="${attr(href.href)}" rel="noreferrer noopener">${esc(text)}</a>`
    : esc(text);
}

/** Remote replies are HTML from elsewhere: shown as plain text, shortened. */
function plainText(html: string): string {
  const text = html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 280 ? `${text.slice(0, 279)}…` : text;
}

export function timeFormatter(timezone: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat("sv-SE", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  return (iso) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return esc(iso);
    return `<time datetime="${attr(date.toISOString())}">${esc(format.format(date))}</time>`;
  };
}
