// Scores Herald's derivation (summary, cover, alt text, credit, via, source, credits, language)
// against a folder of articles and their answer key, field by field. Used by the table-driven
// corpus test and by `npm run eval [DIR]`, which prints the accuracy table and every miss.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Person } from "../../src/content/model.ts";
import { parseArticle } from "../../src/content/parse.ts";
import type { ParsedArticle } from "../../src/content/parsed.ts";
import { siteUrls } from "../../src/urls.ts";

export interface ExpectedPerson {
  name: string;
  org?: string;
}

export interface Expected {
  family: string;
  lang: "zh-Hans" | "zh-Hant" | "ja" | "en";
  summaryStart: string;
  cover: { url: string; alt: string | null; credit: string | null } | null;
  via: { url: string; name: string | null } | null;
  source: { url: string; title: string | null } | null;
  credits: Partial<Record<"author" | "translator" | "editor" | "publisher", ExpectedPerson[]>>;
}

export const FIELDS = [
  "summary",
  "cover",
  "alt",
  "credit",
  "via",
  "source",
  "author",
  "translator",
  "editor",
  "publisher",
  "lang",
] as const;
export type Field = (typeof FIELDS)[number];

export interface Miss {
  file: string;
  field: Field;
  expected: unknown;
  actual: unknown;
}

export interface Score {
  files: number;
  checks: Record<Field, { right: number; total: number }>;
  misses: Miss[];
  /** Files Herald rejected outright. */
  rejected: Array<{ file: string; message: string }>;
}

const LANGS: Record<Expected["lang"], RegExp> = {
  "zh-Hans": /^zh(?:$|-(?:hans|cn|sg)\b)/iu,
  "zh-Hant": /^zh-(?:hant|tw|hk|mo)\b/iu,
  ja: /^ja\b/iu,
  en: /^en\b/iu,
};

export function loadKey(dir: string): Record<string, Expected> {
  return JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<string, Expected>;
}

export function parseCorpusFile(dir: string, file: string) {
  return parseArticle(file, readFileSync(join(dir, file)), {
    urls: siteUrls("https://news.example.org/"),
    contentDir: dir,
    timezone: "UTC",
    language: "en",
    summaryLength: 140,
    maxBytes: 5 * 1024 * 1024,
  });
}

function people(list: readonly Person[] | undefined): ExpectedPerson[] {
  return (list ?? []).map((p) => (p.org === undefined ? { name: p.name } : { name: p.name, org: p.org }));
}

/** One spelling per URL ("https://a.example" and "https://a.example/" are the same address). */
function url(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  try {
    return new URL(value).href;
  } catch {
    return value;
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Each field's expected and actual value, as compared. */
export function compare(
  expected: Expected,
  a: ParsedArticle,
): Array<{ field: Field; expected: unknown; actual: unknown; ok: boolean }> {
  const out: Array<{ field: Field; expected: unknown; actual: unknown; ok: boolean }> = [];
  const check = (field: Field, want: unknown, got: unknown, ok = same(want, got)) =>
    out.push({ field, expected: want, actual: got, ok });
  check("summary", expected.summaryStart, a.summary, a.summary.startsWith(expected.summaryStart));
  check("cover", url(expected.cover?.url), url(a.cover?.url));
  if (expected.cover !== null) {
    check("alt", expected.cover.alt ?? null, a.cover?.alt ?? null);
    check("credit", expected.cover.credit ?? null, a.cover?.credit ?? null);
  }
  const via = a.attribution.via;
  check(
    "via",
    expected.via === null ? null : { url: url(expected.via.url), name: expected.via.name ?? null },
    via === undefined ? null : { url: url(via.url), name: via.name ?? null },
  );
  const source = a.attribution.source;
  check(
    "source",
    expected.source === null ? null : { url: url(expected.source.url), title: expected.source.title ?? null },
    source === undefined ? null : { url: url(source.url), title: source.title ?? null },
  );
  check("author", expected.credits.author ?? [], people(a.authors));
  check("translator", expected.credits.translator ?? [], people(a.attribution.translators));
  check("editor", expected.credits.editor ?? [], people(a.attribution.editors));
  check("publisher", expected.credits.publisher ?? [], people(a.attribution.publishers));
  check("lang", expected.lang, a.lang, LANGS[expected.lang].test(a.lang));
  return out;
}

export function scoreCorpus(dir: string): Score {
  const key = loadKey(dir);
  const checks = Object.fromEntries(FIELDS.map((f) => [f, { right: 0, total: 0 }])) as Score["checks"];
  const score: Score = { files: 0, checks, misses: [], rejected: [] };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort();
  for (const file of files) {
    const expected = key[file];
    if (expected === undefined) continue;
    score.files++;
    const parsed = parseCorpusFile(dir, file);
    if (!parsed.ok) {
      score.rejected.push({ file, message: parsed.error.message });
      continue;
    }
    for (const c of compare(expected, parsed.value)) {
      checks[c.field].total++;
      if (c.ok) checks[c.field].right++;
      else score.misses.push({ file, field: c.field, expected: c.expected, actual: c.actual });
    }
  }
  return score;
}

export function formatScore(score: Score, dir: string): string {
  const lines = [
    `Derivation accuracy on ${score.files} articles in ${dir}`,
    "",
    "| field | right | of | % |",
    "| --- | ---: | ---: | ---: |",
  ];
  let right = 0;
  let total = 0;
  for (const field of FIELDS) {
    const c = score.checks[field];
    right += c.right;
    total += c.total;
    lines.push(
      `| ${field} | ${c.right} | ${c.total} | ${c.total === 0 ? "—" : ((100 * c.right) / c.total).toFixed(1)} |`,
    );
  }
  lines.push(`| **all** | ${right} | ${total} | ${total === 0 ? "—" : ((100 * right) / total).toFixed(1)} |`);
  for (const r of score.rejected) lines.push(`REJECTED ${r.file}: ${r.message}`);
  if (score.misses.length > 0) lines.push("", `Misses (${score.misses.length}):`);
  for (const m of score.misses) {
    lines.push(
      `- ${m.file} ${m.field}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const dir = process.argv[2] ?? join(import.meta.dirname, "../fixtures/corpus");
  const score = scoreCorpus(dir);
  console.log(formatScore(score, dir));
  process.exitCode = score.misses.length === 0 && score.rejected.length === 0 ? 0 : 1;
}
