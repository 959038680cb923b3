import { displayRef, isLocalRef, resolveAsset } from "./assets.ts";
import type { Block } from "./blocks.ts";
import { readImageFacts } from "./image.ts";
import type { ImageInfo } from "./model.ts";
import { absoluteUrl } from "./sanitize.ts";

// The cover is the image feeds announce (enclosure, media:content, JSON Feed `image`) and
// ActivityPub attaches: front matter decides, else the first image of the body.

const DOT_SLASH = /^\.\//;

export interface CoverChoice {
  /** As written (front matter) or as markdown-it normalised it (body). */
  ref: string;
  alt?: string;
}

export interface CoverContext {
  contentDir: string;
  articlePath: string;
  articleUrl: string;
}

/** Alt text for an image in the body: its alt, else the caption under it, else its title. */
function bodyImageAlt(
  blocks: readonly Block[],
  index: number,
  image: Block["images"][number],
): string | undefined {
  if (image.alt !== "") return image.alt;
  const next = blocks[index + 1];
  if (blocks[index]!.kind === "image" && next?.kind === "caption" && next.captionText)
    return next.captionText;
  return image.title;
}

export function chooseCover(
  frontMatter: CoverChoice | undefined,
  blocks: readonly Block[],
): CoverChoice | undefined {
  for (let i = 0; i < blocks.length; i++) {
    for (const image of blocks[i]!.images) {
      if (frontMatter === undefined) {
        const alt = bodyImageAlt(blocks, i, image);
        return alt === undefined ? { ref: image.src } : { ref: image.src, alt };
      }
      // A front-matter cover that is also shown in the body borrows the body's alt text.
      if (frontMatter.alt === undefined && sameRef(image.src, frontMatter.ref)) {
        const alt = bodyImageAlt(blocks, i, image);
        return alt === undefined ? frontMatter : { ...frontMatter, alt };
      }
    }
  }
  return frontMatter;
}

function sameRef(a: string, b: string): boolean {
  return displayRef(a).replace(DOT_SLASH, "") === displayRef(b).replace(DOT_SLASH, "");
}

/** ImageInfo for the chosen cover; problems become warnings, never errors. */
export function describeCover(
  choice: CoverChoice,
  ctx: CoverContext,
  warnings: string[],
): ImageInfo | undefined {
  const shown = displayRef(choice.ref);
  const url = absoluteUrl(choice.ref, ctx.articleUrl);
  if (url === undefined) {
    warnings.push(
      `Cover image "${shown}" is not an http(s) URL or a file beside the article, so there is no cover.`,
    );
    return undefined;
  }
  const cover: ImageInfo = { url };
  if (choice.alt !== undefined && choice.alt !== "") cover.alt = choice.alt;
  else warnings.push(`Cover image "${shown}" has no alt text; add cover_alt or alt text to the image.`);
  if (!isLocalRef(choice.ref)) return cover;
  const file = resolveAsset(ctx.contentDir, ctx.articlePath, choice.ref);
  if (file === undefined) {
    warnings.push(`Cover image "${shown}" was not found in the article folder.`);
    return cover;
  }
  try {
    const facts = readImageFacts(file);
    cover.length = facts.length;
    if (facts.mediaType === undefined) {
      warnings.push(`Cover image "${shown}" is not a JPEG, PNG, GIF, WebP, AVIF or SVG image.`);
      return cover;
    }
    cover.mediaType = facts.mediaType;
    if (facts.width !== undefined && facts.height !== undefined) {
      cover.width = facts.width;
      cover.height = facts.height;
    } else {
      warnings.push(`Cover image "${shown}" has unreadable dimensions.`);
    }
  } catch (e) {
    warnings.push(
      `Cover image "${shown}" could not be read (${(e as NodeJS.ErrnoException).code ?? "I/O error"}).`,
    );
  }
  return cover;
}
