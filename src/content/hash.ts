import { hash } from "node:crypto";
import type { ParsedArticle } from "./parsed.ts";

// The content hash decides whether an edit federates as an Update, and names the activity
// (`#update-<hash>`), so it must change exactly when what followers see changes: not on a
// touch, a rename of the file, a new `updated` date or a reordered front-matter key.

/** JSON with object keys sorted at every level and `undefined` members left out. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${members.join(",")}}`;
}

const NOT_PLAIN = Symbol("not plain");
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/**
 * The same value with object keys sorted and `undefined` members left out, so one native
 * `JSON.stringify` gives canonicalJson's output (several times faster than building it in JS).
 * NOT_PLAIN for anything where the two could differ (functions, symbols, dates and other
 * class instances, sparse arrays, index-like keys, which objects enumerate first).
 */
function sortedCopy(value: unknown): unknown {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const v = value[i];
      const c = v === undefined ? null : sortedCopy(v);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out[i] = c;
    }
    return out;
  }
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (INDEX_LIKE.test(key)) return NOT_PLAIN;
    const c = sortedCopy(v);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[key] = c;
  }
  return out;
}

/** canonicalJson, via native JSON.stringify whenever that gives the same text. */
export function canonicalJsonFast(value: unknown): string {
  const sorted = sortedCopy(value);
  return sorted === NOT_PLAIN ? canonicalJson(value) : JSON.stringify(sorted);
}

export { canonicalJson };

export function sha256Hex(text: string): string {
  // One-shot: several times cheaper than createHash().update().digest() for a single string.
  return hash("sha256", text, "hex");
}

/** sha256 hex of everything that federates; dates, path, warnings and `extra` are left out. */
export function computeContentHash(a: ParsedArticle & { id: string }): string {
  return sha256Hex(
    canonicalJsonFast({
      id: a.id,
      url: a.url,
      title: a.title,
      summary: a.summary,
      contentHtml: a.contentHtml,
      cover: a.cover,
      tags: a.tags,
      lang: a.lang,
      attribution: a.attribution,
      authors: a.authors,
      contentWarning: a.contentWarning,
      sensitive: a.sensitive,
      visibility: a.visibility,
      quotes: a.quotes,
    }),
  );
}
