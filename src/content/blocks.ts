import type { Token } from "markdown-it";
import { splitCaptionCredit } from "./caption.ts";
import type { CompiledPatterns } from "./patterns.ts";
import { collapseWhitespace } from "./plain-text.ts";

// The structure of an article body, read from markdown-it tokens (never from rendered HTML),
// one LINE at a time. Real exports put several things in one Markdown paragraph, separated by
// soft line breaks: an editor's note, then an image with its caption on the same line, then
// the first story sentence; or an editor credit and a publisher credit. Each line is classified
// on its own; lines that merely wrap a sentence are joined back by whoever reads prose.

export type BlockKind =
  | "heading"
  | "paragraph" // one line of a paragraph (a whole paragraph when it has no line breaks)
  | "image" // a line of nothing but images (optionally linked), or images with their caption
  | "caption" // the line right after an image that describes it
  | "list"
  | "blockquote"
  | "code"
  | "hr"
  | "html"
  | "table"
  | "other";

export interface BlockLink {
  /** As written in Markdown (percent-encoded by markdown-it), not yet absolute. */
  href: string;
  text: string;
  /** Where the link's text starts in its block's `text`. */
  at: number;
}

export interface BlockImage {
  /** As written in Markdown (percent-encoded by markdown-it), not yet absolute. */
  src: string;
  alt: string;
  title?: string;
  /** The caption written with it (same line, next line, `<figcaption>`), label and credit removed. */
  caption?: string;
  /** A photographer or agency credit found in the caption ("Greg Baker/AFP via Getty Images"). */
  credit?: string;
  /** Where the image links to, when wrapped in a link (a profile link marks an avatar). */
  href?: string;
}

export interface Block {
  kind: BlockKind;
  /** Heading level 1–6, 0 for other blocks. */
  level: number;
  /** Plain text: inline markup removed, whitespace collapsed. Images contribute nothing. */
  text: string;
  links: BlockLink[];
  images: BlockImage[];
  /** Every visible character is inside emphasis (`*…*`, `_…_`). */
  italic: boolean;
  /** Has links and no visible text outside them (separators such as `|` or `·` allowed). */
  linkOnly: boolean;
  /** Ordinal of the top-level Markdown block this line belongs to. */
  para: number;
  /** 0 for the first line of its paragraph. */
  line: number;
  /**
   * Length of the leading decoration of `text`: inline code, bold or italic runs, bracketed
   * group names and separators ("`Tokyo Group` 转载自…", "**新闻组** | 转载自…"). A label right
   * after it still starts the line.
   */
  decoration: number;
  /** For a caption line: its text without a "图片说明：" / "Photo:" label. */
  captionText?: string;
}

function attr(t: Token, name: string): string {
  const value = t.attrGet(name);
  return value === null ? "" : String(value);
}

const VISIBLE = /[^\s\p{P}\p{S}]/u;
const VISIBLE_TEXT = /\S/;
const LEADING_BRACKETED = /^\s*(?:[【〔[「『(（][^】〕\]」』)）\n]{1,40}[】〕\]」』)）]\s*)/u;
const SEPARATORS_ONLY = /^[\s\-–—|｜·•:：/／]*$/u;

/** One line of a paragraph while it is being read. */
interface LineFacts {
  text: string;
  links: BlockLink[];
  images: BlockImage[];
  /** Offset in `text` of each image, in order. */
  imageAt: number[];
  textOutsideLinks: boolean;
  textOutsideEmphasis: boolean;
  hasVisibleText: boolean;
  /** Where decorated (code, bold, italic) text ends, as long as nothing plain came before. */
  decoratedUntil: number;
  plainSeen: boolean;
}

function newLine(): LineFacts {
  return {
    text: "",
    links: [],
    images: [],
    imageAt: [],
    textOutsideLinks: false,
    textOutsideEmphasis: false,
    hasVisibleText: false,
    decoratedUntil: 0,
    plainSeen: false,
  };
}

const IMG_TAG = /<img\b[^>]*>/giu;
const ATTRIBUTE = /([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/giu;
const TAG = /<[^>]*>/gu;
const FIGCAPTION = /<figcaption\b[^>]*>([\s\S]*?)<\/figcaption>/iu;
/** A credit marked up inside a figcaption: `<span class="credit">`, `<small>`, `<cite>`. */
const MARKED_CREDIT =
  /<(?:span|div|p)\b[^>]*class\s*=\s*["'][^"']*(?:credit|byline|source|photographer|attribution)[^"']*["'][^>]*>([\s\S]*?)<\/(?:span|div|p)>|<(small|cite)\b[^>]*>([\s\S]*?)<\/\2>/iu;
/** Raw HTML short enough to be a byline (`<p class="byline">Story by <strong>…</strong></p>`). */
const MAX_HTML_LINE = 300;
const HTML_ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/giu;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};
const MAX_HTML_SCAN = 20_000;

function decodeEntities(text: string): string {
  return text.replace(HTML_ENTITY, (whole, dec?: string, hex?: string, name?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? Number.parseInt(hex, 16) : undefined;
    if (code === undefined) return NAMED_ENTITIES[name!.toLowerCase()] ?? whole;
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** `<img>` tags in raw HTML: src, alt and title (what a `<figure>` export gives us). */
function htmlImages(html: string): BlockImage[] {
  const images: BlockImage[] = [];
  for (const tag of html.slice(0, MAX_HTML_SCAN).matchAll(IMG_TAG)) {
    const attrs = new Map<string, string>();
    for (const a of tag[0].matchAll(ATTRIBUTE)) {
      attrs.set(a[1]!.toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? ""));
    }
    const src = attrs.get("src") ?? attrs.get("data-src");
    if (src === undefined || src === "") continue;
    const title = attrs.get("title");
    const image: BlockImage = { src, alt: collapseWhitespace(attrs.get("alt") ?? "") };
    if (title !== undefined && title !== "") image.title = title;
    images.push(image);
  }
  return images;
}

const HTML_PARAGRAPH = /<p\b[^>]*>([\s\S]*?)<\/p>/giu;
const HTML_LINK = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/giu;
const STARTS_WITH_PARAGRAPH = /^\s*<p[\s>]/iu;

/** `<p>…</p>` blocks of raw HTML as paragraph lines: their text and links, nothing else. */
function htmlParagraphs(html: string): Block[] {
  if (!STARTS_WITH_PARAGRAPH.test(html) || html.length > MAX_HTML_SCAN) return [];
  const out: Block[] = [];
  for (const m of html.matchAll(HTML_PARAGRAPH)) {
    const inner = m[1]!;
    const text = htmlText(inner);
    if (text === "") continue;
    const links: BlockLink[] = [];
    for (const a of inner.matchAll(HTML_LINK)) {
      const linkText = htmlText(a[3]!);
      links.push({
        href: decodeEntities(a[1] ?? a[2] ?? ""),
        text: linkText,
        at: Math.max(0, text.indexOf(linkText)),
      });
    }
    const outside = links.reduce((rest, l) => rest.replace(l.text, ""), text);
    out.push({
      kind: "paragraph",
      level: 0,
      text,
      links,
      images: [],
      italic: false,
      linkOnly: links.length > 0 && !VISIBLE.test(outside),
      para: 0,
      line: 0,
      decoration: 0,
    });
  }
  return out;
}

function htmlText(html: string): string {
  return collapseWhitespace(decodeEntities(html.replace(TAG, " ")));
}

/** Alt text that is really a caption ("（图片说明）…（图片来源：X）") loses its label; its credit moves out. */
function imageFromAlt(src: string, alt: string, patterns: CompiledPatterns): BlockImage {
  if (alt === "" || (!patterns.line.caption.test(alt) && !alt.endsWith(")") && !alt.endsWith("）"))) {
    return { src, alt };
  }
  const { caption, credit } = splitCaptionCredit(alt, patterns);
  return credit === undefined ? { src, alt: caption } : { src, alt: caption, credit };
}

function readLines(children: readonly Token[], patterns: CompiledPatterns): LineFacts[] {
  const lines: LineFacts[] = [newLine()];
  let line = lines[0]!;
  let openLink: BlockLink | undefined;
  let emphasis = 0;
  let strong = 0;
  const addText = (s: string, decorated: boolean): void => {
    if (openLink !== undefined) {
      if (openLink.text === "") openLink.at = line.text.length;
      openLink.text += s;
    }
    line.text += s;
    if (VISIBLE_TEXT.test(s)) {
      line.hasVisibleText = true;
      if (emphasis === 0) line.textOutsideEmphasis = true;
    }
    if (openLink === undefined && VISIBLE.test(s)) line.textOutsideLinks = true;
    if (!line.plainSeen) {
      if (decorated || (openLink === undefined && SEPARATORS_ONLY.test(s)))
        line.decoratedUntil = line.text.length;
      else line.plainSeen = true;
    }
  };
  for (const t of children) {
    switch (t.type) {
      case "text":
        addText(t.content, emphasis + strong > 0 && openLink === undefined);
        break;
      case "code_inline":
        addText(t.content, openLink === undefined);
        break;
      case "softbreak":
      case "hardbreak":
        line = newLine();
        lines.push(line);
        break;
      case "link_open": {
        const link = { href: attr(t, "href"), text: "", at: line.text.length };
        line.links.push(link);
        openLink = link;
        break;
      }
      case "link_close":
        openLink = undefined;
        break;
      case "em_open":
        emphasis++;
        break;
      case "em_close":
        emphasis--;
        break;
      case "strong_open":
        strong++;
        break;
      case "strong_close":
        strong--;
        break;
      case "image": {
        const title = attr(t, "title");
        const alt = collapseWhitespace(t.children === null ? t.content : plainTextOf(t.children));
        const image = imageFromAlt(attr(t, "src"), alt, patterns);
        if (title !== "") image.title = title;
        if (openLink !== undefined) image.href = openLink.href;
        line.images.push(image);
        line.imageAt.push(line.text.length);
        break;
      }
      case "html_inline":
        for (const image of htmlImages(t.content)) {
          line.images.push(image);
          line.imageAt.push(line.text.length);
        }
        break;
      default:
        break; // s: no text of its own
    }
  }
  return lines;
}

/** Plain text of inline tokens (no images, no HTML tags). */
export function plainTextOf(children: readonly Token[]): string {
  let text = "";
  for (const t of children) {
    if (t.type === "text" || t.type === "code_inline") text += t.content;
    else if (t.type === "softbreak") text += "\n";
    else if (t.type === "hardbreak") text += " ";
  }
  return collapseWhitespace(text);
}

function endOf(tokens: readonly Token[], start: number): number {
  let depth = 0;
  let i = start;
  do {
    depth += tokens[i]!.nesting;
    i++;
  } while (depth > 0 && i < tokens.length);
  return i;
}

const KIND_BY_OPEN: Readonly<Record<string, BlockKind>> = {
  bullet_list_open: "list",
  ordered_list_open: "list",
  blockquote_open: "blockquote",
  table_open: "table",
};
const KIND_BY_SINGLE: Readonly<Record<string, BlockKind>> = {
  fence: "code",
  code_block: "code",
  hr: "hr",
  html_block: "html",
};

/** Text of any block, for the cases (a blockquote editor's note, a list) that need it. */
function textOfRange(tokens: readonly Token[], start: number, end: number): string {
  const parts: string[] = [];
  for (let i = start; i < end; i++) {
    const t = tokens[i]!;
    if (t.type === "inline" && t.children !== null) parts.push(plainTextOf(t.children));
  }
  return parts.join("\n");
}

/** Links anywhere inside a block (a list of footer links, a quoted source). */
function linksOfRange(
  tokens: readonly Token[],
  start: number,
  end: number,
  patterns: CompiledPatterns,
): BlockLink[] {
  const links: BlockLink[] = [];
  for (let i = start; i < end; i++) {
    const t = tokens[i]!;
    if (t.type === "inline" && t.children !== null) {
      for (const line of readLines(t.children, patterns)) links.push(...line.links);
    }
  }
  return links;
}

function emptyBlock(kind: BlockKind, para: number): Block {
  return {
    kind,
    level: 0,
    text: "",
    links: [],
    images: [],
    italic: false,
    linkOnly: false,
    para,
    line: 0,
    decoration: 0,
  };
}

/** Where a label may still start in `text`: right after its decoration and any bracketed group name. */
function decorationOf(facts: LineFacts): number {
  const raw = facts.text;
  let at = facts.decoratedUntil;
  const bracketed = LEADING_BRACKETED.exec(raw.slice(at));
  if (bracketed !== null) at += bracketed[0].length;
  const rest = raw.slice(at);
  return at + (rest.length - rest.trimStart().length);
}

const MAX_SAME_LINE_CAPTION = 300;
const LITERAL_STRONG = /\*\*|__/gu;

function toBlock(facts: LineFacts, kind: BlockKind, para: number, line: number, level = 0): Block {
  // Collapse the line's text, keeping link and image offsets valid: only leading whitespace and
  // runs are collapsed here, so offsets are recomputed by searching the collapsed text.
  // "**导读：**连续…": CommonMark leaves emphasis markers before CJK text after punctuation as
  // literal asterisks; they are markup all the same.
  const raw =
    facts.text.includes("**") || facts.text.includes("__")
      ? facts.text.replace(LITERAL_STRONG, "")
      : facts.text;
  const text = collapseWhitespace(raw);
  const leading = facts.text.length - facts.text.trimStart().length;
  const links = facts.links.map((l) => {
    const linkText = collapseWhitespace(l.text);
    const found = text.indexOf(linkText, Math.max(0, l.at - leading - 8));
    return { href: l.href, text: linkText, at: found === -1 ? Math.max(0, l.at - leading) : found };
  });
  return {
    kind,
    level,
    text,
    links,
    images: facts.images,
    italic: facts.hasVisibleText && !facts.textOutsideEmphasis,
    linkOnly: facts.links.length > 0 && !facts.textOutsideLinks && facts.images.length === 0,
    para,
    line,
    decoration: Math.max(0, decorationOf(facts) - leading),
  };
}

/** Describes an image with the caption written for it (label removed; a credit-only line stays whole). */
function attachCaption(image: BlockImage, text: string, patterns: CompiledPatterns): void {
  if (image.caption !== undefined && patterns.photoCreditLine.test(text)) {
    // The second line of a two-line caption: "村民正在分拣核桃" / "图片来源：山野图库".
    const { credit } = splitCaptionCredit(text, patterns);
    if (credit !== undefined) image.credit = credit;
    return;
  }
  const { caption, credit } = splitCaptionCredit(text, patterns);
  if (caption !== "") image.caption = caption;
  if (credit !== undefined) image.credit = credit;
}

/**
 * A line that describes the image before it: a photo credit, labelled, italic, ending in a
 * credit ("…（摄影：何川）"), or followed by a credit line of its own paragraph.
 */
function isCaption(b: Block, next: LineFacts | undefined, patterns: CompiledPatterns): boolean {
  if (patterns.photoCreditLine.test(b.text) || patterns.line.caption.test(b.text) || b.italic) return true;
  if (b.text.length > MAX_SAME_LINE_CAPTION) return false;
  if (splitCaptionCredit(b.text, patterns).credit !== undefined) return true;
  return next !== undefined && patterns.photoCreditLine.test(collapseWhitespace(next.text));
}

function withoutCaptionLabel(text: string, patterns: CompiledPatterns): string {
  const label = patterns.line.caption.exec(text);
  return label === null ? text : text.slice(label[0].length).trim();
}

/** An image line: the images, then (on the same line) nothing, or a caption. */
function classifyImageLine(facts: LineFacts, block: Block, patterns: CompiledPatterns): void {
  const before = facts.text.slice(0, facts.imageAt[0]);
  if (VISIBLE.test(before)) return; // prose with an inline image: a paragraph line
  const after = collapseWhitespace(facts.text.slice(facts.imageAt.at(-1)));
  if (after === "" || !VISIBLE.test(after)) {
    block.kind = "image";
    return;
  }
  if (patterns.line.caption.test(after) || block.italic || after.length <= MAX_SAME_LINE_CAPTION) {
    block.kind = "image";
    block.captionText = withoutCaptionLabel(after, patterns);
    attachCaption(facts.images.at(-1)!, after, patterns);
  }
}

/** "▼ 钱医生正在为居民测量血压（摄影：孔维）" right above an uncaptioned image is its caption. */
function captionFromAbove(previous: Block | undefined, block: Block, patterns: CompiledPatterns): void {
  const image = block.images.at(0);
  if (previous?.kind !== "paragraph" || block.kind !== "image" || image === undefined) return;
  if (image.caption !== undefined || previous.text.length > MAX_SAME_LINE_CAPTION) return;
  const above = patterns.line.captionAbove.exec(previous.text);
  // "（图片说明）…（credit）" right above an image is its caption too: the label says so.
  if (above === null && !patterns.line.caption.test(previous.text)) return;
  const text = above === null ? previous.text : previous.text.slice(above[0].length).trim();
  previous.kind = "caption";
  previous.captionText = withoutCaptionLabel(text, patterns);
  attachCaption(image, text, patterns);
}

/** Classifies every line of every top-level block. `patterns.line.caption` decides captions. */
export function classifyBlocks(tokens: readonly Token[], patterns: CompiledPatterns): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  let para = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const end = t.nesting === 1 ? endOf(tokens, i) : i + 1;
    if (t.type === "heading_open" || t.type === "paragraph_open") {
      const inline = tokens[i + 1];
      const children = inline?.type === "inline" && inline.children !== null ? inline.children : [];
      const lines =
        t.type === "heading_open" ? [flatten(readLines(children, patterns))] : readLines(children, patterns);
      let n = 0;
      for (const [index, facts] of lines.entries()) {
        if (!VISIBLE_TEXT.test(facts.text) && facts.images.length === 0) continue;
        const kind = t.type === "heading_open" ? "heading" : "paragraph";
        const level = t.type === "heading_open" ? Number(t.tag.slice(1)) : 0;
        const block = toBlock(facts, kind, para, n++, level);
        if (kind === "paragraph") {
          const previous = blocks.at(-1);
          if (facts.images.length > 0) {
            classifyImageLine(facts, block, patterns);
            captionFromAbove(previous, block, patterns);
          } else if (
            (previous?.kind === "image" && previous.captionText === undefined) ||
            (previous?.kind === "caption" &&
              previous.para === para &&
              patterns.photoCreditLine.test(block.text))
          ) {
            if (isCaption(block, lines[index + 1], patterns)) {
              block.kind = "caption";
              block.captionText = withoutCaptionLabel(block.text, patterns);
              const image = blocks.findLast((x) => x.kind === "image")?.images.at(-1);
              if (image !== undefined) attachCaption(image, block.text, patterns);
            }
          }
        }
        blocks.push(block);
      }
    } else if (t.type === "html_block") {
      const images = htmlImages(t.content);
      const block = emptyBlock(images.length > 0 ? "image" : "html", para);
      block.images = images;
      const figcaption = FIGCAPTION.exec(t.content.slice(0, MAX_HTML_SCAN));
      const image = images.at(-1);
      if (figcaption !== null && image !== undefined) {
        const marked = MARKED_CREDIT.exec(figcaption[1]!);
        const inner = marked === null ? figcaption[1]! : figcaption[1]!.replace(marked[0], " ");
        const text = htmlText(inner);
        block.captionText = withoutCaptionLabel(text, patterns);
        attachCaption(image, text, patterns);
        const credit = marked === null ? "" : htmlText(marked[1] ?? marked[3] ?? "");
        if (credit !== "") image.credit = splitCaptionCredit(credit, patterns).credit ?? credit;
      } else if (images.length === 0) {
        const paragraphs = htmlParagraphs(t.content);
        if (paragraphs.length > 0) {
          // Raw HTML paragraphs (a CMS export that kept its <p> tags) are read like Markdown ones.
          for (const [n, p] of paragraphs.entries()) blocks.push({ ...p, para: para + n });
          para += paragraphs.length;
          i = end;
          continue;
        }
        const text = htmlText(t.content.slice(0, MAX_HTML_SCAN));
        if (text.length <= MAX_HTML_LINE) block.text = text;
      }
      blocks.push(block);
    } else {
      const kind = KIND_BY_OPEN[t.type] ?? KIND_BY_SINGLE[t.type] ?? "other";
      const block = emptyBlock(kind, para);
      if (kind === "blockquote" || kind === "list") {
        block.text = textOfRange(tokens, i, end);
        block.links = linksOfRange(tokens, i, end, patterns);
      }
      const previous = blocks.at(-1);
      // "> 图：改造前的城中村巷道（摄影：卢映川）": a caption set as a quote under its image.
      if (kind === "blockquote" && previous?.kind === "image" && previous.captionText === undefined) {
        const quoted = collapseWhitespace(block.text);
        const facts = { ...block, text: quoted, italic: false };
        if (quoted.length <= MAX_SAME_LINE_CAPTION && isCaption(facts, undefined, patterns)) {
          block.kind = "caption";
          block.text = quoted;
          block.captionText = withoutCaptionLabel(quoted, patterns);
          const image = previous.images.at(-1);
          if (image !== undefined) attachCaption(image, quoted, patterns);
        }
      }
      blocks.push(block);
    }
    para++;
    i = end;
  }
  return blocks;
}

/** A heading's lines as one line. */
function flatten(lines: LineFacts[]): LineFacts {
  const [first, ...rest] = lines;
  for (const l of rest) {
    const offset = first!.text.length + 1;
    first!.text += ` ${l.text}`;
    first!.links.push(...l.links.map((link) => ({ ...link, at: link.at + offset })));
    first!.images.push(...l.images);
    first!.textOutsideEmphasis ||= l.textOutsideEmphasis;
    first!.textOutsideLinks ||= l.textOutsideLinks;
    first!.hasVisibleText ||= l.hasVisibleText;
  }
  return first!;
}

/** `src` of every image anywhere in the body (lists, quotes and raw HTML included), in order. */
export function imageSources(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.type === "html_block") {
      for (const image of htmlImages(t.content)) out.push(image.src);
      continue;
    }
    if (t.type !== "inline" || t.children === null) continue;
    for (const c of t.children) {
      if (c.type === "image") out.push(attr(c, "src"));
      else if (c.type === "html_inline") for (const image of htmlImages(c.content)) out.push(image.src);
    }
  }
  return out;
}
