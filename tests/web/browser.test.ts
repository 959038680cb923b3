// The public pages in a real browser (Debian's Chromium driven by playwright-core): a reader opens
// the home page, follows a link to an article, and sees what Mastodon's crawler sees. Screenshots
// of home and article at phone and desktop widths land in .screenshots/ on every run: look at them.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { freePort } from "../helpers/apbot.ts";
import { launchChromium } from "../helpers/chromium.ts";

const root = resolve(import.meta.dirname, "../..");
const SHOTS = join(root, ".screenshots");
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let dir: string;
let server: RunningServer;
let browser: Browser;
let origin: string;
/** Every image URL the sample articles name: the only things a page may load from elsewhere. */
let contentImageUrls: Set<string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "herald-browser-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  contentImageUrls = new Set(
    files(join(dir, "content"))
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => [
        ...readFileSync(f, "utf8").matchAll(/https?:\/\/[^\s)"'\]]+\.(?:jpe?g|png|webp|gif)/g),
      ])
      .map((m) => m[0]),
  );
  // Pages carry absolute URLs, so the site URL must be the address the browser uses.
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const config = fromObject(
    {
      site: { url: `${origin}/`, timezone: "Asia/Shanghai", language: "zh-CN", title: "Herald 新闻" },
      server: { port, host: "127.0.0.1" },
      bot: {
        name: "Herald 新闻",
        summary: "转载与翻译的新闻，附原文出处。每篇都可以在联邦宇宙或阅读器里订阅。",
      },
      federation: { allowPrivateAddress: true },
    },
    { base: dir, env: {} },
  );
  server = await startServer(config, createLogger("silent"), { settleMs: 0, schedules: false });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  context: BrowserContext;
  /** Requests to anywhere but the Herald origin (none of them reach the network). */
  foreign: { url: string; type: string }[];
  problems: string[];
}

async function open(
  viewport: { width: number; height: number },
  options: { javaScript?: boolean; dark?: boolean } = {},
) {
  const context = await browser.newContext({
    colorScheme: options.dark ? "dark" : "light",
    viewport,
    deviceScaleFactor: 1,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    javaScriptEnabled: options.javaScript ?? true,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const page = await context.newPage();
  const watched: Watched = { page, context, foreign: [], problems: [] };
  // Every request, redirects included, is seen here; foreign ones are also refused below.
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== origin)
      watched.foreign.push({ url: request.url(), type: request.resourceType() });
  });
  // A closed network: refused at once instead of timing out. (A redirect's target is not routed.)
  await page.route("**/*", (route) =>
    new URL(route.request().url()).origin === origin ? route.continue() : route.abort("blockedbyclient"),
  );
  page.on("console", (msg) => {
    // The refused foreign images log "Failed to load resource"; anything else is a problem.
    if (msg.type() === "error" && !/ERR_BLOCKED_BY_CLIENT/.test(msg.text()))
      watched.problems.push(msg.text());
  });
  page.on("pageerror", (error) => watched.problems.push(error.message));
  return watched;
}

/** Landmarks, one h1, alt on every image, lang, no sideways scrolling, readable contrast. */
async function checkBasics(page: Page): Promise<void> {
  expect(await page.locator("html").getAttribute("lang")).toMatch(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/);
  expect(await page.locator("header.site-header").count()).toBe(1);
  expect(await page.locator("main").count()).toBe(1);
  expect(await page.locator("footer.site-footer").count()).toBe(1);
  expect(await page.locator("nav").count()).toBeGreaterThan(0);
  expect(await page.locator("h1").count()).toBe(1);
  expect(await page.locator("img:not([alt])").count()).toBe(0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const contrasts = await page.evaluate(() => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: string) => {
      const [r, g, b] = rgb(c).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const background = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg && !/rgba\(.*, 0\)|transparent/.test(bg)) return bg;
      }
      return "rgb(255, 255, 255)";
    };
    const ratio = (el: Element) => {
      const a = lum(getComputedStyle(el).color);
      const b = lum(background(el));
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    };
    return [...document.querySelectorAll("p, h1, h2, h3, li, a, time, label, button, code")]
      .filter((el) => (el as HTMLElement).offsetParent !== null && el.textContent?.trim())
      .map((el) => ({ text: el.textContent!.trim().slice(0, 40), ratio: ratio(el) }));
  });
  const poor = contrasts.filter((c) => c.ratio < 4.5);
  expect(poor).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  expect(statSync(join(SHOTS, `${name}.png`)).size).toBeGreaterThan(5_000);
}

describe("public pages in Chromium", () => {
  it("home page → article: OpenGraph, feed links, no foreign requests but content images, no errors", async () => {
    const w = await open(DESKTOP);
    try {
      const { page } = w;
      const response = await page.goto(`${origin}/`);
      expect(response?.status()).toBe(200);
      await page.waitForLoadState("load");
      await checkBasics(page);
      await expect(page.locator("h1").textContent()).resolves.toBe("Herald 新闻");
      expect(
        await page
          .locator('link[rel="alternate"]')
          .evaluateAll((ls) => ls.map((l) => l.getAttribute("type"))),
      ).toEqual(["application/rss+xml", "application/atom+xml", "application/feed+json"]);

      // The skip link is the first stop for the keyboard, and visible when focused.
      await page.keyboard.press("Tab");
      const skip = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { text: el.textContent, top: el.getBoundingClientRect().top };
      });
      expect(skip).toEqual({ text: "跳到正文", top: 0 });

      // The copy button appears with JavaScript and copies the handle.
      const copy = page.getByRole("button", { name: "复制" });
      await expect(copy.isVisible()).resolves.toBe(true);
      await copy.click();
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(
        `@news@127.0.0.1:${new URL(origin).port}`,
      );
      await expect(page.getByRole("button", { name: "已复制" }).count()).resolves.toBe(1);

      await shot(page, "home-desktop");

      await page.getByRole("link", { name: "A Quiet Turbine in the Harbour Mouth" }).click();
      await page.waitForURL(`${origin}/articles/tidal-energy/`);
      await page.waitForLoadState("load");
      await checkBasics(page);
      const og = await page.evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll("meta[property], meta[name]")].map((m) => [
            m.getAttribute("property") ?? m.getAttribute("name"),
            m.getAttribute("content"),
          ]),
        ),
      );
      expect(og).toMatchObject({
        "og:type": "article",
        "og:title": "A Quiet Turbine in the Harbour Mouth",
        "og:url": `${origin}/articles/tidal-energy/`,
        "og:image": `${origin}/articles/tidal-energy/cover.jpg`,
        "og:image:alt": "A lone turbine mast standing above dark waves under a pale morning sky",
        "twitter:card": "summary_large_image",
        "fediverse:creator": `@news@127.0.0.1:${new URL(origin).port}`,
      });
      const feed = (await (await fetch(`${origin}/feed.json`)).json()) as {
        items: { url: string; summary: string }[];
      };
      expect(og["og:description"]).toBe(feed.items.find((i) => i.url === page.url())!.summary);
      const feeds = await page
        .locator('link[rel="alternate"]')
        .evaluateAll((ls) => ls.map((l) => [l.getAttribute("type"), (l as HTMLLinkElement).href]));
      expect(feeds).toEqual([
        ["application/rss+xml", `${origin}/feed.xml`],
        ["application/atom+xml", `${origin}/atom.xml`],
        ["application/feed+json", `${origin}/feed.json`],
      ]);
      for (const [, href] of feeds) expect((await fetch(href!)).status).toBe(200);
      // Every picture of this article is served by Herald, and every one loaded.
      const images = await page.locator("img").evaluateAll((imgs) =>
        imgs.map((i) => ({
          src: (i as HTMLImageElement).src,
          ok: (i as HTMLImageElement).naturalWidth > 0,
        })),
      );
      expect(images.length).toBe(2);
      for (const img of images) expect(img).toEqual({ src: expect.stringMatching(`^${origin}/`), ok: true });
      await shot(page, "article-desktop");

      // Nothing but the articles' own pictures was ever asked of another host: no fonts, CSS or scripts.
      for (const request of w.foreign) {
        expect(request.type).toBe("image");
        expect(contentImageUrls).toContain(request.url);
      }
      expect(w.problems).toEqual([]);
    } finally {
      await w.context.close();
    }
  }, 60_000);

  it("an article whose pictures are all local makes no foreign request at all", async () => {
    const w = await open(PHONE);
    try {
      await w.page.goto(`${origin}/articles/tidal-energy/`);
      await w.page.waitForLoadState("load");
      expect(w.foreign.filter((r) => r.type === "document")).toEqual([]);
      expect(w.problems).toEqual([]);
    } finally {
      await w.context.close();
    }
  }, 60_000);

  it("phone width: readable, nothing scrolls sideways; screenshots of home and a Chinese article", async () => {
    const w = await open(PHONE);
    try {
      const { page } = w;
      await page.goto(`${origin}/`);
      await page.waitForLoadState("load");
      await checkBasics(page);
      const fontSize = await page.evaluate(() => Number.parseFloat(getComputedStyle(document.body).fontSize));
      expect(fontSize).toBeGreaterThanOrEqual(16);
      await shot(page, "home-phone");
      await page.getByRole("link", { name: "深圳一座社区图书馆的夜间开放试验" }).click();
      await page.waitForURL(/\/articles\/2026-11-shenzhen-library\/$/);
      await page.waitForLoadState("load");
      await checkBasics(page);
      const lineHeight = await page.evaluate(() => {
        const p = document.querySelector(".prose p")!;
        return (
          Number.parseFloat(getComputedStyle(p).lineHeight) / Number.parseFloat(getComputedStyle(p).fontSize)
        );
      });
      expect(lineHeight).toBeGreaterThanOrEqual(1.7);
      await shot(page, "article-phone");
      await page.goto(`${origin}/articles/river-ferry-last-crossing/`);
      await page.waitForLoadState("load");
      await checkBasics(page);
      await shot(page, "article-en-phone");
      expect(w.problems).toEqual([]);
    } finally {
      await w.context.close();
    }
  }, 60_000);

  it("dark mode keeps its contrast", async () => {
    const w = await open(DESKTOP, { dark: true });
    try {
      for (const [path, name] of [
        ["/", "home-dark-desktop"],
        ["/articles/2026-11-shenzhen-library/", "article-dark-desktop"],
      ] as const) {
        await w.page.goto(`${origin}${path}`);
        await w.page.waitForLoadState("load");
        await checkBasics(w.page);
        await shot(w.page, name);
      }
      expect(w.problems).toEqual([]);
    } finally {
      await w.context.close();
    }
  }, 60_000);

  it("works without JavaScript: the handle is text, the follow form submits to /follow", async () => {
    const w = await open(DESKTOP, { javaScript: false });
    try {
      const { page } = w;
      await page.goto(`${origin}/`);
      await expect(page.getByRole("button", { name: "复制" }).isVisible()).resolves.toBe(false);
      await expect(page.locator(".handle code").textContent()).resolves.toMatch(/^@news@127\.0\.0\.1:\d+$/);
      // The form's redirect leaves for the visitor's server: seen here as a refused foreign navigation.
      await page.fill("#instance", "@me@mastodon.social");
      await Promise.all([
        // The network is closed: the browser ends on its own error page.
        page.waitForEvent("framenavigated", (frame) => frame.url().startsWith("chrome-error:")),
        page.getByRole("button", { name: "关注" }).click(),
      ]);
      const actor = encodeURIComponent(`${origin}/users/news`);
      expect(w.foreign.filter((r) => r.type === "document")).toEqual([
        { url: `https://mastodon.social/authorize_interaction?uri=${actor}`, type: "document" },
      ]);
      await page.goto(`${origin}/no-such-page`);
      await expect(page.locator("h1").textContent()).resolves.toBe("找不到页面");
      await checkBasics(page);
      await shot(page, "not-found-desktop");
    } finally {
      await w.context.close();
    }
  }, 60_000);
});

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(folder, e.name)) : [join(folder, e.name)],
  );
}
