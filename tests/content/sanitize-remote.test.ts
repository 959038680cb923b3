// Replies from the fediverse on Herald's pages: what the remote allow-list keeps and drops.
import { describe, expect, it } from "vitest";
import { sanitizeRemoteHtml } from "../../src/content/sanitize.ts";

const BASE = "https://m.example/@ann/1";

describe("sanitizeRemoteHtml", () => {
  it("keeps text markup and http(s) links, marked as user content without a referrer", () => {
    expect(
      sanitizeRemoteHtml(
        '<p>Hi <a href="https://m.example/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a> <em>and</em> <a href="/rel">rel</a></p>',
        BASE,
      ),
    ).toBe(
      '<p>Hi <a href="https://m.example/tags/x" rel="nofollow ugc noopener noreferrer">#<span>x</span></a> <em>and</em> <a href="https://m.example/rel" rel="nofollow ugc noopener noreferrer">rel</a></p>',
    );
  });

  it("drops scripts, handlers, styles, images, frames and unsafe links", () => {
    const hostile =
      '<p onclick="x()" style="color:red">A<script>alert(1)</script><img src="https://m.example/t.png" onerror="x()">' +
      '<a href="javascript:alert(1)">B</a><a href="data:text/html,x">C</a><iframe src="https://m.example/f"></iframe>' +
      '<svg onload="x()"><circle/></svg><style>p{}</style><a href="//evil.example/">D</a></p>';
    expect(sanitizeRemoteHtml(hostile, BASE)).toBe(
      '<p>A<a>B</a><a>C</a><a href="https://evil.example/" rel="nofollow ugc noopener noreferrer">D</a></p>',
    );
  });
});
