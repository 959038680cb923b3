// A section account's feeds (`/users/<account>/feed.xml`, atom.xml, feed.json) as real readers see
// them, fetched from `herald serve` over loopback: xmllint, the Universal Feed Parser, newsboat and the
// JSON Feed 1.1 schema; the articles its selector picks (tag, folder, front matter), newest first.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markdown, type ServedSite, SITE_URL, serveSite } from "../helpers/served-site.ts";
import { checkJsonFeed } from "./json-feed-check.ts";
import { readWithNewsboat } from "./newsboat.ts";
import { type ParsedFeed, PYTHON, parseWithFeedparser, requireExecutable, run, XMLLINT } from "./tools.ts";

const ACCOUNTS = [
  { username: "tech", name: "Herald Tech & <Science>", summary: "Chips.", tags: ["tech"] },
  { username: "city", name: "城市", folders: ["city/**"] },
];
/** Each account's articles, newest first. */
const EXPECTED: Record<string, string[]> = {
  tech: ["robots", "chips"],
  city: ["robots", "tram"],
};

let site: ServedSite;
let parsed: Record<string, ParsedFeed>;
const fetched = new Map<string, string>();
const url = (path: string) => new URL(path, site.server.url).href;

beforeAll(async () => {
  requireExecutable(XMLLINT, "libxml2-utils");
  requireExecutable(PYTHON, "python3-feedparser");
  site = await serveSite(
    {
      "chips.md": markdown({ title: "Chips", date: "2026-03-01T08:00:00+08:00", tags: ["Tech"] }, "Small."),
      // Named by its front matter for the city account, and tagged for tech.
      "robots.md": markdown(
        {
          title: "Robots <sweep> streets",
          date: "2026-03-03T08:00:00+08:00",
          tags: ["tech"],
          accounts: ["city"],
        },
        "They sweep at night.",
      ),
      "weather.md": markdown({ title: "Rain", date: "2026-03-04T08:00:00+08:00" }, "Wet."),
    },
    { accounts: ACCOUNTS },
  );
  // Under city/: the folder glob picks it.
  mkdirSync(join(site.dir, "content", "city"));
  await site.write("city/tram.md", markdown({ title: "电车", date: "2026-03-02T08:00:00+08:00" }, "叮叮。"));
  const urls: string[] = [];
  for (const account of Object.keys(EXPECTED)) {
    for (const file of ["feed.xml", "atom.xml", "feed.json"]) {
      const path = `/users/${account}/${file}`;
      const res = await site.get(path);
      expect(res.status, path).toBe(200);
      fetched.set(path, await res.text());
      if (file !== "feed.json") urls.push(url(path));
    }
  }
  parsed = await parseWithFeedparser(urls);
});

afterAll(async () => {
  await site?.close();
});

describe.each(Object.entries(EXPECTED))("the feeds of account %s", (account, items) => {
  const folder = `${SITE_URL}users/${account}/`;
  const ids = items.map((slug) => `${SITE_URL}objects/${slug}`);

  it("are well-formed XML (xmllint)", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-xmllint-"));
    for (const file of ["feed.xml", "atom.xml"]) {
      writeFileSync(join(dir, file), fetched.get(`/users/${account}/${file}`)!);
      const result = run(XMLLINT, ["--noout", join(dir, file)]);
      expect(result.status, `xmllint rejected ${account}/${file}:\n${result.stderr}`).toBe(0);
    }
  });

  it("read cleanly in feedparser, with their own self link and id and the site's item ids", () => {
    const rss = parsed[url(`/users/${account}/feed.xml`)]!;
    const atom = parsed[url(`/users/${account}/atom.xml`)]!;
    expect([rss.bozo, rss.bozo_exception, rss.version]).toEqual([0, null, "rss20"]);
    expect([atom.bozo, atom.bozo_exception, atom.version]).toEqual([0, null, "atom10"]);
    for (const [feed, file] of [
      [rss, "feed.xml"],
      [atom, "atom.xml"],
    ] as const) {
      expect(feed.feed.link).toBe(`${SITE_URL}users/${account}`);
      expect(feed.feed.links).toEqual(
        expect.arrayContaining([expect.objectContaining({ rel: "self", href: `${folder}${file}` })]),
      );
      expect(feed.entries.map((e) => e.id)).toEqual(ids);
    }
    expect(atom.feed.id).toBe(`${folder}atom.xml`);
    expect(atom.feed.title).toBe(`Herald 新闻 · ${ACCOUNTS.find((a) => a.username === account)!.name}`);
  });

  it("are stored by newsboat with their items", async () => {
    for (const file of ["feed.xml", "atom.xml"]) {
      const { feeds, items: stored } = await readWithNewsboat(url(`/users/${account}/${file}`));
      expect(feeds).toHaveLength(1);
      expect(stored.map((i) => i.guid)).toEqual(ids);
    }
  });

  it("validate against the JSON Feed 1.1 schema", () => {
    const json = fetched.get(`/users/${account}/feed.json`)!;
    checkJsonFeed(json, items.length);
    const feed = JSON.parse(json) as { feed_url: string; items: { id: string }[] };
    expect(feed.feed_url).toBe(`${folder}feed.json`);
    expect(feed.items.map((i) => i.id)).toEqual(ids);
  });
});

describe("account feeds over HTTP", () => {
  it("answer 304 to a matching ETag, and 404 for an identifier that is no section account", async () => {
    const first = await site.get("/users/tech/feed.xml");
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    expect((await site.get("/users/tech/feed.xml", { "If-None-Match": etag! })).status).toBe(304);
    for (const path of ["/users/nobody/feed.xml", "/users/news/atom.xml", "/users/tech/other.xml"])
      expect((await site.get(path)).status, path).toBe(404);
  });

  it("give each section account a page at its actor URL, linking its feeds and listing its articles", async () => {
    const page = await site.get("/users/city", { Accept: "text/html" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>城市</h1>");
    expect(html).toContain(`${SITE_URL}users/city/feed.xml`);
    expect(html).toContain("电车");
    expect(html).toContain("Robots &lt;sweep&gt; streets");
    expect(html).not.toContain("Rain");
    expect((await site.get("/users/nobody", { Accept: "text/html" })).status).toBe(404);
  });

  it("follow an edit: an article that loses the tag leaves the tech feed", async () => {
    await site.write(
      "chips.md",
      markdown({ title: "Chips", date: "2026-03-01T08:00:00+08:00", tags: ["food"] }, "Small."),
    );
    const feed = JSON.parse(await (await site.get("/users/tech/feed.json")).text()) as {
      items: { id: string }[];
    };
    expect(feed.items.map((i) => i.id)).toEqual([`${SITE_URL}objects/robots`]);
  });
});
