// Slugs appear in URLs, so they are predictable: NFC, ASCII lowercased, letters, marks and
// numbers of any script kept (CJK slugs are normal for Chinese sites), everything else a dash.
// Only ASCII is lowercased: Unicode case mapping can change length (İ → i̇) and the
// percent-encoded URL of an existing article must not change when Node's ICU is updated.

const ASCII_UPPER = /[A-Z]/g;
const NOT_SLUG = /[^\p{L}\p{M}\p{N}]+/gu;
const EDGE_DASHES = /^-+|-+$/g;
const MARKDOWN_EXT = /\.(?:md|markdown)$/i;

export function slugify(text: string): string {
  return text
    .normalize("NFC")
    .replace(ASCII_UPPER, (c) => c.toLowerCase())
    .replace(NOT_SLUG, "-")
    .replace(EDGE_DASHES, "");
}

/** `news/foo.md` → `foo`; `foo/index.md` → `foo` (the folder names a bundle with its images). */
export function slugSourceFromPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  const file = (parts.pop() ?? "").replace(MARKDOWN_EXT, "");
  if (file.toLowerCase() === "index" && parts.length > 0) return parts[parts.length - 1]!;
  return file;
}
