// Attacks on the conversation under an article (pages.showInteractions) and on its /reply redirect,
// against a real Herald on loopback with its real SQLite store. What a stranger controls: the reply's
// HTML, its actor URL (whose last path segment is shown as the account), and the display name of its
// actor document; and anything a link to /reply carries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayName } from "../../src/federation/inbox/interactions.ts";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";

// Unicode bidi controls (embeddings, overrides, isolates, marks): shown, they reorder what follows.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A reply made of what a hostile server would send. */
const HOSTILE = [
  "<p>hostile<script>alert(1)</script>",
  '<svg onload="alert(2)"><a xlink:href="javascript:alert(3)">svg</a></svg>',
  '<a href="javascript:alert(4)">js</a><a href="JaVaScRiPt&colon;alert(5)">js2</a>',
  '<a href="data:text/html,<script>alert(6)</script>">data</a>',
  '<a href=" &#x6a;avascript:alert(7)">entity</a><a href="vbscript:x">vb</a>',
  '<a href="//evil.example/x">protocol-relative</a>',
  '<span style="position:fixed;inset:0;background:red" onclick="alert(8)">styled</span>',
  "<style>body{display:none}</style><img src=x onerror=alert(9)>",
  '<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input name=p></form>',
  '<a href="https://ok.example/" target="_blank" rel="opener">ok</a></p>',
].join("");

let herald: HeraldUnderTest;
let objectUrl: string;
let pageUrl: string;

beforeAll(async () => {
  herald = await startHerald({ pages: { showInteractions: true } });
  herald.write("talk/index.md", "---\ntitle: Talk\ndate: 2026-01-02\nlang: en\n---\n\nBody.\n");
  await herald.server.tick();
  await drained(herald.server);
  objectUrl = `${herald.origin}/objects/talk`;
  pageUrl = `${herald.origin}/articles/talk/`;
  // Every reply is kept before the page is first read (the page caches its conversation a moment).
  const actor = "http://127.0.0.1:1/users/named";
  await herald.server.storage.federation.saveAuthor({
    actorId: actor,
    name: displayName('<img src=x onerror=alert(1)>"><b>Boss</b>'),
    updatedAt: new Date().toISOString(),
  });
  await reply("http://127.0.0.1:1/users/%E2%80%AEgro.knab%E2%81%A6", "<p>first</p>");
  await reply("http://127.0.0.1:1/users/eve%0Aadmin%00%1B", "<p>second</p>");
  await reply("http://127.0.0.1:1/users/linker", "<p>linked</p>", "javascript:alert(1)");
  await reply(actor, "<p>by name</p>");
  await reply("http://127.0.0.1:1/users/mallory", HOSTILE);
}, 60_000);

afterAll(async () => {
  await herald?.stop();
});

let n = 0;
/** A reply as the inbox would have kept it (the store is the one the running Herald reads). */
async function reply(actorId: string, content: string, url: string | null = null): Promise<void> {
  n++;
  const fresh = await herald.server.storage.federation.recordInteraction({
    id: `${actorId}/statuses/${n}`,
    articleId: "talk",
    kind: "reply",
    actorId,
    url,
    content,
    createdAt: new Date(Date.UTC(2026, 0, 3, 0, 0, n)).toISOString(),
  });
  expect(fresh).toBe(true);
}

async function page(): Promise<string> {
  const res = await fetch(pageUrl);
  expect(res.status).toBe(200);
  return res.text();
}

/** The conversation section of the page. */
async function conversation(): Promise<string> {
  const html = await page();
  const start = html.indexOf('<section class="box conversation"');
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("reply account shown from the actor URL", () => {
  it("carries no bidi override out of a percent-encoded actor name", async () => {
    // `%E2%80%AE` is U+202E RIGHT-TO-LEFT OVERRIDE: decoded into the account name, it would flip the
    // rest of the line (the reply's date, and the name itself: "@\u202Egro.knab@…" reads "@bank.org").
    const html = await conversation();
    expect(html).toContain("gro.knab@127.0.0.1:1");
    expect(html).not.toMatch(BIDI);
  });

  it("shows control characters of the actor name as nothing", async () => {
    const html = await conversation();
    expect(html).toContain("@eveadmin@127.0.0.1:1");
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });
});

describe("reply HTML", () => {
  it("keeps no script, handler, style, svg, or non-http URL of a hostile reply", async () => {
    const html = await conversation();
    const body = html.slice(html.indexOf("hostile") - 40, html.indexOf("ok</a>") + 6);
    expect(body).toContain("hostile");
    expect(body).not.toMatch(/<script|<svg|<style|<img|<iframe|<form|<input|\son\w+=|style=|target=/i);
    expect(body).not.toMatch(/javascript|vbscript|data:|alert\(\d\)/i);
    // A protocol-relative link is only a link: made absolute (http(s)), like every other one.
    expect(body).toContain('<a href="http://evil.example/x" rel="nofollow ugc noopener noreferrer">');
    // The one fine link is kept, absolute and without an opener.
    expect(body).toContain('<a href="https://ok.example/" rel="nofollow ugc noopener noreferrer">ok</a>');
  });

  it("drops a reply link that is not http(s)", async () => {
    // The reply's own `url` (the link on its date) comes from the stranger's Note.
    const html = await conversation();
    expect(html).not.toContain("javascript:");
  });
});

describe("reply author display name", () => {
  it("strips bidi marks, including the Arabic letter mark", () => {
    expect(displayName("Mal\u202Elory\u061C\u2067x\u2069")).toBe("Malloryx");
  });

  it("shortens an enormous name without splitting a character", () => {
    const name = displayName("😀".repeat(10_000));
    expect(name.isWellFormed()).toBe(true);
    expect(name.endsWith("…")).toBe(true);
    expect([...name].length).toBeLessThanOrEqual(100);
  });

  it("is shown as text when it holds markup", async () => {
    const html = await conversation();
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&lt;b&gt;Boss&lt;/b&gt;");
    expect(html).not.toContain("<img");
  });
});

describe("/reply is no open redirect", () => {
  const ask = (instance: string, article = "talk") =>
    fetch(
      `${herald.origin}/reply?article=${encodeURIComponent(article)}&instance=${encodeURIComponent(instance)}`,
      { redirect: "manual" },
    );

  it("sends a reader only to https://<public host>/authorize_interaction for our own post", async () => {
    const res = await ask("@me@mastodon.social");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(
      `https://mastodon.social/authorize_interaction?uri=${encodeURIComponent(objectUrl)}`,
    );
  });

  const hostile = [
    "javascript:alert(1)",
    "javascript://mastodon.social/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil",
    "https://user:pass@evil.example",
    "https://mastodon.social@127.0.0.1",
    "https://127.0.0.1/",
    "http://[::1]/",
    "0x7f000001.",
    "localhost",
    "evil.localhost",
    "intranet",
    "mastodon.social\r\nSet-Cookie: a=b",
    "mastodon.social%0d%0aSet-Cookie:a=b",
    "evil.example\\@mastodon.social",
    "a".repeat(400),
    "",
  ];
  for (const instance of hostile) {
    it(`refuses ${JSON.stringify(instance.slice(0, 40))}`, async () => {
      const res = await ask(instance);
      const location = res.headers.get("location");
      const cookie = res.headers.get("set-cookie");
      if (res.status === 302) {
        // Only ever a public https host's authorize_interaction, naming our own object.
        const url = new URL(location!);
        expect(url.protocol).toBe("https:");
        expect(url.pathname).toBe("/authorize_interaction");
        expect(url.username + url.password).toBe("");
        expect(url.hostname).not.toMatch(/^(?:127\.|\[|localhost|evil\.localhost$)/);
        expect(url.searchParams.get("uri")).toBe(objectUrl);
      } else {
        expect(res.status).toBe(400);
        expect(location).toBeNull();
      }
      expect(cookie).toBeNull();
    });
  }

  it("does not redirect for an article it does not have", async () => {
    for (const article of ["../talk", "talk/", "%2e%2e", "nope", ""]) {
      const res = await ask("mastodon.social", article);
      expect(res.status).toBe(404);
      expect(res.headers.get("location")).toBeNull();
    }
  });
});
