// A tag's page: every visible article carrying the tag, newest first, paged, and the tag's feeds.
import type { Article } from "../../content/model.ts";
import { tagKey } from "../../content/tags.ts";
import { tagFeedTitle } from "../../feeds/index.ts";
import { escapeHtml } from "../../render/html.ts";
import { labelsFor } from "./labels.ts";
import { renderFeedLinks, renderLayout } from "./layout.ts";
import { type Paged, pageUrl, renderCards, renderPager } from "./list.ts";
import type { PageSite } from "./site.ts";

export function renderTag(site: PageSite, tag: string, paged: Paged<Article>): string {
  const t = labelsFor(site.language);
  const base = site.urls.tag(tag);
  const pager = renderPager(site, base, paged);
  const heading = t.taggedWith(tag);
  const feeds = { title: tagFeedTitle(site.title, tag), urls: site.urls.tagFeeds(tagKey(tag)) };
  const subscribe = `<div class="tag-feeds">
<p class="meta">${escapeHtml(t.tagFeedsIntro(tag))}</p>
${renderFeedLinks(site, feeds.urls)}
</div>`;
  const counter =
    paged.pages > 1 ? `<p class="meta">${escapeHtml(t.pageOf(paged.page, paged.pages))}</p>` : "";
  return renderLayout({
    site,
    lang: site.language,
    title: `${heading} · ${site.title}`,
    canonical: pageUrl(base, paged.page),
    head: pager.head,
    feeds,
    main: [
      `<h1>${escapeHtml(heading)}</h1>`,
      counter,
      subscribe,
      renderCards(site, paged.items, "h2"),
      pager.html,
    ]
      .filter(Boolean)
      .join("\n"),
  });
}
