import { describe, expect, it } from "vitest";
import { slugify, slugSourceFromPath } from "../../src/content/slug.ts";
import { markdown, parseOk, SITE } from "./factories.ts";

describe("slugs", () => {
  it.each([
    ["Hello, World!", "hello-world"],
    ["  A  Quiet   Turbine ", "a-quiet-turbine"],
    ["深圳图书馆：夜间开放", "深圳图书馆-夜间开放"],
    ["繁體 typhoon 颱風", "繁體-typhoon-颱風"],
    ["Ünïcode Café", "Ünïcode-café"],
    ["e\u0301te\u0301", "\u00e9t\u00e9"],
    ["2024/05/01 -- news__item", "2024-05-01-news-item"],
    ["नमस्ते दुनिया", "नमस्ते-दुनिया"],
    ["emoji 🎉 party", "emoji-party"],
  ])("%s → %s", (input, slug) => {
    expect(slugify(input)).toBe(slug);
  });

  it("comes from the file name, or the folder of an index.md", () => {
    expect(slugSourceFromPath("news/foo.md")).toBe("foo");
    expect(slugSourceFromPath("tidal-energy/index.md")).toBe("tidal-energy");
    expect(slugSourceFromPath("a/b/index.markdown")).toBe("b");
    expect(slugSourceFromPath("index.md")).toBe("index");
  });

  it("front-matter slug wins and the URL is built from it", () => {
    const a = parseOk(markdown({ title: "T", slug: "'My Slug!'" }, "Body."), undefined, "other-name.md");
    expect(a.slug).toBe("my-slug");
    expect(a.url).toBe(`${SITE}articles/my-slug/`);
  });

  it("keeps CJK in the slug and percent-encodes it in the URL", () => {
    const a = parseOk(markdown({ title: "T" }, "正文。"), undefined, "新闻/繁體-typhoon.md");
    expect(a.slug).toBe("繁體-typhoon");
    expect(a.url).toBe(`${SITE}articles/${encodeURIComponent("繁體-typhoon")}/`);
  });
});
