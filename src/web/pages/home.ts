// The home page: who the bot is, how to follow it or subscribe, and the latest articles, paged.
// `/users/<bot>` shows the same page to browsers.
import type { Article } from "../../content/model.ts";
import { escapeHtml } from "../../render/html.ts";
import { labelsFor } from "./labels.ts";
import { attr, renderFeedLinks, renderLayout } from "./layout.ts";
import { type Paged, pageUrl, renderCards, renderPager } from "./list.ts";
import type { PageSite } from "./site.ts";

export function renderHome(site: PageSite, paged: Paged<Article>): string {
  const t = labelsFor(site.language);
  const { bot, urls } = site;
  const pager = renderPager(site, urls.home, paged);
  const first = paged.page === 1;
  const name = bot.name === site.title ? bot.name : `${bot.name} · ${site.title}`;
  const title = first ? name : `${bot.name} · ${t.pageOf(paged.page, paged.pages)}`;
  const main = first
    ? [
        profile(site),
        followBox(site),
        subscribeBox(site),
        `<h2 class="section-title">${escapeHtml(t.latest)}</h2>`,
        renderCards(site, paged.items, "h3"),
        pager.html,
      ]
    : [
        `<h1>${escapeHtml(bot.name)}</h1>`,
        `<p class="meta">${escapeHtml(t.pageOf(paged.page, paged.pages))}</p>`,
        renderCards(site, paged.items, "h2"),
        pager.html,
      ];
  const head = [
    '<meta property="og:type" content="website">',
    `<meta property="og:site_name" content="${attr(site.title)}">`,
    `<meta property="og:title" content="${attr(bot.name)}">`,
    `<meta property="og:description" content="${attr(bot.bio)}">`,
    `<meta property="og:url" content="${attr(pageUrl(urls.home, paged.page))}">`,
    bot.avatarUrl ? `<meta property="og:image" content="${attr(bot.avatarUrl)}">` : "",
    '<meta name="twitter:card" content="summary">',
    bot.handle ? `<meta name="fediverse:creator" content="${attr(bot.handle)}">` : "",
    pager.head,
  ]
    .filter(Boolean)
    .join("\n");
  return renderLayout({
    site,
    lang: site.language,
    title,
    description: bot.bio,
    canonical: pageUrl(urls.home, paged.page),
    head,
    main: main.filter(Boolean).join("\n"),
    script: first && bot.handle !== undefined,
  });
}

function profile(site: PageSite): string {
  const { bot } = site;
  // The avatar sits beside the name it belongs to: decorative.
  const avatar = bot.avatarUrl
    ? `<img class="avatar" src="${attr(bot.avatarUrl)}" alt="" width="88" height="88">`
    : `<span class="avatar monogram" aria-hidden="true">${escapeHtml(firstGrapheme(bot.name))}</span>`;
  return `<section class="profile" aria-labelledby="profile-name">
${avatar}
<div>
<h1 id="profile-name">${escapeHtml(bot.name)}</h1>
${bot.handle ? `<p class="muted">${escapeHtml(bot.handle)}</p>` : ""}
${bot.bio ? `<p>${escapeHtml(bot.bio)}</p>` : ""}
</div>
</section>`;
}

/** The handle with a copy button, and a form that sends the visitor to their own server to follow. */
export function followBox(site: PageSite, error?: string): string {
  const { handle } = site.bot;
  if (!handle) return "";
  const t = labelsFor(site.language);
  return `<section class="box" id="follow" aria-labelledby="follow-title">
<h2 id="follow-title">${escapeHtml(t.follow)}</h2>
<p>${escapeHtml(t.followIntro)}</p>
<div class="handle"><code>${escapeHtml(handle)}</code><button type="button" class="secondary" data-copy="${attr(handle)}" data-done="${attr(t.copied)}" hidden>${escapeHtml(t.copy)}</button></div>
<form class="follow-form" action="${attr(new URL("follow", site.urls.home).href)}" method="get">
<label for="instance">${escapeHtml(t.yourInstance)}</label>
${error ? `<p class="error-text" id="instance-error">${escapeHtml(error)}</p>` : ""}
<div class="row"><input id="instance" name="instance" type="text" inputmode="url" autocapitalize="none" spellcheck="false" required placeholder="${attr(t.instanceHint)}"${error ? ' aria-invalid="true" aria-describedby="instance-error"' : ""}><button type="submit">${escapeHtml(t.followButton)}</button></div>
</form>
</section>`;
}

function subscribeBox(site: PageSite): string {
  const t = labelsFor(site.language);
  return `<section class="box" id="subscribe" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">${escapeHtml(t.subscribe)}</h2>
<p>${escapeHtml(t.subscribeIntro)}</p>
${renderFeedLinks(site, site.urls)}
</section>`;
}

function firstGrapheme(text: string): string {
  const first = new Intl.Segmenter(undefined, { granularity: "grapheme" })
    .segment(text)
    [Symbol.iterator]()
    .next();
  return first.done ? "" : first.value.segment.toUpperCase();
}
