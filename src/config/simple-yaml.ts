// The YAML most config files are: nested `key: value` lines, comments, plain or quoted one-line
// scalars. Read here in a few lines, so loading config does not load the `yaml` package (72 modules,
// about a third of Node's own start-up). Anything else (lists, flow collections, anchors, tags,
// multi-line or escaped scalars, numbers other than plain integers, tabs, CRLF) is left to `yaml`,
// and so is every error: this answers UNSURE, never a different reading. What it returns is what
// `yaml` parses the same text to (YAML 1.2, core schema), keys in the same order;
// tests/config/simple-yaml.test.ts holds it to that against `yaml` itself.

export const UNSURE: unique symbol = Symbol("unsure");

const LINE = /^( *)([A-Za-z_][A-Za-z0-9_]*):(?=$| )(.*)$/;
const NOTHING = /^ *(?:#.*)?$/;
const DOUBLE = /^"([^"\\\p{Cc}]*)"(?: +(?:#.*)?)?$/u;
const SINGLE = /^'([^'\p{Cc}]*)'(?: +(?:#.*)?)?$/u;
/**
 * A plain scalar that can only be a string: a letter, `/`, `./` or `../` first (never a number, a
 * `.inf` or an indicator such as `&`, `*`, `!`, `[`, `-`), and no `#` (this reader leaves a `#`
 * that is not a comment to `yaml`). Indicators are plain characters after the first.
 */
const PLAIN = /^(?:[\p{L}/]|\.{1,2}\/)[^#\p{Cc}]*$/u;
/** Plain scalars that resolve to something else, or that this reader leaves to `yaml`. */
const SPECIAL = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);
/** Characters YAML may take as line breaks or a byte-order mark, and tabs: left to `yaml`. */
const AWKWARD = /[\t\r\u0085\u2028\u2029\uFEFF\uFFFE\uFFFF]/;

type Mapping = Record<string, unknown>;

/** The value `yaml` reads `text` as (`null` for an empty document), or UNSURE. */
export function parseSimpleYaml(text: string): unknown {
  if (AWKWARD.test(text)) return UNSURE;
  let root: Mapping | null = null;
  // Open mappings, innermost last, each with the indentation of its keys.
  const open: { indent: number; map: Mapping }[] = [];
  // A key whose value is on the lines below (a mapping), or null if none follows.
  let pending: { map: Mapping; key: string; indent: number } | undefined;
  for (const line of text.split("\n")) {
    if (NOTHING.test(line)) continue;
    const m = LINE.exec(line);
    if (!m) return UNSURE;
    const indent = m[1]!.length;
    const key = m[2]!;
    const rest = m[3]!;
    if (SPECIAL.has(key) || key === "__proto__") return UNSURE;
    if (root === null) {
      // The top mapping's keys start at the margin (an indented first key is taken as UNSURE below).
      root = {};
      open.push({ indent: 0, map: root });
    }
    if (pending && indent > pending.indent) {
      const map: Mapping = {};
      pending.map[pending.key] = map;
      open.push({ indent, map });
    } else {
      while (indent < open.at(-1)!.indent) open.pop();
    }
    pending = undefined;
    const top = open.at(-1)!;
    if (indent !== top.indent || Object.hasOwn(top.map, key)) return UNSURE;
    if (NOTHING.test(rest)) {
      top.map[key] = null;
      pending = { map: top.map, key, indent };
      continue;
    }
    const value = scalar(rest.trimStart());
    if (value === UNSURE) return UNSURE;
    top.map[key] = value;
  }
  return root;
}

function scalar(text: string): unknown {
  const quoted = DOUBLE.exec(text) ?? SINGLE.exec(text);
  if (quoted) return quoted[1];
  // A comment starts at a `#` after a space; this reader takes no `#` in a plain scalar at all.
  const plain = text.replace(/ +#.*$/, "").trimEnd();
  if (/^(?:0|[1-9]\d{0,14})$/.test(plain)) return Number(plain);
  if (plain === "true" || plain === "false") return plain === "true";
  if (!PLAIN.test(plain) || SPECIAL.has(plain) || plain.includes(": ") || plain.endsWith(":")) return UNSURE;
  return plain;
}
