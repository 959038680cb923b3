// The dashboard's article view (/admin/articles/<id>) over real HTTP on loopback, against a real
// `herald serve` on SQLite in a temp dir, and on PostgreSQL.
import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pngBytes } from "../content/factories.ts";
import { until } from "../federation/setup.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";
import { REPRINT_FILES, REPRINT_ID } from "./admin-article-fixture.ts";
import { AdminClient, type AdminHerald, article, request, startAdminHerald, TOKEN } from "./admin-helpers.ts";

const running: AdminHerald[] = [];
const schemas: TestSchema[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  for (const s of schemas.splice(0)) await s.drop();
  for (const c of cleanups.splice(0)) await c();
});

async function start(options: Parameters<typeof startAdminHerald>[0] = {}) {
  const h = await startAdminHerald({ env: { HERALD_ADMIN_TOKEN: TOKEN }, ...options });
  running.push(h);
  return h;
}

async function signedIn(h: AdminHerald): Promise<AdminClient> {
  const client = new AdminClient(h.origin);
  expect((await client.login(TOKEN)).status).toBe(303);
  return client;
}

/** The HTML inside one element with this id (the view's sections have ids). */
function part(html: string, id: string): string {
  const start = html.indexOf(` id="${id}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</article>", start) + 10);
}

const TAG = /<([a-zA-Z][^\s/>]*)((?:\s+[^\s=>]+(?:=(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s=>]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

/** Every element and attribute of a page Herald wrote: what a browser would build from it. */
function elements(html: string): { tag: string; attributes: [string, string][] }[] {
  return [...html.matchAll(TAG)].map((m) => ({
    tag: m[1]!.toLowerCase(),
    attributes: [...m[2]!.matchAll(ATTRIBUTE)].map((a) => [a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? ""]),
  }));
}

const HOSTILE = `---
title: "\\"><script>alert('title')</script> & <b>bold</b>"
summary: "</p><script>alert('summary')</script>"
content_warning: "<img src=x onerror=alert('cw')>"
cover: photo.png
cover_alt: "\\" onerror=\\"alert('alt') <script>alert('alt')</script>"
---

<p onclick="alert('p')">Text with <script>alert('body')</script> and <a href="javascript:alert('link')">a link</a>.</p>

![<script>alert('caption')</script>"](https://evil.example/x.jpg?a=1&b="2") <img src=x onerror=alert('caption')>
`;

describe("admin article view: access", () => {
  it("sends a visitor without a session to the login page, as /admin does, and says nothing of the article", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning") } });
    for (const path of ["/admin/articles/harbor", "/admin/articles/no-such-article"]) {
      const reply = await request(h.origin, "GET", path);
      expect(reply.status).toBe(303);
      expect(reply.headers.location).toBe("/admin/login");
      expect(reply.body).not.toContain("Harbor");
    }
    expect((await request(h.origin, "POST", "/admin/articles/harbor", { form: {} })).status).toBe(403);
    // With a session that ended, too.
    const client = await signedIn(h);
    await client.action("/admin/logout");
    expect((await client.send("GET", "/admin/articles/harbor")).headers.location).toBe("/admin/login");
  });

  it("answers 404 for an unknown id, with the id escaped", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning") } });
    const client = await signedIn(h);
    const reply = await client.send(
      "GET",
      `/admin/articles/${encodeURIComponent('<script>alert("id")</script>')}`,
    );
    expect(reply.status).toBe(404);
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(reply.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(reply.body).toContain('&lt;script&gt;alert("id")&lt;/script&gt;');
    expect(reply.body).not.toContain("<script");
    expect((await client.send("GET", "/admin/articles/")).status).toBe(404);
  });

  it("is linked from each article in the dashboard list", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning"), "港口.md": article("港口") } });
    const client = await signedIn(h);
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain('<a href="/admin/articles/harbor">Harbor morning</a>');
    expect(page).toContain(`<a href="/admin/articles/${encodeURIComponent("港口")}">港口</a>`);
    const view = await client.send("GET", `/admin/articles/${encodeURIComponent("港口")}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatch(/<h1 lang="[a-z-]+">港口<\/h1>/);
  });
});

describe("admin article view: what it shows", () => {
  it("shows derived fields with their rules, warnings, the post and the feed item of a Chinese reprint", async () => {
    const h = await start({ files: REPRINT_FILES });
    const client = await signedIn(h);
    const reply = await client.send("GET", `/admin/articles/${REPRINT_ID}`);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-security-policy"]).toContain("img-src 'self' data:");
    const html = reply.body;

    expect(html).toContain('<h1 lang="zh">老码头边的修船铺</h1>');
    const row = (field: string) => {
      const m = new RegExp(`<tr id="derived-${field}"[^>]*>(.*?)</tr>`).exec(html);
      return (m?.[1] ?? "").replace(/<[^>]+>/g, "|");
    };
    expect(row("via")).toContain("东岸周报 &lt;https://weekly.example.net/2026/09/boatyard&gt;");
    expect(row("via")).toContain("line starting “转载自” (paragraph 1)");
    expect(row("summary")).toContain("editor's note (paragraph 2)");
    expect(row("alt")).toContain("退潮后的船坞里，陈师傅正在换一块船板");
    expect(row("credit")).toContain("林舟");
    expect(row("editors")).toContain("小禾");
    expect(row("publishers")).toContain("阿岚 (潮声编译组)");
    expect(row("source")).toContain("Not found");
    expect(part(html, "warnings-title")).toContain(
      "No source link found; add `source` to credit the original.",
    );

    const post = part(html, "post");
    expect(post).toContain("<p><strong>老码头边的修船铺</strong></p>");
    expect(post).toContain(
      '<p>转载自：<a href="https://weekly.example.net/2026/09/boatyard" rel="nofollow noopener noreferrer">东岸周报</a></p>',
    );
    // Herald's own picture is loaded from this origin by path, with its alt text and size.
    expect(post).toContain(
      '<img src="/articles/boatyard/photo.png" alt="退潮后的船坞里，陈师傅正在换一块船板" width="480" height="270">',
    );

    const item = part(html, "item");
    expect(item).toContain(`<h3><a href="${h.origin}/articles/boatyard/">老码头边的修船铺</a></h3>`);
    expect(item).toContain("2026-09-12 08:00");
    expect(item).toContain('<p class="feed-summary">沿海小镇的木船越来越少');
    expect(item).toContain("<p><strong>编者按：</strong>");
    // The body credits its editor and publisher itself: the attribution block does not repeat them.
    expect(item).toContain("编辑：小禾");
    expect(item).toContain("发布：潮声编译组/阿岚");
    expect(item).not.toContain("发布：阿岚（潮声编译组）");
    // Another site's picture is never loaded by the dashboard: it is a link.
    expect(item).toContain(
      '<a href="https://photos.example.org/boatyard/tools.jpg" class="remote-image">Image on another site, not loaded here: https://photos.example.org/boatyard/tools.jpg (alt: 旧工具挂在修船铺的墙上)</a>',
    );
    expect(html).not.toMatch(/<img[^>]+src="https?:/);
  });

  it("says when an article was retracted or its file removed, and still shows it", async () => {
    const h = await start({
      files: { "harbor.md": article("Harbor morning"), "tides.md": article("Tides") },
    });
    const client = await signedIn(h);
    expect((await client.send("GET", "/admin/articles/harbor")).body).toContain("Posted to the fediverse");
    await client.action("/admin/retract", { id: "harbor" });
    const retracted = await client.send("GET", "/admin/articles/harbor");
    expect(retracted.status).toBe(200);
    expect(retracted.body).toContain("Retracted: out of the feeds and pages.");
    expect(retracted.body).toContain("No public page now");
    expect(retracted.body).toContain("This post is not sent again");

    rmSync(join(h.content, "tides.md"));
    await client.action("/admin/scan");
    const removed = await client.send("GET", "/admin/articles/tides");
    expect(removed.status).toBe(200);
    expect(removed.body).toContain("Its file is gone");
    expect(removed.body).toContain('<h1 lang="en">Tides</h1>');
  });

  it("escapes a hostile title, alt text, caption, summary and content warning, and runs no script", async () => {
    const h = await start({ files: { "evil/index.md": HOSTILE, "evil/photo.png": pngBytes(4, 3) } });
    const client = await signedIn(h);
    const list = (await client.send("GET", "/admin")).body;
    expect(list).toContain('<a href="/admin/articles/evil">');
    const reply = await client.send("GET", "/admin/articles/evil");
    expect(reply.status).toBe(200);
    const html = reply.body;
    const built = elements(html);
    expect(built.length).toBeGreaterThan(50);
    expect(built.filter((e) => e.tag === "script")).toEqual([]);
    const attributes = built.flatMap((e) => e.attributes);
    expect(attributes.filter(([name]) => name.startsWith("on"))).toEqual([]);
    expect(attributes.filter(([, value]) => /^\s*javascript:/i.test(value))).toEqual([]);
    expect(html).toContain(
      '<h1 lang="en">"&gt;&lt;script&gt;alert(\'title\')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</h1>',
    );
    expect(html).toContain(
      "<title>\"&gt;&lt;script&gt;alert('title')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; ·",
    );
    // The alt text, as an attribute and as text.
    const alt = `&quot; onerror=&quot;alert('alt') &lt;script&gt;alert('alt')&lt;/script&gt;`;
    expect(html).toContain(`alt="${alt}"`);
    expect(html).toContain(`Alt text: " onerror="alert('alt') &lt;script&gt;alert('alt')&lt;/script&gt;`);
    // The content warning, which Mastodon shows before the post.
    expect(part(html, "post")).toContain("&lt;img src=x onerror=alert('cw')&gt;");
    // Front matter's summary is plain text: Herald has already dropped the markup.
    expect(part(html, "item")).toContain(`<p class="feed-summary">alert('summary')</p>`);
    expect(part(html, "item")).toContain("&lt;img src=x onerror=alert('caption')&gt;");
  });

  it("shows a post's deliveries: delivered to N of M, and a refusing server with its answer, escaped", async () => {
    // Two followers on a server that takes everything, one on a server that answers 410 with markup.
    const answers = { ok: 202, refusing: 410 };
    const servers = await Promise.all(
      Object.values(answers).map(async (status) => {
        const server = createServer((req, res) => {
          req.resume();
          req.on("end", () => {
            res.statusCode = status;
            // Markup is stripped from answers; an unclosed tag is not.
            res.end(status >= 300 ? `<p>Gone</p> & <img src=x onerror="alert('gone')"` : "");
          });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        cleanups.push(async () => {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
        });
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      }),
    );
    const [ok, refusing] = servers as [string, string];
    const h = await start();
    for (const inbox of [`${ok}/users/a/inbox`, `${ok}/users/b/inbox`, `${refusing}/users/c/inbox`])
      await h.server.storage.federation.upsertFollower({
        actorId: inbox.replace(/\/inbox$/, ""),
        inbox,
        sharedInbox: null,
        handle: null,
        followId: null,
        state: "accepted",
        createdAt: new Date().toISOString(),
      });
    h.write("harbor.md", article("Harbor morning"));
    await h.server.tick();
    const client = await signedIn(h);
    const html = await until(async () => {
      const body = (await client.send("GET", "/admin/articles/harbor")).body;
      return body.includes("Delivered to <strong>2 of 3</strong>") && body;
    }, 20_000);
    const section = html.slice(
      html.indexOf('id="deliveries"'),
      html.indexOf("</section>", html.indexOf('id="deliveries"')),
    );
    expect(section).toMatch(/<h3>Create: the post <small class="nowrap">queued <time/);
    const text = section.replace(/<br>/g, " ").replace(/<[^>]+>/g, "");
    expect(text).toContain("Delivered to 2 of 3 inboxes · 1 failed\n");
    expect(text).toContain(
      `${new URL(refusing).host}: 1 failed HTTP 410: Gone &amp; &lt;img src=x onerror="alert('gone')"`,
    );
    expect(section).toContain(`Inbox ${refusing}/users/c/inbox`);
    expect(section).toContain(`1 server took every delivery: ${new URL(ok).host}.`);
    expect(section).not.toContain("<img");
    // Above the derived fields: it is what an editor asking "did it go out?" looks for.
    expect(html.indexOf('id="deliveries"')).toBeLessThan(html.indexOf('id="derived-title"'));
  }, 40_000);

  it("works on the PostgreSQL store", async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    const h = await start({
      files: REPRINT_FILES,
      config: { database: { url: `${schema.url}?search_path=${schema.name}` } },
    });
    const client = await signedIn(h);
    const reply = await client.send("GET", `/admin/articles/${REPRINT_ID}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain("line starting “转载自” (paragraph 1)");
    expect(part(reply.body, "post")).toContain("<p><strong>老码头边的修船铺</strong></p>");
    expect(part(reply.body, "item")).toContain("发布：潮声编译组/阿岚");
    expect((await client.send("GET", "/admin/articles/nope")).status).toBe(404);
  });
});
