import { createHash } from "node:crypto";
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

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** sha256 hex of everything that federates; dates, path, warnings and `extra` are left out. */
export function computeContentHash(a: ParsedArticle & { id: string }): string {
  return sha256Hex(
    canonicalJson({
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
    }),
  );
}
