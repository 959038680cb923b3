import { encode } from "blurhash";
import sharp, { type SharpOptions } from "sharp";

// What Mastodon wants to know of an attached image besides its URL: size (to lay out the post
// before the image loads) and a blurhash (the blurred placeholder it draws meanwhile). Decoded by
// sharp (libvips), bounded so that a hostile file cannot take the process down: a pixel limit
// against decompression bombs, a time limit, and only the first frame of an animation.

/** About 40 megapixels: far above any cover, far below what would exhaust memory when decoded. */
const MAX_INPUT_PIXELS = 40_000_000;
/** The blurhash is computed from a thumbnail: its shape survives, its cost does not grow with the image. */
const THUMBNAIL = 32;

// libvips keeps recent operations in memory; Herald decodes each image once, so little is gained.
sharp.cache({ memory: 16, files: 0, items: 20 });

export interface ImageInspection {
  width: number;
  height: number;
  blurhash: string;
}

const OPTIONS: SharpOptions = {
  limitInputPixels: MAX_INPUT_PIXELS,
  // Refuse files libvips reports as broken (truncated, corrupt), not those with harmless warnings.
  failOn: "error",
  animated: false,
  sequentialRead: true,
  // Width and height as browsers display them: EXIF orientations 5–8 swap the sides.
  autoOrient: true,
};

/**
 * Displayed width and height and a blurhash of an image (bytes or a file path). Throws when the
 * image cannot be decoded or is over the pixel limit.
 */
export async function inspectImage(input: Buffer | string): Promise<ImageInspection> {
  const image = sharp(input, OPTIONS).timeout({ seconds: 10 });
  const meta = await image.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error("The image has no dimensions.");
  const { data, info } = await image
    .resize(THUMBNAIL, THUMBNAIL, { fit: "inside" })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, blurhash: blurhashOf(data, info.width, info.height) };
}

/**
 * 4×3 components (3×4 for portraits): enough for a placeholder, 28 characters on the wire, and
 * within the 5 per axis that every client decodes.
 */
function blurhashOf(rgba: Buffer, width: number, height: number): string {
  const [x, y] = width >= height ? [4, 3] : [3, 4];
  return encode(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), width, height, x, y);
}
