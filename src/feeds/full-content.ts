// The full HTML an item carries: cover image first (readers that ignore media:* and
// enclosures still show it), then the body, then the visible attribution block.
import type { Article } from "../content/model.ts";
import { renderAttributionHtml } from "../render/attribution.ts";
import { escapeHtmlAttribute, httpUrl } from "../render/html.ts";

// The first element of the body, skipping wrappers such as <p>, <figure>, <picture> or <a>.
const LEADING_IMG =
  /^\s*(?:<(?:p|figure|picture|a|div)\b[^>]*>\s*)*<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')/i;

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Does the body already open with the cover image (so we must not show it twice)? */
function bodyStartsWithImage(html: string, imageUrl: string, base: string): boolean {
  const match = LEADING_IMG.exec(html);
  const src = match?.[1] ?? match?.[2];
  if (src === undefined) return false;
  return httpUrl(decodeAttribute(src), base) === httpUrl(imageUrl, base);
}

function coverImageHtml(article: Article): string {
  const cover = article.cover;
  const src = httpUrl(cover?.url, article.url);
  if (cover === undefined || src === undefined) return "";
  const size =
    (cover.width === undefined ? "" : ` width="${cover.width}"`) +
    (cover.height === undefined ? "" : ` height="${cover.height}"`);
  return `<p><img src="${escapeHtmlAttribute(src)}" alt="${escapeHtmlAttribute(cover.alt ?? "")}"${size}></p>`;
}

export function fullContentHtml(article: Article): string {
  const body = article.contentHtml.trim();
  const cover =
    article.cover !== undefined && !bodyStartsWithImage(body, article.cover.url, article.url)
      ? coverImageHtml(article)
      : "";
  return [cover, body, renderAttributionHtml(article)].filter((part) => part !== "").join("\n");
}
