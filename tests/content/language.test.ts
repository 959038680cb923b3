import { describe, expect, it } from "vitest";
import { dominantScript, inferLanguage } from "../../src/content/language.ts";

describe("article language without front-matter lang", () => {
  it("keeps the site language when the text is in its script", () => {
    expect(inferLanguage("深圳图书馆推出夜间阅读服务，市民可以在晚上十点前借书。", "zh-CN")).toBe("zh-CN");
    expect(inferLanguage("颱風過境後，漁港的第一個早晨。碼頭上的人們說這是今年最大的風。", "zh-TW")).toBe(
      "zh-TW",
    );
    expect(inferLanguage("Tidal energy comes of age in a small harbour town.", "en-GB")).toBe("en-GB");
  });

  it("recognises an article in another script", () => {
    expect(inferLanguage("Tidal energy comes of age in a small harbour town on the coast.", "zh-CN")).toBe(
      "en",
    );
    expect(inferLanguage("深圳图书馆推出夜间阅读服务，市民可以在晚上十点前借书。", "en")).toBe("zh");
    expect(inferLanguage("東京の図書館は夜も開いています。ここでは本を読むことができます。", "zh-CN")).toBe(
      "ja",
    );
    expect(inferLanguage("서울의 도서관은 밤에도 문을 엽니다.", "en")).toBe("ko");
  });

  it("tells Traditional from Simplified Chinese when the site uses the other", () => {
    const traditional = "颱風過境後，漁港的第一個早晨。碼頭上的人們說這是今年最大的風，大家從凌晨開始數船。";
    const simplified = "深圳图书馆推出夜间阅读服务，市民们说这是一个好主意，从晚上开始借书的人越来越多。";
    expect(inferLanguage(traditional, "zh-CN")).toBe("zh-Hant");
    expect(inferLanguage(simplified, "zh-TW")).toBe("zh-Hans");
    expect(inferLanguage(simplified, "zh-CN")).toBe("zh-CN");
    expect(inferLanguage(traditional, "en")).toBe("zh-Hant");
    expect(inferLanguage("中文", "zh-TW")).toBe("zh-TW");
  });

  it("treats a few loan words or names as noise", () => {
    // A Chinese article quoting an English name is still Chinese.
    expect(
      inferLanguage(
        "编者按：本文介绍了 Tidal Energy Ltd 在深圳的新项目，以及当地居民的看法和期待。",
        "zh-CN",
      ),
    ).toBe("zh-CN");
    expect(dominantScript("2026 — 42")).toBeUndefined();
    expect(inferLanguage("2026", "zh-CN")).toBe("zh-CN");
  });
});
