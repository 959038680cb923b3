// What Herald derived from an article, field by field, with the rule that found it: shared by
// `herald preview` and the dashboard's article view, so an editor sees the same in both.
import type { Article, DerivedFieldName, Person, SourceLink } from "../content/model.ts";

export interface DerivedRow {
  field: DerivedFieldName;
  /** Plain text; "" when nothing was found. */
  value: string;
  /** The rule that found it, or undefined when nothing did. */
  rule?: string;
}

const LABELS: Readonly<Record<DerivedFieldName, string>> = {
  summary: "Summary",
  cover: "Cover",
  alt: "Alt text",
  credit: "Photo credit",
  via: "Reprinted from",
  source: "Source",
  authors: "Authors",
  translators: "Translators",
  editors: "Editors",
  publishers: "Publishers",
  lang: "Language",
};

const ORDER = Object.keys(LABELS) as DerivedFieldName[];

export function derivedLabel(field: DerivedFieldName): string {
  return LABELS[field];
}

function people(list: readonly Person[] | undefined): string {
  return (list ?? []).map((p) => (p.org === undefined ? p.name : `${p.name} (${p.org})`)).join(", ");
}

function link(l: SourceLink | undefined): string {
  if (l === undefined) return "";
  const text = [l.title, l.name].filter((t) => t !== undefined && t !== "").join(" — ");
  return [text, l.url === undefined ? "" : `<${l.url}>`].filter((t) => t !== "").join(" ");
}

function fieldValue(article: Article, field: DerivedFieldName): string {
  switch (field) {
    case "summary":
      return article.summary;
    case "cover":
      return article.cover?.url ?? "";
    case "alt":
      return article.cover?.alt ?? "";
    case "credit":
      return article.cover?.credit ?? "";
    case "via":
      return link(article.attribution.via);
    case "source":
      return link(article.attribution.source);
    case "authors":
      return people(article.authors);
    case "translators":
      return people(article.attribution.translators);
    case "editors":
      return people(article.attribution.editors);
    case "publishers":
      return people(article.attribution.publishers);
    case "lang":
      return article.lang;
  }
}

/** Every field Herald derives, in a fixed order: found ones with their rule, missing ones empty. */
export function derivedRows(article: Article): DerivedRow[] {
  const found = article.derivation?.found ?? {};
  const missing = new Set(article.derivation?.missing ?? []);
  const rows: DerivedRow[] = [];
  for (const field of ORDER) {
    const value = fieldValue(article, field);
    const rule = found[field];
    if (rule !== undefined) rows.push({ field, value, rule });
    else if (missing.has(field) || value !== "") rows.push({ field, value });
  }
  return rows;
}

/** One warning per field Herald looked for and could not find. */
export function missingFieldWarnings(article: Article): string[] {
  return (article.derivation?.missing ?? []).map((field) => {
    switch (field) {
      case "summary":
        return "No summary found: the article has no prose; add `summary`.";
      case "cover":
        return "No cover found: no content image in the body; add `cover` if the post should have one.";
      case "alt":
        return "The cover has no alt text and no caption: add `cover_alt`.";
      case "via":
        return "No “reprinted from” line found; add `via` if the article is a reprint.";
      case "source":
        return "No source link found; add `source` to credit the original.";
      case "authors":
        return "No author found (no byline, credit line or bio); add `author`.";
      default:
        return `${LABELS[field]} not found.`;
    }
  });
}
