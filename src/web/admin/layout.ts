// The dashboard's HTML shell and headers. It shares the public pages' stylesheet (colours, type,
// buttons, dark mode) and adds its own rules; both are inline and allowed by hash. No script.
import { createHash } from "node:crypto";
import { escapeHtml, escapeHtmlAttribute } from "../../render/html.ts";
import { STYLE } from "../pages/style.ts";

const ADMIN_CSS = `
.wrap { max-width: 72rem; }
.admin-header .wrap { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center;
  justify-content: space-between; padding-top: 0.6rem; padding-bottom: 0.6rem; }
.admin-header { border-bottom: 1px solid var(--line); background: var(--card); }
.admin-header .site-title small { font-weight: 400; color: var(--muted); }
.admin-header form { margin: 0; }
main { padding: 1.5rem 0 3rem; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; padding-bottom: 0.35rem; border-bottom: 2px solid var(--line); }
.flash { padding: 0.75rem 1rem; border-radius: 8px; margin: 0 0 1.25rem; border: 1px solid; font-weight: 600; }
.flash.ok { background: #e7f4ea; border-color: #2f7d43; color: #17462a; }
.flash.error { background: #fdecea; border-color: #b3261e; color: #7a1510; }
@media (prefers-color-scheme: dark) {
  .flash.ok { background: #173322; border-color: #5fbf7c; color: #d4f5de; }
  .flash.error { background: #3a1715; border-color: #f28b82; color: #fde2df; }
}
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: 0.75rem; margin: 0; }
.stats div { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.6rem 0.9rem; }
.stats dt { font-size: 0.85rem; color: var(--muted); }
.stats dd { margin: 0; font-size: 1.35rem; font-weight: 700; line-height: 1.3; }
.stats dd small { font-size: 0.85rem; font-weight: 400; color: var(--muted); }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: center; margin: 1rem 0 0; }
.toolbar form { margin: 0; }
.toolbar p { margin: 0; color: var(--muted); font-size: 0.9375rem; }
.items { list-style: none; margin: 0; padding: 0; }
.item { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.8rem 1rem;
  margin: 0 0 0.75rem; display: grid; grid-template-columns: 1fr auto; gap: 0.5rem 1rem; align-items: start; }
.item h3 { font-size: 1.05rem; margin: 0; line-height: 1.4; }
.item p { margin: 0.15rem 0 0; font-size: 0.9375rem; }
.item .meta { margin: 0.15rem 0 0; font-size: 0.875rem; overflow-wrap: anywhere; }
.item .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: flex-end; }
.item .actions form { margin: 0; }
.item details { grid-column: 1 / -1; font-size: 0.9375rem; }
.item details ul { margin: 0.4rem 0 0; padding-left: 1.25rem; }
@media (max-width: 40rem) {
  .item { grid-template-columns: 1fr; }
  .item .actions { justify-content: flex-start; }
}
.badge { display: inline-block; font-size: 0.8rem; font-weight: 700; padding: 0.05rem 0.55rem; border-radius: 999px;
  vertical-align: 0.1em; margin-right: 0.35rem; border: 1px solid currentColor; }
.badge.published { color: #17613a; } .badge.held, .badge.scheduled { color: #8a4b00; }
.badge.draft, .badge.feeds-only, .badge.removed { color: var(--muted); }
.badge.retracted, .badge.rejected { color: #a1261b; }
@media (prefers-color-scheme: dark) {
  .badge.published { color: #7fd6a0; } .badge.held, .badge.scheduled { color: #f5b95f; }
  .badge.retracted, .badge.rejected { color: #f28b82; }
}
.counts { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0.25rem 0 0; padding: 0;
  font-size: 0.875rem; color: var(--muted); }
.warn { color: #a1261b; font-weight: 600; }
@media (prefers-color-scheme: dark) { .warn { color: #f28b82; } }
button.danger { background: #a1261b; border-color: #a1261b; color: #fff; }
button.danger.secondary { background: transparent; color: #a1261b; }
@media (prefers-color-scheme: dark) {
  button.danger { background: #f28b82; border-color: #f28b82; color: #2b0d0a; }
  button.danger.secondary { background: transparent; color: #f28b82; }
}
a.button.secondary { background: transparent; color: var(--accent); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
.empty { color: var(--muted); margin: 0; }
.nowrap { white-space: nowrap; }
.login { max-width: 26rem; margin: 2rem auto; }
.login label { display: block; font-weight: 600; margin-bottom: 0.35rem; }
.login input { width: 100%; margin-bottom: 1rem; }
.confirm { max-width: 40rem; }
.confirm .row { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin-top: 1.25rem; }
.confirm form { margin: 0; }
.problems { list-style: none; padding: 0; margin: 0; font-size: 0.9375rem; }
.problems li { padding: 0.4rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.crumbs { margin: 0 0 0.5rem; font-size: 0.9375rem; }
.note { color: var(--muted); font-size: 0.9375rem; margin: 0 0 0.75rem; }
table.derived { width: 100%; border-collapse: collapse; font-size: 0.9375rem; background: var(--card);
  border: 1px solid var(--line); }
.derived th, .derived td { text-align: left; vertical-align: top; padding: 0.45rem 0.75rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.derived thead th { font-size: 0.85rem; color: var(--muted); }
.derived tbody th { width: 9.5rem; }
.derived td:last-child { width: 30%; color: var(--muted); }
.derived tr.missing { background: var(--mark); }
@media (max-width: 40rem) {
  .derived thead { display: none; }
  .derived tr { display: block; padding: 0.35rem 0; border-bottom: 1px solid var(--line); }
  .derived th, .derived td, .derived td:last-child { display: block; width: auto; border: 0; padding: 0.1rem 0.75rem; }
  .derived tr:not(.missing) td:last-child::before { content: "Found by: "; }
}
.previews { display: grid; grid-template-columns: minmax(0, 1fr); column-gap: 2rem; }
@media (min-width: 62rem) { .previews { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
.toot, .feed-item { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem; }
.toot { max-width: 36rem; font-size: 0.9375rem; }
.toot-head { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: flex-start; margin-bottom: 0.75rem;
  line-height: 1.35; }
.toot-head > span:not(.monogram) { flex: 1 1 9rem; min-width: 0; overflow-wrap: anywhere; }
.toot-head .monogram { flex: none; width: 46px; height: 46px; border-radius: 8px; background: var(--mark);
  font-size: 1.35rem; }
.toot-head time { margin-left: auto; font-size: 0.85rem; color: var(--muted); white-space: nowrap; }
.toot-content p { margin: 0 0 0.75rem; }
.toot-content a { overflow-wrap: anywhere; }
.toot-media figure { margin: 0.5rem 0 0; }
.toot-media img { display: block; width: 100%; max-height: 24rem; object-fit: cover; border-radius: 8px;
  background: var(--mark); }
.toot figcaption, .feed-cover figcaption { font-size: 0.85rem; color: var(--muted); margin-top: 0.3rem; }
.toot-card { margin: 0; padding: 0.6rem 0.8rem; border: 1px dashed var(--line); border-radius: 8px;
  color: var(--muted); font-size: 0.875rem; }
.cw summary { cursor: pointer; font-weight: 600; margin-bottom: 0.75rem; }
.cw summary small { font-weight: 400; color: var(--muted); }
.feed-item h3 { font-size: 1.3rem; line-height: 1.35; margin: 0 0 0.25rem; }
.feed-item .meta { margin: 0 0 0.75rem; font-size: 0.875rem; }
.feed-summary { color: var(--muted); border-left: 3px solid var(--line); padding-left: 0.75rem; }
.feed-cover { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin: 0 0 1.25rem;
  padding: 0.5rem; border: 1px solid var(--line); border-radius: 8px; }
.feed-cover img { flex: none; width: 7rem; max-height: 7rem; object-fit: cover; overflow: hidden;
  font-size: 0.75rem; border-radius: 6px; }
.feed-cover .remote-image { flex: 1 1 16rem; margin: 0; }
.feed-cover figcaption { flex: 1 1 12rem; margin: 0; }
.badge.unreachable { color: #a1261b; } .badge.open, .badge.failing { color: #8a4b00; }
@media (prefers-color-scheme: dark) {
  .badge.unreachable { color: #f28b82; } .badge.open, .badge.failing { color: #f5b95f; }
}
.delivery { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.8rem 1rem;
  margin: 0 0 0.75rem; }
.delivery h3 { font-size: 1.05rem; margin: 0; line-height: 1.4; }
.delivery h3 small { font-size: 0.875rem; font-weight: 400; color: var(--muted); }
.delivery p { margin: 0.2rem 0 0; }
.delivery .servers { margin-top: 0.4rem; }
.delivery .servers .meta { font-size: 0.875rem; }
.delivery .fine { color: var(--muted); font-size: 0.9375rem; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0.75rem; align-items: start; }
@media (min-width: 52rem) { .charts { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
.chart { margin: 0; min-width: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 0.7rem 1rem 0.8rem; }
.chart figcaption { margin: 0 0 0.5rem; font-size: 0.9375rem; color: var(--muted); }
.chart figcaption strong { color: var(--fg); margin-right: 0.5rem; }
.chart .plot { display: grid; grid-template-columns: auto minmax(0, 1fr); column-gap: 0.4rem; }
.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart .y-axis, .chart .x-axis { font-size: 0.75rem; line-height: 1; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.chart .y-axis { display: flex; flex-direction: column; justify-content: space-between; text-align: right; }
.chart .x-axis { grid-column: 2; display: flex; justify-content: space-between; margin-top: 0.3rem; }
.chart .grid { stroke: var(--line); stroke-dasharray: 3 3; vector-effect: non-scaling-stroke; }
.chart .axis { stroke: var(--muted); vector-effect: non-scaling-stroke; }
.chart .hit { fill: transparent; }
.chart .day:hover .hit { fill: var(--mark); }
.chart rect.delivered, .chart .point { fill: var(--accent); }
.chart rect.failed { fill: #b3261e; }
.chart .line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round;
  vector-effect: non-scaling-stroke; }
.chart .area { fill: var(--accent); opacity: 0.15; }
.chart .key { white-space: nowrap; }
.swatch { display: inline-block; width: 0.7rem; height: 0.7rem; border-radius: 2px; margin: 0 0.3rem 0 0.4rem; }
.swatch.delivered { background: var(--accent); } .swatch.failed { background: #b3261e; }
@media (prefers-color-scheme: dark) {
  .chart rect.failed { fill: #f28b82; } .swatch.failed { background: #f28b82; }
}
.chart details { margin-top: 0.6rem; font-size: 0.875rem; }
.chart summary { cursor: pointer; color: var(--accent); }
table.numbers { margin-top: 0.4rem; border-collapse: collapse; font-variant-numeric: tabular-nums; }
.numbers th, .numbers td { padding: 0.1rem 1rem 0.1rem 0; border-bottom: 1px solid var(--line); text-align: right; }
.numbers th:first-child { text-align: left; }
.numbers thead th { color: var(--muted); font-weight: 600; } .numbers tbody th { font-weight: 400; }
.remote-image { display: block; margin: 0.5rem 0; padding: 0.5rem 0.75rem; border: 1px dashed var(--muted);
  border-radius: 6px; font-size: 0.875rem; overflow-wrap: anywhere; }
`
  .replace(/\n\s*/g, " ")
  .trim();

const CSS = `${STYLE} ${ADMIN_CSS}`;
const CSS_HASH = `'sha256-${createHash("sha256").update(CSS).digest("base64")}'`;

/** Every dashboard response: never cached, never framed, no script at all, forms post only here. */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "Content-Security-Policy": [
    "default-src 'none'",
    `style-src ${CSS_HASH}`,
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Robots-Tag": "noindex, nofollow",
};

export interface Shell {
  title: string;
  siteTitle: string;
  /** Inner HTML of <main>, escaped. */
  main: string;
  /** The logout form's CSRF token, when logged in. */
  csrf?: string;
}

export function renderShell(o: Shell): string {
  const logout = o.csrf
    ? `<form method="post" action="/admin/logout">${csrfField(o.csrf)}<button type="submit" class="secondary">Log out</button></form>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>${esc(o.title)} · ${esc(o.siteTitle)} admin</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="admin-header">
<div class="wrap">
<a class="site-title" href="/admin">${esc(o.siteTitle)} <small>admin</small></a>
${logout}
</div>
</header>
<main id="main" tabindex="-1">
<div class="wrap">
${o.main}
</div>
</main>
</body>
</html>
`;
}

export function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${attr(token)}">`;
}

export function esc(value: string): string {
  return escapeHtml(value);
}

export function attr(value: string): string {
  return escapeHtmlAttribute(value);
}
