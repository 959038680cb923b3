import { describe, expect, it } from "vitest";
import { renderAttributionHtml } from "../../src/feeds/index.ts";
import { attributionLines } from "../../src/render/attribution.ts";
import { chineseReprint, makeArticle, makeSite, renderAllFeeds } from "./fixtures.ts";

describe("renderAttributionHtml", () => {
  it("credits via, the original (title linked, publication named), translators and editors", () => {
    expect(renderAttributionHtml(chineseReprint())).toBe(
      '<div class="attribution">' +
        '<p>转载自：<a href="https://x.com/newsbot/status/1785000000000000000">@newsbot</a></p>' +
        '<p>原文：<a href="https://www.caixin.com/2024-05-01/102190000.html?a=1&amp;b=2">芯片出口新规</a>（财新）</p>' +
        '<p>翻译：<a href="https://lilei.example/">李雷</a></p>' +
        "<p>编辑：韩梅梅</p>" +
        "</div>",
    );
  });

  it("does not repeat a link the body already gives, but posts (no body) keep it", () => {
    const article = makeArticle({
      id: "in-body",
      lang: "en",
      contentHtml: '<p>Reprinted from <a href="https://paper.example/story">The Paper</a></p><p>Text.</p>',
      attribution: {
        via: { url: "https://paper.example/story", name: "The Paper" },
        source: { url: "https://wire.example/original", name: "The Wire" },
        translators: [],
        editors: [],
      },
    });
    expect(renderAttributionHtml(article)).toBe(
      '<div class="attribution"><p>Original: <a href="https://wire.example/original">The Wire</a></p></div>',
    );
    expect(attributionLines(article, { short: true })).toHaveLength(2);
  });

  it("does not repeat people the body already credits, and credits the others with their group", () => {
    const article = makeArticle({
      id: "credited-in-body",
      lang: "zh-CN",
      contentHtml: "<p>正文。</p><p>编辑：小禾</p>",
      attribution: {
        translators: [{ name: "阿岚", org: "潮声编译组" }],
        editors: [{ name: "小禾" }],
        publishers: [{ name: "ab_cd2020", org: "潮声编译组" }],
      },
    });
    expect(renderAttributionHtml(article)).toBe(
      '<div class="attribution"><p>翻译：阿岚（潮声编译组）</p><p>发布：ab_cd2020（潮声编译组）</p></div>',
    );
  });

  it("uses English labels for other languages and links the name when there is no title", () => {
    const article = makeArticle({
      id: "en",
      lang: "en-GB",
      attribution: {
        source: { url: "https://paper.example/story", name: "The Paper" },
        translators: [{ name: "A" }, { name: "B", url: "https://b.example/" }],
        editors: [],
      },
    });
    expect(renderAttributionHtml(article)).toBe(
      '<div class="attribution"><p>Original: <a href="https://paper.example/story">The Paper</a></p>' +
        '<p>Translated by A, <a href="https://b.example/">B</a></p></div>',
    );
  });

  it("is empty when there is nothing to credit", () => {
    expect(renderAttributionHtml(makeArticle({ id: "plain" }))).toBe("");
    const blank = makeArticle({
      id: "blank",
      attribution: { via: {}, source: { name: "  " }, translators: [{ name: "" }], editors: [] },
    });
    expect(renderAttributionHtml(blank)).toBe("");
  });

  it("escapes names and refuses non-http links, resolving relative ones against the article", () => {
    const article = makeArticle({
      id: "evil",
      attribution: {
        via: { url: "javascript:alert(1)", name: '<img src=x onerror="alert(1)">' },
        source: { url: "../original/", title: "A & B" },
        translators: [],
        editors: [],
      },
    });
    const html = renderAttributionHtml(article);
    expect(html).not.toContain("javascript:");
    expect(html).not.toContain("<img");
    expect(html).toContain('Reprinted from &lt;img src=x onerror="alert(1)"&gt;');
    expect(html).toContain('<a href="https://herald.example/articles/original/">A &amp; B</a>');
  });
});

describe("full content", () => {
  it("adds the cover before the body, and the attribution after it", () => {
    const item = JSON.parse(renderAllFeeds(makeSite(), [chineseReprint()]).json).items[0];
    const html: string = item.content_html;
    expect(
      html.startsWith('<p><img src="https://pbs.twimg.com/media/GMxyz.jpg?format=jpg&amp;name=large"'),
    ).toBe(true);
    expect(html.endsWith(renderAttributionHtml(chineseReprint()))).toBe(true);
  });

  it("does not repeat a cover the body already opens with (relative or escaped src)", () => {
    const article = makeArticle({
      id: "covered",
      contentHtml: '<figure><img alt="x" src="cover.png?a=1&amp;b=2"></figure><p>Text</p>',
      cover: { url: "https://herald.example/articles/covered/cover.png?a=1&b=2", mediaType: "image/png" },
    });
    const html: string = JSON.parse(renderAllFeeds(makeSite(), [article]).json).items[0].content_html;
    expect(html.match(/<img/g)).toHaveLength(1);
  });
});
