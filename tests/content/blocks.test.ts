import { describe, expect, it } from "vitest";
import { classifyBlocks } from "../../src/content/blocks.ts";
import { parseMarkdown } from "../../src/content/markdown.ts";
import { compilePatterns } from "../../src/content/patterns.ts";

function kinds(body: string): string[] {
  return classifyBlocks(parseMarkdown(body).tokens, compilePatterns()).map((b) => b.kind);
}

describe("top-level blocks", () => {
  it("classifies each kind", () => {
    const body = [
      "# H",
      "Para.",
      "![a](a.png)",
      "图片说明：说明。",
      "- l",
      "> q",
      "```\nc\n```",
      "***",
      "<div>x</div>",
      "| a |\n|---|\n| 1 |",
    ].join("\n\n");
    expect(kinds(body)).toEqual([
      "heading",
      "paragraph",
      "image",
      "caption",
      "list",
      "blockquote",
      "code",
      "hr",
      "html",
      "table",
    ]);
  });

  it("recognises captions only right after an image: labelled or entirely italic", () => {
    expect(kinds("![a](a.png)\n\n*An italic caption*")).toEqual(["image", "caption"]);
    expect(kinds("![a](a.png)\n\nPhoto: Reuters")).toEqual(["image", "caption"]);
    expect(kinds("![a](a.png)\n\nCaption: Harbour")).toEqual(["image", "caption"]);
    expect(kinds("![a](a.png)\n\n圖片說明：港口")).toEqual(["image", "caption"]);
    expect(kinds("![a](a.png)\n\nPhotographs were taken.")).toEqual(["image", "paragraph"]);
    expect(kinds("Text.\n\n*Italic but no image before*")).toEqual(["paragraph", "paragraph"]);
  });

  it("strips the caption label and keeps image titles", () => {
    const blocks = classifyBlocks(
      parseMarkdown('[![alt](a.png "A title")](https://x.org)\n\n图片说明：阅览区。').tokens,
      compilePatterns(),
    );
    expect(blocks[0]).toMatchObject({
      kind: "image",
      images: [{ src: "a.png", alt: "alt", title: "A title" }],
    });
    expect(blocks[1]).toMatchObject({ kind: "caption", captionText: "阅览区。" });
  });

  it("marks link-only and italic paragraphs", () => {
    const [links, italic, mixed] = classifyBlocks(
      parseMarkdown(
        "[a](https://a.org) | [b](https://b.org)\n\n*all* _italic_\n\n[a](https://a.org) and text",
      ).tokens,
      compilePatterns(),
    );
    expect(links).toMatchObject({ linkOnly: true, italic: false });
    expect(italic).toMatchObject({ linkOnly: false, italic: true });
    expect(mixed).toMatchObject({ linkOnly: false, links: [{ href: "https://a.org", text: "a" }] });
  });
});
