// A tag's feeds over real HTTP on loopback: addresses (CJK, spaces, case, encodings), ids, conditional
// GET, gzip, 404s, hostile paths, and how edits and removals reach them.
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { markdown, type ServedSite, SITE_URL, serveSite } from "../helpers/served-site.ts";

const sites: ServedSite[] = [];
afterEach(async () => {
  for (const site of sites.splice(0)) await site.close();
});

// Long enough bodies that every feed is over 1 KB, the size from which it is also kept gzipped.
const BODY = "城市的夜晚比白天更热闹。".repeat(40);

function articles(): Record<string, string> {
  return {
    "night-run.md": markdown(
      { title: "城市夜跑", date: "2026-03-01T20:00:00+08:00", tags: ["城市生活", "跑步"] },
      BODY,
    ),
    "market.md": markdown({ title: "社区菜场", date: "2026-03-02T08:00:00+08:00", tags: ["城市生活"] }, BODY),
    "subway.md": markdown(
      { title: "New York subway at night", date: "2026-03-03T08:00:00+08:00", tags: ["New York"] },
      "The trains run all night. ".repeat(60),
    ),
    "bagels.md": markdown(
      { title: "Bagels", date: "2026-03-04T08:00:00+08:00", tags: ["new york", "AC/DC"] },
      "A bagel shop opened. ".repeat(60),
    ),
  };
}

async function serve(config: Record<string, unknown> = {}): Promise<ServedSite> {
  const site = await serveSite(articles(), config);
  sites.push(site);
  return site;
}

interface JsonFeed {
  title: string;
  home_page_url: string;
  feed_url: string;
  hubs?: unknown;
  items: { id: string; title: string }[];
}

const CITY = encodeURIComponent("城市生活");
const FORMATS = [
  ["feed.xml", "application/rss+xml; charset=utf-8"],
  ["atom.xml", "application/atom+xml; charset=utf-8"],
  ["feed.json", "application/feed+json; charset=utf-8"],
] as const;

/** Sends `requestLine` as raw bytes (what fetch would have percent-encoded) and returns the status line. */
function rawRequest(port: number, requestLine: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end(
        Buffer.concat([requestLine, Buffer.from("\r\nHost: localhost\r\nConnection: close\r\n\r\n")]),
      );
    });
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("end", () => resolve(data.split("\r\n")[0]!));
    socket.on("error", reject);
  });
}

describe("tag feeds", () => {
  it("serves a tag's three feeds: its own title, self links and id, the main feed's item ids", async () => {
    const { get } = await serve();
    for (const [file, type] of FORMATS) {
      const res = await get(`/tags/城市生活/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const self = `${SITE_URL}tags/${CITY}/`;
    const atom = await (await get(`/tags/${CITY}/atom.xml`)).text();
    expect(atom).toContain(`<id>${self}atom.xml</id>`);
    expect(atom).toContain(`<link rel="self" type="application/atom+xml" href="${self}atom.xml"/>`);
    expect(atom).toContain(`<link rel="alternate" type="text/html" href="${self}"/>`);
    expect(atom).toContain('<title type="text">Herald 新闻 · 城市生活</title>');
    const rss = await (await get(`/tags/${CITY}/feed.xml`)).text();
    expect(rss).toContain(`<atom:link href="${self}feed.xml" rel="self" type="application/rss+xml"/>`);
    expect(rss).toContain(`<link>${self}</link>`);

    const tag = (await (await get(`/tags/${CITY}/feed.json`)).json()) as JsonFeed;
    expect(tag).toMatchObject({
      title: "Herald 新闻 · 城市生活",
      home_page_url: self,
      feed_url: `${self}feed.json`,
    });
    expect(tag.items.map((i) => i.title)).toEqual(["社区菜场", "城市夜跑"]);
    // An item keeps its id in every feed it appears in (and as the ActivityPub object id).
    const main = (await (await get("/feed.json")).json()) as JsonFeed;
    expect(main.feed_url).toBe(`${SITE_URL}feed.json`);
    const mainIds = new Map(main.items.map((i) => [i.title, i.id]));
    for (const item of tag.items) expect(item.id).toBe(mainIds.get(item.title));
    expect(tag.items.map((i) => i.id)).toEqual([`${SITE_URL}objects/market`, `${SITE_URL}objects/night-run`]);
  });

  it("matches the tag in any encoding, case or width, with the same bytes and one canonical address", async () => {
    const { get } = await serve();
    const city = [
      "/tags/城市生活/feed.json",
      `/tags/${CITY}/feed.json`,
      `/tags/${CITY.toLowerCase()}/feed.json`,
      // Half the characters encoded, half as they are.
      `/tags/城市${encodeURIComponent("生活")}/feed.json`,
    ];
    const newYork = [
      "/tags/new york/feed.json",
      "/tags/new%20york/feed.json",
      "/tags/New%20York/feed.json",
      "/tags/NEW%20YORK/feed.json",
      // Full-width letters and an ideographic space fold to the same tag.
      "/tags/ＮＥＷ\u3000ＹＯＲＫ/feed.json",
    ];
    for (const [paths, feedUrl, titles] of [
      [city, `${SITE_URL}tags/${CITY}/feed.json`, ["社区菜场", "城市夜跑"]],
      [newYork, `${SITE_URL}tags/new%20york/feed.json`, ["Bagels", "New York subway at night"]],
    ] as const) {
      const etags = new Set<string>();
      for (const path of paths) {
        const res = await get(path);
        expect(res.status, path).toBe(200);
        etags.add(res.headers.get("etag")!);
        const feed = (await res.json()) as JsonFeed;
        expect(feed.feed_url, path).toBe(feedUrl);
        expect(feed.items.map((i) => i.title)).toEqual(titles);
      }
      expect(etags.size).toBe(1);
    }
    // The newest article spells it "new york": titles follow it; the address is the key either way.
    expect(((await (await get("/tags/New%20York/feed.json")).json()) as JsonFeed).title).toBe(
      "Herald 新闻 · new york",
    );
    // A tag with a "/" (sent as %2F) works too.
    const acdc = await get("/tags/AC%2FDC/atom.xml");
    expect(acdc.status).toBe(200);
    expect(await acdc.text()).toContain(`<id>${SITE_URL}tags/ac%2Fdc/atom.xml</id>`);
  });

  it("answers conditional GETs with 304, gzips when asked, and answers HEAD", async () => {
    const { get } = await serve();
    for (const [file] of FORMATS) {
      const path = `/tags/${CITY}/${file}`;
      const first = await get(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(etag).toMatch(/^".+"$/);
      // The newest item's update: 2026-03-02 08:00 in Shanghai.
      expect(lastModified).toBe("Mon, 02 Mar 2026 00:00:00 GMT");
      expect(first.headers.get("cache-control")).toBe("public, max-age=60");
      expect((await get(path, { "If-None-Match": etag })).status).toBe(304);
      expect((await get(path, { "If-None-Match": `"other", W/${etag}` })).status).toBe(304);
      expect((await get(path, { "If-Modified-Since": lastModified })).status).toBe(304);
      expect((await get(path, { "If-None-Match": '"other"' })).status).toBe(200);
      const gzipped = await get(path, { "Accept-Encoding": "gzip" });
      expect(gzipped.headers.get("content-encoding")).toBe("gzip");
      expect(await gzipped.text()).toBe(await (await get(path, { "Accept-Encoding": "identity" })).text());
      const head = await get(path, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.headers.get("etag")).toBe(etag);
      expect(await head.text()).toBe("");
    }
  });

  it("has no hub link and no Link header, unlike the main feeds: the hub is never pinged for them", async () => {
    const { get } = await serve({ feeds: { hub: "http://127.0.0.1:9/hub" } });
    const main = await get("/atom.xml");
    expect(main.headers.get("link")).toContain('rel="hub"');
    expect(await main.text()).toContain('rel="hub"');
    const tag = await get(`/tags/${CITY}/atom.xml`);
    expect(tag.headers.get("link")).toBeNull();
    expect(await tag.text()).not.toContain("hub");
    const json = (await (await get(`/tags/${CITY}/feed.json`)).json()) as JsonFeed;
    expect(json.hubs).toBeUndefined();
  });

  it("keeps feeds.limit items", async () => {
    const { get } = await serve({ feeds: { limit: 1 } });
    const feed = (await (await get(`/tags/${CITY}/feed.json`)).json()) as JsonFeed;
    expect(feed.items.map((i) => i.title)).toEqual(["社区菜场"]);
    expect((await (await get(`/tags/${CITY}/feed.xml`)).text()).match(/<item>/g)).toHaveLength(1);
  });

  it("404 for a tag no visible article carries; 400 or 404 for hostile paths, and it keeps serving", async () => {
    const { get, server, write } = await serve();
    await write("draft.md", markdown({ title: "Draft", draft: true, tags: ["secret"] }, "Not yet."));
    const notFound = [
      "/tags/no-such-tag/feed.xml",
      "/tags/secret/feed.xml",
      "/tags/城市/atom.xml",
      "/tags/城市生活/rss.xml",
      "/tags/城市生活/feed.xml/",
      "/tags/feed.xml",
      "/tags//feed.xml",
      "/tags/%2F/feed.xml",
      "/tags/a%2Fb/feed.json",
      "/tags/..%2F..%2Fpackage.json/feed.xml",
      "/tags/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/feed.xml",
      "/tags/%00/feed.xml",
      "/tags/%0D%0ASet-Cookie:%20x=1/atom.xml",
      "/tags/%E2%80%AE/feed.json",
      `/tags/${"x".repeat(8_000)}/feed.xml`,
      `/tags/${CITY.repeat(400)}/feed.xml`,
    ];
    for (const path of notFound) {
      const res = await get(path);
      expect(res.status, path.slice(0, 80)).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    for (const path of ["/tags/%E5%9F/feed.xml", "/tags/%ZZ/feed.xml", "/tags/%FF/feed.json"]) {
      expect((await get(path)).status, path).toBe(400);
    }
    // Past Node's header limit: refused by the HTTP parser, before Herald.
    expect((await get(`/tags/${"x".repeat(20_000)}/feed.xml`)).status).toBe(431);
    expect((await get(`/tags/${CITY}/feed.xml`, {}, "POST")).status).toBe(405);
    // Dot segments are resolved as in any URL (as nginx does): never above the site's root, never a file.
    expect(await rawRequest(server.port, Buffer.from("GET /tags/../../../etc/passwd HTTP/1.1"))).toBe(
      "HTTP/1.1 404 Not Found",
    );
    // UTF-8 bytes on the wire unencoded: Node's HTTP parser refuses them before Herald sees them (curl,
    // newsboat, feedparser and browsers all percent-encode, see tests/feeds/tag-feeds.test.ts).
    expect(
      await rawRequest(server.port, Buffer.from("GET /tags/城市生活/feed.xml HTTP/1.1", "utf8")),
    ).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get(`/tags/${CITY}/feed.xml`)).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("an edit changes the tag's feeds and ETag (others keep theirs); a tag's last article gone, 404", async () => {
    const { get, write, remove } = await serve();
    const etag = async (path: string) => (await get(path)).headers.get("etag");
    const city = `/tags/${CITY}/feed.xml`;
    const newYork = "/tags/new%20york/atom.xml";
    const running = "/tags/%E8%B7%91%E6%AD%A5/feed.json";
    const before = { city: await etag(city), newYork: await etag(newYork), running: await etag(running) };

    await write(
      "market.md",
      markdown({ title: "社区菜场改建", date: "2026-03-02T08:00:00+08:00", tags: ["城市生活"] }, BODY),
    );
    const after = await get(city);
    expect(after.headers.get("etag")).not.toBe(before.city);
    expect(await after.text()).toContain("<title>社区菜场改建</title>");
    expect((await get(city, { "If-None-Match": before.city! })).status).toBe(200);
    expect(await etag(newYork)).toBe(before.newYork);
    expect(await etag(running)).toBe(before.running);

    // An article that loses a tag leaves that tag's feeds; the tag's last article gone, they are gone.
    await write(
      "night-run.md",
      markdown({ title: "城市夜跑", date: "2026-03-01T20:00:00+08:00", tags: ["城市生活"] }, BODY),
    );
    expect((await get(running)).status).toBe(404);
    await remove("subway.md");
    expect((await get(newYork)).status).toBe(200);
    await remove("bagels.md");
    for (const [file] of FORMATS) expect((await get(`/tags/new%20york/${file}`)).status).toBe(404);
    expect((await get("/tags/new%20york/")).status).toBe(404);
    // …and come back with a new one.
    await write(
      "pizza.md",
      markdown({ title: "Pizza", date: "2026-03-05T08:00:00+08:00", tags: ["New York"] }, "x"),
    );
    const back = (await (await get(newYork.replace("atom.xml", "feed.json"))).json()) as JsonFeed;
    expect(back.items.map((i) => i.title)).toEqual(["Pizza"]);
  });
});

describe("static tag feeds (feeds.outDir)", () => {
  it("are written after each scan, the same bytes as served, and removed with the tag's last article", async () => {
    const site = await serve({ feeds: { outDir: "public" } });
    const folder = join(site.dir, "public", "tags", "城市生活");
    for (const [file] of FORMATS) {
      expect(readFileSync(join(folder, file), "utf8")).toBe(
        await (await site.get(`/tags/${CITY}/${file}`)).text(),
      );
    }
    expect(existsSync(join(site.dir, "public", "tags", "new york", "atom.xml"))).toBe(true);
    expect(existsSync(join(site.dir, "public", "tags", "ac", "dc"))).toBe(false);
    await site.remove("night-run.md");
    await site.remove("market.md");
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(join(site.dir, "public", "tags", "跑步"))).toBe(false);
    expect(existsSync(join(site.dir, "public", "tags", "new york", "atom.xml"))).toBe(true);
  });
});

describe("tag page", () => {
  it("announces the tag's feeds first, then the site's; other pages announce the site's only", async () => {
    const { get } = await serve();
    const alternates = async (path: string) => {
      const html = await (await get(path)).text();
      return [...html.matchAll(/<link rel="alternate" type="([^"]+)" title="([^"]*)" href="([^"]+)">/g)].map(
        (m) => [m[1], m[2], m[3]],
      );
    };
    const self = `${SITE_URL}tags/${CITY}/`;
    expect(await alternates("/tags/城市生活/")).toEqual([
      ["application/rss+xml", "Herald 新闻 · 城市生活 (RSS)", `${self}feed.xml`],
      ["application/atom+xml", "Herald 新闻 · 城市生活 (Atom)", `${self}atom.xml`],
      ["application/feed+json", "Herald 新闻 · 城市生活 (JSON Feed)", `${self}feed.json`],
      ["application/rss+xml", "Herald 新闻 (RSS)", `${SITE_URL}feed.xml`],
      ["application/atom+xml", "Herald 新闻 (Atom)", `${SITE_URL}atom.xml`],
      ["application/feed+json", "Herald 新闻 (JSON Feed)", `${SITE_URL}feed.json`],
    ]);
    // Under the spelling of the newest article, at the key's address.
    expect((await alternates("/tags/NEW%20YORK/")).slice(0, 1)).toEqual([
      ["application/rss+xml", "Herald 新闻 · new york (RSS)", `${SITE_URL}tags/new%20york/feed.xml`],
    ]);
    const main = [
      ["application/rss+xml", "Herald 新闻 (RSS)", `${SITE_URL}feed.xml`],
      ["application/atom+xml", "Herald 新闻 (Atom)", `${SITE_URL}atom.xml`],
      ["application/feed+json", "Herald 新闻 (JSON Feed)", `${SITE_URL}feed.json`],
    ];
    expect(await alternates("/")).toEqual(main);
    expect(await alternates("/articles/market/")).toEqual(main);
    // And links a reader can follow on the page itself.
    const page = await (await get("/tags/城市生活/")).text();
    expect(page).toContain("在阅读器中订阅标签“城市生活”：");
    expect(page).toContain(`<a href="${self}atom.xml" type="application/atom+xml">Atom</a>`);
  });
});
