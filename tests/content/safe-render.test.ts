import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/generate.ts";
import { splitFrontMatter } from "../../src/content/frontmatter.ts";
import { parseMarkdown, renderArticleHtml, renderViaSanitizer } from "../../src/content/markdown.ts";
import { safeToRenderDirectly } from "../../src/content/safe-render.ts";
import { makeContentDir } from "./factories.ts";

// renderArticleHtml skips sanitize-html for Markdown without raw HTML and renders the tokens
// directly. That is only allowed because the bytes are the same: content hashes (and so
// federated Updates) depend on them. Both paths must agree on everything below.

const BASE = "https://news.example.org/2024/post/";

function both(markdown: string): { direct: string; sanitized: string; fast: boolean } {
  const parsed = parseMarkdown(markdown);
  const fast = safeToRenderDirectly(parsed.tokens);
  const sanitized = renderViaSanitizer(parseMarkdown(markdown), BASE);
  return { direct: renderArticleHtml(parsed, BASE), sanitized, fast };
}

const SAMPLES: string[] = [
  'Plain *em* **strong** ~~gone~~ `code <b>&amp;</b> "q"` & < > " \' text.',
  "Line one\nline two  \nhard break\\\nagain",
  '# H1\n## H2 with [link](/rel/path?a=1&b=2 "Title & <q>")\n###### H6',
  "[rel](../up) [abs](https://x.example/a b) [mail](mailto:a@b.org) [ftp](ftp://x.org/f) [empty]()",
  "[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [data](data:text/html,x) [vb](vbscript:x)",
  '![alt *text* `c`](img/a.png "T") ![](data:image/png;base64,AAAA) ![x](//cdn.example/x.png)',
  "![](../../../etc/passwd) ![a\nb](https://i.example/p.jpg) [![inner](a.png)](https://l.example/)",
  "www.example.com and https://auto.example/x?y=1&z=2 and user@example.org linkified",
  "> quote\n>\n> > nested\n\n- a\n- b\n  - c\n\n1. one\n2. two\n\n3) three\n\n7. seven\n8. eight",
  "- loose\n\n- list\n\n  para\n\n* [ ] task",
  '```js\nconst a = "<x>" && b;\n```\n\n```c++ extra words\nx\n```\n\n```{.weird"quote}\ny\n```\n\n~~~\nno info\n~~~',
  '    indented code <tag> & "quotes"\n\n---\n\n***',
  '| a | b | c |\n|:--|:-:|--:|\n| 1 | **2** | [3](x) |\n| `|` | & | " |',
  "Entities: &copy; &nbsp; &#x41; &#0; &amp;lt; &quot; &unknown;",
  "Control \u0007 char and ]]> and \uFFFE.",
  '[ref][1] and ![img][2]\n\n[1]: /a "T"\n[2]: ./b.png',
  "Setext\n===\n\nAlso\n---",
  "<b>raw</b> inline html goes the slow way",
  "<div onclick=x>raw block</div>\n\n<script>alert(1)</script>",
  "中文段落，**强调**。\n第二行\n\n![图片说明](https://img.example/海.jpg)",
  "Backslash \\<not a tag\\> and \\& and <https://autolink.example/a?b=<c>> <mailto:x@y.org>",
];

describe("direct rendering matches sanitize-html byte for byte", () => {
  it.each(SAMPLES)("%j", (markdown) => {
    const { direct, sanitized } = both(markdown);
    expect(direct).toBe(sanitized);
  });

  it("takes the direct path only without raw HTML", () => {
    expect(both("Just *text*.").fast).toBe(true);
    expect(both("Some <b>raw</b> HTML.").fast).toBe(false);
    expect(both("<div>block</div>").fast).toBe(false);
    expect(both("![a <i>b</i>](x.png)").fast).toBe(false);
  });

  it("keeps the guarantees on the direct path", () => {
    const { direct, fast } = both(
      "[a](javascript:alert(1)) [b](data:text/html,x) ![c](data:image/png;base64,AA) ![d](rel.png)\n\n| x |\n|:-:|\n| y |",
    );
    expect(fast).toBe(true);
    expect(direct).not.toMatch(/(?:href|src)="(?:javascript|data):|style=|<script|<iframe| on\w+=/i);
    expect(direct).toContain("[a](javascript:alert(1))"); // left as text, as markdown-it does
    expect(direct).toContain(`<img src="${BASE}rel.png" alt="d" loading="lazy" />`);
    expect(direct).toContain('<td align="center">');
  });

  const corpus = makeContentDir();
  afterAll(() => rmSync(corpus, { recursive: true, force: true }));

  it("on a generated corpus (the benchmark's articles)", () => {
    generateCorpus(corpus, 300, { seed: 7 });
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith(".md")) files.push(join(dir, e.name));
      }
    };
    walk(corpus);
    expect(files.length).toBe(300);
    let direct = 0;
    for (const file of files) {
      const split = splitFrontMatter(readFileSync(file, "utf8"));
      if (!split.ok) continue;
      const r = both(split.value.body);
      if (r.fast) direct++;
      expect(r.direct, file).toBe(r.sanitized);
    }
    expect(direct).toBeGreaterThan(0);
  });
});
