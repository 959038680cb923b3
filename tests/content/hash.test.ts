import { describe, expect, it } from "vitest";
import { computeContentHash } from "../../src/content/parse.ts";
import type { ParsedArticle } from "../../src/content/parsed.ts";
import { markdown, parseOk } from "./factories.ts";

function article(fields: Record<string, string> = {}, body = "Body."): ParsedArticle & { id: string } {
  return { ...parseOk(markdown({ title: "T", ...fields }, body)), id: "a-1" };
}

describe("computeContentHash", () => {
  it("is a sha256 hex string, stable across parses", () => {
    const hash = computeContentHash(article());
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeContentHash(article())).toBe(hash);
  });

  it("ignores dates, path, warnings, extra and front-matter key order", () => {
    const base = computeContentHash(article({ tags: "[a, b]", lang: "en" }));
    const other = article({
      lang: "en",
      date: "2030-01-01",
      updated: "2030-01-02",
      tags: "[a, b]",
      layout: "x",
    });
    expect(computeContentHash({ ...other, path: "elsewhere.md", warnings: ["w"] })).toBe(base);
  });

  it("changes when anything that federates changes", () => {
    const base = computeContentHash(article());
    const variants: Array<ParsedArticle & { id: string }> = [
      article({}, "Other body."),
      article({ title: "U" }),
      article({ tags: "[x]" }),
      article({ lang: "fr" }),
      article({ author: "Someone" }),
      article({ content_warning: "CW" }),
      article({ visibility: "unlisted" }),
      article({ quotes: "nobody" }),
      article({ cover: "https://x.example/c.png" }),
      article({ source: "https://x.example/" }),
      { ...article(), id: "a-2" },
      { ...article(), url: "https://elsewhere.example/" },
    ];
    for (const v of variants) expect(computeContentHash(v)).not.toBe(base);
  });
});
