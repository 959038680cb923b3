import { describe, expect, it } from "vitest";
import { absoluteSrcset } from "../../src/content/sanitize.ts";
import { makeContext, markdown, parseOk, SITE } from "./factories.ts";

const BASE = `${SITE}articles/foo/`;

function html(body: string, path = "foo/index.md"): string {
  return parseOk(markdown({ title: "T" }, body), makeContext(), path).contentHtml;
}

describe("sanitizing article HTML", () => {
  it("removes script, style, iframe, object, embed and form, with their content where it is code", () => {
    const out = html(
      [
        "<script>alert(1)</script>",
        "",
        "<style>p{color:red}</style>",
        "",
        '<iframe src="https://evil.example/"></iframe>',
        "",
        '<object data="x.swf"></object><embed src="x.swf">',
        "",
        '<form action="https://evil.example/"><input name="q"></form>',
        "",
        "Safe text.",
      ].join("\n"),
    );
    expect(out).not.toMatch(/<script|alert\(1\)|<style|color:red|<iframe|<object|<embed|<form|<input/);
    expect(out).toContain("<p>Safe text.</p>");
  });

  it("removes event handlers, style attributes and javascript:/data: URLs", () => {
    const out = html(
      [
        '<img src="x.png" onerror="alert(1)" style="width:1px">',
        "",
        '<a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(1)">js2</a> <a href="jav&#x09;ascript:alert(1)">js3</a>',
        "",
        "[md](javascript:alert(1)) ![data](data:image/png;base64,AAAA)",
        "",
        '<p onclick="x()">click</p>',
      ].join("\n"),
    );
    expect(out).not.toMatch(/onerror|onclick|style=|="\s*javascript:|data:image|<img alt/i);
    expect(out).toContain("<a>js</a>");
    expect(out).toContain(`<img src="${BASE}x.png" loading="lazy" />`);
  });

  it("keeps ordinary article markup", () => {
    const out = html(
      [
        "## Heading",
        "",
        "> quote",
        "",
        "- one",
        "- two",
        "",
        "| a | b |",
        "|:--|--:|",
        "| 1 | 2 |",
        "",
        "```js",
        "let x = 1 < 2;",
        "```",
        "",
        "H<sub>2</sub>O and x<sup>2</sup>, *em*, **strong**, `code`.",
        "",
        "---",
        "",
        '<figure><img src="a.jpg" alt="A"><figcaption>Caption</figcaption></figure>',
      ].join("\n"),
    );
    for (const tag of [
      "<h2>",
      "<blockquote>",
      "<ul>",
      "<li>",
      "<table>",
      '<th align="left">',
      '<td align="right">',
    ]) {
      expect(out).toContain(tag);
    }
    expect(out).toContain('<code class="language-js">let x = 1 &lt; 2;');
    expect(out).toContain("<sub>2</sub>");
    expect(out).toContain("<figcaption>Caption</figcaption>");
    expect(out).toContain("<hr />");
  });

  it("keeps only language-* classes on code", () => {
    const out = html('<p class="big"><code class="language-ts evil">x</code><span class="red">y</span></p>');
    expect(out.trim()).toBe('<p><code class="language-ts">x</code><span>y</span></p>');
  });

  it("removes control characters that are invalid in XML", () => {
    const out = html("Bell\u0007 and &#7; escape\u001b end\u000c.");
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(out).toContain("Bell");
  });
});

describe("absolute URLs", () => {
  it("resolves src, href, srcset, data-src, data-srcset and poster against the article URL", () => {
    const out = html(
      [
        "![photo](img/a.jpg) [next](../bar/) [anchor](#notes) [mail](mailto:ed@example.org)",
        "",
        '<img data-src="lazy.jpg" data-srcset="lazy-2x.jpg 2x" src="placeholder.gif">',
        "",
        '<picture><source srcset="a.webp 1x, b.webp 2x" type="image/webp"><img src="a.jpg" srcset="a-480.jpg 480w,a-960.jpg 960w"></picture>',
        "",
        '<video src="clip.mp4" poster="poster.jpg" controls></video>',
        "",
        '<a href="//cdn.example.net/x">cdn</a> <a href="/about/">about</a>',
      ].join("\n"),
    );
    expect(out).toContain(`src="${BASE}img/a.jpg"`);
    expect(out).toContain(`href="${SITE}articles/bar/"`);
    expect(out).toContain(`href="${BASE}#notes"`);
    expect(out).toContain('href="mailto:ed@example.org"');
    expect(out).toContain(`data-src="${BASE}lazy.jpg"`);
    expect(out).toContain(`data-srcset="${BASE}lazy-2x.jpg 2x"`);
    expect(out).toContain(`srcset="${BASE}a.webp 1x, ${BASE}b.webp 2x"`);
    expect(out).toContain(`srcset="${BASE}a-480.jpg 480w, ${BASE}a-960.jpg 960w"`);
    expect(out).toContain(`poster="${BASE}poster.jpg"`);
    expect(out).toContain('href="https://cdn.example.net/x"');
    expect(out).toContain(`href="${SITE}about/"`);
    expect(out).not.toMatch(/(?:src|href|srcset|poster)="(?!https?:|mailto:)/);
  });

  it("resolves a flat file's images beside the article URL, matching resolveAsset's folder", () => {
    const out = html("![x](pic.png)", "2026-11-news.md");
    expect(out).toContain(`src="${SITE}articles/2026-11-news/pic.png"`);
  });

  it("parses srcset candidates like a browser and drops unsafe ones", () => {
    expect(absoluteSrcset("a.jpg, b.jpg 2x,c.jpg", BASE)).toBe(`${BASE}a.jpg, ${BASE}b.jpg 2x, ${BASE}c.jpg`);
    expect(absoluteSrcset("javascript:alert(1) 1x, ok.jpg 2x", BASE)).toBe(`${BASE}ok.jpg 2x`);
    expect(absoluteSrcset("data:image/png;base64,AAA 1x", BASE)).toBeUndefined();
  });

  it("percent-encodes CJK file names as URLs", () => {
    const out = html("![图](图片.png)");
    expect(out).toContain(`src="${BASE}%E5%9B%BE%E7%89%87.png"`);
  });
});

describe("title heading", () => {
  it("drops a leading H1 identical to the front-matter title, keeps other headings", () => {
    const a = parseOk(markdown({ title: "Same" }, "# Same\n\nBody.\n\n# Other"));
    expect(a.contentHtml).not.toContain("<h1>Same</h1>");
    expect(a.contentHtml).toContain("<h1>Other</h1>");
  });

  it("takes the title from the first # heading when front matter has none, and removes it", () => {
    const a = parseOk("Intro line.\n\n# The Title\n\nBody.");
    expect(a.title).toBe("The Title");
    expect(a.contentHtml).not.toContain("The Title");
  });

  it("takes a leading ## heading when there is no #", () => {
    const a = parseOk("## 标题 *强调*\n\n正文。");
    expect(a.title).toBe("标题 强调");
    expect(a.contentHtml).toBe("<p>正文。</p>\n");
  });
});
