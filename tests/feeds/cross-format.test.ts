// What must agree across RSS, Atom and JSON Feed, and the structural rules of each format.
import { describe, expect, it } from "vitest";
import { FEED_CONTENT_TYPES } from "../../src/feeds/index.ts";
import {
  chineseReprint,
  englishArticle,
  goldenArticles,
  makeSite,
  renderAllFeeds,
  SITE_URL,
} from "./fixtures.ts";

function all(pattern: RegExp, text: string): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1] ?? "");
}

describe("across formats", () => {
  const feeds = renderAllFeeds();
  const json = JSON.parse(feeds.json);

  it("uses the same permanent object id everywhere, in the same order", () => {
    const ids = goldenArticles().map((a) => `${SITE_URL}objects/${encodeURIComponent(a.id)}`);
    const expected = [ids[2], ids[1], ids[0]];
    expect(all(/<guid isPermaLink="false">([^<]*)<\/guid>/g, feeds.rss)).toEqual(expected);
    expect(all(/<entry[^>]*>\n\s*<id>([^<]*)<\/id>/g, feeds.atom)).toEqual(expected);
    expect(json.items.map((i: { id: string }) => i.id)).toEqual(expected);
  });

  it("declares every namespace prefix it uses", () => {
    for (const xml of [feeds.rss, feeds.atom]) {
      const used = new Set(all(/<\/?([a-z]+):[a-zA-Z]+[\s/>]/g, xml));
      expect(used.size).toBeGreaterThan(0);
      for (const prefix of used) expect(xml).toMatch(new RegExp(`xmlns:${prefix}="`));
    }
  });

  it("puts the summary before the full content", () => {
    expect(feeds.rss.indexOf("<description>Grid")).toBeLessThan(
      feeds.rss.indexOf(
        '<content:encoded>&lt;p&gt;&lt;img src="https://herald.example/articles/solar-record/',
      ),
    );
    expect(feeds.atom).toMatch(/<summary type="text">[^<]*<\/summary>\n\s*<content type="html">/);
    expect(json.items).toHaveLength(3);
    for (const item of json.items) {
      expect(item.summary).toEqual(expect.any(String));
      expect(item.content_html).toEqual(expect.any(String));
    }
  });

  it("writes self, hub and language in every format", () => {
    expect(feeds.rss).toContain(
      '<atom:link href="https://herald.example/feed.xml" rel="self" type="application/rss+xml"/>',
    );
    expect(feeds.rss).toContain('<atom:link href="https://hub.example/" rel="hub"/>');
    expect(feeds.rss).toContain("<language>zh-CN</language>");
    expect(feeds.atom).toContain(
      '<link rel="self" type="application/atom+xml" href="https://herald.example/atom.xml"/>',
    );
    expect(feeds.atom).toContain('<link rel="hub" href="https://hub.example/"/>');
    expect(feeds.atom).toContain("<id>https://herald.example/atom.xml</id>");
    expect(feeds.atom).toContain('xml:lang="zh-CN"');
    expect(feeds.atom).toContain('<entry xml:lang="en">');
    expect(json).toMatchObject({
      feed_url: "https://herald.example/feed.json",
      home_page_url: "https://herald.example/",
      language: "zh-CN",
      hubs: [{ type: "WebSub", url: "https://hub.example/" }],
    });
    expect(json.items.map((i: { language: string }) => i.language)).toEqual(["zh-CN", "en", "en"]);
  });

  it("leaves out hub, icon and site author when not configured, and Atom still has an author", () => {
    const bare = renderAllFeeds(
      makeSite({ hub: undefined, icon: undefined, author: undefined, generator: undefined }),
      [chineseReprint()],
    );
    expect(bare.rss).not.toContain('rel="hub"');
    expect(bare.atom).not.toContain('rel="hub"');
    expect(JSON.parse(bare.json).hubs).toBeUndefined();
    expect(bare.atom).toContain("<author>\n    <name>Herald 测试站</name>\n  </author>");
  });

  it("links a reprint to its original: Atom via, JSON external_url, no RSS <source>", () => {
    expect(feeds.atom).toContain(
      '<link rel="via" type="text/html" href="https://www.caixin.com/2024-05-01/102190000.html?a=1&amp;b=2" title="芯片出口新规"/>',
    );
    expect(json.items[0].external_url).toBe("https://www.caixin.com/2024-05-01/102190000.html?a=1&b=2");
    expect(feeds.rss).not.toContain("<source");
    const viaOnly = chineseReprint();
    viaOnly.attribution.source = undefined;
    expect(JSON.parse(renderAllFeeds(makeSite(), [viaOnly]).json).items[0].external_url).toBe(
      "https://x.com/newsbot/status/1785000000000000000",
    );
  });

  it("writes one enclosure only for a cover of known type, never guessing one", () => {
    const remote = renderAllFeeds(makeSite(), [chineseReprint()]);
    expect(remote.rss).not.toContain("<enclosure");
    expect(remote.atom).not.toContain('rel="enclosure"');
    expect(remote.rss).toContain("<media:thumbnail");
    expect(JSON.parse(remote.json).items[0]).toMatchObject({
      image: "https://pbs.twimg.com/media/GMxyz.jpg?format=jpg&name=large",
    });
    expect(JSON.parse(remote.json).items[0].attachments).toBeUndefined();

    const local = renderAllFeeds(makeSite(), [englishArticle()]);
    expect(local.rss.match(/<enclosure /g)).toHaveLength(1);
    expect(local.rss).toContain(
      '<enclosure url="https://herald.example/articles/solar-record/cover.png" length="48213" type="image/png"/>',
    );
    expect(local.atom).toContain(
      '<link rel="enclosure" type="image/png" length="48213" href="https://herald.example/articles/solar-record/cover.png"/>',
    );
    expect(JSON.parse(local.json).items[0].attachments).toEqual([
      {
        url: "https://herald.example/articles/solar-record/cover.png",
        mime_type: "image/png",
        size_in_bytes: 48213,
      },
    ]);
  });

  it("credits authors by name, never as a name-only RSS <author>, and keeps e-mail private", () => {
    expect(feeds.rss).toContain("<dc:creator>Jane Doe</dc:creator>\n      <dc:creator>John Roe</dc:creator>");
    expect(feeds.rss).not.toMatch(/<author>/);
    expect(feeds.atom).toContain(
      "<author>\n      <name>Jane Doe</name>\n      <uri>https://jane.example/</uri>\n    </author>",
    );
    for (const text of Object.values(feeds)) expect(text).not.toContain("jane@example.org");
  });

  it("exports content types with charset", () => {
    expect(FEED_CONTENT_TYPES).toEqual({
      rss: "application/rss+xml; charset=utf-8",
      atom: "application/atom+xml; charset=utf-8",
      json: "application/feed+json; charset=utf-8",
    });
  });
});
