import matter from "gray-matter";
import YAML from "yaml";
import type { Result } from "./model.ts";
import { type ArticleProblem, problem } from "./problem.ts";

// Splits front matter from the body. gray-matter is always called WITH options: without them
// it caches every file's result in a global map keyed by content (unbounded growth in a
// watcher) and hands out shared mutable objects.

// The YAML core schema (YAML 1.2) keeps `2024-05-01 10:00` a string, so dates.ts can apply
// the site timezone, and reads `yes`/`no`/`on` as strings rather than booleans.
// Built once: yaml otherwise constructs a Schema for every document (a third of parse time).
const CORE_SCHEMA = new YAML.Schema({ schema: "core" });

function parseYaml(source: string): object {
  return YAML.parse(source, { schema: CORE_SCHEMA, uniqueKeys: true, logLevel: "error" }) ?? {};
}

class UnsupportedFrontMatterLanguage extends Error {}

function refuse(): never {
  // gray-matter's JavaScript engine `eval`s the front matter: `---js` must never run code.
  throw new UnsupportedFrontMatterLanguage("only YAML front matter is supported");
}

const OPTIONS = {
  engines: { yaml: parseYaml, javascript: refuse, coffee: refuse, json: refuse, toml: refuse },
};

export interface SplitArticle {
  data: Record<string, unknown>;
  body: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const FIRST_LINE = /\n[\s\S]*$/;
const POSITION_SUFFIX = /\s*at line \d+, column \d+:?$/;
const TRAILING_PUNCTUATION = /[.:;,]+$/;

export function splitFrontMatter(text: string): Result<SplitArticle, ArticleProblem> {
  let file: matter.GrayMatterFile<string>;
  try {
    file = matter(text, OPTIONS);
  } catch (e) {
    if (e instanceof YAML.YAMLError) {
      // +1: the opening `---` is line 1 of the file, the YAML starts on line 2.
      const line = e.linePos?.[0]?.line;
      const reason = e.message
        .replace(FIRST_LINE, "")
        .replace(POSITION_SUFFIX, "")
        .replace(TRAILING_PUNCTUATION, "");
      const where = line === undefined ? "" : ` at line ${line + 1}`;
      return { ok: false, error: problem("yaml", `Front matter is not valid YAML${where}: ${reason}.`) };
    }
    if (e instanceof UnsupportedFrontMatterLanguage || (e instanceof Error && e.message.includes("engine"))) {
      return {
        ok: false,
        error: problem("yaml", "Front matter must be YAML (plain `---`), not another language."),
      };
    }
    throw e;
  }
  if (!isPlainObject(file.data)) {
    return { ok: false, error: problem("yaml", "Front matter must be a YAML mapping of keys to values.") };
  }
  return { ok: true, value: { data: file.data, body: file.content } };
}
