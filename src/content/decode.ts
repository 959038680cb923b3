import type { Result } from "./model.ts";
import { type ArticleProblem, problem } from "./problem.ts";

// One decoder for every file: `fatal` turns invalid UTF-8 into an error instead of U+FFFD,
// and the default `ignoreBOM: false` drops a leading byte-order mark.
const UTF8 = new TextDecoder("utf-8", { fatal: true });
const LINE_ENDINGS = /\r\n?/g;

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/**
 * Bytes → Markdown text with `\n` line endings. The size check comes first so a huge file
 * is never decoded; NUL bytes mean binary (or UTF-16, which we name because editors save it).
 */
export function decodeArticle(bytes: Uint8Array, maxBytes: number): Result<string, ArticleProblem> {
  if (bytes.byteLength > maxBytes) {
    return {
      ok: false,
      error: problem(
        "too-large",
        `File is ${formatBytes(bytes.byteLength)}, over the ${formatBytes(maxBytes)} limit (content.maxBytes).`,
      ),
    };
  }
  const utf16 =
    bytes.byteLength >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (utf16) {
    return { ok: false, error: problem("encoding", "File is UTF-16; save it as UTF-8.") };
  }
  if (bytes.indexOf(0) !== -1) {
    return { ok: false, error: problem("binary", "File contains NUL bytes, so it is binary, not Markdown.") };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, error: problem("encoding", "File is not valid UTF-8; save it as UTF-8.") };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, value: text.replace(LINE_ENDINGS, "\n") };
}
