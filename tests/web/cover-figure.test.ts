// The cover on an article page: the image with its caption (the alt text) and the photographer's
// credit, escaped; no figure when the body already shows the cover.
import { describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import type { Article, ImageInfo } from "../../src/content/model.ts";
import { renderArticle } from "../../src/web/pages/article.ts";
import { pageSite } from "../../src/web/pages/index.ts";
import { makeArticle } from "../feeds/fixtures.ts";

const config = fromObject(
  { site: { url: "https://news.example.org/", language: "zh-CN" } },
  { base: "/", env: {} },
);
const site = pageSite(config, { federated: false });

function article(cover: ImageInfo, contentHtml = "<p>正文。</p>"): Article {
  return makeArticle({
    id: "a",
    url: "https://news.example.org/articles/a/",
    title: "标题",
    summary: "摘要。",
    contentHtml,
    lang: "zh-CN",
    cover,
  });
}

describe("cover figure", () => {
  it("shows the caption and the credit under the cover", () => {
    const html = renderArticle(
      site,
      article({
        url: "https://news.example.org/media/abc.jpg",
        source: "https://img.example.com/1-668.jpg",
        alt: "阿里巴巴在北京办公室的外墙。",
        credit: "Greg Baker/AFP via Getty Images <b>",
        width: 1200,
        height: 800,
      }),
    );
    expect(html).toContain(
      '<figure class="cover"><img src="https://news.example.org/media/abc.jpg" alt="阿里巴巴在北京办公室的外墙。" width="1200" height="800" fetchpriority="high">' +
        '<figcaption>阿里巴巴在北京办公室的外墙。 <span class="credit">Greg Baker/AFP via Getty Images &lt;b&gt;</span></figcaption></figure>',
    );
  });

  it("has no caption without alt text or credit, and no figure when the body shows the cover", () => {
    const bare = renderArticle(site, article({ url: "https://news.example.org/media/abc.jpg" }));
    expect(bare).toContain(
      '<figure class="cover"><img src="https://news.example.org/media/abc.jpg" alt="" fetchpriority="high"></figure>',
    );
    const inBody = renderArticle(
      site,
      article(
        { url: "https://news.example.org/media/abc.jpg", alt: "x" },
        '<p><img src="https://news.example.org/media/abc.jpg" alt="x"></p>',
      ),
    );
    expect(inBody).not.toContain('<figure class="cover">');
  });
});
