import { describe, expect, it } from "vitest";
import { parseYaml, splitFrontMatter } from "../../src/content/frontmatter.ts";

// Front matter is split by gray-matter and read by the `yaml` package with the YAML 1.2 core
// schema. These are the scalars editors trip over: each must come out as YAML 1.2 says, never
// as YAML 1.1 (sexagesimal, octal, yes/no booleans, timestamps) would read it.
const SCALARS: Array<[string, unknown]> = [
  ["10:30", "10:30"],
  ["190:20:30", "190:20:30"],
  ["0123", 123],
  ["007", 7],
  ["1_000", "1_000"],
  ["1,000", "1,000"],
  ["0o17", 15],
  ["0x1F", 31],
  ["0b101", "0b101"],
  ["+12", 12],
  ["1e3", 1000],
  [".5", 0.5],
  [".inf", Number.POSITIVE_INFINITY],
  ["-.Inf", Number.NEGATIVE_INFINITY],
  ["~", null],
  ["", null],
  ["Null", null],
  ["nULL", "nULL"],
  ["true", true],
  ["TRUE", true],
  ["tRUE", "tRUE"],
  ["yes", "yes"],
  ["no", "no"],
  ["on", "on"],
  ["y", "y"],
  ["2024-05-01", "2024-05-01"],
  ["2024-13-45", "2024-13-45"],
  ["2024-05-01 10:00:00", "2024-05-01 10:00:00"],
  ["'0123'", "0123"],
  ["!!str 12", "12"],
  ["张三", "张三"],
  ["[1, '3', 0x10, null, yes]", [1, "3", 16, null, "yes"]],
];

describe("front matter YAML (YAML 1.2 core schema)", () => {
  it.each(SCALARS)("reads %j as %j", (scalar, expected) => {
    expect(parseYaml(`k: ${scalar}\n`)).toEqual({ k: expected });
  });

  it("reads nested structures, block scalars, anchors and comments", () => {
    const source = [
      "title: 'It''s: a test' # comment",
      "author:",
      "  - {name: Li Wei, url: 'https://li.example/'}",
      "summary: >",
      "  Folded",
      "  text.",
      "body: |",
      "  Literal",
      "base: &b {x: 1}",
      "copy: *b",
      "empty:",
    ].join("\n");
    expect(parseYaml(source)).toEqual({
      title: "It's: a test",
      author: [{ name: "Li Wei", url: "https://li.example/" }],
      summary: "Folded text.\n",
      body: "Literal\n",
      base: { x: 1 },
      copy: { x: 1 },
      empty: null,
    });
  });

  it("rejects duplicate keys and reports the line in the file", () => {
    const dup = splitFrontMatter("---\ntitle: A\ndate: 2024-01-01\ntitle: B\n---\nBody.");
    expect(dup.ok).toBe(false);
    if (!dup.ok)
      expect(dup.error.message).toMatch(/^Front matter is not valid YAML at line 4: .*unique.*\.$/i);
    const bad = splitFrontMatter("---\ntitle: T\ntags: [a, b\ndate: 2024-05-01\n---\nBody.");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/^Front matter is not valid YAML at line [3-5]: /);
  });

  it("does not construct dates or run code", () => {
    expect(parseYaml("d: 2024-05-01")).toEqual({ d: "2024-05-01" });
    for (const language of ["js", "javascript", "json", "coffee", "toml"]) {
      const r = splitFrontMatter(
        `---${language}\n{ title: (() => { throw new Error("ran") })() }\n---\nBody.`,
      );
      expect(r.ok, language).toBe(false);
      if (!r.ok)
        expect(r.error.message).toBe("Front matter must be YAML (plain `---`), not another language.");
    }
  });

  it("refuses an alias bomb, naming it, instead of expanding it", () => {
    // Nine levels of ten aliases each: 10^9 strings if expanded.
    const lines = ['a0: &a0 "lol"'];
    for (let i = 1; i <= 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    const r = splitFrontMatter(`---\ntitle: T\n${lines.join("\n")}\n---\nBody.`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^Front matter is not valid YAML.*alias/iu);
  });

  it("never shares state between two parses of the same text (no gray-matter cache)", () => {
    const text = "---\ntitle: A\ntags: [x]\n---\nBody.";
    const first = splitFrontMatter(text);
    if (first.ok) (first.value.data.tags as string[]).push("mutated");
    const second = splitFrontMatter(text);
    expect(second.ok && second.value.data.tags).toEqual(["x"]);
  });
});

// gray-matter's split rules, as editors meet them.
describe("front matter split", () => {
  const CASES: Array<[string, string, Record<string, unknown>]> = [
    ["", "", {}],
    ["No front matter.", "No front matter.", {}],
    ["---\ntitle: A\n---\nBody.", "Body.", { title: "A" }],
    ["---\ntitle: A\n---\n\nBody after a blank line.", "\nBody after a blank line.", { title: "A" }],
    ["---\ntitle: A\n---", "", { title: "A" }],
    ["---\ntitle: A\n---\r\nCR body", "CR body", { title: "A" }],
    [
      "----\ntitle: A\n----\nFour dashes open nothing.",
      "----\ntitle: A\n----\nFour dashes open nothing.",
      {},
    ],
    ["---yaml\ntitle: A\n---\nLanguage named.", "Language named.", { title: "A" }],
    ["---\n# only a comment\n---\nBody.", "Body.", {}],
    ["\ufeff---\ntitle: BOM\n---\nBody.", "Body.", { title: "BOM" }],
    [
      "---\ntitle: A\n---\n---\nA second block stays in the body.",
      "---\nA second block stays in the body.",
      { title: "A" },
    ],
  ];
  it.each(CASES)("%j", (text, body, data) => {
    const got = splitFrontMatter(text);
    expect(got.ok).toBe(true);
    if (got.ok) {
      expect(got.value.body).toBe(body);
      expect(got.value.data).toEqual(data);
    }
  });
});
