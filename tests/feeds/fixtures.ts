// Article and site factories. Every call returns fresh objects, so no test can leak state
// into another through a shared fixture.
import type { Article } from "../../src/content/model.ts";
import { type FeedSite, renderAtom, renderJsonFeed, renderRss } from "../../src/feeds/index.ts";
import { siteUrls } from "../../src/urls.ts";

export const SITE_URL = "https://herald.example/";

export function makeSite(overrides: Partial<FeedSite> = {}): FeedSite {
  return {
    title: "Herald 测试站",
    description: "转载与翻译的新闻。News, reprinted and translated.",
    language: "zh-CN",
    urls: siteUrls(SITE_URL),
    author: { name: "Herald Bot", url: "https://herald.example/@bot" },
    icon: "https://herald.example/icon.png",
    hub: "https://hub.example/",
    generator: { name: "Herald", version: "0.1.0", url: "https://herald.example/about/" },
    ...overrides,
  };
}

export function makeArticle(overrides: Partial<Article> & Pick<Article, "id">): Article {
  const slug = overrides.slug ?? overrides.id;
  return {
    slug,
    path: `${slug}.md`,
    url: siteUrls(SITE_URL).article(slug),
    title: `Article ${overrides.id}`,
    summary: `Summary of ${overrides.id}.`,
    contentHtml: `<p>Body of ${overrides.id}.</p>`,
    lang: "en",
    tags: [],
    authors: [],
    attribution: { translators: [], editors: [] },
    published: "2024-01-01T00:00:00Z",
    updated: "2024-01-01T00:00:00Z",
    draft: false,
    federate: true,
    sensitive: false,
    pinned: false,
    contentHash: `hash-${overrides.id}`,
    extra: {},
    warnings: [],
    ...overrides,
  };
}

/** A Chinese reprint from X of a Caixin piece, translated; remote cover of unknown type. */
export function chineseReprint(): Article {
  return makeArticle({
    id: "2024-05-01-chip-export",
    slug: "芯片出口管制",
    title: "美国扩大对华芯片出口管制",
    summary: "美国商务部周二宣布新规，进一步限制先进芯片出口。",
    contentHtml:
      "<p>美国商务部周二宣布新规，进一步限制先进芯片及制造设备出口。</p>\n<p>业内人士认为影响有限。</p>",
    lang: "zh-CN",
    tags: ["芯片", "出口管制"],
    authors: [{ name: "财新记者 王五" }],
    cover: {
      url: "https://pbs.twimg.com/media/GMxyz.jpg?format=jpg&name=large",
      alt: "芯片生产线",
    },
    attribution: {
      via: { url: "https://x.com/newsbot/status/1785000000000000000", name: "@newsbot" },
      source: {
        url: "https://www.caixin.com/2024-05-01/102190000.html?a=1&b=2",
        title: "芯片出口新规",
        name: "财新",
      },
      translators: [{ name: "李雷", url: "https://lilei.example/" }],
      editors: [{ name: "韩梅梅" }],
    },
    published: "2024-05-01T02:00:00Z",
    updated: "2024-05-02T08:30:00Z",
  });
}

/** An English article whose body already opens with its local cover (known type and size). */
export function englishArticle(): Article {
  const url = siteUrls(SITE_URL).article("solar-record");
  return makeArticle({
    id: "solar-record",
    title: "Solar output hits a record",
    summary: "Grid operators reported record solar output on Sunday.",
    contentHtml: `<p><img src="${url}cover.png" alt="Solar panels"></p>\n<p>Grid operators reported <a href="https://grid.example/report">record output</a>.</p>`,
    tags: ["energy", "climate"],
    authors: [
      { name: "Jane Doe", url: "https://jane.example/", email: "jane@example.org" },
      { name: "John Roe" },
    ],
    cover: {
      url: `${url}cover.png`,
      alt: "Solar panels",
      mediaType: "image/png",
      width: 1200,
      height: 630,
      length: 48213,
    },
    published: "2024-04-20T09:15:00Z",
    updated: "2024-04-20T09:15:00Z",
  });
}

/** Every string a feed writer tends to get wrong. Same `published` as englishArticle: tie-break by id. */
export function hostileArticle(): Article {
  return makeArticle({
    id: "hostile",
    title: "Tom &amp; Jerry <script>alert(1)</script> \u0007bell",
    summary: "Ends with ]]> and ]]> again\u0007.",
    contentHtml: "<p>a ]]> b ]]> c\u0007 &amp; d</p>",
    lang: "en",
    tags: ["R&D", "<b>bold</b>"],
    authors: [{ name: "Eve \u0007<evil>" }],
    cover: { url: "https://img.example/a.webp?x=1&y=2", mediaType: "image/webp" },
    attribution: {
      source: { url: "https://src.example/?q=1&r=]]>", title: 'Quotes "and" ]]> <b>', name: "S&P" },
      translators: [],
      editors: [],
    },
    published: "2024-04-20T09:15:00Z",
    updated: "2024-04-22T10:00:00.500Z",
  });
}

export function goldenArticles(): Article[] {
  // Deliberately not in feed order.
  return [englishArticle(), hostileArticle(), chineseReprint()];
}

export interface RenderedFeeds {
  rss: string;
  atom: string;
  json: string;
}

export function renderAllFeeds(
  site: FeedSite = makeSite(),
  articles: readonly Article[] = goldenArticles(),
  limit = 20,
): RenderedFeeds {
  return {
    rss: renderRss(site, articles, { limit }),
    atom: renderAtom(site, articles, { limit }),
    json: renderJsonFeed(site, articles, { limit }),
  };
}

/** `count` plain articles, one hour apart, newest last; bodies of about 5 KB. */
export function manyArticles(count: number): Article[] {
  return Array.from({ length: count }, (_, i) =>
    makeArticle({
      id: `bulk-${String(i).padStart(3, "0")}`,
      title: `第 ${i} 篇 Bulk article`,
      contentHtml: `<p>${"新闻正文 body text. ".repeat(300)}</p>`,
      lang: "zh-CN",
      tags: ["bulk"],
      authors: [{ name: "Bulk Writer" }],
      published: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      updated: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000 + 60_000).toISOString(),
    }),
  );
}
