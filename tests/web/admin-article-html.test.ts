// The two renderings of the dashboard's article view, on hostile HTML: Mastodon's allow-list for
// the post, a reader's view of the feed item, and the pictures the dashboard may load.
import { describe, expect, it } from "vitest";
import { mastodonHtml, pictureHtml, readerHtml } from "../../src/web/admin/article-html.ts";

const SITE = "https://news.example.org";

describe("mastodonHtml", () => {
  it("keeps Mastodon's elements and drops the rest, keeping their text but not a script's", () => {
    const html = mastodonHtml(
      '<h2>Head</h2><p>One <em>two</em> <u>three</u><img src="https://x.example/a.png" alt="pic"></p>' +
        "<table><tr><td>cell</td></tr></table><script>alert(1)</script><style>p{}</style>" +
        "<blockquote><ul><li>item</li></ul></blockquote><pre><code>x &lt; y</code></pre>",
    );
    expect(html).toBe(
      "Head<p>One <em>two</em> <u>three</u></p>cell<blockquote><ul><li>item</li></ul></blockquote><pre><code>x &lt; y</code></pre>",
    );
  });

  it("keeps http(s) links with Mastodon's rel, hashtag classes, and no other attribute", () => {
    const html = mastodonHtml(
      '<p onclick="x()" class="lead"><a href="javascript:alert(1)">bad</a> ' +
        '<a href="https://news.example.org/tags/t/" class="mention hashtag evil" style="color:red" target="_top">#<span class="x">t</span></a></p>',
    );
    expect(html).toBe(
      '<p><a rel="nofollow noopener noreferrer">bad</a> <a href="https://news.example.org/tags/t/" class="mention hashtag" rel="nofollow noopener noreferrer">#<span>t</span></a></p>',
    );
  });
});

describe("readerHtml", () => {
  it("loads the site's own pictures by path and links every other one, alt text shown", () => {
    const html = readerHtml(
      `<p><img src="${SITE}/articles/a/photo.png?v=2" alt="ours" width="4" height="3" srcset="https://cdn.example/big.png 2x"></p>` +
        '<p><img src="https://cdn.example/x.jpg" alt="&quot;theirs&quot; &lt;b&gt;"></p>' +
        '<picture><source srcset="https://cdn.example/x.avif"><img src="photo.png" alt=""></picture>',
      `${SITE}/articles/a/`,
      SITE,
    );
    expect(html).toBe(
      '<p><img src="/articles/a/photo.png?v=2" alt="ours" width="4" height="3" /></p>' +
        '<p><a href="https://cdn.example/x.jpg" class="remote-image">Image on another site, not loaded here: https://cdn.example/x.jpg (alt: "theirs" &lt;b&gt;)</a></p>' +
        '<picture><img src="/articles/a/photo.png" alt="" /></picture>',
    );
  });

  it("sanitizes again: no script, handler or javascript: URL survives, media become links", () => {
    const html = readerHtml(
      '<p onmouseover="x()">Hi<script>alert(1)</script><a href="javascript:alert(2)">link</a></p>' +
        '<video src="https://cdn.example/v.mp4" poster="https://cdn.example/p.jpg"></video><iframe src="https://x.example"></iframe>',
      `${SITE}/articles/a/`,
      SITE,
    );
    expect(html).toBe(
      '<p>Hi<a>link</a></p><a href="https://cdn.example/v.mp4" class="remote-image">Video, not played here: https://cdn.example/v.mp4</a>',
    );
  });
});

describe("pictureHtml", () => {
  it("shows the site's own picture with its alt and size, escapes everything, links others", () => {
    expect(
      pictureHtml({ url: `${SITE}/articles/a/p.png`, alt: '"><script>', width: 4, height: 3 }, SITE),
    ).toBe('<img src="/articles/a/p.png" alt="&quot;&gt;&lt;script&gt;" width="4" height="3">');
    expect(pictureHtml({ url: "https://cdn.example/p.png?a=1&b=2", alt: null }, SITE)).toBe(
      '<a class="remote-image" href="https://cdn.example/p.png?a=1&amp;b=2">Image on another site, not loaded here: https://cdn.example/p.png?a=1&amp;b=2</a>',
    );
    expect(pictureHtml({ url: "javascript:alert(1)", alt: "x" }, SITE)).toBe(
      '<span class="remote-image">Image on another site, not loaded here: javascript:alert(1) (alt: x)</span>',
    );
  });
});
