import { describe, expect, it } from "vitest";
import { collapseWhitespace, stripXmlInvalid } from "../../src/content/plain-text.ts";

describe("stripXmlInvalid", () => {
  it("returns clean text unchanged, emoji and CJK included", () => {
    const text = "Tides 潮汐 👩‍👩‍👧 \t\n\r end";
    expect(stripXmlInvalid(text)).toBe(text);
  });

  it("drops C0 controls, U+FFFE, U+FFFF and lone surrogates", () => {
    expect(stripXmlInvalid("a\u0007b\u0000c\u001Fd\uFFFEe\uFFFFf")).toBe("abcdef");
    expect(stripXmlInvalid("x\uD83Dy\uDE00z")).toBe("xyz");
    expect(stripXmlInvalid("ok \uD83D\uDE00 \uD800")).toBe("ok \uD83D\uDE00 ");
  });
});

describe("collapseWhitespace", () => {
  it("joins CJK line wraps without a space and collapses the rest", () => {
    expect(collapseWhitespace("  中文\n  换行 and\nEnglish  \t words ")).toBe("中文换行 and English words");
    expect(collapseWhitespace("no newline   here")).toBe("no newline here");
  });
});
