// An article's own page: what a reader lands on from a feed or a post, and what Mastodon's
// crawler reads for the link card (og:title/description/image, fediverse:creator).
import type { Article, ImageInfo, Person } from "../../content/model.ts";
import { renderAttributionHtml } from "../../render/attribution.ts";
import { escapeHtml, httpUrl } from "../../render/html.ts";
import { displayDate } from "./dates.ts";
import { labelsFor } from "./labels.ts";
import { attr, renderLayout } from "./layout.ts";
import type { PageSite } from "./site.ts";

/** `conversation`: the section under the article (pages.showInteractions), already rendered. */
export function renderArticle(site: PageSite, a: Article, conversation = ""): string {
  const labels = labelsFor(a.lang);
  const date = `<time datetime="${attr(a.published)}">${escapeHtml(displayDate(a.published, a.lang, site.timezone))}</time>`;
  const authors =
    a.authors.length > 0 ? ` · ${escapeHtml(labels.by)}${people(a.authors, a, labels.listSeparator)}` : "";
  // A cover taken from the body's first picture is already shown there.
  const coverInBody = a.cover !== undefined && a.contentHtml.includes(`src="${attr(a.cover.url)}"`);
  const cover = a.cover && !coverInBody ? coverFigure(a.cover) : "";
  const tags =
    a.tags.length > 0
      ? `<nav aria-label="${attr(labels.tags)}"><ul class="tags">${a.tags
          .map((tag) => `<li><a href="${attr(site.urls.tag(tag))}" rel="tag">${escapeHtml(tag)}</a></li>`)
          .join("")}</ul></nav>`
      : "";
  const main = `<article>
<header class="article-header">
<h1>${escapeHtml(a.title)}</h1>
<p class="meta">${date}${authors}</p>
</header>
${cover}
<div class="prose">
${a.contentHtml}
</div>
${renderAttributionHtml(a)}
${tags}
</article>
${conversation}`;
  return renderLayout({
    site,
    lang: a.lang,
    title: `${a.title} · ${site.title}`,
    description: a.summary,
    canonical: a.url,
    head: cardTags(site, a),
    main,
    // The copy button beside the post's address.
    script: conversation !== "",
  });
}

/** The cover with its caption (the alt text) and the photographer's credit, when the article names one. */
function coverFigure(cover: ImageInfo): string {
  const size = cover.width && cover.height ? ` width="${cover.width}" height="${cover.height}"` : "";
  const img = `<img src="${attr(cover.url)}" alt="${attr(cover.alt ?? "")}"${size} fetchpriority="high">`;
  const credit = cover.credit ? `<span class="credit">${escapeHtml(cover.credit)}</span>` : "";
  const caption =
    cover.alt || credit
      ? `<figcaption>${cover.alt ? escapeHtml(cover.alt) : ""}${cover.alt && credit ? " " : ""}${credit}</figcaption>`
      : "";
  return `<figure class="cover">${img}${caption}</figure>`;
}

/** OpenGraph, Twitter and fediverse:creator: the link card Mastodon and others build. */
function cardTags(site: PageSite, a: Article): string {
  const meta = (property: string, content: string | number | undefined) =>
    content === undefined || content === ""
      ? ""
      : `<meta property="${property}" content="${attr(String(content))}">`;
  const named = (name: string, content: string | undefined) =>
    content === undefined || content === "" ? "" : `<meta name="${name}" content="${attr(content)}">`;
  const cover = a.cover;
  return [
    meta("og:type", "article"),
    meta("og:site_name", site.title),
    meta("og:title", a.title),
    meta("og:description", a.summary),
    meta("og:url", a.url),
    meta("og:locale", a.lang.replace("-", "_")),
    meta("og:image", cover?.url),
    meta("og:image:alt", cover?.alt),
    meta("og:image:width", cover?.width),
    meta("og:image:height", cover?.height),
    meta("og:image:type", cover?.mediaType),
    meta("article:published_time", a.published),
    meta("article:modified_time", a.updated === a.published ? undefined : a.updated),
    ...a.authors.map((p) => meta("article:author", p.name)),
    ...a.tags.map((tag) => meta("article:tag", tag)),
    named("twitter:card", cover ? "summary_large_image" : "summary"),
    named("twitter:title", a.title),
    named("twitter:description", a.summary),
    named("twitter:image", cover?.url),
    named("twitter:image:alt", cover?.alt),
    named("fediverse:creator", site.bot.handle),
  ]
    .filter(Boolean)
    .join("\n");
}

function people(list: readonly Person[], a: Article, separator: string): string {
  return list
    .map((p) => {
      const href = httpUrl(p.url, a.url);
      return href ? `<a href="${attr(href)}" rel="author">${escapeHtml(p.name)}</a>` : escapeHtml(p.name);
    })
    .join(escapeHtml(separator));
}
