import { describe, expect, it } from "vitest";
import { countGraphemes, summarizeProse } from "../../src/content/summary.ts";
import { makeContext, markdown, parseOk } from "./factories.ts";

function chineseReprint(): string {
  return markdown(
    { title: "深圳一座社区图书馆的夜间开放试验", date: "2026-11-20 09:30" },
    [
      "转载自[南岸晚报](https://news.example.com/library)",
      "",
      "**编者按：** 城市公共空间能否在夜里继续发挥作用，是许多街道都在讨论的问题。本文记录了一家社区图书馆的变化。",
      "",
      "晚上九点半，社区图书馆依然亮着灯。靠窗的长桌边坐着七八位读者。",
      "",
      "![阅览区](https://images.example.com/reading-room.jpg)",
      "",
      "图片说明：晚上九点后的阅览区。",
      "",
      "## 信息来源",
      "",
      "原文：[《社区图书馆亮灯到十点》](https://news.example.com/library)，南岸晚报，2026年11月19日。",
      "",
      "作者简介：周晓宁，南岸晚报城市版记者。",
      "",
      "编译：王小明 ｜ 编辑：李华",
    ].join("\n"),
  );
}

describe("derived summary", () => {
  it("starts with the editor's note, without its label, and skips the via line", () => {
    const a = parseOk(chineseReprint());
    expect(a.summary).toBe(
      "城市公共空间能否在夜里继续发挥作用，是许多街道都在讨论的问题。本文记录了一家社区图书馆的变化。" +
        "晚上九点半，社区图书馆依然亮着灯。靠窗的长桌边坐着七八位读者。",
    );
  });

  it("never uses captions, the source section, the bio or credit lines", () => {
    const a = parseOk(chineseReprint(), makeContext({ summaryLength: 2000 }));
    for (const skipped of [
      "图片说明",
      "晚上九点后的阅览区",
      "原文",
      "周晓宁",
      "王小明",
      "转载自",
      "南岸晚报",
    ]) {
      expect(a.summary).not.toContain(skipped);
    }
  });

  it("skips headings, image-only and link-only paragraphs, code and HTML in English articles", () => {
    const a = parseOk(
      markdown(
        { title: "Harbour turbine", lang: "en" },
        [
          "Reprinted from [Coastal Ledger](https://coast.example.net/turbine) with permission.",
          "",
          "## Background",
          "",
          "![Rotor](rotor.png)",
          "",
          "*Photo: the rotor before installation.*",
          "",
          "[Part one](https://coast.example.net/1) · [Part two](https://coast.example.net/2)",
          "",
          "```",
          "const x = 1;",
          "```",
          "",
          "<div>Sign up for our newsletter.</div>",
          "",
          "For six months a turbine has turned on the seabed. Few people have seen it.",
          "",
          "Source: [Coastal Ledger](https://coast.example.net/turbine)",
          "",
          "Translated by Jane Doe | Edited by John Roe",
        ].join("\n"),
      ),
      makeContext({ language: "en", summaryLength: 500 }),
    );
    expect(a.summary).toBe("For six months a turbine has turned on the seabed. Few people have seen it.");
  });

  it("takes whole sentences up to the limit without an ellipsis", () => {
    const a = parseOk(
      markdown(
        { title: "T", lang: "en" },
        "One two three four. Five six seven eight. Nine ten eleven twelve.",
      ),
      makeContext({ summaryLength: 45 }),
    );
    expect(a.summary).toBe("One two three four. Five six seven eight.");
  });

  it("cuts a too-long first sentence at a word boundary and adds an ellipsis within the limit", () => {
    const a = parseOk(
      markdown(
        { title: "T", lang: "en" },
        "The quick brown fox jumps over the lazy dog near the riverbank today.",
      ),
      makeContext({ summaryLength: 30 }),
    );
    expect(a.summary).toBe("The quick brown fox jumps…");
    expect(countGraphemes(a.summary, "en")).toBeLessThanOrEqual(30);
  });

  it("cuts long Chinese sentences at a word boundary, counting graphemes", () => {
    const text =
      "晚上九点半位于街道文化中心二楼的社区图书馆依然亮着灯靠窗的长桌边坐着七八位读者有人在翻杂志有人戴着耳机。";
    const summary = summarizeProse([text], "zh-CN", 20);
    expect(summary.endsWith("…")).toBe(true);
    expect(countGraphemes(summary, "zh-CN")).toBeLessThanOrEqual(20);
    expect(text.startsWith(summary.slice(0, -1))).toBe(true);
  });

  it("never splits an emoji ZWJ sequence, a flag or a combining mark", () => {
    const text = "👩‍👩‍👧‍👦e\u0301🇨🇳".repeat(20);
    const boundaries = new Set([0]);
    for (const { index, segment } of new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)) {
      boundaries.add(index + segment.length);
    }
    for (let max = 2; max < 40; max++) {
      const summary = summarizeProse([text], "en", max);
      expect(summary.endsWith("…")).toBe(true);
      const body = summary.slice(0, -1);
      expect(text.startsWith(body)).toBe(true);
      expect(boundaries.has(body.length)).toBe(true);
      expect(countGraphemes(summary, "en")).toBeLessThanOrEqual(max);
    }
  });

  it("keeps e + combining acute together when cutting", () => {
    const text = "e\u0301".repeat(50);
    const summary = summarizeProse([text], "fr", 11);
    expect(summary).toBe(`${"e\u0301".repeat(10)}…`);
  });

  it("fills with a cut sentence when the whole sentences that fit are too short", () => {
    const summary = summarizeProse([`Hi. ${"word ".repeat(40).trim()}.`], "en", 40);
    expect(summary.startsWith("Hi. word word")).toBe(true);
    expect(summary.endsWith("…")).toBe(true);
    expect(countGraphemes(summary, "en")).toBeLessThanOrEqual(40);
  });

  it("uses an explicit summary or description as given, stripped of Markdown and HTML", () => {
    const a = parseOk(
      markdown({ title: "T", summary: '"A **bold**\\n  <em>claim</em>  [here](https://x.org)."' }, "Body."),
    );
    expect(a.summary).toBe("A bold claim here.");
    const b = parseOk(markdown({ title: "T", description: "From the description." }, "Body text."));
    expect(b.summary).toBe("From the description.");
  });

  it("ignores an editor's note that comes after the article as a footnote", () => {
    const a = parseOk(
      markdown({ title: "T" }, "正文第一句。\n\n编者注：本文有删节。"),
      makeContext({ summaryLength: 500 }),
    );
    expect(a.summary).toBe("正文第一句。");
  });

  it("uses an editor's note in a blockquote", () => {
    const a = parseOk(
      markdown({ title: "T", lang: "en" }, "> Editor's note: This piece is from 2019.\n\nBody."),
    );
    expect(a.summary).toBe("This piece is from 2019. Body.");
  });

  it("joins Chinese lines wrapped in the source without spaces", () => {
    const a = parseOk(markdown({ title: "T" }, "第一行文字\n接着第二行。"));
    expect(a.summary).toBe("第一行文字接着第二行。");
  });

  it("warns when there is no prose at all", () => {
    const a = parseOk(markdown({ title: "T" }, "![a](https://x.org/a.png)"));
    expect(a.summary).toBe("");
    expect(a.warnings.join(" ")).toMatch(/summary/);
  });
});
