// The one stylesheet, inlined in every page and allowed by its hash in the CSP: no request, no
// CDN, system fonts only. CJK fonts follow the Latin ones so Latin text keeps its own face.
import { createHash } from "node:crypto";

const CSS = `
:root {
  --bg: #fbfaf7; --fg: #1d2125; --muted: #555d66; --line: #dedad2; --card: #ffffff;
  --accent: #0a5a9c; --accent-fg: #ffffff; --mark: #f1ede4; --focus: #c2410c;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b; --fg: #e7e5e1; --muted: #a9b0b8; --line: #343a40; --card: #1e2125;
    --accent: #8cc4ff; --accent-fg: #10263d; --mark: #252a30; --focus: #fdba74;
  }
}
:lang(zh-Hant), :lang(zh-TW), :lang(zh-HK), :lang(zh-MO) {
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "PingFang TC", "Hiragino Sans TC", "Noto Sans CJK TC", "Source Han Sans TC",
    "Microsoft JhengHei", sans-serif;
}
:lang(ja) {
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Hiragino Sans", "Noto Sans CJK JP", "Yu Gothic", "Meiryo", sans-serif;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1.0625rem/1.7 var(--sans);
  overflow-wrap: break-word; line-break: strict;
}
p:lang(zh), li:lang(zh), blockquote:lang(zh), p:lang(ja), li:lang(ja), blockquote:lang(ja) { line-height: 1.85; }
a { color: var(--accent); text-underline-offset: 0.18em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
img { max-width: 100%; height: auto; }
.skip {
  position: absolute; left: 0.5rem; top: -4rem; z-index: 10; padding: 0.5rem 1rem;
  background: var(--accent); color: var(--accent-fg); border-radius: 0 0 6px 6px;
}
.skip:focus { top: 0; }
.wrap { max-width: 46rem; margin: 0 auto; padding: 0 1.25rem; }
.site-header { border-bottom: 1px solid var(--line); background: var(--card); }
.site-header .wrap { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between;
  gap: 0.25rem 1rem; padding-top: 0.75rem; padding-bottom: 0.75rem; }
.site-title { font-weight: 700; font-size: 1.125rem; color: var(--fg); text-decoration: none; }
.site-nav ul { display: flex; gap: 1.25rem; margin: 0; padding: 0; list-style: none; font-size: 0.9375rem; }
.site-nav a { text-decoration: none; }
.site-nav a:hover { text-decoration: underline; }
main { padding: 2rem 0 3rem; }
h1, h2, h3 { line-height: 1.35; }
h1 { font-size: clamp(1.6rem, 1.2rem + 2vw, 2.25rem); margin: 0 0 0.75rem; letter-spacing: -0.01em; }
:lang(zh) h1, :lang(ja) h1 { letter-spacing: 0; }
.muted, .meta { color: var(--muted); }
.meta { font-size: 0.9375rem; margin: 0 0 1.25rem; }
.profile { display: flex; gap: 1.25rem; align-items: center; margin-bottom: 1.5rem; }
.avatar { flex: none; width: 88px; height: 88px; border-radius: 50%; object-fit: cover;
  background: var(--mark); border: 1px solid var(--line); }
.monogram { display: grid; place-items: center; font-size: 2.25rem; font-weight: 700; color: var(--accent); }
.profile h1 { margin: 0; }
.profile p { margin: 0.25rem 0 0; }
.box { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem;
  margin: 0 0 1.25rem; }
.box h2 { font-size: 1.125rem; margin: 0 0 0.5rem; }
.box p { margin: 0 0 0.75rem; }
.handle { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 1rem; }
.handle code { font: 1rem var(--mono); background: var(--mark); padding: 0.35rem 0.6rem; border-radius: 6px;
  overflow-wrap: anywhere; user-select: all; }
button, .button, input {
  font: inherit; font-size: 1rem; border-radius: 6px; min-height: 2.5rem;
}
button, .button {
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg);
  padding: 0.35rem 1rem; cursor: pointer; text-decoration: none; display: inline-flex; align-items: center;
}
button.secondary { background: transparent; color: var(--accent); }
input {
  border: 1px solid var(--muted); background: var(--bg); color: var(--fg); padding: 0.35rem 0.6rem;
  min-width: 0; flex: 1 1 12rem;
}
.follow-form label { display: block; font-weight: 600; margin-bottom: 0.35rem; }
.follow-form .row { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.conversation { margin-top: 2rem; }
.conversation form { margin-bottom: 1rem; }
.replies { list-style: none; margin: 0 0 1.25rem; padding: 0; }
.reply { border-top: 1px solid var(--line); padding: 0.75rem 0; }
.reply > p { margin: 0 0 0.25rem; font-size: 0.9375rem; }
.reply .author { color: var(--fg); font-weight: 600; overflow-wrap: anywhere; }
.reply-body { overflow-wrap: anywhere; }
.reply-body p { margin: 0 0 0.5rem; }
.feeds { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0; padding: 0; list-style: none; }
.feeds a { display: inline-block; padding: 0.25rem 0.8rem; border: 1px solid var(--line); border-radius: 999px;
  text-decoration: none; background: var(--bg); }
.tag-feeds { margin: 0 0 2rem; }
.tag-feeds .meta { margin-bottom: 0.5rem; }
.section-title { font-size: 1.25rem; margin: 2rem 0 1rem; padding-bottom: 0.4rem; border-bottom: 2px solid var(--line); }
.cards { list-style: none; margin: 0; padding: 0; }
.card { display: grid; grid-template-columns: 1fr; grid-template-areas: "head" "summary"; gap: 0.4rem 1rem;
  padding: 1.25rem 0; border-bottom: 1px solid var(--line); }
.card.has-cover { grid-template-columns: 1fr 6.5rem; grid-template-areas: "head thumb" "summary summary"; }
.card-head { grid-area: head; min-width: 0; }
.thumb-link { grid-area: thumb; }
.card-summary { grid-area: summary; }
.card:first-child { padding-top: 0; }
.card h2, .card h3 { font-size: 1.25rem; margin: 0 0 0.25rem; }
.card h2 a, .card h3 a { color: var(--fg); text-decoration: none; }
.card h2 a:hover, .card h3 a:hover { color: var(--accent); text-decoration: underline; }
.card p { margin: 0; }
.card .meta { margin: 0; font-size: 0.875rem; }
.thumb { display: block; position: relative; aspect-ratio: 1; width: 100%; object-fit: cover; border-radius: 8px;
  background: var(--mark); }
@media (min-width: 40rem) {
  .card.has-cover { grid-template-columns: 1fr 11rem; grid-template-rows: auto 1fr;
    grid-template-areas: "head thumb" "summary thumb"; column-gap: 1.5rem; }
  .thumb { aspect-ratio: 4 / 3; }
}
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 1.5rem; flex-wrap: wrap; }
.pager span { color: var(--muted); }
.article-header { margin-bottom: 1.5rem; }
.cover { margin: 0 0 1.75rem; }
.cover img { display: block; position: relative; width: 100%; border-radius: 10px; }
.cover figcaption { margin-top: 0.5rem; color: var(--muted); font-size: 0.9rem; }
.cover .credit { font-style: italic; }
.prose > * { margin: 0 0 1.1em; }
.prose h2 { font-size: 1.35rem; margin-top: 1.8em; }
.prose h3 { font-size: 1.15rem; margin-top: 1.5em; }
.prose img { display: block; position: relative; margin: 1.5em auto; border-radius: 6px; }
/* Pseudo-elements render only on images that failed to load: a quiet box with the alt text
   instead of the browser's broken-image icon (remote pictures may be gone or refuse hotlinking). */
.thumb::after { content: ""; position: absolute; inset: 0; background: var(--mark); border-radius: inherit; }
.cover img::after, .prose img::after {
  content: attr(alt); position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 0.75rem 1rem; background: var(--mark); color: var(--muted); font-size: 0.9375rem; text-align: center;
  border-radius: inherit; }
.prose blockquote { margin-left: 0; padding: 0.1em 1em; border-left: 4px solid var(--line); color: var(--muted); }
.prose pre { overflow-x: auto; padding: 1em; background: var(--mark); border-radius: 6px; font: 0.9rem/1.5 var(--mono); }
.prose code { font-family: var(--mono); font-size: 0.92em; }
.prose table { display: block; overflow-x: auto; border-collapse: collapse; }
.prose th, .prose td { border: 1px solid var(--line); padding: 0.35em 0.6em; }
.prose figure { margin: 1.5em 0; }
.prose figcaption { color: var(--muted); font-size: 0.9rem; text-align: center; }
.prose hr { border: 0; border-top: 1px solid var(--line); margin: 2em 0; }
.attribution { margin: 2rem 0 1.5rem; padding: 1rem 1.25rem; background: var(--mark); border-left: 4px solid var(--accent);
  border-radius: 0 8px 8px 0; font-size: 0.9375rem; }
.attribution p { margin: 0.2rem 0; }
.tags { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; margin: 0; padding: 0; }
.tags a { display: inline-block; padding: 0.15rem 0.7rem; border-radius: 999px; background: var(--mark);
  text-decoration: none; font-size: 0.9rem; }
.tags a::before { content: "#"; opacity: 0.7; }
.site-footer { border-top: 1px solid var(--line); padding: 1.5rem 0 2rem; font-size: 0.9rem; color: var(--muted); }
.site-footer ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0 0 0.5rem; padding: 0; }
.message { padding: 2rem 0; }
.error-text { color: var(--focus); font-weight: 600; }
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
`
  .replace(/\n\s*/g, " ")
  .trim();

export const STYLE = CSS;
export const STYLE_HASH = `'sha256-${createHash("sha256").update(CSS).digest("base64")}'`;
