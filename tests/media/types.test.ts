import { describe, expect, it } from "vitest";
import { imageTypeOfUrl } from "../../src/media/types.ts";

// When a remote cover cannot be fetched, the post announces it with the type its URL names.
describe("imageTypeOfUrl", () => {
  it("reads the extension, whatever its case, ignoring the query", () => {
    expect(imageTypeOfUrl("https://a.example/x/photo.JPG?w=640")).toBe("image/jpeg");
    expect(imageTypeOfUrl("https://a.example/x/photo.webp#top")).toBe("image/webp");
  });

  it("reads a CDN's format parameter when the path has no extension (WeChat, imgix)", () => {
    expect(imageTypeOfUrl("https://mmbiz.qpic.example/mmbiz_jpg/AbC/640?wx_fmt=jpeg&wxfrom=5")).toBe(
      "image/jpeg",
    );
    expect(imageTypeOfUrl("https://images.example/photo-123?fm=png&w=800")).toBe("image/png");
    expect(imageTypeOfUrl("https://pbs.example/media/G1?format=jpg&name=large")).toBe("image/jpeg");
  });

  it("names nothing it cannot stand behind: no extension, an SVG parameter, a page", () => {
    expect(imageTypeOfUrl("https://a.example/media/640")).toBeUndefined();
    expect(imageTypeOfUrl("https://a.example/media/640?format=svg")).toBeUndefined();
    expect(imageTypeOfUrl("https://a.example/article.html")).toBeUndefined();
    expect(imageTypeOfUrl("not a url")).toBeUndefined();
  });
});
