import { describe, expect, it } from "vitest";
import { sniffImageType } from "../../src/content/image.ts";
import {
  jpegBytes,
  makeContentDir,
  makeContext,
  markdown,
  parseOk,
  pngBytes,
  SITE,
  writeFile,
} from "./factories.ts";

function parseInDir(root: string, path: string, text: string) {
  writeFile(root, path, text);
  return parseOk(text, makeContext({ contentDir: root }), path);
}

describe("cover image", () => {
  it("describes a local PNG from front matter: MIME, size and length from the bytes", () => {
    const root = makeContentDir();
    const png = pngBytes(3, 2);
    writeFile(root, "foo/cover.png", png);
    const a = parseInDir(
      root,
      "foo/index.md",
      markdown({ title: "T", cover: "cover.png", cover_alt: "A grey box" }, "Body."),
    );
    expect(a.cover).toEqual({
      url: `${SITE}articles/foo/cover.png`,
      alt: "A grey box",
      mediaType: "image/png",
      width: 3,
      height: 2,
      length: png.length,
    });
    expect(a.warnings).toEqual([]);
  });

  it("sniffs the real type when the extension lies (photo.jpg that is a PNG)", () => {
    const root = makeContentDir();
    writeFile(root, "foo/photo.jpg", pngBytes(4, 4));
    const a = parseInDir(root, "foo/index.md", markdown({ title: "T" }, "![Alt](photo.jpg)\n\nBody."));
    expect(a.cover?.mediaType).toBe("image/png");
    expect(a.cover?.url).toBe(`${SITE}articles/foo/photo.jpg`);
  });

  it("reads JPEG dimensions and says image/jpeg, never image/jpg", () => {
    const root = makeContentDir();
    const jpeg = jpegBytes(640, 360);
    writeFile(root, "foo/cover.jpeg", jpeg);
    const a = parseInDir(
      root,
      "foo/index.md",
      markdown({ title: "T", cover: "{url: cover.jpeg, alt: Sea}" }, "Body."),
    );
    expect(a.cover).toMatchObject({
      mediaType: "image/jpeg",
      width: 640,
      height: 360,
      length: jpeg.length,
      alt: "Sea",
    });
  });

  it("falls back to the first body image, taking alt text from its caption when the alt is empty", () => {
    const root = makeContentDir();
    writeFile(root, "foo/a.png", pngBytes(1, 1));
    const a = parseInDir(
      root,
      "foo/index.md",
      markdown({ title: "T" }, "Intro.\n\n![](a.png)\n\n图片说明：晚上九点后的阅览区。\n\n![second](b.png)"),
    );
    expect(a.cover).toMatchObject({
      url: `${SITE}articles/foo/a.png`,
      alt: "晚上九点后的阅览区。",
      mediaType: "image/png",
    });
  });

  it("borrows the body's alt text when the front-matter cover is the same image", () => {
    const root = makeContentDir();
    writeFile(root, "foo/a.png", pngBytes(1, 1));
    const a = parseInDir(
      root,
      "foo/index.md",
      markdown({ title: "T", cover: "./a.png" }, "![The harbour](a.png)"),
    );
    expect(a.cover?.alt).toBe("The harbour");
  });

  it("keeps a remote cover as URL and alt only", () => {
    const a = parseOk(
      markdown({ title: "T", cover: "https://cdn.example.net/c.webp", cover_alt: "C" }, "Body."),
    );
    expect(a.cover).toEqual({ url: "https://cdn.example.net/c.webp", alt: "C" });
  });

  it("warns about a cover without alt text, a missing file and an unsupported type", () => {
    const root = makeContentDir();
    writeFile(root, "foo/cover.bmp", Buffer.from("BM not really an image"));
    const missing = parseInDir(root, "foo/index.md", markdown({ title: "T", cover: "nope.png" }, "Body."));
    expect(missing.cover).toEqual({ url: `${SITE}articles/foo/nope.png` });
    expect(missing.warnings.join("\n")).toMatch(/no alt text/);
    expect(missing.warnings.join("\n")).toMatch(/"nope.png" was not found/);
    const bmp = parseInDir(
      root,
      "bar/index.md",
      markdown({ title: "T", cover: "../foo/cover.bmp", cover_alt: "x" }, "B."),
    );
    expect(bmp.warnings.join("\n")).toMatch(/not found/);
    const odd = parseInDir(
      root,
      "foo/other.md",
      markdown({ title: "T", cover: "cover.bmp", cover_alt: "x" }, "B."),
    );
    expect(odd.cover?.mediaType).toBeUndefined();
    expect(odd.warnings.join("\n")).toMatch(/not a JPEG, PNG/);
  });

  it("warns about body images that are not in the article folder", () => {
    const root = makeContentDir();
    const a = parseInDir(root, "foo/index.md", markdown({ title: "T" }, "- item ![x](missing.png)\n\nText."));
    expect(a.warnings).toContain('Image "missing.png" was not found in the article folder.');
  });

  it("has no cover when the article has no image", () => {
    expect(parseOk(markdown({ title: "T" }, "Text only.")).cover).toBeUndefined();
  });
});

describe("sniffImageType", () => {
  it.each([
    ["image/gif", Buffer.from("GIF89a\x01\x00\x01\x00", "latin1")],
    ["image/webp", Buffer.from("RIFF\x00\x00\x00\x00WEBPVP8 ", "latin1")],
    ["image/avif", Buffer.from("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "latin1")],
    ["image/avif", Buffer.from("\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "latin1")],
    [
      "image/svg+xml",
      Buffer.from('<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
    [undefined, Buffer.from("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "latin1")],
    [undefined, Buffer.from("<html><body>not an image</body></html>")],
  ])("%s", (type, bytes) => {
    expect(sniffImageType(bytes)).toBe(type);
  });
});
