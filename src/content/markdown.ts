import MarkdownIt, { type Token } from "markdown-it";
import { renderSafeHtml, safeToRenderDirectly } from "./safe-render.ts";
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

/** markdown-it's HTML for the tokens, then sanitize-html over it: the general (slow) path. */
export function renderViaSanitizer(parsed: ParsedMarkdown, baseUrl: string): string {
  return sanitizeArticleHtml(md.renderer.render(parsed.tokens, md.options, parsed.env), baseUrl);
}

/**
 * Tokens → sanitized HTML with every URL absolute against `baseUrl`.
 *
 * Without raw HTML in the Markdown (most articles), every tag comes from markdown-it itself, so
 * the tokens are rendered straight to the exact bytes sanitize-html would have produced
 * (safe-render.ts); re-parsing the HTML with htmlparser2 was a third of parse time. Raw HTML
 * (or any token type safe-render does not know) goes through sanitize-html as before.
 */
export function renderArticleHtml(parsed: ParsedMarkdown, baseUrl: string): string {
  if (safeToRenderDirectly(parsed.tokens))
    return renderSafeHtml(parsed.tokens, md.options, parsed.env, baseUrl);
  return renderViaSanitizer(parsed, baseUrl);
}
