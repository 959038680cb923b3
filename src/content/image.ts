import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { imageSize } from "image-size";

// What feeds need to announce an image (enclosure type and length, media:content size):
// sniffed from the bytes, because file extensions lie ("photo.jpg" saved as PNG is common,
// and a wrong type makes some readers drop the enclosure).

const HEAD_BYTES = 64 * 1024;
const MAX_FULL_READ = 32 * 1024 * 1024;
const LEADING_BOM = /^\uFEFF/;
const LENIENT_UTF8 = new TextDecoder("utf-8");
const SVG_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i;

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** MIME type from magic bytes, or undefined when it is none of the web image formats. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (ascii(bytes, 0, 8) === "\x89PNG\r\n\x1a\n") return "image/png";
  const six = ascii(bytes, 0, 6);
  if (six === "GIF87a" || six === "GIF89a") return "image/gif";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "image/webp";
  if (ascii(bytes, 4, 8) === "ftyp") {
    // ISO BMFF: major brand, then compatible brands, up to the end of the ftyp box.
    const boxEnd = Math.min(
      bytes.length,
      (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!,
    );
    for (let at = 8; at + 4 <= boxEnd; at += at === 8 ? 8 : 4) {
      const brand = ascii(bytes, at, at + 4);
      if (brand === "avif" || brand === "avis") return "image/avif";
    }
    return undefined;
  }
  const text = LENIENT_UTF8.decode(bytes.subarray(0, 4096)).replace(LEADING_BOM, "");
  return SVG_START.test(text) ? "image/svg+xml" : undefined;
}

export interface ImageFacts {
  mediaType?: string;
  width?: number;
  height?: number;
  length: number;
  /** The file that was read, as fstat saw it when it was opened (what an asset stamp records). */
  file: { size: number; mtimeMs: number; ino: number };
}

function dimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  try {
    const size = imageSize(bytes);
    if (size.width === undefined || size.height === undefined) return undefined;
    // EXIF orientations 5–8 rotate by 90°: browsers display the image with sides swapped.
    const rotated = size.orientation !== undefined && size.orientation >= 5;
    return rotated ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
  } catch {
    return undefined;
  }
}

/** Type, size in bytes and pixel dimensions of a local image file; throws on I/O errors. */
export function readImageFacts(file: string): ImageFacts {
  const fd = openSync(file, "r");
  try {
    const { size: length, mtimeMs, ino } = fstatSync(fd);
    let bytes: Uint8Array = Buffer.alloc(Math.min(length, HEAD_BYTES));
    bytes = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
    const mediaType = sniffImageType(bytes);
    const facts: ImageFacts = { length, file: { size: length, mtimeMs, ino } };
    if (mediaType === undefined) return facts;
    facts.mediaType = mediaType;
    let size = dimensions(bytes);
    if (size === undefined && length > bytes.length && length <= MAX_FULL_READ) {
      // A JPEG with a large EXIF block has its frame header past the first 64 KB.
      const full = Buffer.alloc(length);
      size = dimensions(full.subarray(0, readSync(fd, full, 0, length, 0)));
    }
    if (size !== undefined) {
      facts.width = size.width;
      facts.height = size.height;
    }
    return facts;
  } finally {
    closeSync(fd);
  }
}
