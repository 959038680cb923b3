import jsYaml from "js-yaml";
import type { Result } from "./model.ts";
import { type ArticleProblem, problem } from "./problem.ts";

// Splits front matter from the body, the way gray-matter 4 does (see splitRaw), and reads it as YAML.

// Front matter is read as YAML 1.2 with the core schema: `2024-05-01 10:00` stays a string, so
// dates.ts can apply the site timezone (and reject `2024-13-45` instead of rolling it over), and
// `yes`/`no`/`on` stay strings rather than booleans.
//
// js-yaml (several times faster than the `yaml` package here) ships a CORE_SCHEMA whose numbers
// are still YAML 1.1's: `10:30` is the sexagesimal 630, `0123` octal 83, `1_000` is 1000. So the
// implicit scalar types are defined here to match YAML 1.2's core schema exactly (the same
// rules as `yaml` with `schema: "core"`, which Herald used before); tests/content/frontmatter
// checks both agree on a list of tricky scalars.

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const nullType = new jsYaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (data: string | null) => data === null || NULL.test(data),
  construct: () => null,
  predicate: (value: unknown) => value === null,
});
const boolType = new jsYaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (data: string | null) => data !== null && BOOL.test(data),
  construct: (data: string) => data[0] === "t" || data[0] === "T",
  predicate: (value: unknown) => typeof value === "boolean",
});
const intType = new jsYaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string | null) =>
    data !== null && (INT_DEC.test(data) || INT_HEX.test(data) || INT_OCT.test(data)),
  construct: (data: string) =>
    data.startsWith("0x")
      ? Number.parseInt(data.slice(2), 16)
      : data.startsWith("0o")
        ? Number.parseInt(data.slice(2), 8)
        : Number.parseInt(data, 10),
  predicate: (value: unknown) => Number.isInteger(value),
});
const floatType = new jsYaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (data: string | null) => data !== null && (FLOAT.test(data) || FLOAT_SPECIAL.test(data)),
  construct: (data: string) => {
    if (!FLOAT_SPECIAL.test(data)) return Number.parseFloat(data);
    if (data.slice(-3).toLowerCase() === "nan") return Number.NaN;
    return data[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  },
  predicate: (value: unknown) => typeof value === "number",
});

/** YAML 1.2 core schema: strings, sequences, mappings, null, bool, int, float. No timestamps, no merge keys. */
export const YAML_CORE_SCHEMA = new jsYaml.Schema({
  include: [jsYaml.FAILSAFE_SCHEMA],
  implicit: [nullType, boolType, intType, floatType],
});

/** One YAML document → its value; `{}` when empty. Duplicate keys are an error (js-yaml's default). */
export function parseYaml(source: string): object {
  return (jsYaml.load(source, { schema: YAML_CORE_SCHEMA }) as object | null | undefined) ?? {};
}

class UnsupportedFrontMatterLanguage extends Error {}

const YAML_NAMES = new Set(["yaml", "yml"]);
const COMMENT_LINES = /^\s*#[^\n]+/gm;
const LINE_END = /\r?\n/;

/**
 * gray-matter 4's split (which Herald used before), without its costs: it looked every file up
 * in its global cache keyed by the whole text and encoded the text to a Buffer it never used.
 * Same rules: `---` opens only at the very start and not as `----`; an optional language name
 * follows it on the first line; the block ends at the first `\n---`; a block of nothing but
 * comments is empty; one line break after the closing delimiter is dropped.
 */
export function splitRaw(input: string): { matter: string | undefined; language: string; body: string } {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (!text.startsWith("---") || text.charAt(3) === "-")
    return { matter: undefined, language: "yaml", body: text };
  let rest = text.slice(3);
  const len = rest.length;
  // gray-matter reads the language up to the first line break (all but the last character when there is none).
  const raw = rest.slice(0, rest.search(LINE_END));
  const language = raw.trim();
  if (language !== "") rest = rest.slice(raw.length);
  let close = rest.indexOf("\n---");
  if (close === -1) close = len;
  const matter = rest.slice(0, close);
  let body = "";
  if (close !== len) {
    body = rest.slice(close + 4);
    if (body[0] === "\r") body = body.slice(1);
    if (body[0] === "\n") body = body.slice(1);
  }
  return { matter, language: language === "" ? "yaml" : language, body };
}

function parseBlock(matter: string | undefined, language: string): unknown {
  if (matter === undefined || matter.replace(COMMENT_LINES, "").trim() === "") return {};
  // `---js` and friends: gray-matter would `eval` JavaScript front matter. Never run code.
  if (!YAML_NAMES.has(language.toLowerCase())) throw new UnsupportedFrontMatterLanguage(language);
  return parseYaml(matter);
}

export interface SplitArticle {
  data: Record<string, unknown>;
  body: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const TRAILING_PUNCTUATION = /[.:;,]+$/;

export function splitFrontMatter(text: string): Result<SplitArticle, ArticleProblem> {
  const split = splitRaw(text);
  let data: unknown;
  try {
    data = parseBlock(split.matter, split.language);
  } catch (e) {
    if (e instanceof jsYaml.YAMLException) {
      // mark.line is 0-based within the YAML; +2: the opening `---` is line 1 of the file.
      const line = (e as { mark?: { line?: number } }).mark?.line;
      const reason = String((e as { reason?: string }).reason ?? e.message).replace(TRAILING_PUNCTUATION, "");
      const where = line === undefined ? "" : ` at line ${line + 2}`;
      return { ok: false, error: problem("yaml", `Front matter is not valid YAML${where}: ${reason}.`) };
    }
    if (e instanceof UnsupportedFrontMatterLanguage) {
      return {
        ok: false,
        error: problem("yaml", "Front matter must be YAML (plain `---`), not another language."),
      };
    }
    throw e;
  }
  if (!isPlainObject(data)) {
    return { ok: false, error: problem("yaml", "Front matter must be a YAML mapping of keys to values.") };
  }
  return { ok: true, value: { data, body: split.body } };
}
