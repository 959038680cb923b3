import sanitizeHtml from "sanitize-html";
import { stripXmlInvalid } from "./plain-text.ts";

// Article HTML goes into feeds, ActivityPub notes and pages on other people's servers, so it
// is held to what every reader renders safely: ordinary article markup, no active content,
// no styling, and every URL absolute (feed readers resolve relative URLs against the feed,
// not the article, and most fediverse software does not resolve them at all).

const WEB = new Set(["http:", "https:"]);
const LINKS = new Set(["http:", "https:", "mailto:"]);
const URL_ATTRIBUTES: ReadonlyArray<readonly [string, ReadonlySet<string>]> = [
  ["href", LINKS],
  ["cite", WEB],
  ["src", WEB],
  ["poster", WEB],
  ["data-src", WEB], // lazy-load scripts copy it into src
];
const SRCSET_ATTRIBUTES = ["srcset", "data-srcset"];
const TEXT_ALIGN = /(?:^|;)\s*text-align\s*:\s*(left|right|center)\s*(?:;|$)/i;
const TRAILING_COMMAS = /,+$/;
const SPACE = /\s/;
const SPACES = /\s+/;
const LANGUAGE_CLASS = /^language-[\w+#.-]+$/;

/** `ref` resolved against `base`, or undefined when unparsable or not an allowed scheme. */
export function absoluteUrl(
  ref: string,
  base: string,
  schemes: ReadonlySet<string> = WEB,
): string | undefined {
  try {
    const url = new URL(ref.trim(), base);
    return schemes.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Rewrites each candidate URL of a `srcset`, keeping descriptors; drops unsafe candidates. */
export function absoluteSrcset(value: string, base: string): string | undefined {
  // Follows the HTML "parse a srcset attribute" steps: a URL is a run of non-space; commas
  // at its end separate candidates; otherwise descriptors run to the next comma outside parens.
  const out: string[] = [];
  const n = value.length;
  let i = 0;
  while (i < n) {
    while (i < n && (SPACE.test(value[i]!) || value[i] === ",")) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !SPACE.test(value[i]!)) i++;
    let url = value.slice(start, i);
    let descriptor = "";
    if (url.endsWith(",")) {
      url = url.replace(TRAILING_COMMAS, "");
    } else {
      const from = i;
      let depth = 0;
      while (i < n) {
        const c = value[i];
        if (c === "(") depth++;
        else if (c === ")") depth--;
        else if (c === "," && depth <= 0) break;
        i++;
      }
      descriptor = value.slice(from, i).trim();
      i++;
    }
    const absolute = absoluteUrl(url, base);
    if (absolute !== undefined) out.push(descriptor === "" ? absolute : `${absolute} ${descriptor}`);
  }
  return out.length > 0 ? out.join(", ") : undefined;
}

function rewriteAttributes(tagName: string, attribs: sanitizeHtml.Attributes, base: string): void {
  for (const [name, schemes] of URL_ATTRIBUTES) {
    const value = attribs[name];
    if (value === undefined) continue;
    const absolute = absoluteUrl(value, base, schemes);
    if (absolute === undefined) delete attribs[name];
    else attribs[name] = absolute;
  }
  for (const name of SRCSET_ATTRIBUTES) {
    const value = attribs[name];
    if (value === undefined) continue;
    const absolute = absoluteSrcset(value, base);
    if (absolute === undefined) delete attribs[name];
    else attribs[name] = absolute;
  }
  if (tagName === "img") attribs.loading = "lazy";
  if (attribs.class !== undefined) {
    const keep = tagName === "code" ? codeClasses(attribs.class) : undefined;
    if (keep !== undefined) attribs.class = keep;
    else delete attribs.class;
  }
  if ((tagName === "td" || tagName === "th") && attribs.style !== undefined) {
    const align = tableAlign(attribs.style);
    if (align !== undefined) attribs.align = align;
  }
}

/**
 * The classes of a `<code>` that survive: code highlighting hints only. Filtering here rather
 * than with sanitize-html's allowedClasses glob, which compiles a RegExp on every call.
 */
export function codeClasses(value: string): string | undefined {
  const keep = value.split(SPACES).filter((c) => LANGUAGE_CLASS.test(c));
  return keep.length > 0 ? keep.join(" ") : undefined;
}

/** markdown-it writes table alignment as a style; the alignment is kept (as `align`), the style dropped. */
export function tableAlign(style: string): string | undefined {
  return TEXT_ALIGN.exec(style)?.[1]?.toLowerCase();
}

const MEDIA = ["src", "srcset", "sizes", "data-src", "data-srcset", "width", "height"];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span"],
    ...["a", "img", "figure", "figcaption", "picture", "source", "video", "audio"],
    ...["blockquote", "q", "cite", "ul", "ol", "li", "dl", "dt", "dd", "details", "summary"],
    ...["pre", "code", "kbd", "samp", "var", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark"],
    ...["small", "sub", "sup", "abbr", "time", "ruby", "rt", "rp", "wbr", "bdi", "bdo"],
    ...["table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"],
  ],
  allowedAttributes: {
    "*": ["lang", "dir", "title"],
    a: ["href", "name"],
    img: [...MEDIA, "alt", "loading"],
    source: [...MEDIA, "type", "media"],
    video: [...MEDIA, "poster", "controls", "loop", "muted", "playsinline", "preload"],
    audio: ["src", "controls", "loop", "muted", "preload"],
    blockquote: ["cite"],
    q: ["cite"],
    del: ["cite", "datetime"],
    ins: ["cite", "datetime"],
    time: ["datetime"],
    ol: ["start", "reversed", "type"],
    li: ["value"],
    td: ["colspan", "rowspan", "align"],
    th: ["colspan", "rowspan", "align", "scope"],
    col: ["span"],
    colgroup: ["span"],
    code: ["class"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"], source: ["http", "https"], video: ["http", "https"] },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite", "poster", "data-src"],
  allowProtocolRelative: false,
  // Disallowed tags whose text must not leak into the article either.
  nonTextTags: [
    "script",
    "style",
    "textarea",
    "option",
    "xmp",
    "noscript",
    "iframe",
    "object",
    "embed",
  ].concat(["template", "select", "button", "svg", "math", "title", "head"]),
  disallowedTagsMode: "discard",
  // An image whose only URL was unsafe (data:, javascript:) is dropped rather than left empty.
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src && !frame.attribs["data-src"],
};

export function sanitizeArticleHtml(html: string, baseUrl: string): string {
  const clean = sanitizeHtml(html, {
    ...OPTIONS,
    transformTags: {
      "*": (tagName, attribs) => {
        rewriteAttributes(tagName, attribs, baseUrl);
        return { tagName, attribs };
      },
    },
  });
  return stripXmlInvalid(clean);
}

/**
 * What Mastodon keeps of a remote post's HTML, and no more: text markup and links. No images (they
 * would load from the remote server), no classes or styles, no scripts or event handlers; links are
 * absolute http(s) and marked as user content that opens without a referrer.
 */
const REMOTE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...["p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u"],
    ...["ul", "ol", "li", "blockquote"],
  ],
  allowedAttributes: { a: ["href", "rel"] },
  allowedSchemes: ["http", "https"],
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  nonTextTags: OPTIONS.nonTextTags,
  disallowedTagsMode: "discard",
};

/** Sanitises HTML written elsewhere (a reply from the fediverse) for Herald's own pages. */
export function sanitizeRemoteHtml(html: string, baseUrl: string): string {
  const clean = sanitizeHtml(html, {
    ...REMOTE_OPTIONS,
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href === undefined ? undefined : absoluteUrl(attribs.href, baseUrl);
        const safe: sanitizeHtml.Attributes = href ? { href, rel: "nofollow ugc noopener noreferrer" } : {};
        return { tagName, attribs: safe };
      },
    },
  });
  return stripXmlInvalid(clean);
}
