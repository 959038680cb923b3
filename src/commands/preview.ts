// `herald preview FILE`: the post as a Mastodon user will see it, and what Mastodon would do badly.
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseContext } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { Article } from "../content/model.ts";
import { computeContentHash, parseArticle } from "../content/parse.ts";
import { mirroredName, showCover } from "../media/cover-record.ts";
import { probeCover } from "../media/look.ts";
import { type DerivedRow, derivedLabel, derivedRows, missingFieldWarnings } from "../ops/derived.ts";
import { type PostAttachment, renderPost } from "../ops/post.ts";
import type { MediaRecord } from "../store/types.ts";
import { siteUrls } from "../urls.ts";

export interface Preview {
  file: string;
  text: string;
  contentWarning: string | null;
  attachment: PostAttachment | null;
  link: string;
  language: string;
  hashtags: string[];
  /** Each derived field with the rule that found it. */
  derived: DerivedRow[];
  warnings: string[];
}

/** Types Mastodon shows as images everywhere (AVIF alone is not safe yet). */
const SAFE_IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
/** What most Mastodon servers allow for their own posts; longer remote posts are shown collapsed. */
const COMFORTABLE_LENGTH = 500;

export async function previewFile(
  config: Config,
  file: string,
  checkCover = true,
): Promise<Preview | { error: string }> {
  const abs = resolve(file);
  const rel = relative(config.content.dir, abs).split("\\").join("/");
  if (rel.startsWith("..")) return { error: `${file} is not inside content.dir (${config.content.dir}).` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (error) {
    return { error: `Cannot read ${file}: ${(error as Error).message}.` };
  }
  const parsed = parseArticle(rel, bytes, parseContext(config));
  if (!parsed.ok) return { error: `${parsed.error.path}: ${parsed.error.message} [${parsed.error.type}]` };
  const p = parsed.value;
  const id = p.frontMatterId ?? p.slug;
  const now = new Date().toISOString();
  const urls = siteUrls(config.site.url);
  // The cover as a scan would see it: a remote image fetched (through the same guard), a local one
  // read, nothing kept.
  const looked = p.cover
    ? await probeCover(
        { articleId: id, articlePath: rel, articleUrl: p.url, cover: p.cover },
        {
          contentDir: config.content.dir,
          dataDir: config.data.dir,
          mirror: config.media.mirror,
          allowPrivateAddress: config.federation.allowPrivateAddress,
        },
        checkCover,
      )
    : undefined;
  const article: Article = {
    ...p,
    id,
    published: p.date ?? now,
    updated: p.updatedAt ?? p.date ?? now,
    contentHash: computeContentHash({ ...p, id }),
  };
  if (article.cover) article.cover = showCover(article.cover, looked, urls, config.media.mirror);
  const { json, html, attachments } = await renderPost(config, article, new Date());
  const text = htmlToText(html);
  const warnings: string[] = [];
  if (article.contentWarning)
    warnings.push(`The post will be hidden behind a content warning: "${article.contentWarning}".`);
  if (attachments.length > 4)
    warnings.push(`Mastodon shows at most 4 attachments; ${attachments.length - 4} will not be shown.`);
  if (!article.cover)
    warnings.push("No cover image: Mastodon will show a link card built from the article page.");
  else if (looked) warnings.push(...coverWarnings(looked, checkCover));
  if (article.cover && !article.cover.mediaType) {
    warnings.push(
      "The cover's type is unknown (its file name has no image extension), so it is not attached: Mastodon will show a link card instead.",
    );
  } else if (article.cover?.mediaType && !SAFE_IMAGE_TYPES.has(article.cover.mediaType)) {
    warnings.push(
      `The cover is ${article.cover.mediaType}, which some servers cannot show; prefer JPEG, PNG or WebP.`,
    );
  }
  if (article.cover && !article.cover.alt)
    warnings.push("The cover has no alt text: add cover_alt or alt text to the image.");
  const length = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;
  if (length > COMFORTABLE_LENGTH) {
    warnings.push(
      `The post is ${length} characters; over ${COMFORTABLE_LENGTH} it is shown collapsed on many servers. Shorten the summary.`,
    );
  }
  const host = new URL(urls.home).hostname;
  if (/^(localhost|127\.|10\.|192\.168\.|\[?::1\]?$)/.test(host) || host.endsWith(".local")) {
    warnings.push(
      `site.url is ${urls.home}: Mastodon's crawler cannot reach it, so images and link cards will not load.`,
    );
  } else if (checkCover && article.cover && looked?.kind === "local") {
    const reachable = await fetch(article.cover.url, { method: "HEAD", signal: AbortSignal.timeout(5000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (!reachable)
      warnings.push(
        `The cover ${article.cover.url} could not be fetched: Mastodon's crawler will not get it either.`,
      );
  }
  for (const w of article.warnings) warnings.push(w.replace(/\.?$/, "."));
  for (const w of missingFieldWarnings(article)) if (!warnings.includes(w)) warnings.push(w);
  return {
    file: rel,
    text,
    contentWarning: article.contentWarning ?? null,
    attachment: attachments[0] ?? null,
    link: article.url,
    language: article.lang,
    hashtags: [].concat((json.tag as never) ?? []).map((t: { name?: string }) => t.name ?? ""),
    derived: derivedRows(article),
    warnings,
  };
}

/** What looking at the cover found, for the editor: a copy to be kept, or why it could not be fetched. */
function coverWarnings(looked: MediaRecord, fetched: boolean): string[] {
  if (looked.kind === "local")
    return looked.state === "failed" ? [`The cover could not be read: ${looked.error?.message}`] : [];
  if (!fetched)
    return ["The cover is remote and was not fetched (no network check): the post links to the original."];
  if (looked.state === "failed")
    return [
      `The cover ${looked.source} could not be fetched (${looked.error?.reason}: ${looked.error?.message}) ` +
        "The post links to the original, typed by its file extension; Herald tries again on later scans.",
    ];
  const name = mirroredName(looked);
  return name ? [`Herald keeps its own copy of the cover (/media/${name}) and posts that.`] : [];
}

/** Roughly what Mastodon shows: paragraphs as blank-line-separated text, links as their text. */
function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .trim();
}

export function formatPreview(p: Preview): string {
  const lines = [`Preview of ${p.file} as a fediverse post`, "", "┌────────────────────────────────────────"];
  if (p.contentWarning) lines.push(`│ CW: ${p.contentWarning}`, "│");
  for (const line of p.text.split("\n")) lines.push(`│ ${line}`);
  lines.push("└────────────────────────────────────────", "");
  if (p.attachment) {
    const size =
      p.attachment.width && p.attachment.height ? ` ${p.attachment.width}×${p.attachment.height}` : "";
    lines.push(`Attachment: ${p.attachment.mediaType}${size} ${p.attachment.url}`);
    lines.push(`  alt text: ${p.attachment.alt ?? "(none)"}`);
    if (p.attachment.blurhash) lines.push(`  blurhash: ${p.attachment.blurhash}`);
  } else lines.push("Attachment: none (link card from the article page)");
  lines.push(`Link: ${p.link}`, `Language: ${p.language}`, `Hashtags: ${p.hashtags.join(" ") || "(none)"}`);
  lines.push("", "What Herald derived (and how):");
  for (const row of p.derived) {
    lines.push(`  ${derivedLabel(row.field)}: ${row.value || "(not found)"}`);
    if (row.rule !== undefined) lines.push(`      ← ${row.rule}`);
  }
  if (p.warnings.length > 0) {
    lines.push("", "Warnings:");
    for (const w of p.warnings) lines.push(`  - ${w}`);
  } else lines.push("", "No warnings.");
  return lines.join("\n");
}
