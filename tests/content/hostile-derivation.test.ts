import { describe, expect, it } from "vitest";
import { makeContext, markdown, parseOk } from "./factories.ts";

// Inputs written to break derivation rules: repeated labels, unbalanced brackets, script URLs
// in every place a link or image can hide. Each must parse, and nothing it derives may carry a
// non-http(s) URL into feeds, pages or posts.
const HTTP = /^https?:\/\//u;

describe("derivation on hostile input", () => {
  it("survives a label repeated 50,000 times and still finds the real reprint line", () => {
    const a = parseOk(
      markdown(
        { title: "T" },
        `转载自[南岸晚报](https://nanan.example/a)\n\n${"转载自".repeat(50_000)}\n\n${"Photo: ".repeat(20_000)}\n\n正文第一句。`,
      ),
    );
    expect(a.attribution.via).toEqual({ url: "https://nanan.example/a", name: "南岸晚报" });
  });

  it("survives 20,000 unbalanced fullwidth brackets in a caption and an editor's note", () => {
    const parens = `${"（".repeat(20_000)}${"）".repeat(20_000)}`;
    const a = parseOk(
      markdown(
        { title: "T" },
        `【编者按】${parens}\n![](https://img.example/a.jpg)（图片说明）${parens}\n\n正文。`,
      ),
    );
    expect(a.cover?.url).toBe("https://img.example/a.jpg");
  });

  it("never derives a script URL for the via, the source or the cover", () => {
    const body = [
      "转载自[坏人日报](javascript:alert(1))",
      "信息来源：[标题](vbscript:msgbox(1))",
      '<figure><img src="javascript:alert(2)" alt="x"><figcaption>图：<script>alert(3)</script>说明</figcaption></figure>',
      "![<img src=x onerror=alert(4)>](data:image/svg+xml,<svg onload=alert(5)>)",
      "![ok](https://img.example/ok.jpg)",
      "正文第一句。",
    ].join("\n\n");
    const a = parseOk(markdown({ title: "T" }, body), makeContext());
    for (const url of [a.attribution.via?.url, a.attribution.source?.url, a.cover?.url]) {
      if (url !== undefined) expect(url).toMatch(HTTP);
    }
    // Shown as text is fine; as a link, an image source, a tag or an event handler it is not.
    expect(a.contentHtml).not.toMatch(/(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):/iu);
    expect(a.contentHtml).not.toMatch(/<script|<[^>]+\son[a-z]+\s*=/iu);
  });
});
