// The admin dashboard in Debian's Chromium (playwright-core), with a real independent peer
// (activitypub.bot) following Herald and receiving the Delete of a retraction.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, until } from "../federation/setup.ts";
import {
  APBOT_INSTALL_TIMEOUT_MS,
  type ApbotPeer,
  ensureApbotInstalled,
  startApbot,
} from "../helpers/apbot.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { type AdminHerald, article, startAdminHerald, TOKEN } from "./admin-helpers.ts";

const SCREENSHOTS = resolve(import.meta.dirname, "../../.screenshots");
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

let herald: AdminHerald;
let peer: ApbotPeer;
let browser: Browser;

beforeAll(async () => {
  await ensureApbotInstalled();
  mkdirSync(SCREENSHOTS, { recursive: true });
  herald = await startAdminHerald({
    env: { HERALD_ADMIN_TOKEN: TOKEN },
    files: {
      "harbor.md": article("港口的早晨", "天还没亮，码头上已经站满了人。"),
      "tides.md": article("Tide tables for the week", "High water at 06:12 and 18:40."),
      "later.md": "---\ntitle: Next month's outlook\npublish_at: 2099-01-01T00:00:00Z\n---\n\nSoon.\n",
      "draft.md": "---\ntitle: Unfinished notes\ndraft: true\n---\n\nNot yet.\n",
      "broken.md": "---\ntitle: 'unclosed\n---\n",
    },
  });
  peer = await startApbot();
  browser = await launchChromium();
}, APBOT_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await peer?.stop();
  await herald?.stop();
});

/** The text of the first element matching, once it is there. */
async function text(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ timeout: 10_000 });
  return ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const [label, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(SCREENSHOTS, `admin-${name}-${label}.png`), fullPage: true });
  }
}

describe("admin dashboard in Chromium", () => {
  it("logs in, sees a real follower arrive, retracts an article and the peer gets the Delete", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));

      await page.goto(`${herald.origin}/admin`);
      expect(new URL(page.url()).pathname).toBe("/admin/login");
      await page.getByLabel("Password or admin token").fill("wrong-token-for-the-screenshot");
      await page.getByRole("button", { name: "Log in" }).click();
      expect(await text(page, "[role=alert]")).toBe("Wrong password or token.");
      await screenshots(page, "login");

      await page.getByLabel("Password or admin token").fill(TOKEN);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(`${herald.origin}/admin`);
      expect(await text(page, "h1")).toBe("Dashboard");
      const session = (await context.cookies()).find((c) => c.name === "herald_admin");
      expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });

      // A real, independent server follows the bot; the dashboard lists it.
      await peer.follow(herald.actorUrl);
      await until(async () => (await peer.following()).following.includes(herald.actorUrl), 30_000);
      // Likes and a reply as a peer's server would have delivered them, to see how they look.
      const at = new Date().toISOString();
      for (const [n, kind] of [
        [1, "like"],
        [2, "like"],
        [3, "announce"],
        [4, "reply"],
      ] as const) {
        await herald.server.storage.federation.recordInteraction({
          id: `${peer.origin}/activities/${n}`,
          articleId: "tides",
          kind,
          actorId: `${peer.origin}/user/reader${n}`,
          url: null,
          content: kind === "reply" ? "<p>Thanks, the <b>evening</b> tide is the one I needed.</p>" : null,
          createdAt: at,
        });
      }
      await page.reload();
      expect(await text(page, "#followers")).toContain(peer.watcherUrl);
      expect(await text(page, "#article-harbor")).toContain("published");
      expect(await text(page, "#article-later")).toContain("Scheduled for 2099-01-01 08:00");
      expect(await text(page, "#article-draft")).toContain("Draft");
      expect(await text(page, "#rejected-title")).toBe("Rejected files");
      await screenshots(page, "dashboard");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.screenshot({ path: join(SCREENSHOTS, "admin-dashboard-desktop-dark.png"), fullPage: true });
      await page.emulateMedia({ colorScheme: "light" });

      // Retract, through the confirm step.
      await page.setViewportSize(VIEWPORTS.phone);
      await page.getByRole("link", { name: "Retract 港口的早晨…" }).click();
      expect(await text(page, "h1")).toBe("Retract “港口的早晨”?");
      await screenshots(page, "retract-confirm");
      await page.getByRole("button", { name: "Retract this article" }).click();
      await page.waitForURL(`${herald.origin}/admin`);
      expect(await text(page, "[role=status]")).toContain('Article "harbor" is retracted');
      expect(await page.locator("#article-harbor").getAttribute("data-state")).toBe("retracted");
      await screenshots(page, "after-retract");

      const gone = await page.goto(`${herald.origin}/articles/harbor/`);
      expect(gone?.status()).toBe(410);
      const objectId = `${herald.origin}/objects/harbor`;
      const deletes = await peer.waitFor((r) => {
        const a = r.activity;
        if (a?.type !== "Delete") return false;
        const o = a.object as { id?: string } | string | undefined;
        return (typeof o === "string" ? o : o?.id) === objectId;
      }, 30_000);
      expect(deletes).toHaveLength(1);
      // And it came once: with Herald's queue empty the peer has answered every delivery, and with its
      // log caught up it lists each one it took in.
      await drained(herald.server);
      await peer.logsCaughtUp();
      expect(peer.arrived().filter((id) => id.startsWith(`${objectId}#`))).toEqual([`${objectId}#delete`]);

      // Nothing the dashboard shows came from anywhere but Herald.
      expect(requests.filter((u) => !u.startsWith(herald.origin))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
