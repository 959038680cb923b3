// The conversation under an article (pages.showInteractions) in a real browser (Debian's Chromium).
// Likes, a boost and replies arrive at Herald's inbox signed by fake remote actors (tests/helpers/
// inbox.ts), one reply hostile: a script, an image whose onerror runs code, a javascript: link and an
// image on the remote server, and a display name made of markup. Nothing of it may run or load: every request the page makes is watched,
// and none may leave for the remote host. The operator then hides a reply with `herald hide-reply`
// while Herald runs (the page drops it, with a new ETag) and it stays hidden after a restart.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listReplies, moderateReplyCommand } from "../../src/commands/replies.ts";
import { drained, type HeraldUnderTest, startHerald, until } from "../federation/setup.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const SHOTS = join(resolve(import.meta.dirname, "../.."), ".screenshots");

let herald: HeraldUnderTest;
let remote: VerifyingInbox;
let browser: Browser;
let objectUrl: string;
let pageUrl: string;
let hostileId: string;
let kindId: string;

const OVERRIDES = { pages: { showInteractions: true } };

beforeAll(async () => {
  remote = await startVerifyingInbox({
    hostname: "127.0.0.1",
    // A hostile display name: markup, a remote image, and a right-to-left override.
    actorDocument: (actor, document) =>
      actor.name === "mallory"
        ? {
            ...document,
            name: `<img src="${actor.id}/avatar.png" onerror="window.__pwned='name'">Mal\u202Elory`,
          }
        : document,
  });
  herald = await startHerald(OVERRIDES);
  herald.write("talk/index.md", "---\ntitle: Talk of the town\ndate: 2026-01-02\nlang: en\n---\n\nBody.\n");
  await herald.server.tick();
  objectUrl = `${herald.origin}/objects/talk`;
  pageUrl = `${herald.origin}/articles/talk/`;
  await drained(herald.server);
  browser = await launchChromium();

  const post = async (as: string, activity: Record<string, unknown>) => {
    const res = await remote.signedPost(`${herald.origin}/inbox`, activity, { scheme: "cavage", as });
    expect(res.status).toBe(202);
  };
  const reply = (as: string, n: number, content: string) => {
    const actor = remote.actorUrl(as);
    const note = `${actor}/statuses/${n}`;
    return post(as, {
      id: `${note}/activity`,
      type: "Create",
      to: [PUBLIC],
      object: {
        id: note,
        type: "Note",
        attributedTo: actor,
        inReplyTo: objectUrl,
        url: note,
        to: [PUBLIC],
        content,
      },
    });
  };
  await post("ann", { id: `${remote.actorUrl("ann")}#like`, type: "Like", object: objectUrl });
  await post("bob", { id: `${remote.actorUrl("bob")}#like`, type: "Like", object: objectUrl });
  await post("bob", {
    id: `${remote.actorUrl("bob")}#boost`,
    type: "Announce",
    to: [PUBLIC],
    object: objectUrl,
  });
  await reply(
    "carol",
    1,
    '<p>Well said, <strong>thank you</strong>. <a href="https://example.org/more">More</a></p>',
  );
  const img = `${remote.origin}/media/tracker.png`;
  await reply(
    "mallory",
    2,
    `<p>Hostile<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = 'onerror'"><img src="${img}"><a href="javascript:window.__pwned='link'">click</a><span onclick="window.__pwned='click'" style="background:url(${img})">styled</span><iframe src="${remote.origin}/frame"></iframe><svg onload="window.__pwned='svg'"></svg></p>`,
  );
  await until(async () => (await herald.server.storage.federation.listInteractions("talk")).length === 5);
  kindId = `${remote.actorUrl("carol")}/statuses/1`;
  hostileId = `${remote.actorUrl("mallory")}/statuses/2`;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await remote?.close();
});

/** A page whose every request is recorded; anything not for Herald is refused before it leaves. */
async function open(url: string): Promise<{ page: Page; foreign: string[]; close(): Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const foreign: string[] = [];
  const herald = new URL(url).origin;
  await page.route("**/*", (route) => {
    const target = route.request().url();
    if (new URL(target).origin === herald) return route.continue();
    foreign.push(target);
    return route.abort("blockedbyclient");
  });
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== herald && !foreign.includes(request.url()))
      foreign.push(request.url());
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, foreign, close: () => context.close() };
}

const replyTexts = (page: Page) => page.locator(".conversation .reply .reply-body").allTextContents();

describe("the conversation on an article page", () => {
  it("shows counts and sanitised replies, and runs or loads nothing of the hostile one", async () => {
    const { page, foreign, close } = await open(pageUrl);
    try {
      const section = page.locator("section.conversation");
      await expect(section.locator(".likes").textContent()).resolves.toBe("2 likes");
      await expect(section.locator(".boosts").textContent()).resolves.toBe("1 boost");
      expect(await replyTexts(page)).toEqual(["Well said, thank you. More", "Hostileclickstyled"]);
      // Authors by their account address, no avatar; links open without a referrer.
      const host = remote.origin.slice("http://".length);
      expect(await section.locator(".reply .author").allTextContents()).toEqual([
        "Fake carol",
        `<img src="${remote.actorUrl("mallory")}/avatar.png" onerror="window.__pwned='name'">Mallory`,
      ]);
      const accounts = await section
        .locator(".reply p.muted > a[rel~=nofollow]:first-of-type")
        .allTextContents();
      expect(accounts).toEqual([`@carol@${host}`, `@mallory@${host}`]);
      expect(await section.locator("img, script, iframe, svg, [style]").count()).toBe(0);
      expect(
        await section.evaluate((el) =>
          [...el.querySelectorAll("*")]
            .flatMap((e) => [...e.attributes].map((a) => a.name))
            .filter((n) => n.startsWith("on")),
        ),
      ).toEqual([]);
      expect(await section.locator('a[href^="javascript:"]').count()).toBe(0);
      expect(
        await section.locator('.reply-body a[href="https://example.org/more"]').getAttribute("rel"),
      ).toBe("nofollow ugc noopener noreferrer");
      // Click what is left of the hostile reply: still nothing runs.
      await section.getByText("click", { exact: true }).click();
      await section.getByText("styled", { exact: true }).click();
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(foreign).toEqual([]);
      // For a look: .screenshots/ (not committed), as the other browser tests leave theirs.
      mkdirSync(SHOTS, { recursive: true });
      await section.screenshot({ path: join(SHOTS, "conversation.png") });
      expect(
        remote.gets.filter(
          (g) => g.path.startsWith("/media") || g.path === "/frame" || g.path.endsWith(".png"),
        ),
      ).toEqual([]);
    } finally {
      await close();
    }
  });

  it("sends a reader to their own server to reply, with the post's id", async () => {
    const { page, foreign, close } = await open(pageUrl);
    try {
      await page.locator("#reply-instance").fill("@me@mastodon.example.net");
      await Promise.all([
        // The network is closed: the browser ends on its own error page.
        page.waitForEvent("framenavigated", (frame) => frame.url().startsWith("chrome-error:")),
        page.locator("form.reply-form button[type=submit]").click(),
      ]);
      expect(foreign).toEqual([
        `https://mastodon.example.net/authorize_interaction?uri=${encodeURIComponent(objectUrl)}`,
      ]);
    } finally {
      await close();
    }
  });

  it("drops a reply hidden with herald hide-reply while Herald runs, with a new ETag", async () => {
    const before = await fetch(pageUrl);
    const etag = before.headers.get("etag")!;
    expect(before.headers.get("cache-control")).toBe("public, no-cache");
    expect(await before.text()).toContain("Hostile");
    expect((await fetch(pageUrl, { headers: { "if-none-match": etag } })).status).toBe(304);

    const config = herald.server.herald.config;
    await expect(moderateReplyCommand(config, hostileId, true)).resolves.toMatchObject({ ok: true });
    expect((await listReplies(config, "talk")).map((r) => [r.id, r.hidden])).toEqual([
      [kindId, false],
      [hostileId, true],
    ]);
    // Another process's decision: this one reads it at its next refresh of the conversation.
    const after = await until(async () => {
      const res = await fetch(pageUrl, { headers: { "if-none-match": etag } });
      return res.status === 200 && res;
    });
    expect(after.headers.get("etag")).not.toBe(etag);
    const html = await after.text();
    expect(html).not.toContain("Hostile");
    expect(html).toContain("Well said");
    expect(Date.parse(after.headers.get("last-modified")!)).toBeGreaterThan(
      Date.parse(before.headers.get("last-modified")!),
    );
  });

  it("shows no conversation under an article kept off the fediverse", async () => {
    herald.write(
      "local/index.md",
      "---\ntitle: Feeds only\ndate: 2026-01-03\nfederate: false\n---\n\nBody.\n",
    );
    await herald.server.tick();
    const page = await fetch(`${herald.origin}/articles/local/`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('class="box conversation"');
    expect(page.headers.get("cache-control")).toBe("public, max-age=60");
    const reply = await fetch(`${herald.origin}/reply?article=local&instance=mastodon.social`, {
      redirect: "manual",
    });
    expect(reply.status).toBe(404);
  });

  it("keeps the reply hidden after a restart", async () => {
    const dir = herald.dir;
    await herald.stop();
    herald = await startHerald(OVERRIDES, dir);
    // The restarted Herald serves on another port: its pages carry the new origin.
    pageUrl = `${herald.origin}/articles/talk/`;
    const { page, close } = await open(pageUrl);
    try {
      expect(await replyTexts(page)).toEqual(["Well said, thank you. More"]);
      await expect(page.locator(".conversation .likes").textContent()).resolves.toBe("2 likes");
    } finally {
      await close();
    }
  });
});
