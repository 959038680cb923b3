// XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// Anything else (C0 controls such as U+0007, lone surrogates, U+FFFE/U+FFFF) makes the whole
// document ill-formed, and a reader then drops every item, not just the bad one. With the `u`
// flag a lone surrogate is matched as its own code point, so it is removed too.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Removes characters that XML 1.0 cannot carry. Applied to every string in every format. */
export function stripInvalidXmlChars(value: string): string {
  return value.replace(XML_INVALID, "");
}
