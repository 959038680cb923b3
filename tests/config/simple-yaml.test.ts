import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseSimpleYaml, UNSURE } from "../../src/config/simple-yaml.ts";

// The simple reader may leave any text to `yaml`, but what it reads must be what `yaml` reads:
// the same values, the same keys in the same order.

/** "simple" when the reader took the text (and agreed with `yaml`), "yaml" when it left it. */
function agree(text: string): "simple" | "yaml" {
  const simple = parseSimpleYaml(text);
  if (simple === UNSURE) return "yaml";
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  expect(doc.errors, `yaml rejects what the simple reader took: ${JSON.stringify(text)}`).toEqual([]);
  const parsed = doc.toJS();
  expect(simple, JSON.stringify(text)).toStrictEqual(parsed);
  expect(JSON.stringify(simple)).toBe(JSON.stringify(parsed));
  return "simple";
}

/** mulberry32: the same documents every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  "site",
  "url",
  "dir",
  "a",
  "b",
  "_x",
  "port",
  "null",
  "True",
  "yes",
  "on",
  "__proto__",
  "toString",
];
/** What may follow `key:`, plain, quoted, commented, or broken. */
const VALUES = [
  "",
  " ",
  " # a comment",
  " news",
  " Herald 新闻转载",
  "  two  spaces  ",
  " https://news.example.org/",
  " Asia/Shanghai",
  " ../content",
  " ./data",
  " .inf",
  " .5",
  " 0",
  " 8080",
  " 08080",
  " -1",
  " +1",
  " 1.5",
  " 1e3",
  " 0x1F",
  " 0o17",
  " 123456789012345678",
  " 0.0.0.0",
  " 2024-01-01",
  " 12:30",
  " true",
  " false",
  " True",
  " FALSE",
  " yes",
  " no",
  " on",
  " null",
  " Null",
  " ~",
  " NaN",
  " Infinity",
  " a: b",
  " a:b",
  " value:",
  " C#",
  " news #1",
  " news#1",
  ' "*/5 * * * *"',
  ' "quoted # not a comment"',
  ' "a\\nb"',
  ' "unterminated',
  ' ""',
  " '*/15 * * * *'",
  " 'it''s'",
  " ''",
  ' "x"#c',
  ' "x" # c',
  ' "x"y',
  " &anchor value",
  " *alias",
  " !tag value",
  " [a, b]",
  " {a: b}",
  " - item",
  " |",
  " >",
  " @at",
  " `tick`",
  " %pct",
  " a, b",
  " ?q",
  " Herald's news",
  " a, b, c",
  " x [y] {z}",
  " a & b * c ! d | e > f % g @ h ` i",
  ' say "hi"',
  " a -b ?c :d",
  " a :b",
  " a - b",
  " /x: y",
  " ./x",
  " ...",
  " .../x",
  " -dash",
  " [x",
  ":nospace",
];

/** A document of mostly well-formed nesting, with keys and values from the lists above. */
function document(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const lines: string[] = [];
  const count = 1 + Math.floor(next() * 8);
  // Indentations of the mappings open at this point, innermost last.
  const open = [0];
  let opened = false;
  for (let i = 0; i < count; i++) {
    if (next() < 0.08) lines.push(pick(["", "# comment", "   # indented comment", "  ", "---", "- x"]));
    let indent: number;
    if (next() < 0.05) indent = Math.floor(next() * 6);
    else if (opened && next() < 0.8) indent = open.at(-1)! + pick([1, 2, 2, 4]);
    else indent = open[Math.floor(next() * open.length)]!;
    while (open.at(-1)! > indent) open.pop();
    if (open.at(-1)! < indent) open.push(indent);
    const key = next() < 0.9 ? `k${Math.floor(next() * 12)}` : pick(KEYS);
    const value = next() < 0.25 ? pick(["", " # opens a mapping"]) : pick(VALUES);
    opened = value === "" || value.startsWith(" #");
    lines.push(`${" ".repeat(indent)}${key}:${value}`);
  }
  return lines.join("\n") + pick(["\n", "", "\n\n", "\n# end\n"]);
}

describe("simple YAML reader", () => {
  it("reads the example config file as yaml does", () => {
    const text = readFileSync(join(import.meta.dirname, "../../config/herald.yaml"), "utf8");
    expect(agree(text)).toBe("simple");
  });

  it("reads nested keys, comments and one-line scalars as yaml does", () => {
    const taken = [
      "",
      "# only a comment\n",
      "site:\n  url: https://news.example.org/\n  timezone: Asia/Shanghai\n",
      "content:\n  dir: content\ndata:\n  dir: data\n",
      "a:\nb: 1\n",
      "a:\n  # comment\nb: 2",
      "a:\n    b:\n        c: 'x'\n    d: \"y\" # trailing\ne: false\n",
      'schedule:\n  scan: "*/5 * * * *"\n  feeds: false\n',
      "server:\n  port: 0\n  host: localhost\n",
    ];
    for (const text of taken) expect(agree(text), JSON.stringify(text)).toBe("simple");
    const left = [
      "a: [1, 2]",
      "a:\n  - x",
      "a: b\n  c",
      "a:\n  b: 1\n c: 2",
      "a: 1\na: 2",
      "a:\r\n  b: 1",
      "a:\tb",
      "  a: 1",
      "a: &x 1\nb: *x",
      'a: "esc\\"aped"',
      "a: |\n  block",
      "a: 0.0.0.0",
      "---\na: 1",
      "a: b: c",
    ];
    for (const text of left) expect(agree(text), JSON.stringify(text)).toBe("yaml");
  });

  it("agrees with yaml on thousands of generated documents", () => {
    const next = random(11);
    let taken = 0;
    for (let i = 0; i < 5000; i++) if (agree(document(next)) === "simple") taken++;
    // Not vacuous: many of them are read here.
    expect(taken).toBeGreaterThan(500);
  });
});
