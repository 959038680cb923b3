// The dashboard's article view in Debian's Chromium (playwright-core), with JavaScript off: an
// editor signs in, opens a Chinese reprint from the list and reads what Herald derived, the post
// as Mastodon shows it and the item as a feed reader does.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.ts";
import { REPRINT_FILES } from "./admin-article-fixture.ts";
import { type AdminHerald, startAdminHerald, TOKEN } from "./admin-helpers.ts";

// HERALD_SCREENSHOTS=/tmp puts them where a person looks at them by hand.
const SCREENSHOTS = resolve(
  process.env.HERALD_SCREENSHOTS ?? join(import.meta.dirname, "../../.screenshots"),
);
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

let herald: AdminHerald;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  herald = await startAdminHerald({
    env: { HERALD_ADMIN_TOKEN: TOKEN },
    config: { site: { language: "zh-CN", timezone: "Asia/Shanghai", title: "潮声" } },
    files: REPRINT_FILES,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

/** What a person reads in the first element matching: its rendered text, spaces collapsed. */
async function seen(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ timeout: 10_000 });
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
  return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

describe("admin article view in Chromium", () => {
  it("shows a Chinese reprint's derived fields, its post and its feed item, without JavaScript", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));

      await page.goto(`${herald.origin}/admin/articles/boatyard`);
      expect(new URL(page.url()).pathname).toBe("/admin/login");
      await page.getByLabel("Password or admin token").fill(TOKEN);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(`${herald.origin}/admin`);
      await page.getByRole("link", { name: "老码头边的修船铺", exact: true }).click();
      await page.waitForURL(`${herald.origin}/admin/articles/boatyard`);

      expect(await seen(page, "h1")).toBe("老码头边的修船铺");
      // Each derived field, its value and the rule that found it, as table rows read.
      const row = (field: string) => seen(page, `#derived-${field}`);
      expect(await row("via")).toBe(
        "Reprinted from 东岸周报 <https://weekly.example.net/2026/09/boatyard> line starting “转载自” (paragraph 1)",
      );
      expect(await row("summary")).toMatch(
        /^Summary 沿海小镇的木船越来越少.* editor's note \(paragraph 2\)$/,
      );
      expect(await row("alt")).toBe(
        "Alt text 退潮后的船坞里，陈师傅正在换一块船板 the image's alt text or caption",
      );
      expect(await row("credit")).toBe("Photo credit 林舟 the caption");
      expect(await row("editors")).toMatch(/^Editors 小禾 credit line/);
      expect(await row("publishers")).toMatch(/^Publishers 阿岚 \(潮声编译组\) credit line/);
      expect(await row("source")).toBe("Source — Not found");
      expect(await seen(page, "#warnings")).toContain(
        "No source link found; add `source` to credit the original.",
      );

      // The post: Mastodon's text, then the attached picture with its alt text, loaded from Herald.
      const post = await seen(page, "#post");
      expect(post).toContain("Herald News @news@localhost");
      expect(post).toContain("老码头边的修船铺 沿海小镇的木船越来越少");
      expect(post).toContain("转载自：东岸周报 #渔港 #手艺");
      expect(post).toContain("Alt text: 退潮后的船坞里，陈师傅正在换一块船板 · 480×270 · image/png");
      const picture = page.locator("#post img");
      expect(await picture.getAttribute("alt")).toBe("退潮后的船坞里，陈师傅正在换一块船板");
      expect(await picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);

      // The feed item: title, date, summary, cover, the body and the credits under it.
      expect(await seen(page, "#item h3")).toBe("老码头边的修船铺");
      expect(await seen(page, "#item .meta")).toBe("2026-09-12 08:00 · 海生");
      expect(await seen(page, "#item .feed-summary")).toMatch(/^沿海小镇的木船越来越少/);
      expect(await seen(page, "#item .feed-cover")).toContain(
        "Cover image (enclosure, media:content, JSON Feed image)",
      );
      const item = await seen(page, "#item .prose");
      expect(item).toContain("编者按： 沿海小镇的木船越来越少");
      expect(item).toMatch(/编辑：小禾\s*发布：潮声编译组\/阿岚$/);
      // Another site's picture is a link, never fetched.
      const remote = page.getByRole("link", { name: /^Image on another site, not loaded here/ });
      expect(await remote.getAttribute("href")).toBe("https://photos.example.org/boatyard/tools.jpg");
      expect(await remote.isVisible()).toBe(true);

      for (const [label, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: join(SCREENSHOTS, `admin-article-${label}.png`), fullPage: true });
      }
      await page.emulateMedia({ colorScheme: "dark" });
      await page.screenshot({ path: join(SCREENSHOTS, "admin-article-phone-dark.png"), fullPage: true });

      // Nothing the view shows came from anywhere but Herald.
      expect(requests.filter((u) => !u.startsWith(herald.origin))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
