import { describe, expect, it } from "vitest";
import { makeContext, markdown, parseOk } from "./factories.ts";

describe("front-matter fields", () => {
  it("reads every known key", () => {
    const a = parseOk(
      markdown(
        {
          title: "'  Spaced   title '",
          id: "42",
          tags: "'#energy, tides，海洋, #Energy'",
          lang: "en-gb",
          author: "[Maren Holt, {name: Li Wei, url: 'https://li.example/', email: li@example.org}]",
          translator: "{name: 张三}",
          editor: "李四",
          via: "https://coast.example.net/",
          source: "{url: 'https://coast.example.net/a', title: The turbine, name: Coastal Ledger}",
          draft: "yes",
          federate: "false",
          content_warning: "Flooding",
          pinned: "true",
          visibility: "unlisted",
          quotes: "followers",
          layout: "wide",
          custom: "{nested: [1, 2]}",
        },
        "Body.",
      ),
    );
    expect(a.title).toBe("Spaced title");
    expect(a.frontMatterId).toBe("42");
    expect(a.tags).toEqual(["energy", "tides", "海洋"]);
    expect(a.lang).toBe("en-GB");
    expect(a.authors).toEqual([
      { name: "Maren Holt" },
      { name: "Li Wei", url: "https://li.example/", email: "li@example.org" },
    ]);
    expect(a.attribution).toEqual({
      via: { url: "https://coast.example.net/" },
      source: { url: "https://coast.example.net/a", title: "The turbine", name: "Coastal Ledger" },
      translators: [{ name: "张三" }],
      editors: [{ name: "李四" }],
    });
    expect(a).toMatchObject({
      draft: true,
      federate: false,
      contentWarning: "Flooding",
      sensitive: true,
      pinned: true,
      visibility: "unlisted",
      quotes: "followers",
    });
    expect(a.extra).toEqual({ layout: "wide", custom: { nested: [1, 2] } });
  });

  it("has safe defaults", () => {
    const a = parseOk(markdown({ title: "T" }, "Body."), makeContext({ language: "zh-CN" }));
    expect(a).toMatchObject({
      draft: false,
      federate: true,
      sensitive: false,
      pinned: false,
      lang: "zh-CN",
      tags: [],
    });
    expect(a.visibility).toBeUndefined();
    expect(a.quotes).toBeUndefined();
    expect(a.frontMatterId).toBeUndefined();
    expect(a.publishAt).toBeUndefined();
  });

  it("reads a numeric id and title, and tags as a YAML list", () => {
    const a = parseOk(markdown({ title: "2024", id: "1001", tags: "[news, 2024]" }, "Body."));
    expect(a.title).toBe("2024");
    expect(a.frontMatterId).toBe("1001");
    expect(a.tags).toEqual(["news", "2024"]);
  });

  it("keeps timestamps as text for the site timezone (YAML core schema, not gray-matter's UTC Date)", () => {
    const a = parseOk(
      markdown({ title: "T", date: "2024-05-01 10:00:00" }, "Body."),
      makeContext({ timezone: "Asia/Shanghai" }),
    );
    expect(a.date).toBe("2024-05-01T02:00:00.000Z");
  });

  it("does not share state between parses of identical files (no gray-matter cache)", () => {
    const text = markdown({ title: "T", tags: "[a]" }, "Body.");
    const first = parseOk(text);
    first.tags.push("mutated");
    first.extra.x = 1;
    const second = parseOk(text);
    expect(second.tags).toEqual(["a"]);
    expect(second.extra).toEqual({});
  });

  it("treats empty values as absent", () => {
    const a = parseOk(markdown({ title: "T", summary: "", author: "", cover: "" }, "Body text."));
    expect(a.summary).toBe("Body text.");
  });

  it("strips XML-invalid characters from front-matter strings", () => {
    const a = parseOk(markdown({ title: '"Bell\\a title"' }, "Body."));
    expect(a.title).toBe("Bell title");
  });

  it("computes a body hash that ignores front matter and line endings", () => {
    const a = parseOk(markdown({ title: "A" }, "Same body.\nLine two."));
    const b = parseOk(
      markdown({ title: "B", date: "2024-01-01" }, "Same body.\nLine two.").replaceAll("\n", "\r\n"),
    );
    expect(a.bodyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.bodyHash).toBe(a.bodyHash);
  });
});

describe("unknown front-matter keys", () => {
  it("are kept while small, and a large one is left out with a warning naming it", () => {
    const big = "x".repeat(20_000);
    const a = parseOk(markdown({ title: "T", small: "kept", huge: big }, "Text."));
    expect(a.extra).toEqual({ small: "kept" });
    expect(a.warnings).toContain(
      "Front-matter keys `huge` are not Herald's and too large to keep; they were left out.",
    );
  });
});
