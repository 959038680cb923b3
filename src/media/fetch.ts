import { sniffImageType } from "../content/image.ts";
import { GuardedFetchError, type GuardedGetOptions, guardedGet } from "../net/guard.ts";
import { VERSION } from "../version.ts";
import { MIRRORED_TYPES } from "./types.ts";

// A remote image, fetched through the guard and judged by its bytes: servers send HTML error pages
// and login walls as `image/jpeg`, and a wrong type makes Mastodon drop the attachment.

export interface FetchedImage {
  /** The URL that answered, after redirects. */
  url: string;
  bytes: Buffer;
  /** Sniffed from the bytes; the Content-Type header is not trusted. */
  mediaType: string;
}

/** The bytes are not an image Herald attaches (reason `not-an-image`). */
export class NotAnImageError extends Error {
  readonly reason = "not-an-image";
  readonly url: string;
  constructor(url: string, found: string | undefined) {
    super(
      found
        ? `${url} is ${found}, which Herald does not attach (JPEG, PNG, GIF, WebP or AVIF only).`
        : `${url} is not an image (its bytes are no JPEG, PNG, GIF, WebP or AVIF).`,
    );
    this.name = "NotAnImageError";
    this.url = url;
  }
}

export async function fetchImage(url: string, options: GuardedGetOptions = {}): Promise<FetchedImage> {
  const response = await guardedGet(url, {
    ...options,
    headers: {
      Accept: "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1",
      "User-Agent": `Herald/${VERSION} (image fetcher)`,
      ...options.headers,
    },
  });
  const mediaType = sniffImageType(response.body);
  // SVG is left out on purpose: Mastodon does not show it, and served from Herald's origin it could carry script.
  if (mediaType === undefined || !MIRRORED_TYPES.has(mediaType)) throw new NotAnImageError(url, mediaType);
  return { url: response.url, bytes: response.body, mediaType };
}

/**
 * A reason code and a sentence for a failure to get or decode an image: the guard's and this
 * module's errors carry their reason; anything else was thrown by the decoder.
 */
export function describeFailure(error: unknown): { reason: string; message: string } {
  if (error instanceof GuardedFetchError || error instanceof NotAnImageError)
    return { reason: error.reason, message: error.message };
  const reason = (error as { reason?: unknown }).reason;
  if (error instanceof Error && typeof reason === "string") return { reason, message: error.message };
  const text = String((error as Error)?.message ?? error).replace(/\.?$/, ".");
  return { reason: "undecodable", message: `The image cannot be decoded: ${text}` };
}
