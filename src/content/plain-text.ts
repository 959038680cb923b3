// Plain-text helpers shared by titles, summaries and attribution: everything that turns
// Markdown-ish input into the single-line text feeds and ActivityPub expect.

// XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// Anything else (C0 controls such as U+0007, lone surrogates, U+FFFE/U+FFFF) makes the whole
// document ill-formed, and a reader then drops every item, not just the bad one. With the `u`
// flag a lone surrogate is matched as its own code point, so it is removed too. The parser strips
// these, and the feed writers strip them again from every string they write.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

// A soft line break between two CJK characters is not a space: Chinese text is wrapped
// without word separators, so joining lines with " " would put gaps inside sentences.
const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u3000-\\u303F\\uFF00-\\uFFEF";
const CJK_LINE_BREAK = new RegExp(`(?<=[${CJK}])[ \\t]*\\n\\s*(?=[${CJK}])`, "gu");
const WHITESPACE = /\s+/g;
const HAS_CJK = new RegExp(`[${CJK}]`, "u");
const ENDS_CJK = new RegExp(`[${CJK}]$`, "u");
const STARTS_CJK = new RegExp(`^[${CJK}]`, "u");

// What XML_INVALID can match, found cheaply: C0 controls other than \t \n \r, U+FFFE/U+FFFF, and
// (checked with isWellFormed) lone surrogates. Almost every text has none and is returned as is.
const MAYBE_XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * C0 and C1 controls and the Unicode bidi controls (marks, embeddings, overrides, isolates): in a name
 * a stranger chose, shown inline, they hide text or reorder what follows it on the line.
 */
const NAME_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without controls or bidi controls (NAME_CONTROLS): for names and addresses shown as text. */
export function withoutControls(text: string): string {
  return text.replace(NAME_CONTROLS, "");
}

/** Removes characters that XML 1.0 cannot carry. */
export function stripXmlInvalid(text: string): string {
  if (!MAYBE_XML_INVALID.test(text) && text.isWellFormed()) return text;
  return text.replace(XML_INVALID, "");
}

/** Whether UTF-16 code unit `c` is one that `\s` (and so `trim`) matches. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Whether collapsing would leave `text` as it is: no whitespace but single plain spaces between
 * other characters. Most block texts already are (a cold build calls this hundreds of thousands of
 * times), and one pass over the code units is far cheaper than a global replace plus a trim.
 */
function alreadyCollapsed(text: string): boolean {
  const last = text.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 ? isSpace(c) : i === 0 || i === last || isSpace(text.charCodeAt(i + 1))) return false;
  }
  return true;
}

/** One line, single spaces, CJK line wraps joined without a space. */
export function collapseWhitespace(text: string): string {
  // The CJK line-break pattern (look-behind, Unicode scripts) is costly; it needs a "\n" to match.
  const joined = text.includes("\n") ? text.replace(CJK_LINE_BREAK, "") : text;
  return alreadyCollapsed(joined) ? joined : joined.replace(WHITESPACE, " ").trim();
}

export function hasCjk(text: string): boolean {
  return HAS_CJK.test(text);
}

/** Joins two runs of prose: no space between CJK sentences, one space otherwise. */
export function joinProse(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return ENDS_CJK.test(a) && STARTS_CJK.test(b) ? a + b : `${a} ${b}`;
}

/** Normalises a human-entered string: NFC, XML-safe, collapsed whitespace. */
export function cleanLine(text: string): string {
  return collapseWhitespace(stripXmlInvalid(text.normalize("NFC")));
}
