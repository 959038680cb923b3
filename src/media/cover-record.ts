// Pure rules for a cover image's record: how a newly seen cover is recorded, when a failed one is
// tried again, and how the cover is shown given what is known of it.
import type { CoverSighting } from "../content/library.ts";
import type { ImageInfo } from "../content/model.ts";
import type { MediaRecord } from "../store/types.ts";
import type { SiteUrls } from "../urls.ts";
import { imageTypeOfUrl, MIRRORED_TYPES, mirrorExtension } from "./types.ts";

const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 24 * 3_600_000;

/** 5 min, 10, 20, … doubling after each failure in a row, at most a day: a site that is down for a week is asked ~10 times, not 2,000. */
export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(failures - 1, 0), MAX_RETRY_MS);
}

/**
 * The record a sighting needs, or undefined when `known` still holds. A remote image is looked at
 * once: whatever its site does later, the copy and the facts stay. A file beside the article is
 * looked at again when its size changed (it was replaced).
 */
export function recordForSighting(
  sighting: CoverSighting,
  known: MediaRecord | undefined,
  nowIso: string,
): MediaRecord | undefined {
  const { cover, articleUrl } = sighting;
  const local = cover.url.startsWith(articleUrl) && cover.url.length > articleUrl.length;
  if (known && (known.kind === "remote" || known.length === cover.length)) return undefined;
  const record: MediaRecord = {
    source: cover.url,
    kind: local ? "local" : "remote",
    state: "pending",
    mirrored: false,
    attempts: 0,
    checkedAt: null,
    retryAt: nowIso,
    articleId: sighting.articleId,
  };
  if (local) {
    record.local = { articlePath: sighting.articlePath, ref: cover.url.slice(articleUrl.length) };
    if (cover.length !== undefined) record.length = cover.length;
  }
  return record;
}

/** Records to look at now: never looked at, or failed and due again. New ones first. */
export function dueRecords(records: Iterable<MediaRecord>, nowIso: string, limit: number): MediaRecord[] {
  return [...records]
    .filter((r) => r.state !== "ready" && (r.retryAt === null || r.retryAt <= nowIso))
    .sort((a, b) =>
      a.state !== b.state
        ? a.state === "pending"
          ? -1
          : 1
        : (a.retryAt ?? "").localeCompare(b.retryAt ?? ""),
    )
    .slice(0, limit);
}

/** The name of a mirrored copy, when there is one. */
export function mirroredName(record: MediaRecord): string | undefined {
  const ext = record.mediaType ? mirrorExtension(record.mediaType) : undefined;
  return record.mirrored && record.sha256 && ext ? `${record.sha256}.${ext}` : undefined;
}

/**
 * The cover as pages, feeds and posts show it.
 * - A remote image looked at: its sniffed type, size and blurhash; with `mirror`, Herald's copy as
 *   `url` and the original as `source`.
 * - A remote image not (yet) looked at, or that could not be fetched: the original URL, with the
 *   type its extension names, so Mastodon still gets an attachment (it fetches the image itself).
 * - A file beside the article: the facts read at parse time, plus the blurhash once computed for a
 *   file of the same size.
 */
export function showCover(
  cover: ImageInfo,
  record: MediaRecord | undefined,
  urls: SiteUrls,
  mirror: boolean,
): ImageInfo {
  if (record === undefined) return cover;
  if (record.kind === "local")
    return record.state === "ready" && record.blurhash && record.length === cover.length
      ? { ...cover, blurhash: record.blurhash }
      : cover;
  if (record.state !== "ready") {
    // Raster types only: an `.svg` is no attachment Mastodon shows.
    const type = cover.mediaType ?? imageTypeOfUrl(cover.url);
    return type === undefined || !MIRRORED_TYPES.has(type) ? cover : { ...cover, mediaType: type };
  }
  const shown: ImageInfo = { ...cover };
  if (record.mediaType !== undefined) shown.mediaType = record.mediaType;
  if (record.width !== undefined) shown.width = record.width;
  if (record.height !== undefined) shown.height = record.height;
  if (record.length !== undefined) shown.length = record.length;
  if (record.blurhash !== undefined) shown.blurhash = record.blurhash;
  const name = mirror ? mirroredName(record) : undefined;
  if (name !== undefined) {
    shown.url = urls.media(name);
    shown.source = cover.url;
  }
  return shown;
}
