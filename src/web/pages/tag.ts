// A tag's page: every visible article carrying the tag, newest first, paged.
import type { Article } from "../../content/model.ts";
import { escapeHtml } from "../../render/html.ts";
import { labelsFor } from "./labels.ts";
import { renderLayout } from "./layout.ts";
import { type Paged, pageUrl, renderCards, renderPager } from "./list.ts";
import type { PageSite } from "./site.ts";

export function renderTag(site: PageSite, tag: string, paged: Paged<Article>): string {
  const t = labelsFor(site.language);
  const base = site.urls.tag(tag);
  const pager = renderPager(site, base, paged);
  const heading = t.taggedWith(tag);
  const counter =
    paged.pages > 1 ? `<p class="meta">${escapeHtml(t.pageOf(paged.page, paged.pages))}</p>` : "";
  return renderLayout({
    site,
    lang: site.language,
    title: `${heading} · ${site.title}`,
    canonical: pageUrl(base, paged.page),
    head: pager.head,
    main: [`<h1>${escapeHtml(heading)}</h1>`, counter, renderCards(site, paged.items, "h2"), pager.html]
      .filter(Boolean)
      .join("\n"),
  });
}
