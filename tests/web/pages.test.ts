// Public pages over real HTTP on loopback: home, article, tag, 404/410, negotiation, caching.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLibrary } from "../../src/build.ts";
import { fromObject } from "../../src/config/load.ts";
import type { Article } from "../../src/content/model.ts";
import type { ArticleStore } from "../../src/content/records.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { instanceHost } from "../../src/web/pages/follow.ts";
import { createPages, pageSite } from "../../src/web/pages/index.ts";

const root = resolve(import.meta.dirname, "../..");
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SITE = {
  url: "http://localhost:1/",
  timezone: "Asia/Shanghai",
  language: "zh-CN",
  title: "Herald 新闻",
};

function contentCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-pages-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function configFor(dir: string) {
  return fromObject(
    {
      site: SITE,
      server: { port: 0, host: "127.0.0.1" },
      bot: { name: "Herald 新闻", summary: "转载新闻的机器人。" },
    },
    { base: dir, env: {} },
  );
}

async function serve(options: { federation?: boolean; prepare?: (dir: string) => void } = {}) {
  const dir = contentCopy();
  options.prepare?.(join(dir, "content"));
  const server: RunningServer = await startServer(configFor(dir), createLogger("silent"), {
    federation: options.federation ?? false,
    settleMs: 0,
    schedules: false,
  });
  cleanup.push(() => server.close());
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    fetch(new URL(path, server.url), { headers, redirect: "manual", method });
  const html = async (path: string, headers: Record<string, string> = {}) => {
    const res = await get(path, headers);
    expect(res.status, path).toBe(200);
    return res.text();
  };
  return { server, dir, content: join(dir, "content"), get, html };
}

/** The `content` of `<meta property|name="key">`, decoded as a browser would. */
function meta(html: string, key: string): string | undefined {
  const m = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`).exec(html);
  return m ? decode(m[1]!) : undefined;
}
function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
function linkHref(html: string, rel: string, type?: string): string[] {
  const re = new RegExp(
    `<link rel="${rel}"${type ? ` type="${type.replace("+", "\\+")}"` : ""}[^>]*href="([^"]*)"`,
    "g",
  );
  return [...html.matchAll(re)].map((m) => decode(m[1]!));
}

const ARTICLE = "/articles/tidal-energy/";

describe("public pages", () => {
  it("home: profile, follow box, feed links and the latest articles, with a strict CSP", async () => {
    const { get } = await serve({ federation: true });
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(html).toContain('<h1 id="profile-name">Herald 新闻</h1>');
    expect(html).toContain("转载新闻的机器人。");
    expect(html).toContain("<code>@news@localhost:1</code>");
    expect(html).toContain('data-copy="@news@localhost:1"');
    expect(html).toMatch(/<form class="follow-form" action="http:\/\/localhost:1\/follow" method="get">/);
    expect(html).toContain('name="instance"');
    for (const [type, href] of [
      ["application/rss+xml", "http://localhost:1/feed.xml"],
      ["application/atom+xml", "http://localhost:1/atom.xml"],
      ["application/feed+json", "http://localhost:1/feed.json"],
    ] as const) {
      expect(linkHref(html, "alternate", type)).toEqual([href]);
      expect(html).toContain(`<a href="${href}" type="${type}">`);
    }
    // Newest first; the date in the site's zone (09:30 Shanghai), in the article's language.
    const titles = [...html.matchAll(/<h3><a href="[^"]+">([^<]+)<\/a><\/h3>/g)].map((m) => m[1]);
    expect(titles).toContain("深圳一座社区图书馆的夜间开放试验");
    expect(titles.indexOf("深圳一座社区图书馆的夜间开放试验")).toBeLessThan(
      titles.indexOf("A Quiet Turbine in the Harbour Mouth"),
    );
    expect(html).toContain('<time datetime="2026-11-20T01:30:00.000Z">2026年11月20日 09:30</time>');
    // An English article on a Chinese page says so.
    expect(html).toMatch(
      /<li class="card has-cover" lang="en">\n<div class="card-head">\n<h3><a href="[^"]*river-ferry/,
    );
    expect(html).toContain('src="http://localhost:1/articles/tidal-energy/cover.jpg"');
    expect(meta(html, "fediverse:creator")).toBe("@news@localhost:1");

    // Landmarks and the skip link; every picture has alt text.
    for (const landmark of [
      '<header class="site-header"',
      '<main id="main"',
      '<footer class="site-footer"',
      "<nav ",
    ])
      expect(html).toContain(landmark);
    expect(html).toContain('<a class="skip" href="#main">');
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    const images = [...html.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((img) => !/ alt="/.test(img))).toEqual([]);

    // The inline style and script are exactly the ones the CSP allows; nothing else may run or load.
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    const sha = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
    const style = /<style>(.*?)<\/style>/s.exec(html)![1]!;
    const script = /<script>(.*?)<\/script>/s.exec(html)![1]!;
    expect(csp).toContain(`style-src ${sha(style)}`);
    expect(csp).toContain(`script-src ${sha(script)}`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<link rel="stylesheet"|@import|url\(/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("article page: head tags for link cards, body, attribution, tags", async () => {
    const { html: page, get } = await serve({ federation: true });
    const html = await page(ARTICLE);
    const feed = (await (await get("/feed.json")).json()) as {
      items: { url: string; summary: string; title: string }[];
    };
    const item = feed.items.find((i) => i.url === `http://localhost:1${ARTICLE}`)!;
    expect(html).toContain("<title>A Quiet Turbine in the Harbour Mouth · Herald 新闻</title>");
    expect(html).toMatch(/^<!doctype html>\n<html lang="[^"]+">/);
    expect(linkHref(html, "canonical")).toEqual([`http://localhost:1${ARTICLE}`]);
    expect(meta(html, "og:title")).toBe(item.title);
    expect(meta(html, "og:description")).toBe(item.summary);
    expect(meta(html, "description")).toBe(item.summary);
    expect(meta(html, "og:type")).toBe("article");
    expect(meta(html, "og:url")).toBe(`http://localhost:1${ARTICLE}`);
    expect(meta(html, "og:image")).toBe("http://localhost:1/articles/tidal-energy/cover.jpg");
    expect(meta(html, "og:image:alt")).toBe(
      "A lone turbine mast standing above dark waves under a pale morning sky",
    );
    expect(meta(html, "og:image:width")).toMatch(/^\d+$/);
    expect(meta(html, "og:image:height")).toMatch(/^\d+$/);
    expect(meta(html, "article:published_time")).toBe("2026-10-14T07:15:00.000Z");
    expect(meta(html, "twitter:card")).toBe("summary_large_image");
    expect(meta(html, "twitter:title")).toBe(item.title);
    expect(meta(html, "twitter:image")).toBe("http://localhost:1/articles/tidal-energy/cover.jpg");
    expect(meta(html, "fediverse:creator")).toBe("@news@localhost:1");
    expect(linkHref(html, "alternate", "application/rss+xml")).toEqual(["http://localhost:1/feed.xml"]);
    expect(linkHref(html, "alternate", "application/atom+xml")).toEqual(["http://localhost:1/atom.xml"]);
    expect(linkHref(html, "alternate", "application/feed+json")).toEqual(["http://localhost:1/feed.json"]);

    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain("<h1>A Quiet Turbine in the Harbour Mouth</h1>");
    // 08:15 at +01:00 is 15:15 in Shanghai.
    expect(html).toMatch(/<time datetime="2026-10-14T07:15:00.000Z">[^<]*(15:15|3:15\s*PM)<\/time>/);
    expect(html).toContain('<a href="https://people.example.org/maren-holt" rel="author">Maren Holt</a>');
    expect(html).toMatch(/<figure class="cover"><img src="[^"]+cover.jpg" alt="A lone turbine mast[^"]*"/);
    // The body already links the original and the reprint source: the block does not repeat them.
    expect(html).not.toContain('<div class="attribution">');
    expect(
      html.match(/href="https:\/\/coast\.example\.net\/2026\/10\/harbour-turbine"/g)?.length,
    ).toBeGreaterThanOrEqual(1);
    expect(html).toContain('<a href="http://localhost:1/tags/energy/" rel="tag">energy</a>');
    expect(html).toContain('alt="Two rotors on a shared frame, with the water line above them"');

    // A Chinese reprint: labels in Chinese, the cover already in the body is not shown twice.
    const zh = await page("/articles/2026-11-shenzhen-library/");
    expect(zh).toContain("<h1>深圳一座社区图书馆的夜间开放试验</h1>");
    expect(zh).toContain("转载自<a"); // the body's own line; the block does not repeat it
    expect(zh.match(/library-night-reading-room\.jpg/g)!.length).toBeGreaterThanOrEqual(1);
    expect(zh).not.toContain('<figure class="cover">');

    // A page whose article is in another language than the site marks its chrome.
    const en = await page("/articles/river-ferry-last-crossing/");
    expect(en).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(en).toContain('<header class="site-header" lang="zh-CN">');
    expect(en).toContain('<a href="http://localhost:1/tags/local%20history/" rel="tag">local history</a>');
  });

  it("answers 304 to If-None-Match and If-Modified-Since, serves HEAD and gzip", async () => {
    const { get } = await serve();
    for (const path of ["/", ARTICLE, "/tags/energy/"]) {
      const first = await get(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get("etag")!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect((await get(path)).headers.get("etag")).toBe(etag);
      expect((await get(path, { "If-None-Match": etag })).status).toBe(304);
      expect((await get(path, { "If-None-Match": `W/${etag}` })).status).toBe(304);
      expect((await get(path, { "If-Modified-Since": first.headers.get("last-modified")! })).status).toBe(
        304,
      );
      expect((await get(path, { "If-None-Match": '"stale"' })).status).toBe(200);
      const head = await get(path, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    }
    const article = await get(ARTICLE);
    expect(article.headers.get("last-modified")).toBe("Wed, 14 Oct 2026 07:15:00 GMT");
    // fetch asks for gzip and undoes it; the header shows it was used.
    expect(article.headers.get("content-encoding")).toBe("gzip");
  });

  it("rebuilds an article's page only when that article changes", async () => {
    const dir = contentCopy();
    const config = configFor(dir);
    const store = new SqliteStore(join(dir, "herald.sqlite"));
    cleanup.push(() => store.close());
    const library = await openLibrary(config, store);
    await library.refresh();
    // Count renders by counting reads of the body, the one field only the article page needs.
    const rendered = new Map<string, number>();
    const counting = (a: Article): Article =>
      new Proxy(a, {
        get(target, key, receiver) {
          if (key === "contentHtml") rendered.set(a.slug, (rendered.get(a.slug) ?? 0) + 1);
          return Reflect.get(target, key, receiver);
        },
      });
    const pages = createPages({
      site: pageSite(config, { federated: false }),
      library: {
        visibleRecords: (at) => library.visibleRecords(at),
        get: async (id) => {
          const a = await library.get(id);
          return a && counting(a);
        },
        records: () => library.records(),
      },
      store: store.federation,
    });
    const server = await listen((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      Promise.resolve(pages.handle(req, res, path)).then((ok) => ok || pages.notFound(req, res));
    });
    const get = (path: string) => fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);

    const first = await get(ARTICLE);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag");
    await get("/articles/2026-11-shenzhen-library/");
    const renders = () => ({ ...Object.fromEntries(rendered) });
    const afterFirst = renders();
    expect(afterFirst["tidal-energy"]).toBeGreaterThan(0);
    // Served from memory, also after a scan that changed nothing.
    await get(ARTICLE);
    pages.invalidate();
    await get(ARTICLE);
    expect(renders()).toEqual(afterFirst);

    // Another article changes: this page stays as it was.
    const zhPath = join(dir, "content", "2026-11-shenzhen-library.md");
    writeFileSync(zhPath, "---\ntitle: 改过的标题\ndate: 2026-11-20 09:30\n---\n\n正文改了。\n");
    await library.refresh();
    pages.invalidate();
    const again = await get(ARTICLE);
    expect(again.headers.get("etag")).toBe(etag);
    expect(rendered.get("tidal-energy")).toBe(afterFirst["tidal-energy"]);
    expect(await (await get("/articles/2026-11-shenzhen-library/")).text()).toContain("<h1>改过的标题</h1>");

    // This article changes: a new page and a new ETag.
    const tidal = join(dir, "content", "tidal-energy", "index.md");
    writeFileSync(tidal, "---\ntitle: A Louder Turbine\ndate: 2026-10-14T08:15:00+01:00\n---\n\nNew text.\n");
    await library.refresh();
    pages.invalidate();
    const changed = await get(ARTICLE);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(await changed.text()).toContain("<h1>A Louder Turbine</h1>");
    expect(rendered.get("tidal-energy")).toBeGreaterThan(afterFirst["tidal-energy"]!);
  });

  it("loads only the articles a page shows; a title or tag change reaches lists after a refresh", async () => {
    const dir = contentCopy();
    const content = join(dir, "content");
    for (let i = 1; i <= 25; i++) {
      const n = String(i).padStart(2, "0");
      writeFileSync(
        join(content, `bulk-${n}.md`),
        `---\ntitle: Bulk ${n}\ndate: 2025-12-${n}T08:00:00Z\ntags: [${i % 2 ? "odd" : "even"}]\n---\n\nBody ${n}.\n`,
      );
    }
    const config = configFor(dir);
    const sqlite = new SqliteStore(join(dir, "herald.sqlite"));
    cleanup.push(() => sqlite.close());
    await (await openLibrary(config, sqlite)).refresh();
    // A fresh library over a store that counts article reads: what a web process starts with.
    const loaded: string[] = [];
    const store: ArticleStore = {
      listRecords: () => sqlite.listRecords(),
      getArticle: (id) => {
        loaded.push(id);
        return sqlite.getArticle(id);
      },
      saveRecords: (changes) => sqlite.saveRecords(changes),
      saveBatches: (batches) => sqlite.saveBatches(batches),
    };
    const library = await openLibrary(config, store);
    const pages = createPages({
      site: pageSite(config, { federated: false }),
      library,
      store: sqlite.federation,
    });
    const server = await listen((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      Promise.resolve(pages.handle(req, res, path)).then((ok) => ok || pages.notFound(req, res));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const text = async (path: string) => {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      return res.text();
    };
    // The four sample articles are newer than the bulk ones (2025-12): they open the home page.
    const newest = (await library.visibleRecords()).map((r) => r.id);
    expect(newest).toHaveLength(29);
    expect(loaded).toEqual([]);

    // Home: the ten newest, and nothing else of the 29 visible articles.
    const home = await text("/");
    expect(loaded.sort()).toEqual(newest.slice(0, 10).sort());
    expect(home).toContain("Bulk 25");
    expect(home).not.toContain("Bulk 19");
    loaded.length = 0;
    await text("/?page=2");
    expect(loaded.sort()).toEqual(newest.slice(10, 20).sort());
    loaded.length = 0;
    // A tag page loads its own page of items only (the odd ones from 25 down are 13 articles).
    const odd = await text("/tags/odd/?page=2");
    expect(odd).toContain("Bulk 05");
    expect(loaded.sort()).toEqual(["bulk-01", "bulk-03", "bulk-05"]);
    loaded.length = 0;
    // An article page loads its article, once; the redirect to its canonical URL loads nothing.
    await text("/articles/bulk-07/");
    expect((await fetch(`${base}/articles/bulk-09`, { redirect: "manual" })).status).toBe(301);
    await text("/");
    expect(loaded).toEqual(["bulk-07"]);

    // A new title and tag: lists and tag pages follow once the library refreshes.
    writeFileSync(
      join(content, "bulk-25.md"),
      "---\ntitle: Renamed Bulk\ndate: 2025-12-25T08:00:00Z\ntags: [fresh]\n---\n\nBody.\n",
    );
    await library.refresh();
    pages.invalidate();
    const after = await text("/");
    expect(after).toContain("Renamed Bulk");
    expect(after).not.toContain("Bulk 25");
    expect(await text("/tags/fresh/")).toContain("Renamed Bulk");
    expect(await text("/tags/odd/")).not.toContain("Renamed Bulk");
    expect(await text("/tags/odd/")).toContain("Bulk 23");
  });

  it("404 for unknown pages, slugs, tags and page numbers; 301 to the canonical form", async () => {
    const { get } = await serve({
      prepare: (content) =>
        writeFileSync(join(content, "draft.md"), "---\ntitle: Secret\ndraft: true\n---\nNot yet.\n"),
    });
    for (const path of [
      "/no-such-page",
      "/articles/no-such-article/",
      "/articles/draft/",
      "/tags/no-such-tag/",
      "/?page=2",
      "/?page=0",
      "/?page=abc",
      "/tags/energy/?page=9",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await res.text();
      expect(html).toContain("<h1>找不到页面</h1>");
      expect(html).toContain('<link rel="alternate" type="application/rss+xml"');
      expect(html).not.toContain("Secret");
    }
    expect((await get("/no-such-page", {}, "HEAD")).status).toBe(404);
    const redirects: [string, string][] = [
      ["/articles/tidal-energy", "http://localhost:1/articles/tidal-energy/"],
      ["/tags/energy", "http://localhost:1/tags/energy/"],
      ["/?page=1", "http://localhost:1/"],
    ];
    for (const [path, location] of redirects) {
      const res = await get(path);
      expect(res.status, path).toBe(301);
      expect(res.headers.get("location")).toBe(location);
    }
    // Other query strings (utm_source from a post) do not change the page.
    expect((await get("/?utm_source=mastodon")).status).toBe(200);
    expect((await get(`${ARTICLE}?utm_source=mastodon`)).status).toBe(200);
  });

  it("410 with a friendly page once an article is retracted or removed after publication", async () => {
    const { get, server, content } = await serve();
    expect((await get(ARTICLE)).status).toBe(200);
    expect((await get("/articles/river-ferry-last-crossing/")).status).toBe(200);

    await server.storage.federation.retract("tidal-energy", new Date().toISOString());
    await server.tick();
    const retracted = await get(ARTICLE);
    expect(retracted.status).toBe(410);
    const html = await retracted.text();
    expect(html).toContain("<h1>文章已撤下</h1>");
    expect(html).not.toContain("Turbine");
    expect(await (await get("/")).text()).not.toContain("A Quiet Turbine");
    expect(await (await get("/tags/coast/")).status).toBe(404);

    rmSync(join(content, "full-front-matter.md"));
    await server.tick();
    expect((await get("/articles/river-ferry-last-crossing/")).status).toBe(410);
  });

  it("negotiates: JSON-LD for ActivityPub clients on article and actor URLs, HTML for browsers", async () => {
    const { get, server } = await serve({ federation: true });
    const ap = { Accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' };
    const object = await get(ARTICLE, ap);
    expect(object.status).toBe(200);
    expect(object.headers.get("content-type")).toBe("application/activity+json");
    const doc = (await object.json()) as { id: string; url: unknown };
    expect(doc.id).toBe("http://localhost:1/objects/tidal-energy");
    const page = await get(ARTICLE, { Accept: "text/html,application/xhtml+xml" });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("vary")).toBe("Accept, Accept-Encoding");

    // The actor URL shows the home page to browsers.
    const profile = await get("/users/news", { Accept: "text/html" });
    expect(profile.status).toBe(200);
    expect(await profile.text()).toContain('<h1 id="profile-name">Herald 新闻</h1>');
    // Caches must not hand that page to the next ActivityPub client, nor the object's redirect.
    expect(profile.headers.get("vary")).toBe("Accept, Accept-Encoding");
    expect((await get("/")).headers.get("vary")).toBe("Accept-Encoding");
    const redirect = await get("/objects/tidal-energy", { Accept: "text/html" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("vary")).toBe("Accept");
    expect(
      (await get("/users/news", { Accept: "application/activity+json" })).headers.get("content-type"),
    ).toMatch(/application\/activity\+json/);

    await server.storage.federation.retract("tidal-energy", new Date().toISOString());
    await server.tick();
    const tombstone = await get(ARTICLE, ap);
    expect(tombstone.status).toBe(410);
    expect(await tombstone.json()).toMatchObject({ type: "Tombstone" });
    expect((await get(ARTICLE)).status).toBe(410);
  });

  it("pages the home page and tag pages with rel=prev/next", async () => {
    const { html, get } = await serve({
      prepare: (content) => {
        for (let i = 1; i <= 23; i++) {
          const day = String(i).padStart(2, "0");
          writeFileSync(
            join(content, `bulk-${day}.md`),
            `---\ntitle: Bulk ${day}\ndate: 2025-01-${day}T12:00:00Z\ntags: [bulk]\n---\nText ${day}.\n`,
          );
        }
      },
    });
    const cards = (page: string) => page.match(/<li class="card/g)?.length ?? 0;
    const one = await html("/");
    expect(cards(one)).toBe(10);
    expect(linkHref(one, "next")).toEqual(["http://localhost:1/?page=2"]);
    expect(linkHref(one, "prev")).toEqual([]);
    expect(one).toContain('<a rel="next" href="http://localhost:1/?page=2">');
    const two = await html("/?page=2");
    expect(cards(two)).toBe(10);
    expect(linkHref(two, "prev")).toEqual(["http://localhost:1/"]);
    expect(linkHref(two, "next")).toEqual(["http://localhost:1/?page=3"]);
    expect(linkHref(two, "canonical")).toEqual(["http://localhost:1/?page=2"]);
    expect(two).toContain("第 2 页，共 3 页");
    const three = await html("/?page=3");
    expect(cards(three)).toBe(27 - 20);
    expect(linkHref(three, "next")).toEqual([]);
    expect((await get("/?page=4")).status).toBe(404);

    const tag = await html("/tags/bulk/");
    expect(tag).toContain("<h1>标签“bulk”下的文章</h1>");
    expect(cards(tag)).toBe(10);
    expect(linkHref(tag, "next")).toEqual(["http://localhost:1/tags/bulk/?page=2"]);
    expect(cards(await html("/tags/bulk/?page=3"))).toBe(3);
    // Tags match whatever their case.
    expect(cards(await html("/tags/BULK/"))).toBe(10);
  });

  it("escapes hostile titles, summaries, tags and names everywhere", async () => {
    const evil = `<script>alert(1)</script> & "quoted" <img src=x onerror=alert(2)>`;
    const { html, get } = await serve({
      prepare: (content) =>
        writeFileSync(
          join(content, "hostile.md"),
          [
            "---",
            `title: ${JSON.stringify(evil)}`,
            `summary: ${JSON.stringify(`"><script>alert(3)</script>`)}`,
            `tags: [${JSON.stringify("<b>tag</b>")}]`,
            `author: ${JSON.stringify("</time><script>alert(4)</script>")}`,
            "date: 2026-01-01T00:00:00Z",
            "---",
            "Body.",
          ].join("\n"),
        ),
    });
    for (const page of [
      await html("/"),
      await html("/articles/hostile/"),
      await html("/tags/<b>tag<%2Fb>/"),
    ]) {
      expect(page).not.toMatch(/<script>alert|<img src=x|"><script|<b>tag/);
      expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp;");
    }
    const article = await html("/articles/hostile/");
    expect(meta(article, "og:title")).toBe(evil);
    // The summary is whatever the feeds say (plain text), escaped once more for the attribute.
    const feed = (await (await get("/feed.json")).json()) as { items: { title: string; summary: string }[] };
    const summary = feed.items.find((i) => i.title === evil)!.summary;
    expect(summary.startsWith('">')).toBe(true);
    expect(meta(article, "og:description")).toBe(summary);
    expect(article).toContain(`<meta property="og:description" content="&quot;&gt;`);
    expect(article).toContain(`<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quoted"`);
  });

  it("remote follow: sends the visitor to their own server, refuses anything that is not one", async () => {
    const { get } = await serve({ federation: true });
    const actor = encodeURIComponent("http://localhost:1/users/news");
    for (const [input, host] of [
      ["mastodon.social", "mastodon.social"],
      [" Mastodon.Social ", "mastodon.social"],
      ["@me@fosstodon.org", "fosstodon.org"],
      ["https://hachyderm.io/@someone", "hachyderm.io"],
      ["social.example.net:8443", "social.example.net:8443"],
      ["例子.中国", "xn--fsqu00a.xn--fiqs8s"],
    ] as const) {
      const res = await get(`/follow?instance=${encodeURIComponent(input)}`);
      expect(res.status, input).toBe(302);
      expect(res.headers.get("location")).toBe(`https://${host}/authorize_interaction?uri=${actor}`);
    }
    for (const input of [
      "",
      "javascript:alert(1)",
      "127.0.0.1",
      "localhost",
      "[::1]",
      "https://user:pw@evil.org",
      "a_b.org",
      "-x.org",
      "https://x.test",
    ]) {
      const res = await get(`/follow?instance=${encodeURIComponent(input)}`);
      expect(res.status, input).toBe(400);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.text()).toContain('aria-invalid="true"');
    }
    expect(instanceHost("mastodon.social/")).toBe("mastodon.social");
    expect(instanceHost("a.b")).toBe("a.b");
  });

  it("has no follow box, handle or fediverse:creator when the fediverse side is off", async () => {
    const { html, get } = await serve({ federation: false });
    const home = await html("/");
    expect(home).not.toContain('id="follow"');
    expect(home).not.toContain("<script>");
    expect(meta(await html(ARTICLE), "fediverse:creator")).toBeUndefined();
    expect((await get("/follow?instance=mastodon.social")).status).toBe(404);
  });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((ok) => {
    const server = createServer(handler);
    server.listen(0, "127.0.0.1", () => ok(server));
    cleanup.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );
  });
}
