// The admin dashboard in Debian's Chromium (playwright-core), with a real independent peer
// (activitypub.bot) following Herald and receiving the Delete of a retraction.
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { articleDeliveries } from "../../src/ops/deliveries.ts";
import type { SqliteStore } from "../../src/store/sqlite.ts";
import { drained, until } from "../federation/setup.ts";
import {
  APBOT_INSTALL_TIMEOUT_MS,
  type ApbotPeer,
  ensureApbotInstalled,
  freePort,
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

  it("draws the last 30 days, lists the servers not answering and a post's deliveries, on a phone too", async () => {
    // Besides the real peer: a server that refuses (410) and one that is not there at all.
    const refusing = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.statusCode = 410;
        res.end("Gone: this account was deleted by its owner.");
      });
    });
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    const refusingOrigin = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    const closedOrigin = `http://127.0.0.1:${await freePort()}`;
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, javaScriptEnabled: false });
    try {
      const storage = herald.server.storage;
      for (const inbox of [`${refusingOrigin}/users/old/inbox`, `${closedOrigin}/users/reader/inbox`])
        await storage.federation.upsertFollower({
          actorId: inbox.replace(/\/inbox$/, ""),
          inbox,
          sharedInbox: null,
          handle: null,
          followId: null,
          state: "accepted",
          createdAt: new Date().toISOString(),
        });
      herald.write("storm.md", article("Storm warning for the coast", "Gales expected from Thursday."));
      await herald.server.tick();
      const outbox = storage.outbox();
      await until(async () => {
        const [create] = (await articleDeliveries(storage, "storm")).activities;
        return create && create.delivered === 1 && create.failed === 1 && create.waiting === 1;
      }, 30_000);
      // A month as the worker and maintenance would have left it: daily counts and follower snapshots.
      const database = (storage as unknown as { store: SqliteStore }).store.database;
      const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
      for (let i = 29; i >= 1; i--) {
        const day = new Date(today - i * 86_400_000).toISOString().slice(0, 10);
        const delivered = i % 7 === 3 ? 0 : 40 + ((i * 37) % 90);
        const failed = i % 5 === 0 ? 3 + (i % 4) : i === 12 ? 30 : 0;
        database
          .prepare("INSERT INTO delivery_days (day, delivered, failed) VALUES (?, ?, ?)")
          .run(day, delivered, failed);
        // Two days without a count (the server was down at maintenance time): the line carries on flat.
        if (i !== 9 && i !== 10) await outbox.snapshotFollowers(day, Math.floor((29 - i) / 10));
      }
      // A server that has not answered for over a week, with a long error.
      const now = Date.now();
      await outbox.settle(
        [],
        [
          {
            host: "mastodon.closed-instance.example",
            failures: 57,
            opens: 14,
            openUntilMs: now + 5 * 3_600_000,
            firstFailureMs: now - 9 * 86_400_000,
            lastFailureMs: now - 3_600_000,
            lastSuccessMs: null,
            unreachableSinceMs: now - 2 * 86_400_000,
            lastError:
              "getaddrinfo ENOTFOUND mastodon.closed-instance.example (the name no longer resolves; the instance announced its closure)",
          },
        ],
      );

      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`${herald.origin}/admin/login`);
      await page.getByLabel("Password or admin token").fill(TOKEN);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(`${herald.origin}/admin`);

      const servers = await text(page, "#servers");
      expect(servers.indexOf("mastodon.closed-instance.example")).toBeLessThan(
        servers.indexOf(new URL(closedOrigin).host),
      );
      expect(servers).toContain("unreachable mastodon.closed-instance.example failing since");
      expect(await text(page, "#chart-deliveries figcaption")).toMatch(
        /^Deliveries per day [\d,]+ delivered/,
      );
      // Each chart is an image with a name and a description a screen reader reads.
      const chart = page.getByRole("img", { name: /^Deliveries per day, 30 days to/ });
      expect(await chart.getAttribute("aria-labelledby")).toBe(
        "chart-deliveries-title chart-deliveries-desc",
      );
      expect(await page.locator("#chart-deliveries rect.delivered").count()).toBeGreaterThan(20);
      expect(await page.locator("#chart-followers path.line").count()).toBe(1);
      await expectNoOverflow(page);
      await screenshots(page, "dashboard-charts");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.setViewportSize(VIEWPORTS.phone);
      await page.screenshot({
        path: join(SCREENSHOTS, "admin-dashboard-charts-phone-dark.png"),
        fullPage: true,
      });
      await page.setViewportSize(VIEWPORTS.desktop);
      const charts = page.locator("section:has(#charts-title)");
      await charts.screenshot({ path: join(SCREENSHOTS, "admin-charts-desktop-dark.png") });
      await page.emulateMedia({ colorScheme: "light" });
      // The numbers behind a chart open without JavaScript.
      await page.locator("#chart-deliveries summary").click();
      expect(await page.locator("#chart-deliveries table tbody tr").count()).toBe(30);
      expect(await page.locator("#chart-deliveries table").isVisible()).toBe(true);
      await charts.screenshot({ path: join(SCREENSHOTS, "admin-charts-desktop.png") });

      await page.getByRole("link", { name: "Storm warning for the coast", exact: true }).click();
      await page.waitForURL(`${herald.origin}/admin/articles/storm`);
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
      const deliveries = (await page.locator("#deliveries").innerText()).replace(/\s+/g, " ");
      expect(deliveries).toContain("Delivered to 1 of 3 inboxes · 1 failed · 1 waiting");
      expect(deliveries).toContain(`${new URL(refusingOrigin).host}: 1 failed HTTP 410: Gone: this account`);
      expect(deliveries).toContain(`Inbox ${closedOrigin}/users/reader/inbox`);
      expect(deliveries).toContain(`1 server took every delivery: ${new URL(peer.origin).host}.`);
      await expectNoOverflow(page);
      await screenshots(page, "article-deliveries");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.setViewportSize(VIEWPORTS.phone);
      await page.screenshot({
        path: join(SCREENSHOTS, "admin-article-deliveries-phone-dark.png"),
        fullPage: true,
      });

      expect(requests.filter((u) => !u.startsWith(herald.origin))).toEqual([]);
    } finally {
      await context.close();
      refusing.closeAllConnections();
      await new Promise((r) => refusing.close(r));
    }
  }, 120_000);
});

/** Nothing wider than the viewport: no sideways scrolling on a 390px phone. */
async function expectNoOverflow(page: Page): Promise<void> {
  await page.setViewportSize(VIEWPORTS.phone);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(VIEWPORTS.phone.width);
  await page.setViewportSize(VIEWPORTS.desktop);
}
