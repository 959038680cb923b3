import matter from "gray-matter";
import YAML from "yaml";
import type { Result } from "./model.ts";
import { type ArticleProblem, problem } from "./problem.ts";

// gray-matter splits front matter from the body; the `yaml` package reads it.
//
// - YAML 1.2 with the core schema: `2024-05-01 10:00` stays a string, so dates.ts can apply the
//   site timezone (and reject `2024-13-45` instead of rolling it over), and `yes`/`no`/`on` stay
//   strings rather than booleans. Duplicate keys are an error.
// - Bounded: an alias bomb ("billion laughs", 10^8 strings from ten lines) is refused after
//   MAX_ALIASES alias expansions instead of eating gigabytes; merge keys are off.
// - YAML only: gray-matter would `eval` `---js` front matter. Every other engine is refused.
// - No cache: gray-matter caches by content only when called without options, which would grow
//   without bound in a long-running watcher and hand out shared objects; options are always passed.

const MAX_ALIASES = 100;
const YAML_OPTIONS = {
  schema: "core",
  uniqueKeys: true,
  merge: false,
  maxAliasCount: MAX_ALIASES,
  logLevel: "error",
} as const;

/** One YAML document → its value; `{}` when empty. */
export function parseYaml(source: string): object {
  return (YAML.parse(source, YAML_OPTIONS) as object | null | undefined) ?? {};
}

class AliasBomb extends Error {}

function parseFrontMatterYaml(source: string): object {
  try {
    return parseYaml(source);
  } catch (e) {
    // `yaml` stops an alias bomb with a ReferenceError while building the value.
    if (e instanceof ReferenceError && /alias/iu.test(e.message)) throw new AliasBomb();
    throw e;
  }
}

class UnsupportedFrontMatterLanguage extends Error {}

function refuse(): never {
  throw new UnsupportedFrontMatterLanguage();
}

const MATTER_OPTIONS = {
  language: "yaml",
  engines: { yaml: parseFrontMatterYaml, javascript: refuse, json: refuse, coffee: refuse },
};

export interface SplitArticle {
  data: Record<string, unknown>;
  body: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const TRAILING_PUNCTUATION = /[.:;,]+$/;

const UNREGISTERED_ENGINE = /^gray-matter engine ".*" is not registered$/u;

export function splitFrontMatter(text: string): Result<SplitArticle, ArticleProblem> {
  let data: unknown;
  let body: string;
  try {
    const file = matter(text, MATTER_OPTIONS as never);
    data = file.data;
    body = file.content;
  } catch (e) {
    if (e instanceof YAML.YAMLError) {
      // gray-matter hands over the block from the end of the `---` line: its line numbers are the file's.
      const line = e.linePos?.[0]?.line;
      const reason = e.message.split("\n", 1)[0]!.replace(/ at line \d+, column \d+:?$/u, "");
      const where = line === undefined ? "" : ` at line ${line}`;
      return {
        ok: false,
        error: problem(
          "yaml",
          `Front matter is not valid YAML${where}: ${reason.replace(TRAILING_PUNCTUATION, "")}.`,
        ),
      };
    }
    if (e instanceof AliasBomb) {
      const message = `Front matter is not valid YAML: more than ${MAX_ALIASES} alias expansions (an alias bomb?).`;
      return { ok: false, error: problem("yaml", message) };
    }
    if (
      e instanceof UnsupportedFrontMatterLanguage ||
      (e instanceof Error && UNREGISTERED_ENGINE.test(e.message))
    ) {
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
  return { ok: true, value: { data, body } };
}
