import type { Token } from "markdown-it";
import type { CompiledPatterns } from "./patterns.ts";
import { collapseWhitespace } from "./plain-text.ts";

// The top-level structure of an article body, read from markdown-it tokens (never from
// rendered HTML): attribution, summary and cover all reason about "the paragraph after an
// image" or "the heading that starts the Source section", which is block-level structure.

export type BlockKind =
  | "heading"
  | "paragraph"
  | "image" // a paragraph of nothing but images (optionally linked)
  | "caption" // the paragraph right after an image that describes it
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
}

export interface BlockImage {
  /** As written in Markdown (percent-encoded by markdown-it), not yet absolute. */
  src: string;
  alt: string;
  title?: string;
}

export interface Block {
  kind: BlockKind;
  /** Token range [start, end) in the token list the blocks were read from. */
  start: number;
  end: number;
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
  /** For a caption: its text without a "图片说明：" / "Photo:" label. */
  captionText?: string;
}

function attr(t: Token, name: string): string {
  const value = t.attrGet(name);
  return value === null ? "" : String(value);
}

const VISIBLE = /[^\s\p{P}\p{S}]/u;
const VISIBLE_TEXT = /\S/;

interface InlineFacts {
  text: string;
  links: BlockLink[];
  images: BlockImage[];
  textOutsideLinks: boolean;
  textOutsideEmphasis: boolean;
  hasVisibleText: boolean;
}

function readInline(children: readonly Token[]): InlineFacts {
  let text = "";
  const links: BlockLink[] = [];
  const images: BlockImage[] = [];
  let openLink: BlockLink | undefined;
  let emphasisDepth = 0;
  let textOutsideLinks = false;
  let textOutsideEmphasis = false;
  let hasVisibleText = false;
  const addText = (s: string): void => {
    text += s;
    if (openLink !== undefined) openLink.text += s;
    if (VISIBLE_TEXT.test(s)) {
      hasVisibleText = true;
      if (emphasisDepth === 0) textOutsideEmphasis = true;
    }
    if (openLink === undefined && VISIBLE.test(s)) textOutsideLinks = true;
  };
  for (const t of children) {
    switch (t.type) {
      case "text":
      case "code_inline":
        addText(t.content);
        break;
      case "softbreak":
        addText("\n");
        break;
      case "hardbreak":
        addText(" ");
        break;
      case "link_open": {
        const link = { href: attr(t, "href"), text: "" };
        links.push(link);
        openLink = link;
        break;
      }
      case "link_close":
        openLink = undefined;
        break;
      case "em_open":
        emphasisDepth++;
        break;
      case "em_close":
        emphasisDepth--;
        break;
      case "image": {
        const title = attr(t, "title");
        const alt = collapseWhitespace(t.children === null ? t.content : plainTextOf(t.children));
        images.push(title === "" ? { src: attr(t, "src"), alt } : { src: attr(t, "src"), alt, title });
        break;
      }
      default:
        break; // html_inline, strong, s: no text of their own
    }
  }
  for (const link of links) link.text = collapseWhitespace(link.text);
  return {
    text: collapseWhitespace(text),
    links,
    images,
    textOutsideLinks,
    textOutsideEmphasis,
    hasVisibleText,
  };
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

/** Text of any block, for the rare cases (a blockquote editor's note) that need it. */
function textOfRange(tokens: readonly Token[], start: number, end: number): string {
  const parts: string[] = [];
  for (let i = start; i < end; i++) {
    const t = tokens[i]!;
    if (t.type === "inline" && t.children !== null) parts.push(plainTextOf(t.children));
  }
  return parts.join("\n");
}

function emptyBlock(kind: BlockKind, start: number, end: number): Block {
  return { kind, start, end, level: 0, text: "", links: [], images: [], italic: false, linkOnly: false };
}

/** Classifies each top-level block. `patterns.line.caption` decides captions. */
export function classifyBlocks(tokens: readonly Token[], patterns: CompiledPatterns): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const end = t.nesting === 1 ? endOf(tokens, i) : i + 1;
    if (t.type === "heading_open" || t.type === "paragraph_open") {
      const inline = tokens[i + 1];
      const facts = readInline(inline?.type === "inline" && inline.children !== null ? inline.children : []);
      const block: Block = {
        kind: t.type === "heading_open" ? "heading" : "paragraph",
        start: i,
        end,
        level: t.type === "heading_open" ? Number(t.tag.slice(1)) : 0,
        text: facts.text,
        links: facts.links,
        images: facts.images,
        italic: facts.hasVisibleText && !facts.textOutsideEmphasis,
        linkOnly: facts.links.length > 0 && !facts.textOutsideLinks && facts.images.length === 0,
      };
      if (block.kind === "paragraph") {
        if (facts.images.length > 0 && !facts.textOutsideLinks && !facts.hasVisibleText) {
          block.kind = "image";
        } else if (blocks.at(-1)?.kind === "image") {
          const label = patterns.line.caption.exec(facts.text);
          if (label !== null || block.italic) {
            block.kind = "caption";
            block.captionText = label === null ? facts.text : facts.text.slice(label[0].length).trim();
          }
        }
      }
      blocks.push(block);
    } else {
      const kind = KIND_BY_OPEN[t.type] ?? KIND_BY_SINGLE[t.type] ?? "other";
      const block = emptyBlock(kind, i, end);
      if (kind === "blockquote" || kind === "list") block.text = textOfRange(tokens, i, end);
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

/** `src` of every Markdown image anywhere in the body (lists and quotes included), in order. */
export function imageSources(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.type !== "inline" || t.children === null) continue;
    for (const c of t.children) if (c.type === "image") out.push(attr(c, "src"));
  }
  return out;
}
