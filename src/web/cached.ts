import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

/** A response body built once and served many times, with its validators and a gzipped copy. */
export interface CachedBody {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly lastModified: string;
  readonly contentType: string;
}

export function cachedBody(content: string | Buffer, contentType: string, lastModified: Date): CachedBody {
  const body = ownBytes(content);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const gzip = body.length > 1024 ? ownBytes(gzipSync(body)) : undefined;
  // Last-Modified has one-second precision; an invalid date (no items) falls back to the epoch.
  const time = Number.isNaN(lastModified.getTime()) ? new Date(0) : lastModified;
  return { body, gzip, etag, lastModified: time.toUTCString(), contentType };
}

/**
 * A cached body lives long, so it gets its own memory of its own size. Otherwise it would be a view:
 * of Node's 64 KB buffer pool (Buffer.from), shared with other bodies, so one body still cached keeps
 * the memory of every dropped one beside it; or of gzipSync's 64 KB output allocation, for a result of
 * a few KB.
 */
function ownBytes(content: string | Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(
    typeof content === "string" ? Buffer.byteLength(content) : content.length,
  );
  if (typeof content === "string") own.write(content);
  else content.copy(own);
  return own;
}

/** Sends with ETag/Last-Modified and answers 304 when the client already has it. */
export function sendCached(
  req: IncomingMessage,
  res: ServerResponse,
  cached: CachedBody,
  extraHeaders: Record<string, string> = {},
): void {
  res.setHeader("Content-Type", cached.contentType);
  res.setHeader("ETag", cached.etag);
  res.setHeader("Last-Modified", cached.lastModified);
  res.setHeader("Cache-Control", "public, max-age=60");
  res.setHeader("Vary", "Accept-Encoding");
  // Feeds are XML and JSON a browser could otherwise sniff into HTML.
  res.setHeader("X-Content-Type-Options", "nosniff");
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  if (isNotModified(req, cached)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const useGzip = cached.gzip !== undefined && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const payload = useGzip ? cached.gzip! : cached.body;
  if (useGzip) res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Content-Length", payload.length);
  res.statusCode = 200;
  res.end(req.method === "HEAD" ? undefined : payload);
}

function isNotModified(req: IncomingMessage, cached: CachedBody): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) {
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). Weak comparison.
    return inm
      .split(",")
      .map((t) => t.trim().replace(/^W\//, ""))
      .some((t) => t === cached.etag || t === "*");
  }
  const ims = req.headers["if-modified-since"];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Date.parse(cached.lastModified) <= since;
  }
  return false;
}
