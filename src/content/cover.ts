import { assetStamp, displayRef, isLocalRef } from "./assets.ts";
import type { BlockRole } from "./attribution.ts";
import type { Block, BlockImage } from "./blocks.ts";
import { readImageFacts } from "./image.ts";
import type { ImageInfo } from "./model.ts";
import type { CompiledPatterns } from "./patterns.ts";
import { absoluteUrl } from "./sanitize.ts";

// The cover is the image feeds announce (enclosure, media:content, JSON Feed `image`) and
// ActivityPub attaches: front matter decides, else the first image of the body.

const DOT_SLASH = /^\.\//;

export interface CoverChoice {
  /** As written (front matter) or as markdown-it normalised it (body). */
  ref: string;
  alt?: string;
  /** Photographer or agency, from the caption. */
  credit?: string;
  /** Why this image: "front matter", "first image (paragraph 3)". */
  rule?: string;
}

export interface CoverContext {
  articleUrl: string;
  /** resolveAsset for the article's folder (assetResolver). */
  resolveAsset: (ref: string) => string | undefined;
  /** Each file beside the article that was read, stamped as it was (see `assetStamp`). */
  assets?: string[];
}

const CLOSING_ROLES = new Set<BlockRole>(["credit", "source", "bio", "boilerplate", "via"]);

const PROFILE_LINK = /\/@[\w.-]+\/?(?:[?#]|$)|\/(?:authors?|profiles?|users?)\/[^/?#]+\/?(?:[?#]|$)/iu;
const SCHEME_AND_HOST = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/iu;

/**
 * The path of an image reference, decoded, for telling a QR code or a logo from a photo: the
 * folders count too ("mmbiz_gif/top_follow_banner/640.gif"), the host does not.
 */
function imagePath(ref: string): string {
  const path = (ref.split(/[?#]/u, 1)[0] ?? "").replace(SCHEME_AND_HOST, "");
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Images that are never the cover: QR codes, logos, banners and tracking pixels by name or alt,
 * and anything after the article's closing credits ("编辑：… 发布：…", a disclaimer, a Source line).
 */
function decorativeImages(
  blocks: readonly Block[],
  roles: readonly BlockRole[],
  patterns: CompiledPatterns,
): Set<BlockImage> {
  const out = new Set<BlockImage>();
  let lastProse = -1;
  for (let i = 0; i < roles.length; i++)
    if (roles[i] === "prose" || roles[i] === "editors-note") lastProse = i;
  let closed = false;
  const firstProse = roles.findIndex((r) => r === "prose" || r === "editors-note");
  const header = (i: number): boolean => firstProse === -1 || i < firstProse;
  for (let i = 0; i < blocks.length; i++) {
    // "点击上方蓝字关注我们" and the animated banner beside it, before the story starts.
    const besideBoilerplate = header(i) && (roles[i - 1] === "boilerplate" || roles[i + 1] === "boilerplate");
    if (i > lastProse && CLOSING_ROLES.has(roles[i]!)) closed = true;
    for (const image of blocks[i]!.images) {
      const named =
        patterns.decorativeImage.test(imagePath(image.src)) ||
        patterns.decorativeImage.test(image.alt) ||
        patterns.line.boilerplate.test(image.alt) ||
        patterns.line.boilerplate.test(image.caption ?? "");
      // An image linked to a profile page is the author's avatar.
      const avatar = image.href !== undefined && PROFILE_LINK.test(image.href);
      if (named || avatar || besideBoilerplate || (closed && i > lastProse) || roles[i] === "boilerplate") {
        out.add(image);
      }
    }
  }
  return out;
}

function bodyChoice(image: BlockImage, rule: string): CoverChoice {
  const choice: CoverChoice = { ref: image.src, rule };
  const alt = image.alt !== "" ? image.alt : (image.caption ?? image.title);
  if (alt !== undefined && alt !== "") choice.alt = alt;
  if (image.credit !== undefined) choice.credit = image.credit;
  return choice;
}

export function chooseCover(
  frontMatter: CoverChoice | undefined,
  blocks: readonly Block[],
  roles: readonly BlockRole[],
  patterns: CompiledPatterns,
): CoverChoice | undefined {
  const skip = frontMatter === undefined ? decorativeImages(blocks, roles, patterns) : new Set<BlockImage>();
  for (const block of blocks) {
    for (const image of block.images) {
      if (frontMatter === undefined) {
        if (skip.has(image)) continue;
        return bodyChoice(image, `first image in the body (paragraph ${block.para + 1})`);
      }
      // A front-matter cover that is also shown in the body borrows the body's alt text and credit.
      if (sameRef(image.src, frontMatter.ref)) {
        const body = bodyChoice(image, "front matter");
        return {
          ...frontMatter,
          ...(frontMatter.alt === undefined && body.alt !== undefined ? { alt: body.alt } : {}),
          ...(body.credit === undefined ? {} : { credit: body.credit }),
        };
      }
    }
  }
  return frontMatter === undefined ? undefined : { ...frontMatter, rule: "front matter" };
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
  if (choice.credit !== undefined) cover.credit = choice.credit;
  if (choice.alt !== undefined && choice.alt !== "") cover.alt = choice.alt;
  else warnings.push(`Cover image "${shown}" has no alt text; add cover_alt or alt text to the image.`);
  if (!isLocalRef(choice.ref)) return cover;
  const file = ctx.resolveAsset(choice.ref);
  if (file === undefined) {
    warnings.push(`Cover image "${shown}" was not found in the article folder.`);
    return cover;
  }
  try {
    const facts = readImageFacts(file);
    // Stamped as the descriptor that was read saw it: a file replaced since fails the stamp.
    ctx.assets?.push(assetStamp(file, facts.file));
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
