import MarkdownIt, { type Token } from "markdown-it";
import { sanitizeArticleHtml } from "./sanitize.ts";

// One parser for the process: building markdown-it compiles its rule chains and linkify's
// regexes, far too slow to do per article.
const md = new MarkdownIt({ html: true, linkify: true });

export interface ParsedMarkdown {
  tokens: Token[];
  /** markdown-it's environment (reference definitions); the renderer needs the same one. */
  env: Record<string, unknown>;
}

export function parseMarkdown(body: string): ParsedMarkdown {
  const env: Record<string, unknown> = {};
  return { tokens: md.parse(body, env), env };
}

/** Inline Markdown (a summary, a caption) → its tokens, for plain-text extraction. */
export function parseInlineMarkdown(text: string): Token[] {
  return md.parseInline(text, {})[0]?.children ?? [];
}

/** Tokens → sanitized HTML with every URL absolute against `baseUrl`. */
export function renderArticleHtml(parsed: ParsedMarkdown, baseUrl: string): string {
  return sanitizeArticleHtml(md.renderer.render(parsed.tokens, md.options, parsed.env), baseUrl);
}
