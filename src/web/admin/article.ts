// One article as Herald derived it (`/admin/articles/<id>`): each field with the rule that found
// it, the warnings, and side by side the post as Mastodon shows it and the item as a feed reader
// does. The same rows and warnings as `herald preview FILE`, on the stored article.

import type { Article } from "../../content/model.ts";
import type { FeedImage, FeedItem } from "../../feeds/document.ts";
import type { ArticleDeliveries } from "../../ops/deliveries.ts";
import { derivedLabel, derivedRows, missingFieldWarnings } from "../../ops/derived.ts";
import type { PostAttachment, RenderedPost } from "../../ops/post.ts";
import { mastodonHtml, pictureHtml, readerHtml } from "./article-html.ts";
import { timeFormatter } from "./dashboard.ts";
import { deliveriesSection } from "./deliveries.ts";
import { attr, esc, renderShell } from "./layout.ts";

export interface ArticleView {
  siteTitle: string;
  /** `https://news.example.org`: pictures from here are shown, others linked (see ownImagePath). */
  siteOrigin: string;
  timezone: string;
  csrf: string;
  article: Article;
  post: RenderedPost;
  /** When the post went out, if it did (then `post` is what an Update would send now). */
  postedAt?: string;
  retracted: boolean;
  /** Its file is gone (a Delete follows, if it was federated). */
  removed: boolean;
  /** Whether the article is in the fediverse at all (the fediverse side runs, `federate` is on). */
  federated: boolean;
  bot: { name: string; handle: string };
  item: FeedItem;
  /** The public page, when the article has one now. */
  page?: string;
  /** What became of each activity sent for it, when it is (or was) in the fediverse. */
  deliveries?: ArticleDeliveries;
}

export function renderArticleView(v: ArticleView): string {
  const a = v.article;
  const time = timeFormatter(v.timezone);
  const lang = attr(a.lang);
  const warnings = [...a.warnings.map((w) => w.replace(/\.?$/, "."))];
  for (const w of missingFieldWarnings(a)) if (!warnings.includes(w)) warnings.push(w);
  const state = v.retracted
    ? "Retracted: out of the feeds and pages."
    : v.removed
      ? "Its file is gone: this is the article as Herald last read it."
      : a.draft
        ? "Draft: not in the feeds."
        : v.postedAt
          ? `Posted to the fediverse ${time(v.postedAt)}.`
          : "";
  const meta = [
    esc(a.id),
    esc(a.path),
    v.page ? `<a href="${attr(v.page)}">Public page</a>` : "No public page now",
  ].join(" · ");
  const main = `<p class="crumbs"><a href="/admin">← Dashboard</a></p>
<h1 lang="${lang}">${esc(a.title)}</h1>
<p class="meta">${meta}</p>
${state ? `<p>${state}</p>` : ""}
${v.deliveries ? deliveriesSection(v.deliveries, time) : ""}
<section aria-labelledby="derived-title">
<h2 id="derived-title">What Herald derived</h2>
${derivedTable(a)}
</section>
<section aria-labelledby="warnings-title">
<h2 id="warnings-title">Warnings</h2>
${
  warnings.length
    ? `<ul class="problems" id="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join("\n")}</ul>`
    : '<p class="empty">None.</p>'
}
</section>
<div class="previews">
<section aria-labelledby="post-title">
<h2 id="post-title">The post on Mastodon</h2>
${postNote(v, time)}
${postPreview(v, time)}
</section>
<section aria-labelledby="item-title">
<h2 id="item-title">The feed item</h2>
<p class="note">As a feed reader shows it (RSS, Atom and JSON Feed carry the same item).</p>
${feedItem(v, time)}
</section>
</div>`;
  return renderShell({ title: a.title || a.id, siteTitle: v.siteTitle, main, csrf: v.csrf });
}

function derivedTable(a: Article): string {
  const rows = derivedRows(a);
  if (rows.length === 0)
    return '<p class="empty">Nothing derived: this article was stored before Herald kept it.</p>';
  return `<table class="derived">
<thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Found by</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr id="derived-${attr(r.field)}"${r.rule === undefined ? ' class="missing"' : ""}><th scope="row">${esc(derivedLabel(r.field))}</th><td lang="${attr(a.lang)}">${r.value ? esc(r.value) : "—"}</td><td>${r.rule === undefined ? '<span class="warn">Not found</span>' : esc(r.rule)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>`;
}

function postNote(v: ArticleView, time: (iso: string) => string): string {
  if (v.retracted || v.removed)
    return '<p class="note">This post is not sent again; followers who had it get a Delete.</p>';
  if (!v.federated)
    return '<p class="note">This article is not posted to the fediverse; this is what a post would look like.</p>';
  return v.postedAt
    ? `<p class="note">Built now from the stored article, as an edit would send it; posted ${time(v.postedAt)}.</p>`
    : '<p class="note">Not posted yet: this is what followers will get.</p>';
}

function postPreview(v: ArticleView, time: (iso: string) => string): string {
  const a = v.article;
  const media = v.post.attachments.slice(0, 4).map((m) => attachment(m, v.siteOrigin, a.sensitive));
  const body = `<div class="toot-content">${mastodonHtml(v.post.html)}</div>
${
  media.length
    ? `<div class="toot-media">${media.join("\n")}</div>`
    : '<p class="toot-card">No image attached: Mastodon shows a link card built from the article page.</p>'
}`;
  const cw = a.contentWarning;
  return `<article class="toot" id="post" lang="${attr(a.lang)}">
<header class="toot-head"><span class="monogram" aria-hidden="true">${esc(firstLetter(v.bot.name))}</span><span><strong>${esc(v.bot.name)}</strong><br><span class="muted">${esc(v.bot.handle)}</span></span>${time(v.postedAt ?? a.published)}</header>
${
  cw
    ? `<details open class="cw"><summary><span class="visually-hidden">Content warning: </span>${esc(cw)} <small lang="en">(Mastodon hides the post behind this until opened)</small></summary>\n${body}\n</details>`
    : body
}
</article>`;
}

function attachment(m: PostAttachment, siteOrigin: string, sensitive: boolean): string {
  const facts = [
    m.alt ? `Alt text: ${esc(m.alt)}` : '<span class="warn">No alt text</span>',
    m.width && m.height ? `${m.width}×${m.height}` : "size unknown",
    esc(m.mediaType),
    sensitive ? "marked sensitive: Mastodon blurs it" : "",
  ].filter(Boolean);
  return `<figure>${pictureHtml(m, siteOrigin)}<figcaption lang="en">${facts.join(" · ")}</figcaption></figure>`;
}

function feedItem(v: ArticleView, time: (iso: string) => string): string {
  const i = v.item;
  const published = i.published.toISOString();
  const updated = i.updated.toISOString();
  const authors = i.authors.map((p) => esc(p.name)).join(", ");
  const date = `${time(published)}${updated !== published ? ` (updated ${time(updated)})` : ""}`;
  return `<article class="feed-item" id="item" lang="${attr(i.lang)}">
<h3><a href="${attr(i.url)}">${esc(i.title)}</a></h3>
<p class="meta">${date}${authors ? ` · ${authors}` : ""}</p>
${i.summary ? `<p class="feed-summary">${esc(i.summary)}</p>` : ""}
${i.cover ? cover(i.cover, v.article.cover?.alt, v.siteOrigin) : ""}
<div class="prose">
${readerHtml(i.contentHtml, i.url, v.siteOrigin)}
</div>
</article>`;
}

function cover(c: FeedImage, alt: string | undefined, siteOrigin: string): string {
  const facts = [
    "Cover image (enclosure, media:content, JSON Feed image)",
    c.mediaType ? esc(c.mediaType) : "type unknown",
    c.width && c.height ? `${c.width}×${c.height}` : "",
  ].filter(Boolean);
  return `<figure class="feed-cover">${pictureHtml({ ...c, alt }, siteOrigin)}<figcaption lang="en">${facts.join(" · ")}</figcaption></figure>`;
}

function firstLetter(name: string): string {
  return [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(name)][0]?.segment ?? "?";
}
