// RSS and Atom as the Universal Feed Parser (what most readers mirror) sees them.
// feedparser 6.0 does not read JSON Feed; that one is checked against its schema instead.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { renderAllFeeds } from "./fixtures.ts";
import { PYTHON, requireExecutable, run } from "./tools.ts";

interface ParsedEntry {
  id: string;
  title: string;
  title_type: string;
  link: string;
  links: { rel: string; href: string; type?: string; length?: string; title?: string }[];
  published: string | null;
  updated: string | null;
  authors: { name: string; href?: string }[];
  tags: string[];
  summary: string;
  content: { type: string; value: string }[];
  enclosures: { href: string; type: string; length: string | null }[];
  media_content: Record<string, string>[];
  media_thumbnail: Record<string, string>[];
}

interface ParsedFeed {
  bozo: number;
  bozo_exception: string | null;
  version: string;
  feed: {
    title: string;
    link: string;
    links: { rel: string; href: string }[];
    id: string | null;
    language: string | null;
    updated: string | null;
    authors: { name: string; href?: string }[];
  };
  entries: ParsedEntry[];
}

const SCRIPT = new URL("./feedparser_check.py", import.meta.url).pathname;

const TITLES = [
  "美国扩大对华芯片出口管制",
  "Tom &amp; Jerry <script>alert(1)</script> bell",
  "Solar output hits a record",
];
const IDS = ["2024-05-01-chip-export", "hostile", "solar-record"].map(
  (id) => `https://herald.example/objects/${id}`,
);
const LINKS = [
  "https://herald.example/articles/%E8%8A%AF%E7%89%87%E5%87%BA%E5%8F%A3%E7%AE%A1%E5%88%B6/",
  "https://herald.example/articles/hostile/",
  "https://herald.example/articles/solar-record/",
];
const PUBLISHED = ["2024-05-01T02:00:00Z", "2024-04-20T09:15:00Z", "2024-04-20T09:15:00Z"];

let rss: ParsedFeed;
let atom: ParsedFeed;

beforeAll(() => {
  requireExecutable(PYTHON, "python3-feedparser");
  const probe = run(PYTHON, ["-c", "import feedparser"]);
  if (probe.status !== 0) {
    throw new Error(
      `Python cannot import feedparser; install it with: apt-get install -y python3-feedparser.\n${probe.stderr}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "herald-feedparser-"));
  const feeds = renderAllFeeds();
  writeFileSync(join(dir, "feed.xml"), feeds.rss);
  writeFileSync(join(dir, "atom.xml"), feeds.atom);
  const result = run(PYTHON, [SCRIPT, join(dir, "feed.xml"), join(dir, "atom.xml")]);
  if (result.status !== 0) throw new Error(`feedparser_check.py failed:\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as Record<string, ParsedFeed>;
  rss = parsed[join(dir, "feed.xml")]!;
  atom = parsed[join(dir, "atom.xml")]!;
});

describe("feedparser reads both XML feeds", () => {
  it("without complaint (bozo 0) and with the right version", () => {
    expect({ bozo: rss.bozo, error: rss.bozo_exception, version: rss.version }).toEqual({
      bozo: 0,
      error: null,
      version: "rss20",
    });
    expect({ bozo: atom.bozo, error: atom.bozo_exception, version: atom.version }).toEqual({
      bozo: 0,
      error: null,
      version: "atom10",
    });
  });

  it("sees the same plain-text titles, ids, links and publication dates in both", () => {
    for (const feed of [rss, atom]) {
      expect(feed.entries.map((e) => e.title)).toEqual(TITLES);
      expect(feed.entries.map((e) => e.title_type)).toEqual(["text/plain", "text/plain", "text/plain"]);
      expect(feed.entries.map((e) => e.id)).toEqual(IDS);
      expect(feed.entries.map((e) => e.link)).toEqual(LINKS);
      expect(feed.entries.map((e) => e.published)).toEqual(PUBLISHED);
    }
    expect(atom.entries.map((e) => e.updated)).toEqual([
      "2024-05-02T08:30:00Z",
      "2024-04-22T10:00:00Z",
      "2024-04-20T09:15:00Z",
    ]);
  });

  it("sees the feed's title, home link, self and hub links, language and date", () => {
    for (const feed of [rss, atom]) {
      expect(feed.feed).toMatchObject({
        title: "Herald 测试站",
        link: "https://herald.example/",
        language: "zh-CN",
        updated: "2024-05-02T08:30:00Z",
      });
      expect(feed.feed.links).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ rel: "self" }),
          expect.objectContaining({ rel: "hub", href: "https://hub.example/" }),
        ]),
      );
    }
    expect(atom.feed.id).toBe("https://herald.example/atom.xml");
    expect(atom.feed.authors).toEqual([{ name: "Herald Bot", href: "https://herald.example/@bot" }]);
  });

  it("sees authors and tags", () => {
    expect(rss.entries.map((e) => e.authors.map((a) => a.name))).toEqual([
      ["财新记者 王五"],
      ["Eve <evil>"],
      ["Jane Doe", "John Roe"],
    ]);
    expect(atom.entries[2]!.authors).toEqual([
      { name: "Jane Doe", href: "https://jane.example/" },
      { name: "John Roe" },
    ]);
    for (const feed of [rss, atom]) {
      expect(feed.entries.map((e) => e.tags)).toEqual([
        ["芯片", "出口管制"],
        ["R&D", "<b>bold</b>"],
        ["energy", "climate"],
      ]);
    }
  });

  it("sees the summary and the full HTML content with cover and attribution", () => {
    for (const feed of [rss, atom]) {
      const [zh, hostile] = feed.entries;
      expect(zh!.summary).toBe("美国商务部周二宣布新规，进一步限制先进芯片出口。");
      expect(zh!.content[0]!.type).toBe("text/html");
      expect(zh!.content[0]!.value).toMatch(
        /^<p><img [^>]*src="https:\/\/pbs\.twimg\.com\/media\/GMxyz\.jpg\?format=jpg&amp;name=large"/,
      );
      expect(zh!.content[0]!.value).toContain('翻译：<a href="https://lilei.example/">李雷</a>');
      expect(hostile!.summary).toBe("Ends with ]]> and ]]> again.");
      expect(hostile!.content[0]!.value).toContain("<p>a ]]> b ]]> c &amp; d</p>");
    }
  });

  it("sees one enclosure for covers of known type, and media:content/thumbnail for all", () => {
    for (const feed of [rss, atom]) {
      expect(feed.entries.map((e) => e.enclosures.map((x) => [x.href, x.type]))).toEqual([
        [],
        [["https://img.example/a.webp?x=1&y=2", "image/webp"]],
        [["https://herald.example/articles/solar-record/cover.png", "image/png"]],
      ]);
      expect(feed.entries[2]!.enclosures[0]!.length).toBe("48213");
      expect(feed.entries.map((e) => e.media_content[0]?.url)).toEqual([
        "https://pbs.twimg.com/media/GMxyz.jpg?format=jpg&name=large",
        "https://img.example/a.webp?x=1&y=2",
        "https://herald.example/articles/solar-record/cover.png",
      ]);
      expect(feed.entries[2]!.media_content[0]).toMatchObject({
        type: "image/png",
        width: "1200",
        height: "630",
      });
      expect(feed.entries.map((e) => e.media_thumbnail.length)).toEqual([1, 1, 1]);
    }
  });

  it("sees the Atom via link to the original", () => {
    expect(atom.entries[0]!.links).toContainEqual({
      rel: "via",
      type: "text/html",
      href: "https://www.caixin.com/2024-05-01/102190000.html?a=1&b=2",
      title: "芯片出口新规",
    });
  });
});
