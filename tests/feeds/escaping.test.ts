// The inputs that break the `feed` package: `]]>` twice, U+0007, pre-escaped `&amp;` and markup
// in a title, `&` in a tag and in URLs. Output must be well-formed and escaped exactly once.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostileArticle, makeArticle, makeSite, renderAllFeeds } from "./fixtures.ts";
import { requireExecutable, run, XMLLINT } from "./tools.ts";

function xmllint(name: string, xml: string): void {
  requireExecutable(XMLLINT, "libxml2-utils");
  const file = join(mkdtempSync(join(tmpdir(), "herald-xml-")), name);
  writeFileSync(file, xml);
  const result = run(XMLLINT, ["--noout", file]);
  expect(result.status, `xmllint rejected ${name}:\n${result.stderr}`).toBe(0);
}

/** C0 control characters other than tab, newline and carriage return (all invalid in XML 1.0). */
function c0Controls(text: string): number[] {
  return [...text]
    .map((ch) => ch.codePointAt(0) ?? 0)
    .filter((c) => c < 0x20 && c !== 9 && c !== 10 && c !== 13);
}

describe("hostile input", () => {
  const feeds = renderAllFeeds(makeSite(), [hostileArticle()]);

  it("stays well-formed XML (xmllint)", () => {
    xmllint("feed.xml", feeds.rss);
    xmllint("atom.xml", feeds.atom);
  });

  it("never writes CDATA or XML-invalid characters", () => {
    for (const text of [feeds.rss, feeds.atom]) {
      expect(text).not.toContain("<![CDATA[");
      expect(text).not.toContain("]]>");
      expect(c0Controls(text)).toEqual([]);
    }
    expect(feeds.json).not.toContain("\\u0007");
  });

  it("escapes a plain-text title exactly once", () => {
    expect(feeds.rss).toContain(
      "<title>Tom &amp;amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; bell</title>",
    );
    expect(feeds.atom).toContain(
      '<title type="text">Tom &amp;amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; bell</title>',
    );
    expect(JSON.parse(feeds.json).items[0].title).toBe("Tom &amp; Jerry <script>alert(1)</script> bell");
    expect(feeds.rss).not.toContain("<script");
    expect(feeds.atom).not.toContain("<script");
  });

  it("escapes `&` in tags and attribute URLs", () => {
    expect(feeds.rss).toContain("<category>R&amp;D</category>");
    expect(feeds.atom).toContain('<category term="R&amp;D"/>');
    expect(feeds.rss).toContain(
      '<enclosure url="https://img.example/a.webp?x=1&amp;y=2" length="0" type="image/webp"/>',
    );
    expect(JSON.parse(feeds.json).items[0].tags).toEqual(["R&D", "<b>bold</b>"]);
  });

  it("survives lone surrogates, U+FFFE and newlines in attributes and titles", () => {
    const article = makeArticle({
      id: "odd",
      title: "line one\nline two \ud800 \ufffe end",
      tags: ["a\tb"],
      cover: { url: "https://img.example/x.png", mediaType: "image/png", alt: "multi\nline" },
    });
    const odd = renderAllFeeds(makeSite(), [article]);
    xmllint("odd.xml", odd.rss);
    xmllint("odd-atom.xml", odd.atom);
    expect(odd.rss).toContain("<title>line one line two end</title>");
    expect(JSON.parse(odd.json).items[0].title).toBe("line one line two end");
  });
});
