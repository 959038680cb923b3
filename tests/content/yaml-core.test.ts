import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseYaml, splitFrontMatter } from "../../src/content/frontmatter.ts";

// Front matter is parsed with js-yaml and a hand-built YAML 1.2 core schema. The reference is
// the `yaml` package's core schema (what Herald used before, and still uses for config): every
// scalar below must come out the same, so switching parsers changes no article.

const CORE = new YAML.Schema({ schema: "core" });
const reference = (source: string): unknown =>
  YAML.parse(source, { schema: CORE, uniqueKeys: true, logLevel: "error" }) ?? {};

const SCALARS = [
  ...["10:30", "190:20:30", "1:2:3", "0123", "007", "00", "1_000", "1__0", "1,000", "0o17", "0o8", "+0o7"],
  ...["0x1F", "0xZZ", "-0x1", "0b101", "+12", "-0", "1e3", "1.5e-2", "1e", ".5", "5.", "+.5", "1.", "0."],
  ...["12.0", "0.1", "3.14159265358979323846", "123456789012345678901234", ".inf", "-.Inf", "+.INF"],
  ...[".NaN", ".nan", "NaN", "Infinity", "~", "null", "Null", "NULL", "nULL", "", "true", "True", "TRUE"],
  ...["tRUE", "false", "yes", "no", "on", "off", "y", "n", "Yes", "2024-05-01", "2024-13-45"],
  ...["2024-05-01 10:00:00", "2024-05-01T10:00:00Z", "=", "-", "'quoted'", '"dq"', "'0123'", "!!str 12"],
  ...["[1, 2, '3', 0x10, null, yes]", "{a: 1, b: [true, ~]}", "张三", "'  Spaced  '", "a: b"],
];

describe("front matter YAML (js-yaml, YAML 1.2 core schema)", () => {
  it.each(SCALARS)("reads %j like the yaml package's core schema", (scalar) => {
    const source = `k: ${scalar}\nlist:\n  - ${scalar}\n`;
    let expected: unknown;
    try {
      expected = reference(source);
    } catch {
      expect(() => parseYaml(source)).toThrow();
      return;
    }
    expect(parseYaml(source)).toEqual(expected);
  });

  it("agrees on nested structures, block scalars, anchors and comments", () => {
    const source = [
      "title: 'It''s: a test' # comment",
      "author:",
      "  - {name: Li Wei, url: 'https://li.example/'}",
      "  - name: Maren Holt",
      "summary: >",
      "  Folded",
      "  text.",
      "body: |",
      "  Literal",
      "    indented",
      "base: &b {x: 1}",
      "copy: *b",
      "empty:",
      'quoted: "tab\\there \\u00e9"',
    ].join("\n");
    expect(parseYaml(source)).toEqual(reference(source));
  });

  it("rejects duplicate keys and reports the line in the file", () => {
    const dup = splitFrontMatter("---\ntitle: A\ndate: 2024-01-01\ntitle: B\n---\nBody.");
    expect(dup.ok).toBe(false);
    if (!dup.ok)
      expect(dup.error.message).toMatch(/^Front matter is not valid YAML at line \d+: .*duplicate.*\.$/i);
    const bad = splitFrontMatter("---\ntitle: T\ntags: [a, b\ndate: 2024-05-01\n---\nBody.");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/^Front matter is not valid YAML at line [3-5]: /);
  });

  it("does not construct dates or run code", () => {
    expect(parseYaml("d: 2024-05-01")).toEqual({ d: "2024-05-01" });
    expect(() => parseYaml("f: !!js/function 'function () {}'")).toThrow();
    expect(() => parseYaml("t: !!timestamp 2024-05-01")).toThrow();
  });
});

// splitRaw replaced gray-matter's split: same body and block on every edge of its rules.
describe("front matter split (gray-matter 4's rules)", () => {
  const CASES = [
    "",
    "No front matter.",
    "---\ntitle: A\n---\nBody.",
    "---\ntitle: A\n---\n\nBody after a blank line.",
    "---\ntitle: A\n---",
    "---\ntitle: A\n---\r\nCR body",
    "---\ntitle: A\nmore: no closing delimiter",
    "----\ntitle: A\n----\nFour dashes open nothing.",
    "---yaml\ntitle: A\n---\nLanguage named.",
    "--- \ntitle: A\n---\nTrailing space after the opener.",
    "---\n# only a comment\n---\nBody.",
    "---\n---\nEmpty block.",
    "---\ntitle: A\n----\nLonger closer.",
    "---\ntitle: A\n---more\nCloser with text.",
    "\ufeff---\ntitle: BOM\n---\nBody.",
    " ---\ntitle: A\n---\nIndented opener.",
    "---\ntitle: A\n---\n---\nA second block stays in the body.",
  ];
  const OPTIONS = { engines: { yaml: (s: string) => parseYaml(s) } };
  it.each(CASES)("%j", async (text) => {
    const { default: matter } = await import("gray-matter");
    const expected = matter(text, OPTIONS as never);
    const got = splitFrontMatter(text);
    expect(got.ok).toBe(true);
    if (got.ok) {
      expect(got.value.body).toBe(expected.content);
      expect(got.value.data).toEqual(expected.data);
    }
  });
});
