import { describe, expect, it } from "vitest";
import { parseCreditLine } from "../../src/content/credits.ts";
import { compilePatterns, DEFAULT_PATTERNS } from "../../src/content/patterns.ts";
import { makeContext, markdown, parseOk } from "./factories.ts";

const en = (overrides = {}) => makeContext({ language: "en", ...overrides });

describe("reprint attribution in Chinese", () => {
  it("reads via, source (title and publication), translator, editor and the author from the bio", () => {
    const a = parseOk(
      markdown(
        { title: "图书馆" },
        [
          "转载自[南岸晚报](https://news.example.com/nanan)",
          "",
          "正文。",
          "",
          "## 信息来源",
          "",
          "原文：[《社区图书馆亮灯到十点，三个月后怎么样了》](https://news.example.com/nanan/library)，南岸晚报，2026年11月19日。",
          "",
          "作者简介：周晓宁，南岸晚报城市版记者。",
          "",
          "编译：王小明 ｜ 编辑：李华",
        ].join("\n"),
      ),
    );
    expect(a.attribution).toEqual({
      via: { url: "https://news.example.com/nanan", name: "南岸晚报" },
      source: {
        url: "https://news.example.com/nanan/library",
        title: "社区图书馆亮灯到十点，三个月后怎么样了",
        name: "南岸晚报",
      },
      translators: [{ name: "王小明" }],
      editors: [{ name: "李华" }],
    });
    expect(a.authors).toEqual([{ name: "周晓宁" }]);
  });

  it.each([
    ["本文转载自：[端传媒](https://theinitium.example/a)", "端传媒"],
    ["轉載自[香港電台](https://rthk.example/a)", "香港電台"],
    ["转自 [澎湃新闻](https://thepaper.example/a)。", "澎湃新闻"],
  ])("reads the via line %s", (line, name) => {
    const a = parseOk(markdown({ title: "T" }, `${line}\n\n正文。`));
    expect(a.attribution.via?.name).toBe(name);
    expect(a.attribution.via?.url).toMatch(/^https:\/\//);
  });

  it("reads a traditional-Chinese 資料來源 section with a 〈〉 title", () => {
    const a = parseOk(
      markdown(
        { title: "T" },
        "正文。\n\n## 資料來源\n\n[〈颱風走了，漁港醒了〉](https://east.example/a)，東岸時報。\n\n這段不是摘要。",
      ),
    );
    expect(a.attribution.source).toEqual({
      url: "https://east.example/a",
      title: "颱風走了，漁港醒了",
      name: "東岸時報",
    });
    expect(a.summary).toBe("正文。");
  });

  it("reads a via line without a link as a publication name", () => {
    const a = parseOk(markdown({ title: "T" }, "转载自南岸晚报。\n\n正文。"));
    expect(a.attribution.via).toEqual({ name: "南岸晚报" });
  });

  it("reads credits separated by spaces, ｜, | and 、, in simplified and traditional Chinese", () => {
    const a = parseOk(
      markdown(
        { title: "T" },
        "正文。\n\n（编译：张三、李四 责任编辑：王五）\n\n翻譯：陳大文 | 編輯：黃小明\n\n作者：赵六",
      ),
    );
    expect(a.attribution.translators).toEqual([{ name: "张三" }, { name: "李四" }, { name: "陳大文" }]);
    expect(a.attribution.editors).toEqual([{ name: "王五" }, { name: "黃小明" }]);
    expect(a.authors).toEqual([{ name: "赵六" }]);
  });

  it("reads a source line with a name only (来源：新华社) and keeps prose after it", () => {
    const a = parseOk(markdown({ title: "T" }, "来源：新华社\n\n正文第一句。"));
    expect(a.attribution.source).toEqual({ name: "新华社" });
    expect(a.summary).toBe("正文第一句。");
  });
});

describe("reprint attribution in English", () => {
  it("reads via, the Source section, and credits with 'by'", () => {
    const a = parseOk(
      markdown(
        { title: "Turbine" },
        [
          "Originally published at [Coastal Ledger](https://coast.example.net/turbine).",
          "",
          "By Maren Holt",
          "",
          "For six months a turbine has turned.",
          "",
          "## Sources",
          "",
          '[Coastal Ledger, "The turbine nobody sees"](https://coast.example.net/turbine), 12 October 2026.',
          "",
          "Translated by Jane Doe and Li Wei, edited by John Roe",
        ].join("\n"),
      ),
      en(),
    );
    expect(a.attribution.via).toEqual({ url: "https://coast.example.net/turbine", name: "Coastal Ledger" });
    expect(a.attribution.source).toEqual({
      url: "https://coast.example.net/turbine",
      title: "The turbine nobody sees",
      name: "Coastal Ledger",
    });
    expect(a.attribution.translators).toEqual([{ name: "Jane Doe" }, { name: "Li Wei" }]);
    expect(a.attribution.editors).toEqual([{ name: "John Roe" }]);
    expect(a.authors).toEqual([{ name: "Maren Holt" }]);
    expect(a.summary).toBe("For six months a turbine has turned.");
  });

  it.each([
    "Reprinted from [The Ledger](https://l.example/a)",
    "Republished from [The Ledger](https://l.example/a) under CC BY 4.0.",
    "Via: [The Ledger](https://l.example/a)",
  ])("reads the via line %s", (line) => {
    const a = parseOk(markdown({ title: "T" }, `${line}\n\nBody.`), en());
    expect(a.attribution.via).toEqual({ url: "https://l.example/a", name: "The Ledger" });
  });

  it("keeps the link of a linked name in a credit line", () => {
    const a = parseOk(markdown({ title: "T" }, "By [Jane Doe](https://jane.example/)\n\nBody."), en());
    expect(a.authors).toEqual([{ name: "Jane Doe", url: "https://jane.example/" }]);
    expect(a.summary).toBe("Body.");
  });

  it("does not mistake ordinary sentences for attribution", () => {
    const a = parseOk(
      markdown(
        { title: "T" },
        [
          "By 2030, the city will double its tidal capacity.",
          "",
          "Via the new bridge, commuters reach the island in ten minutes.",
          "",
          "Sources say the mayor will resign.",
          "",
          "By the time we arrived, the station was closed.",
        ].join("\n\n"),
      ),
      en({ summaryLength: 1000 }),
    );
    expect(a.authors).toEqual([]);
    expect(a.attribution).toEqual({ translators: [], editors: [] });
    expect(a.summary).toContain("By 2030");
    expect(a.summary).toContain("Via the new bridge");
    expect(a.summary).toContain("Sources say");
  });

  it("treats a trailing italic paragraph naming the author as a bio", () => {
    const a = parseOk(
      markdown(
        { title: "T", author: "Maren Holt" },
        "Body sentence.\n\n*Maren Holt covers energy for the Coastal Ledger.*",
      ),
      en({ summaryLength: 1000 }),
    );
    expect(a.summary).toBe("Body sentence.");
  });

  it("skips 'About the author' paragraphs", () => {
    const a = parseOk(markdown({ title: "T" }, "Body.\n\nAbout the author: Jane writes."), en());
    expect(a.summary).toBe("Body.");
  });
});

describe("front matter and body together", () => {
  it("front matter wins per field; the detected link fills gaps when the URL matches", () => {
    const a = parseOk(
      markdown(
        {
          title: "T",
          source: "https://coast.example.net/turbine",
          translator: "[Official Translator]",
          author: "Maren Holt",
        },
        [
          "Body.",
          "",
          "Source: [Coastal Ledger, “The turbine nobody sees”](https://coast.example.net/turbine)",
          "",
          "Translated by Jane Doe | Edited by John Roe",
          "",
          "By Someone Else",
        ].join("\n"),
      ),
      en(),
    );
    expect(a.attribution.source).toEqual({
      url: "https://coast.example.net/turbine",
      title: "The turbine nobody sees",
      name: "Coastal Ledger",
    });
    expect(a.attribution.translators).toEqual([{ name: "Official Translator" }]);
    expect(a.attribution.editors).toEqual([{ name: "John Roe" }]);
    expect(a.authors).toEqual([{ name: "Maren Holt" }]);
  });
});

describe("patterns", () => {
  it("are one exported object with every kind", () => {
    expect(Object.keys(DEFAULT_PATTERNS).sort()).toEqual(
      [
        "author",
        "bio",
        "boilerplate",
        "caption",
        "captionAbove",
        "decorativeImage",
        "editor",
        "editorsNote",
        "photoCredit",
        "publisher",
        "source",
        "translator",
        "via",
        "wire",
      ].sort(),
    );
  });

  it("can be extended from config with extra label regexes", () => {
    const text = markdown(
      { title: "T" },
      "Nachgedruckt aus [Die Zeitung](https://z.example/a)\n\nÜbersetzung: Anna Schmidt\n\nText.",
    );
    const plain = parseOk(text, en());
    expect(plain.attribution.via).toBeUndefined();
    const extended = parseOk(
      text,
      en({ patterns: { via: ["nachgedruckt aus"], translator: ["übersetzung"] } }),
    );
    expect(extended.attribution.via).toEqual({ url: "https://z.example/a", name: "Die Zeitung" });
    expect(extended.attribution.translators).toEqual([{ name: "Anna Schmidt" }]);
    expect(extended.summary).toBe("Text.");
  });

  it("reports an invalid config regex by kind", () => {
    expect(() => compilePatterns({ bio: ["(unclosed"] })).toThrow(/content\.patterns\.bio/);
  });

  it("parses combined credit lines and rejects sentences", () => {
    const p = compilePatterns();
    expect(parseCreditLine("编译：张三 编辑：李四", p)).toMatchObject([
      { kind: "translator", names: ["张三"] },
      { kind: "editor", names: ["李四"] },
    ]);
    expect(parseCreditLine("记者 张三 李四", p)).toMatchObject([{ kind: "author", names: ["张三", "李四"] }]);
    expect(parseCreditLine("编辑：东京樱花团/喜马拉雅的微尘", p)).toMatchObject([
      { kind: "editor", names: ["喜马拉雅的微尘"], people: [{ name: "喜马拉雅的微尘", org: "东京樱花团" }] },
    ]);
    expect(parseCreditLine("编辑部认为这件事很重要。", p)).toBeUndefined();
    expect(parseCreditLine("By 2030, the city will grow.", p)).toBeUndefined();
  });
});

describe("credits in front matter", () => {
  it("take an org beside the name, as a group/person credit in the body does", () => {
    const a = parseOk(
      "---\ntitle: T\ntranslator: { name: Hopkins, org: 东京樱花团 }\n---\n\n正文第一句。\n",
      makeContext(),
    );
    expect(a.attribution.translators).toEqual([{ name: "Hopkins", org: "东京樱花团" }]);
  });
});
