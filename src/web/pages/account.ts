// A section account's page, what browsers get at its actor URL (`/users/<username>`): its name, bio and
// handle, its feeds, and the articles it posts, newest first, paged.
import type { Article } from "../../content/model.ts";
import { escapeHtml } from "../../render/html.ts";
import type { FeedUrls } from "../../urls.ts";
import { labelsFor } from "./labels.ts";
import { renderFeedLinks, renderLayout } from "./layout.ts";
import { type Paged, pageUrl, renderCards, renderPager } from "./list.ts";
import type { PageSite } from "./site.ts";

export interface AccountPage {
  username: string;
  name: string;
  /** Plain text. */
  summary: string;
  /** `@tech@news.example.org`, when this process serves the fediverse side. */
  handle: string | undefined;
  /** The actor URL, which is also this page's. */
  url: string;
  feeds: FeedUrls;
}

export function renderAccount(site: PageSite, account: AccountPage, paged: Paged<Article>): string {
  const t = labelsFor(site.language);
  const pager = renderPager(site, account.url, paged);
  const feeds = { title: `${site.title} · ${account.name}`, urls: account.feeds };
  const counter =
    paged.pages > 1 ? `<p class="meta">${escapeHtml(t.pageOf(paged.page, paged.pages))}</p>` : "";
  return renderLayout({
    site,
    lang: site.language,
    title: `${account.name} · ${site.title}`,
    canonical: pageUrl(account.url, paged.page),
    head: pager.head,
    feeds,
    main: [
      `<h1>${escapeHtml(account.name)}</h1>`,
      account.summary ? `<p>${escapeHtml(account.summary)}</p>` : "",
      account.handle ? `<p class="meta">${escapeHtml(account.handle)}</p>` : "",
      counter,
      `<div class="tag-feeds">
<p class="meta">${escapeHtml(t.tagFeedsIntro(account.name))}</p>
${renderFeedLinks(site, feeds.urls)}
</div>`,
      renderCards(site, paged.items, "h2"),
      pager.html,
    ]
      .filter(Boolean)
      .join("\n"),
  });
}
