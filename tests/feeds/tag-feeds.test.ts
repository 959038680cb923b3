// Tag feeds as real readers see them, fetched from `herald serve` over loopback: xmllint, the Universal
// Feed Parser, newsboat and the JSON Feed 1.1 schema, for a CJK tag, a tag with a space and one with
// characters XML and URLs escape.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markdown, type ServedSite, SITE_URL, serveSite } from "../helpers/served-site.ts";
import { checkJsonFeed } from "./json-feed-check.ts";
import { readWithNewsboat } from "./newsboat.ts";
import { type ParsedFeed, PYTHON, parseWithFeedparser, requireExecutable, run, XMLLINT } from "./tools.ts";

/**
 * Each tag as an article spells it, how a reader's URL names it, where its feeds are (`folder`) and its
 * page (`page`, when not the same), and what they show, newest first.
 */
const TAGS: readonly {
  tag: string;
  path: string;
  folder: string;
  page?: string;
  items: readonly string[];
}[] = [
  {
    tag: "城市生活",
    // Typed as is: every reader percent-encodes it on the wire.
    path: "/tags/城市生活/",
    folder: `${SITE_URL}tags/${encodeURIComponent("城市生活")}/`,
    items: ["market", "night-run"],
  },
  {
    tag: "New York",
    path: "/tags/New%20York/",
    folder: `${SITE_URL}tags/new%20york/`,
    items: ["bagels", "subway"],
  },
  {
    tag: "R&D <lab>",
    path: "/tags/r%26d%20%3Clab%3E/",
    folder: `${SITE_URL}tags/r%26d%20%3Clab%3E/`,
    // The tag's page keeps the tag's spelling; the feeds' addresses and ids are the key's.
    page: `${SITE_URL}tags/R%26D%20%3Clab%3E/`,
    items: ["bagels"],
  },
];

const TITLES: Record<string, string> = {
  "night-run": "城市夜跑：凌晨的河堤",
  market: "社区菜场 & “早市”",
  subway: "New York subway at night",
  bagels: "Bagels <and> lox",
};

let site: ServedSite;
let parsed: Record<string, ParsedFeed>;
const fetched = new Map<string, string>();

function url(path: string): string {
  return new URL(path, site.server.url).href;
}

beforeAll(async () => {
  requireExecutable(XMLLINT, "libxml2-utils");
  requireExecutable(PYTHON, "python3-feedparser");
  site = await serveSite({
    "night-run.md": markdown(
      {
        title: TITLES["night-run"],
        date: "2026-03-01T20:00:00+08:00",
        tags: ["城市生活", "跑步"],
        author: "王五",
        source: { url: "https://news.example.com/a/1?x=1&y=2", title: "原文", name: "某某日报" },
      },
      "转载自[某某日报](https://news.example.com/a/1)\n\n凌晨的河堤上，跑步的人比白天还多。他们说这里最安静。",
    ),
    "market.md": markdown(
      { title: TITLES.market, date: "2026-03-02T08:00:00+08:00", tags: ["城市生活"], author: "李雷" },
      "早市六点开门。摊主们说，菜价比去年稳定。",
    ),
    "subway.md": markdown(
      { title: TITLES.subway, date: "2026-03-03T08:00:00+08:00", tags: ["New York"], lang: "en" },
      "The trains run all night. Riders say the late service is busier than ever.",
    ),
    "bagels.md": markdown(
      {
        title: TITLES.bagels,
        date: "2026-03-04T08:00:00+08:00",
        tags: ["new york", "R&D <lab>"],
        lang: "en",
      },
      "A bagel shop opened on the corner. It sells out by noon.",
    ),
  });
  const urls: string[] = [];
  for (const { path } of TAGS) {
    for (const file of ["feed.xml", "atom.xml", "feed.json"]) {
      const res = await site.get(`${path}${file}`);
      expect(res.status, `${path}${file}`).toBe(200);
      fetched.set(`${path}${file}`, await res.text());
      if (file !== "feed.json") urls.push(url(`${path}${file}`));
    }
  }
  fetched.set("/feed.json", await (await site.get("/feed.json")).text());
  // feedparser fetches them itself, as a reader does (asynchronously: the server runs in this process).
  parsed = await parseWithFeedparser(urls);
});

afterAll(async () => {
  await site?.close();
});

describe.each(TAGS)("the feeds of tag $tag", ({ path, folder, page = folder, items }) => {
  const ids = items.map((slug) => `${SITE_URL}objects/${slug}`);
  const links = items.map((slug) => `${SITE_URL}articles/${slug}/`);

  it("are well-formed XML (xmllint)", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-xmllint-"));
    for (const file of ["feed.xml", "atom.xml"]) {
      writeFileSync(join(dir, file), fetched.get(`${path}${file}`)!);
      const result = run(XMLLINT, ["--noout", join(dir, file)]);
      expect(result.status, `xmllint rejected ${path}${file}:\n${result.stderr}`).toBe(0);
    }
  });

  it("read cleanly in feedparser, with their own self link and id and the main feed's item ids", () => {
    const rss = parsed[url(`${path}feed.xml`)]!;
    const atom = parsed[url(`${path}atom.xml`)]!;
    expect([rss.bozo, rss.bozo_exception, rss.version]).toEqual([0, null, "rss20"]);
    expect([atom.bozo, atom.bozo_exception, atom.version]).toEqual([0, null, "atom10"]);
    for (const [feed, file] of [
      [rss, "feed.xml"],
      [atom, "atom.xml"],
    ] as const) {
      expect(feed.feed.link).toBe(page);
      expect(feed.feed.links).toEqual(
        expect.arrayContaining([expect.objectContaining({ rel: "self", href: `${folder}${file}` })]),
      );
      expect(feed.entries.map((e) => e.id)).toEqual(ids);
      expect(feed.entries.map((e) => e.link)).toEqual(links);
      expect(feed.entries.map((e) => e.title)).toEqual(items.map((slug) => TITLES[slug]));
    }
    expect(atom.feed.id).toBe(`${folder}atom.xml`);
  });

  it("are stored by newsboat with their title, home and items", async () => {
    for (const file of ["feed.xml", "atom.xml"]) {
      const { feeds, items: stored } = await readWithNewsboat(url(`${path}${file}`));
      expect(feeds).toHaveLength(1);
      expect(feeds[0]!.url).toBe(page);
      expect(feeds[0]!.title).toBe(JSON.parse(fetched.get(`${path}feed.json`)!).title);
      expect(stored.map((i) => i.guid)).toEqual(ids);
      expect(stored.map((i) => i.title)).toEqual(items.map((slug) => TITLES[slug]));
    }
  });

  it("validate against the JSON Feed 1.1 schema, with the main feed's item ids", () => {
    const json = fetched.get(`${path}feed.json`)!;
    checkJsonFeed(json, items.length);
    const feed = JSON.parse(json) as { feed_url: string; items: { id: string }[] };
    expect(feed.feed_url).toBe(`${folder}feed.json`);
    expect(feed.items.map((i) => i.id)).toEqual(ids);
    expect(JSON.parse(json).home_page_url).toBe(page);
    const main = JSON.parse(fetched.get("/feed.json")!) as { items: { id: string }[] };
    for (const id of ids) expect(main.items.map((i) => i.id)).toContain(id);
  });
});

describe("feed titles", () => {
  it("carry the tag as plain text, escaped once", () => {
    const titles = Object.fromEntries(
      TAGS.map(({ tag, path }) => [tag, parsed[url(`${path}atom.xml`)]!.feed.title]),
    );
    expect(titles).toEqual({
      城市生活: "Herald 新闻 · 城市生活",
      "New York": "Herald 新闻 · new york",
      "R&D <lab>": "Herald 新闻 · R&D <lab>",
    });
  });
});
