import MarkdownIt, { type Token } from "markdown-it";
import { stripXmlInvalid } from "./plain-text.ts";
import { absoluteUrl, codeClasses, tableAlign } from "./sanitize.ts";

type Options = InstanceType<typeof MarkdownIt>["options"];
type Attrs = ReadonlyArray<readonly [string, string | number]>;

// Renders markdown-it tokens that contain no raw HTML directly to the output sanitize.ts would
// give for markdown-it's HTML, byte for byte (tests/content/safe-render checks both paths
// agree on a generated corpus and on hostile input). It applies the same rules:
//
// - only the tags markdown-it emits for CommonMark + tables + strikethrough + linkify, every
//   one of them on sanitize.ts's allow-list; any other token type, and any `html_block` or
//   `html_inline`, sends the article through sanitize-html instead;
// - href (http, https, mailto) and src (http, https) resolved with the same `absoluteUrl`;
//   a link with an unsafe href loses the href, an image with an unsafe src is dropped;
// - `loading="lazy"` on images, `align` instead of a table cell's style, code classes
//   filtered the same way, empty attributes dropped except `alt`;
// - sanitize-html's serialisation: text escapes `& < >`, attribute values `& < > "`, void
//   elements end in ` />`, attributes keep markdown-it's order with added ones last.

const BLOCK_TYPES = [
  "paragraph",
  "heading",
  "blockquote",
  "bullet_list",
  "ordered_list",
  "list_item",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
];
const INLINE_PAIRS = ["link", "em", "strong", "s"];
const KNOWN = new Set<string>([
  ...[...BLOCK_TYPES, ...INLINE_PAIRS].flatMap((t) => [`${t}_open`, `${t}_close`]),
  ...["inline", "text", "softbreak", "hardbreak", "code_inline", "image", "fence", "code_block", "hr"],
]);

/** True when every token (children included) is one safe-render knows; no raw HTML. */
export function safeToRenderDirectly(tokens: readonly Token[]): boolean {
  for (const t of tokens) {
    if (!KNOWN.has(t.type)) return false;
    if (t.children !== null && !safeToRenderDirectly(t.children)) return false;
  }
  return true;
}

const TEXT_SPECIAL = /[&<>]/;
const TEXT_SPECIAL_ALL = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"]/;
const ATTR_SPECIAL_ALL = /[&<>"]/g;
const ENTITY: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const entity = (c: string): string => ENTITY[c]!;

function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIAL_ALL, entity) : s;
}

function escapeAttr(s: string): string {
  return ATTR_SPECIAL.test(s) ? s.replace(ATTR_SPECIAL_ALL, entity) : s;
}

const LINKS = new Set(["http:", "https:", "mailto:"]);

/** Base URL of the render in progress (rendering is synchronous, one article at a time). */
let base = "";

/** Attributes as sanitize.ts leaves them, serialised; undefined when the element must go (an image without a safe src). */
function attributes(tag: string, attrs: Attrs | null): string | undefined {
  let out = "";
  let align: string | undefined;
  let hasSrc = false;
  for (const [name, raw] of attrs ?? []) {
    let value: string | undefined = String(raw);
    switch (name) {
      case "href":
        value = tag === "a" ? absoluteUrl(value, base, LINKS) : undefined;
        break;
      case "src":
        value = tag === "img" ? absoluteUrl(value, base) : undefined;
        if (value !== undefined) hasSrc = true;
        break;
      case "alt":
        if (tag !== "img") value = undefined;
        else if (value === "") {
          out += ' alt=""';
          continue;
        }
        break;
      case "title":
        break;
      case "start":
        if (tag !== "ol") value = undefined;
        break;
      case "class":
        value = tag === "code" ? codeClasses(value) : undefined;
        break;
      case "style":
        if (tag === "td" || tag === "th") align = tableAlign(value);
        value = undefined;
        break;
      default:
        value = undefined; // nothing else is on the allow-list for what markdown-it emits
    }
    if (value !== undefined && value !== "") out += ` ${name}="${escapeAttr(value)}"`;
  }
  if (tag === "img") {
    if (!hasSrc) return undefined;
    out += ' loading="lazy"';
  }
  if (align !== undefined) out += ` align="${align}"`;
  return out;
}

// A renderer of its own: xhtmlOut gives sanitize-html's ` />` on void elements.
const renderer = new MarkdownIt({ html: true, linkify: true, xhtmlOut: true }).renderer;
renderer.renderAttrs = (token) => attributes((token as Token).tag ?? "", token.attrs) ?? "";
renderer.rules.text = (tokens, idx) => escapeText(tokens[idx]!.content);
renderer.rules.code_inline = (tokens, idx) => `<code>${escapeText(tokens[idx]!.content)}</code>`;
renderer.rules.code_block = (tokens, idx) => `<pre><code>${escapeText(tokens[idx]!.content)}</code></pre>\n`;
renderer.rules.fence = (tokens, idx, options) => {
  // markdown-it's fence rule, with sanitize-html's text escaping.
  const token = tokens[idx]!;
  const info = token.info ? unescapeAll(token.info).trim() : "";
  const attrs: Array<[string, string | number]> = token.attrs ? token.attrs.map(([k, v]) => [k, v]) : [];
  if (info) {
    const lang = `${options.langPrefix}${info.split(/(\s+)/g)[0]}`;
    const i = attrs.findIndex(([k]) => k === "class");
    if (i < 0) attrs.push(["class", lang]);
    else attrs[i] = ["class", `${attrs[i]![1]} ${lang}`];
  }
  return `<pre><code${attributes("code", attrs) ?? ""}>${escapeText(token.content)}</code></pre>\n`;
};
renderer.rules.image = (tokens, idx, options, env, slf) => {
  const token = tokens[idx]!;
  const attrs = (token.attrs ?? []).map(([k, v]): [string, string | number] =>
    k === "alt" ? [k, slf.renderInlineAsText(token.children ?? [], options, env)] : [k, v],
  );
  const rendered = attributes("img", attrs);
  return rendered === undefined ? "" : `<img${rendered} />`;
};

const UNESCAPE = new MarkdownIt().utils.unescapeAll;
function unescapeAll(s: string): string {
  return UNESCAPE(s);
}

/** Tokens without raw HTML → the HTML sanitize.ts would have made of markdown-it's output. */
export function renderSafeHtml(
  tokens: Token[],
  options: Options,
  env: Record<string, unknown>,
  baseUrl: string,
): string {
  base = baseUrl;
  try {
    return stripXmlInvalid(renderer.render(tokens, { ...options, xhtmlOut: true }, env));
  } finally {
    base = "";
  }
}
