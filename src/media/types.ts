// Image types by file extension, in one table: what the web server sends for a file beside an
// article, what a mirrored copy is named, and the type a remote cover is announced with when
// Herald could not fetch it to look at its bytes.

const BY_EXTENSION: Readonly<Record<string, string>> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".svg": "image/svg+xml",
};

/** The extension a mirrored copy gets, by its sniffed type. SVG is never mirrored (see fetch.ts). */
const EXTENSION_OF: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
};

/** `image/jpeg` for `photo.JPG`; undefined for anything that is not a web image extension. */
export function imageTypeOfPath(path: string): string | undefined {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : BY_EXTENSION[path.slice(dot).toLowerCase()];
}

/** Query parameters image CDNs name the format with: WeChat's `wx_fmt=jpeg`, imgix's `fm=jpg`, … */
const FORMAT_PARAMS = ["wx_fmt", "format", "fm", "ext", "type"];

/**
 * The type a URL names: by its path's extension, else by a format parameter
 * (`…/640?wx_fmt=jpeg`, `…/photo?format=webp`), since many image CDNs serve extensionless paths.
 */
export function imageTypeOfUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const byPath = imageTypeOfPath(parsed.pathname);
    if (byPath !== undefined) return byPath;
    for (const name of FORMAT_PARAMS) {
      const value = parsed.searchParams.get(name);
      const type = value === null ? undefined : BY_EXTENSION[`.${value.toLowerCase()}`];
      if (type !== undefined && type !== "image/svg+xml") return type;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** File extension (no dot) for a raster type Herald mirrors; undefined for others. */
export function mirrorExtension(mediaType: string): string | undefined {
  return EXTENSION_OF[mediaType];
}

/** Raster types a remote image may have to be mirrored and attached. */
export const MIRRORED_TYPES: ReadonlySet<string> = new Set(Object.keys(EXTENSION_OF));
