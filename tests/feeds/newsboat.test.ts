// A real reader's view: newsboat fetches the feeds over loopback HTTP and stores what it
// understood in its SQLite cache, which we then read. newsboat ignores JSON Feed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEED_CONTENT_TYPES } from "../../src/feeds/index.ts";
import { renderAllFeeds } from "./fixtures.ts";
import { readWithNewsboat } from "./newsboat.ts";
import { NEWSBOAT, requireExecutable } from "./tools.ts";

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  requireExecutable(NEWSBOAT, "newsboat");
  const feeds = renderAllFeeds();
  const routes = new Map([
    ["/feed.xml", { body: feeds.rss, type: FEED_CONTENT_TYPES.rss }],
    ["/atom.xml", { body: feeds.atom, type: FEED_CONTENT_TYPES.atom }],
  ]);
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? "");
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": route.type }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
});

const EXPECTED = [
  {
    guid: "https://herald.example/objects/2024-05-01-chip-export",
    title: "美国扩大对华芯片出口管制",
    url: "https://herald.example/articles/%E8%8A%AF%E7%89%87%E5%87%BA%E5%8F%A3%E7%AE%A1%E5%88%B6/",
    pubDate: Date.parse("2024-05-01T02:00:00Z") / 1000,
  },
  {
    guid: "https://herald.example/objects/hostile",
    title: "Tom &amp; Jerry <script>alert(1)</script> bell",
    url: "https://herald.example/articles/hostile/",
    pubDate: Date.parse("2024-04-20T09:15:00Z") / 1000,
  },
  {
    guid: "https://herald.example/objects/solar-record",
    title: "Solar output hits a record",
    url: "https://herald.example/articles/solar-record/",
    pubDate: Date.parse("2024-04-20T09:15:00Z") / 1000,
  },
];

describe("newsboat", () => {
  it("stores the RSS feed's title, items, links, authors and dates", async () => {
    const { feeds, items } = await readWithNewsboat(`${baseUrl}/feed.xml`);
    expect(feeds).toEqual([
      { rssurl: `${baseUrl}/feed.xml`, url: "https://herald.example/", title: "Herald 测试站" },
    ]);
    expect(items.map(({ guid, title, url, pubDate }) => ({ guid, title, url, pubDate }))).toEqual(EXPECTED);
    expect(items[0]!.author).toBe("财新记者 王五");
    expect(items[1]!.author).toBe("Eve <evil>");
    // newsboat keeps one dc:creator (the last); feedparser sees both.
    expect(["Jane Doe", "John Roe"]).toContain(items[2]!.author);
    expect(items[0]!.content).toContain("转载自：");
  });

  it("stores the Atom feed's title, items, links, authors and dates", async () => {
    const { feeds, items } = await readWithNewsboat(`${baseUrl}/atom.xml`);
    expect(feeds).toEqual([
      { rssurl: `${baseUrl}/atom.xml`, url: "https://herald.example/", title: "Herald 测试站" },
    ]);
    expect(items.map(({ guid, title, url, pubDate }) => ({ guid, title, url, pubDate }))).toEqual(EXPECTED);
    expect(items.map((item) => item.author)).toEqual(["财新记者 王五", "Eve <evil>", "Jane Doe, John Roe"]);
    expect(items[1]!.content).toContain("<p>a ]]> b ]]> c &amp; d</p>");
  });
});
