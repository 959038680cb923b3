// The admin dashboard over real HTTP on loopback, against a real `herald serve`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { hashPassword } from "../../src/ops/admin-secret.ts";
import type { SqliteStore } from "../../src/store/sqlite.ts";
import { until } from "../federation/setup.ts";
import { freePort } from "../helpers/apbot.ts";
import {
  AdminClient,
  type AdminHerald,
  article,
  hiddenCsrf,
  request,
  setCookies,
  startAdminHerald,
  TOKEN,
} from "./admin-helpers.ts";

const running: AdminHerald[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(options: Parameters<typeof startAdminHerald>[0] = {}) {
  const h = await startAdminHerald({ env: { HERALD_ADMIN_TOKEN: TOKEN }, ...options });
  running.push(h);
  return h;
}

const ledger = (h: AdminHerald, id: string, kind: string) =>
  (h.server.storage as unknown as { store: SqliteStore }).store.database
    .prepare("SELECT state FROM activities WHERE article_id = ? AND kind = ?")
    .all(id, kind) as { state: string }[];

describe("admin dashboard: access", () => {
  it("is not there without a secret, and says so once in the log", async () => {
    const h = await start({ env: {} });
    expect((await request(h.origin, "GET", "/admin")).status).toBe(404);
    expect((await request(h.origin, "GET", "/admin/login")).status).toBe(404);
    expect((await request(h.origin, "POST", "/admin/login", { form: { secret: "x" } })).status).toBe(404);
    const lines = h.logs.filter((l) => l.includes("admin dashboard disabled"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("HERALD_ADMIN_TOKEN");
  });

  it("refuses a short token at start, naming the variable but not the value", async () => {
    await expect(start({ env: { HERALD_ADMIN_TOKEN: "short-secret" } })).rejects.toThrow(
      /HERALD_ADMIN_TOKEN: expected at least 16 characters, got 12/,
    );
    await expect(start({ env: { HERALD_ADMIN_TOKEN: "short-secret" } })).rejects.not.toThrow(/short-secret/);
  });

  it("rejects a password hash it cannot use, without echoing it", () => {
    for (const passwordHash of ["hunter2", `scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA$${"A".repeat(43)}`]) {
      const load = () => fromObject({ admin: { passwordHash } }, { base: "/tmp", env: {} });
      expect(load).toThrow(/admin\.passwordHash: Expected scrypt\$N\$r\$p\$salt\$key/);
      expect(load).not.toThrow(passwordHash);
    }
  });

  it("logs in with the token: wrong is 401, right sets an HttpOnly SameSite=Strict session cookie", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning") } });
    expect((await request(h.origin, "GET", "/admin")).headers.location).toBe("/admin/login");
    const client = new AdminClient(h.origin);
    const wrong = await client.login("not-the-token-at-all");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain("Wrong password or token.");
    expect(client.cookies.has("herald_admin")).toBe(false);

    const right = await client.login(TOKEN);
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe("/admin");
    const session = setCookies(right).get("herald_admin")!;
    expect(session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.raw).toContain("HttpOnly");
    expect(session.raw).toContain("SameSite=Strict");
    expect(session.raw).toContain("Path=/admin");
    expect(session.raw).not.toContain("Secure");
    expect(setCookies(right).get("herald_admin_login")?.raw).toContain("Max-Age=0");

    const page = await client.send("GET", "/admin");
    expect(page.status).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.body).toContain("Harbor morning");
    expect(page.body).toContain("<main");

    // Logging out ends the session on the server, not only in the browser.
    const cookie = client.cookieHeader;
    expect((await client.action("/admin/logout")).headers.location).toBe("/admin/login");
    expect((await request(h.origin, "GET", "/admin", { headers: { Cookie: cookie } })).status).toBe(303);
  });

  it("accepts a password whose scrypt hash is in the config, and marks cookies Secure behind https", async () => {
    const passwordHash = await hashPassword("correct horse battery staple");
    const h = await start({
      env: {},
      config: { admin: { passwordHash } },
      siteUrl: "https://news.example.org/",
    });
    const client = new AdminClient(h.origin);
    // Behind a proxy the browser's Origin is the public site, not the loopback address.
    expect((await client.login("correct horse battery")).status).toBe(401);
    const ok = await client.login("correct horse battery staple");
    expect(ok.status).toBe(303);
    expect(setCookies(ok).get("herald_admin")!.raw).toMatch(/; Secure$/);
    expect(h.logs.join("\n")).not.toContain(passwordHash);
  });

  it("rate-limits failed logins per address: the sixth try within 15 minutes is 429, even with the token", async () => {
    const h = await start();
    const client = new AdminClient(h.origin);
    for (let i = 0; i < 5; i++) expect((await client.login(`wrong-guess-${i}`)).status).toBe(401);
    const limited = await client.login(TOKEN);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(800);
    expect(client.cookies.has("herald_admin")).toBe(false);
  });

  it("refuses POSTs without the CSRF token, with a wrong one, or from another site", async () => {
    const h = await start();
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const before = await h.server.storage.federation.getMeta("status.lastScan");
    expect((await client.send("POST", "/admin/scan", {})).status).toBe(403);
    expect((await client.send("POST", "/admin/scan", { csrf: "x".repeat(43) })).status).toBe(403);
    expect((await client.action("/admin/scan", {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await client.action("/admin/scan", {}, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect((await client.action("/admin/scan", {}, { Origin: "null" })).status).toBe(403);
    // Another session's token is no good either.
    const other = new AdminClient(h.origin);
    await other.login(TOKEN);
    expect((await client.send("POST", "/admin/scan", { csrf: other.csrf })).status).toBe(403);
    expect(await h.server.storage.federation.getMeta("status.lastScan")).toBe(before);
    // No session at all.
    expect((await request(h.origin, "POST", "/admin/scan", { form: { csrf: client.csrf } })).status).toBe(
      403,
    );
    // The login form has its own token (a double-submit cookie).
    const page = await request(h.origin, "GET", "/admin/login");
    const noCookie = await request(h.origin, "POST", "/admin/login", {
      form: { csrf: hiddenCsrf(page.body), secret: TOKEN },
    });
    expect(noCookie.status).toBe(403);
    expect(setCookies(noCookie).has("herald_admin")).toBe(false);

    const ok = await client.action("/admin/scan");
    expect(ok.status).toBe(303);
    expect(await h.server.storage.federation.getMeta("status.lastScan")).not.toBe(before);
    expect((await client.send("GET", "/admin")).body).toContain("Scan done:");
  });
});

describe("admin dashboard: actions", () => {
  it("retracts an article: its page turns 410, it leaves the feeds, and a Delete is in the ledger", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning") } });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    expect((await request(h.origin, "GET", "/articles/harbor/")).status).toBe(200);
    expect((await request(h.origin, "GET", "/feed.xml")).body).toContain("Harbor morning");

    const confirm = await client.send("GET", "/admin/retract?id=harbor");
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain("Retract this article");
    const done = await client.action("/admin/retract", { id: "harbor" });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe("/admin");

    expect((await request(h.origin, "GET", "/articles/harbor/")).status).toBe(410);
    expect((await request(h.origin, "GET", "/feed.xml")).body).not.toContain("Harbor morning");
    expect(ledger(h, "harbor", "delete")).toHaveLength(1);
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain("is retracted");
    expect(page).toMatch(/data-state="retracted"/);
    // A reload of the dashboard shows the message no more (post/redirect/get, shown once).
    expect((await client.send("GET", "/admin")).body).not.toContain("is retracted");

    await client.action("/admin/retract", { id: "nope" });
    expect((await client.send("GET", "/admin")).body).toContain('No article with id "nope"');
  });

  it("publishes a held article now, past the drip feed, as `herald publish --now` does", async () => {
    const h = await start({ config: { publishing: { maxPerHour: 1 } } });
    h.write("a.md", article("First"));
    h.write("b.md", article("Second"));
    await h.server.tick();
    const held = ["a", "b"].filter((id) => ledger(h, id, "create").length === 0);
    expect(held).toHaveLength(1);
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const before = (await client.send("GET", "/admin")).body;
    expect(before).toContain("held by the drip feed");
    expect(before).toContain(`aria-label="Publish ${held[0] === "a" ? "First" : "Second"} now"`);

    await client.action("/admin/publish", { id: held[0]! });
    expect(ledger(h, held[0]!, "create")).toHaveLength(1);
    expect((await client.send("GET", "/admin")).body).toContain(`Article "${held[0]}" is published.`);
  });

  it("removes a follower and triggers a scan", async () => {
    const h = await start();
    const fed = h.server.storage.federation;
    await fed.upsertFollower({
      actorId: "https://social.example/users/alice",
      inbox: "https://social.example/users/alice/inbox",
      sharedInbox: null,
      handle: "alice@social.example",
      followId: "https://social.example/follows/1",
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    expect((await client.send("GET", "/admin")).body).toContain("@alice@social.example");
    await client.action("/admin/followers/remove", { actor: "https://social.example/users/alice" });
    expect(await fed.countFollowers()).toBe(0);
    expect((await client.send("GET", "/admin")).body).toContain("Removed follower alice@social.example");

    h.write("new.md", article("Fresh news"));
    expect(await h.server.library.get("new")).toBeUndefined();
    await client.action("/admin/scan");
    expect((await h.server.library.get("new"))?.title).toBe("Fresh news");
    expect((await request(h.origin, "GET", "/feed.xml")).body).toContain("Fresh news");
    expect((await client.send("GET", "/admin")).body).toMatch(/Scan done: 1 new/);
  });

  it("blocks a domain (its follower removed with a Reject queued) and unblocks it, with the CSRF token only", async () => {
    const h = await start();
    const fed = h.server.storage.federation;
    const closed = await freePort();
    const actorId = `http://127.0.0.1:${closed}/users/troll`;
    await fed.upsertFollower({
      actorId,
      inbox: `${actorId}/inbox`,
      sharedInbox: null,
      handle: `troll@127.0.0.1:${closed}`,
      followId: `${actorId}#follow`,
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    expect((await client.send("GET", "/admin")).body).toContain('<p class="empty">No blocks.</p>');
    const forged = await client.send("POST", "/admin/blocks/add", { csrf: "wrong", target: "127.0.0.1" });
    expect(forged.status).toBe(403);
    expect(await fed.listBlocks()).toEqual([]);

    await client.action("/admin/blocks/add", { target: "127.0.0.1", note: "<b>spam</b>" });
    expect(await fed.listBlocks()).toMatchObject([
      { kind: "domain", target: "127.0.0.1", note: "<b>spam</b>" },
    ]);
    expect(await fed.countFollowers()).toBe(0);
    const fanouts = (await h.server.storage.outbox().exportOutbox()).fanouts;
    expect(fanouts.map((f) => f.activityType)).toContain("https://www.w3.org/ns/activitystreams#Reject");
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain("Blocked 127.0.0.1 and its subdomains; removed 1 follower(s) with a Reject");
    expect(page).toContain("&lt;b&gt;spam&lt;/b&gt;");
    expect(page).toContain('aria-label="Unblock 127.0.0.1"');

    await client.action("/admin/blocks/remove", { target: "127.0.0.1" });
    expect(await fed.listBlocks()).toEqual([]);
    expect((await client.send("GET", "/admin")).body).toContain("Unblocked 127.0.0.1");
  });

  it("imports a pasted Mastodon blocklist, with the CSRF token only, and counts the blocks", async () => {
    const h = await start();
    const fed = h.server.storage.federation;
    const list = readFileSync(
      join(import.meta.dirname, "../fixtures/blocklists/mastodon-export.csv"),
      "utf8",
    );
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const dashboard = (await client.send("GET", "/admin")).body;
    expect(dashboard).toContain('action="/admin/blocks/import"');
    expect(dashboard).toMatch(/<dt>Blocks<\/dt><dd>0<\/dd>/);
    const forged = await client.send("POST", "/admin/blocks/import", { csrf: "wrong", list });
    expect(forged.status).toBe(403);
    expect(await fed.listBlocks()).toEqual([]);

    await client.action("/admin/blocks/import", { list });
    expect((await fed.listBlocks()).map((b) => [b.target, b.note])).toEqual([
      ["hostile.example", "dashboard import"],
      ["spam.example", "dashboard import: Spam, scams and harassment"],
      ["wildcard.example", 'dashboard import: Quoted "comment"'],
    ]);
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain("Blocked 3 new domain(s) of 3 in dashboard import; skipped 3 line(s)");
    expect(page).toMatch(/<dt>Blocks<\/dt><dd>3<\/dd>/);
    // A list longer than other forms may be (16 KB) is still taken.
    const long = Array.from({ length: 2_000 }, (_, n) => `host-${n}.spam.example`).join("\n");
    await client.action("/admin/blocks/import", { list: long });
    expect(await fed.listBlocks()).toHaveLength(2_003);
  });

  it("hides a reply from the article page and shows it again, with the CSRF token only", async () => {
    const h = await start({
      files: { "harbor.md": article("Harbor morning") },
      config: { pages: { showInteractions: true } },
    });
    const fed = h.server.storage.federation;
    const reply = {
      id: "https://a.example/notes/1",
      articleId: "harbor",
      kind: "reply" as const,
      actorId: "https://a.example/users/ann",
      url: "https://a.example/@ann/1",
      content: "<p>Off-topic advert</p>",
      createdAt: new Date().toISOString(),
    };
    await fed.recordInteraction(reply);
    const pageUrl = `${h.origin}/articles/harbor/`;
    expect(await (await fetch(pageUrl)).text()).toContain("Off-topic advert");
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    expect((await client.send("GET", "/admin")).body).toContain(`aria-label="Hide reply ${reply.id}"`);
    const forged = await client.send("POST", "/admin/replies/hide", { csrf: "wrong", id: reply.id });
    expect(forged.status).toBe(403);

    await client.action("/admin/replies/hide", { id: reply.id });
    expect(await fed.listModeration("harbor")).toMatchObject([{ interactionId: reply.id }]);
    const dashboard = (await client.send("GET", "/admin")).body;
    expect(dashboard).toContain(`Hid reply ${reply.id} from the article page.`);
    expect(dashboard).toContain(`aria-label="Show reply ${reply.id}"`);
    // This process's pages drop it at once.
    expect(await (await fetch(pageUrl)).text()).not.toContain("Off-topic advert");

    await client.action("/admin/replies/show", { id: reply.id });
    expect(await (await fetch(pageUrl)).text()).toContain("Off-topic advert");
    await client.action("/admin/replies/hide", { id: "https://a.example/notes/none" });
    expect((await client.send("GET", "/admin")).body).toContain("No reply with id");
  });

  it("lists the relays with their state", async () => {
    const closed = await freePort();
    const url = `http://127.0.0.1:${closed}/inbox`;
    const h = await start({ config: { federation: { allowPrivateAddress: true, relays: [url] } } });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    // Followed at start: pending until the relay answers (here it never does).
    const page = await until(async () => {
      const body = (await client.send("GET", "/admin")).body;
      return body.includes('id="relays"') && body.includes(">pending<") && body;
    });
    expect(page).toContain(url);
    expect(page).toContain("Mastodon-style relay");
  });

  it("shows deliveries that failed and wait for a retry, from Fedify's real queue messages", async () => {
    const h = await start();
    const closed = await freePort();
    await h.server.storage.federation.upsertFollower({
      actorId: `http://127.0.0.1:${closed}/users/gone`,
      inbox: `http://127.0.0.1:${closed}/users/gone/inbox`,
      sharedInbox: null,
      handle: "gone@127.0.0.1",
      followId: null,
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    h.write("news.md", article("Unlucky news"));
    await h.server.tick();
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const page = await until(async () => {
      const body = (await client.send("GET", "/admin")).body;
      return body.includes("failed, retrying") && body;
    }, 20_000);
    const item = page.slice(page.indexOf('id="article-news"'));
    expect(item).toMatch(/<li>Ledger: 1 Create, last <time/);
    expect(item).toContain('<li class="warn">1 failed, retrying</li>');
    expect(item).toContain("1 delivery in the queue");
  }, 40_000);

  it("shows likes, boosts and replies per article, remote HTML as plain text", async () => {
    const h = await start({ files: { "harbor.md": article("Harbor morning") } });
    const fed = h.server.storage.federation;
    const at = new Date().toISOString();
    const base = { articleId: "harbor", url: null, content: null, createdAt: at };
    await fed.recordInteraction({
      ...base,
      id: "https://a.example/l/1",
      kind: "like",
      actorId: "https://a.example/u/1",
    });
    await fed.recordInteraction({
      ...base,
      id: "https://a.example/l/2",
      kind: "like",
      actorId: "https://a.example/u/2",
    });
    await fed.recordInteraction({
      ...base,
      id: "https://a.example/b/1",
      kind: "announce",
      actorId: "https://a.example/u/1",
    });
    await fed.recordInteraction({
      ...base,
      id: "https://a.example/r/1",
      kind: "reply",
      actorId: "https://a.example/u/3",
      url: "javascript:alert(1)",
      content: '<p>Great <b>piece</b> &amp; <img src=x onerror="alert(1)"><script>alert(2)</script></p>',
    });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const page = (await client.send("GET", "/admin")).body;
    const item = page.slice(page.indexOf('id="article-harbor"'));
    expect(item).toMatch(/<li>2 likes<\/li><li>1 boost<\/li><li>1 reply<\/li>/);
    expect(item).toContain("Replies and mentions (1)");
    expect(item).toContain("https://a.example/u/3: Great piece &amp; alert(2)");
    expect(page).not.toContain("javascript:");
    expect(page).not.toContain("<script");
    expect(page).not.toContain("onerror");
  });

  it("never writes the token, passwords, session ids or CSRF tokens to the log", async () => {
    const h = await start();
    const client = new AdminClient(h.origin);
    await client.login("a-wrong-password-guess");
    await client.login(TOKEN);
    await client.action("/admin/scan");
    await client.send("POST", "/admin/scan", { csrf: "forged" });
    const log = h.logs.join("\n");
    expect(log).toContain("admin login failed");
    expect(log).toContain("admin logged in");
    expect(log).toContain("admin action");
    for (const secret of [
      TOKEN,
      "a-wrong-password-guess",
      client.cookies.get("herald_admin")!,
      client.csrf,
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe("admin dashboard: servers and charts", () => {
  it("lists the servers not answering, only when there are some, with their error escaped", async () => {
    const h = await start();
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    expect((await client.send("GET", "/admin")).body).not.toContain("Servers not answering");
    const now = Date.now();
    await h.server.storage.outbox().settle(
      [],
      [
        {
          host: "dead.example",
          failures: 9,
          opens: 3,
          openUntilMs: now + 3_600_000,
          firstFailureMs: now - 7_200_000,
          lastFailureMs: now - 60_000,
          lastSuccessMs: null,
          unreachableSinceMs: null,
          lastError: "<b>connect</b> ECONNREFUSED",
        },
      ],
    );
    const page = (await client.send("GET", "/admin")).body;
    const section = page.slice(
      page.indexOf('<h2 id="servers-title">'),
      page.indexOf("</section>", page.indexOf('<h2 id="servers-title">')),
    );
    expect(section).toContain('<h2 id="servers-title">Servers not answering</h2>');
    expect(section).toContain('<span class="badge open">paused</span> dead.example');
    expect(section.replace(/<[^>]+>/g, "")).toMatch(/9 failed attempts in a row · next try \d{4}-\d\d-\d\d /);
    expect(section).toContain("Last error: &lt;b&gt;connect&lt;/b&gt; ECONNREFUSED");
    // Before the articles: it is what needs looking at.
    expect(page.indexOf("servers-title")).toBeLessThan(page.indexOf("articles-title"));
  });

  it("draws the last 30 days from what start-up counted, and a GET writes nothing", async () => {
    const h = await start();
    const outbox = h.server.storage.outbox();
    const today = new Date().toISOString().slice(0, 10);
    // `serve` counted the followers as it started: the chart has today's point before maintenance runs.
    expect(await outbox.days(today)).toEqual([{ day: today, delivered: 0, failed: 0, followers: 0 }]);
    await h.server.storage.federation.upsertFollower({
      actorId: "https://reader.example/users/a",
      inbox: "https://reader.example/users/a/inbox",
      sharedInbox: null,
      handle: "a@reader.example",
      followId: null,
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain('<h2 id="charts-title">The last 30 days</h2>');
    expect(page).toContain('<figure class="chart" id="chart-deliveries">');
    expect(page).toContain("<figcaption><strong>Followers</strong> 1 now</figcaption>");
    expect(page).toMatch(/<svg viewBox="0 0 300 100" role="img" aria-labelledby="chart-followers-title/);
    expect((page.match(/<g class="day">/g) ?? []).length).toBe(60);
    // Today's point is the live count; the stored snapshot is still start-up's.
    expect(await outbox.days(today)).toEqual([{ day: today, delivered: 0, failed: 0, followers: 0 }]);
  });

  it("has no charts when the fediverse side is off", async () => {
    const h = await start({ federation: false });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const page = (await client.send("GET", "/admin")).body;
    expect(page).toContain("The fediverse side is off.");
    expect(page).not.toContain("charts-title");
  });
});

describe("admin dashboard: a moved account", () => {
  it("says where the account moved and that nothing new is posted, escaping the remote id", async () => {
    const h = await start();
    const target = 'https://new.example/users/news"><script>alert(1)</script>';
    await h.server.storage.moves.record({
      id: `${h.origin}/users/news#move-1`,
      target,
      state: "queued",
      activity: { type: "Move" },
      createdAt: new Date().toISOString(),
      undoneAt: null,
    });
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const page = (await client.send("GET", "/admin")).body;
    // A link (http(s) only), its href URL-encoded: the remote id cannot leave the attribute.
    expect(page).toContain('Moved to <a href="https://new.example/users/news%22%3E%3Cscript%3E');
    expect(page).toContain("no new articles are posted");
    expect(page).not.toContain("<script>alert(1)</script>");
    await h.server.storage.moves.undo(new Date().toISOString());
    expect((await client.send("GET", "/admin")).body).not.toContain("Moved to");
  });
});
