// Lists of articles (home, tag pages): cards with cover, title, date and summary, and the pager.
import type { Article } from "../../content/model.ts";
import { escapeHtml } from "../../render/html.ts";
import { displayDate } from "./dates.ts";
import { labelsFor } from "./labels.ts";
import { attr } from "./layout.ts";
import type { PageSite } from "./site.ts";

export interface Paged<T> {
  items: T[];
  page: number;
  pages: number;
}

/** One page of `all`, or undefined past the last page (page 1 always exists, perhaps empty). */
export function paginate<T>(all: readonly T[], page: number, perPage: number): Paged<T> | undefined {
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  if (!Number.isSafeInteger(page) || page < 1 || page > pages) return undefined;
  return { items: all.slice((page - 1) * perPage, page * perPage), page, pages };
}

export function pageUrl(base: string, page: number): string {
  return page === 1 ? base : `${base}?page=${page}`;
}

export function renderCards(site: PageSite, articles: readonly Article[], heading: "h2" | "h3"): string {
  if (articles.length === 0) return `<p class="muted">${escapeHtml(labelsFor(site.language).noArticles)}</p>`;
  return `<ul class="cards">\n${articles.map((a) => card(site, a, heading)).join("\n")}\n</ul>`;
}

function card(site: PageSite, a: Article, heading: "h2" | "h3"): string {
  const lang = a.lang.toLowerCase() === site.language.toLowerCase() ? "" : ` lang="${attr(a.lang)}"`;
  const size = a.cover?.width && a.cover.height ? ` width="${a.cover.width}" height="${a.cover.height}"` : "";
  // The picture repeats the title link: hidden from assistive technology and the tab order.
  const cover = a.cover
    ? `<a class="thumb-link" href="${attr(a.url)}" tabindex="-1" aria-hidden="true"><img class="thumb" src="${attr(a.cover.url)}" alt=""${size} loading="lazy" decoding="async"></a>`
    : "";
  return `<li class="card${a.cover ? " has-cover" : ""}"${lang}>
<div class="card-head">
<${heading}><a href="${attr(a.url)}">${escapeHtml(a.title)}</a></${heading}>
<p class="meta"><time datetime="${attr(a.published)}">${escapeHtml(displayDate(a.published, a.lang, site.timezone))}</time></p>
</div>
${cover}
${a.summary ? `<p class="card-summary">${escapeHtml(a.summary)}</p>` : ""}
</li>`;
}

/** The pager below a list, and the matching `<link rel>` for the head. */
export function renderPager(
  site: PageSite,
  base: string,
  paged: Paged<unknown>,
): { html: string; head: string } {
  if (paged.pages <= 1) return { html: "", head: "" };
  const t = labelsFor(site.language);
  const prev = paged.page > 1 ? pageUrl(base, paged.page - 1) : undefined;
  const next = paged.page < paged.pages ? pageUrl(base, paged.page + 1) : undefined;
  const html = `<nav class="pager" aria-label="${attr(t.pagination)}">
${prev ? `<a rel="prev" href="${attr(prev)}">← ${escapeHtml(t.newer)}</a>` : "<span></span>"}
<span>${escapeHtml(t.pageOf(paged.page, paged.pages))}</span>
${next ? `<a rel="next" href="${attr(next)}">${escapeHtml(t.older)} →</a>` : "<span></span>"}
</nav>`;
  const head = [
    prev ? `<link rel="prev" href="${attr(prev)}">` : "",
    next ? `<link rel="next" href="${attr(next)}">` : "",
  ]
    .filter(Boolean)
    .join("\n");
  return { html, head };
}
