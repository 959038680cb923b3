// The HTML shell every public page shares: head with feed autodiscovery, landmarks, skip link.
import { escapeHtml, escapeHtmlAttribute } from "../../render/html.ts";
import type { FeedUrls } from "../../urls.ts";
import { labelsFor } from "./labels.ts";
import { COPY_SCRIPT, COPY_SCRIPT_HASH } from "./script.ts";
import type { PageSite } from "./site.ts";
import { STYLE, STYLE_HASH } from "./style.ts";

/**
 * Nothing loads from elsewhere but images (article covers may live on the original publisher's
 * server); the stylesheet and the copy script are inline and allowed by hash. `form-action`
 * includes https: because the remote-follow form ends in a redirect to the visitor's own server.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "img-src 'self' https: http: data:",
  `style-src ${STYLE_HASH}`,
  `script-src ${COPY_SCRIPT_HASH}`,
  "form-action 'self' https:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers of every HTML page. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

export const HTML_TYPE = "text/html; charset=utf-8";

export interface LayoutOptions {
  site: PageSite;
  /** Language of the page's main content. */
  lang: string;
  /** Full `<title>` text. */
  title: string;
  canonical?: string;
  description?: string;
  /** Extra `<head>` markup, already escaped (OpenGraph, rel=prev/next…). */
  head?: string;
  /** Inner HTML of `<main>`, already escaped. */
  main: string;
  /** Adds the copy-button script. */
  script?: boolean;
  /** Feeds of this page's own (a tag's), announced before the site's feeds. */
  feeds?: { title: string; urls: FeedUrls };
}

export function renderLayout(o: LayoutOptions): string {
  const { site } = o;
  const t = labelsFor(site.language);
  const { urls } = site;
  // The site's own words carry the site language when the article around them is in another.
  const chromeLang =
    o.lang.toLowerCase() === site.language.toLowerCase() ? "" : ` lang="${attr(site.language)}"`;
  // Readers that take the first feed a page announces take the page's own.
  const alternates = [...(o.feeds ? [o.feeds] : []), { title: site.title, urls }].flatMap((feed) => [
    alternate("application/rss+xml", `${feed.title} (RSS)`, feed.urls.rss),
    alternate("application/atom+xml", `${feed.title} (Atom)`, feed.urls.atom),
    alternate("application/feed+json", `${feed.title} (JSON Feed)`, feed.urls.json),
  ]);
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)}</title>`,
    o.description ? `<meta name="description" content="${attr(o.description)}">` : "",
    o.canonical ? `<link rel="canonical" href="${attr(o.canonical)}">` : "",
    ...alternates,
    '<meta name="color-scheme" content="light dark">',
    o.head ?? "",
    `<style>${STYLE}</style>`,
  ]
    .filter((line) => line !== "")
    .join("\n");
  return `<!doctype html>
<html lang="${attr(o.lang)}">
<head>
${head}
</head>
<body>
<a class="skip" href="#main"${chromeLang}>${escapeHtml(t.skip)}</a>
<header class="site-header"${chromeLang}>
<div class="wrap">
<a class="site-title" href="${attr(urls.home)}">${escapeHtml(site.title)}</a>
<nav class="site-nav" aria-label="${attr(t.mainNav)}">
<ul><li><a href="${attr(urls.home)}">${escapeHtml(t.home)}</a></li><li><a href="${attr(`${urls.home}#subscribe`)}">${escapeHtml(t.feeds)}</a></li></ul>
</nav>
</div>
</header>
<main id="main" tabindex="-1">
<div class="wrap">
${o.main}
</div>
</main>
<footer class="site-footer"${chromeLang}>
<div class="wrap">
<ul>
<li><a href="${attr(urls.rss)}">RSS</a></li>
<li><a href="${attr(urls.atom)}">Atom</a></li>
<li><a href="${attr(urls.json)}">${escapeHtml(t.jsonFeed)}</a></li>
${site.bot.handle ? `<li>${escapeHtml(site.bot.handle)}</li>` : ""}
</ul>
<p>${escapeHtml(t.poweredBy)}</p>
</div>
</footer>
${o.script ? `<script>${COPY_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

/** A feed's three formats as links a visitor can follow or copy. */
export function renderFeedLinks(site: PageSite, urls: FeedUrls): string {
  const t = labelsFor(site.language);
  return `<ul class="feeds">
<li><a href="${attr(urls.rss)}" type="application/rss+xml">RSS</a></li>
<li><a href="${attr(urls.atom)}" type="application/atom+xml">Atom</a></li>
<li><a href="${attr(urls.json)}" type="application/feed+json">${escapeHtml(t.jsonFeed)}</a></li>
</ul>`;
}

function alternate(type: string, title: string, href: string): string {
  return `<link rel="alternate" type="${type}" title="${attr(title)}" href="${attr(href)}">`;
}

export function attr(value: string): string {
  return escapeHtmlAttribute(value);
}
