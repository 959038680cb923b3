// Looking at one cover image: a remote one is fetched through the guard (and kept, with
// media.mirror), a file beside its article is read; both are decoded for size and blurhash.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { resolveAsset } from "../content/assets.ts";
import type { CoverSighting } from "../content/library.ts";
import type { MediaRecord } from "../store/types.ts";
import { recordForSighting, retryDelayMs } from "./cover-record.ts";
import { describeFailure, fetchImage } from "./fetch.ts";
import { writeMirrored } from "./files.ts";
import { mirrorExtension } from "./types.ts";

/** sharp and blurhash load with the first image looked at: most runs (status, build, an idle scan) look at none. */
async function inspectImage(input: Buffer | string) {
  const facts = await import("./facts.ts");
  return facts.inspectImage(input);
}

export interface LookDeps {
  contentDir: string;
  dataDir: string;
  /** Keep a copy of remote images under dataDir (media.mirror). */
  mirror: boolean;
  allowPrivateAddress: boolean;
  /** Write the copy (false for `herald preview`, which changes nothing). */
  write?: boolean;
  signal?: AbortSignal;
}

/** The record after one look: ready with the facts, or failed with the reason and the next try. */
export async function lookAt(record: MediaRecord, deps: LookDeps, now: Date): Promise<MediaRecord> {
  const nowIso = now.toISOString();
  try {
    const facts = record.kind === "local" ? await lookAtFile(record, deps) : await lookAtRemote(record, deps);
    const { error: _previous, ...rest } = record;
    return { ...rest, ...facts, state: "ready", attempts: 0, checkedAt: nowIso, retryAt: null };
  } catch (error) {
    const attempts = record.attempts + 1;
    return {
      ...record,
      state: "failed",
      attempts,
      checkedAt: nowIso,
      retryAt: new Date(now.getTime() + retryDelayMs(attempts)).toISOString(),
      error: describeFailure(error),
    };
  }
}

type Facts = Pick<
  MediaRecord,
  "mediaType" | "width" | "height" | "length" | "blurhash" | "sha256" | "mirrored"
>;

async function lookAtRemote(record: MediaRecord, deps: LookDeps): Promise<Facts> {
  const fetched = await fetchImage(record.source, {
    allowPrivateAddress: deps.allowPrivateAddress,
    signal: deps.signal,
  });
  const inspected = await inspectImage(fetched.bytes);
  const sha256 = createHash("sha256").update(fetched.bytes).digest("hex");
  const ext = mirrorExtension(fetched.mediaType);
  const mirrored = deps.mirror && ext !== undefined;
  if (mirrored && deps.write !== false) writeMirrored(deps.dataDir, `${sha256}.${ext}`, fetched.bytes);
  return {
    mediaType: fetched.mediaType,
    width: inspected.width,
    height: inspected.height,
    length: fetched.bytes.length,
    blurhash: inspected.blurhash,
    sha256,
    mirrored,
  };
}

/** A file beside the article, found with the rules the web server serves it by. */
async function lookAtFile(record: MediaRecord, deps: LookDeps): Promise<Facts> {
  const file = record.local
    ? resolveAsset(deps.contentDir, record.local.articlePath, record.local.ref)
    : undefined;
  if (file === undefined) throw new MissingFileError(record.source);
  const inspected = await inspectImage(file);
  return {
    width: inspected.width,
    height: inspected.height,
    length: record.length ?? statSync(file).size,
    blurhash: inspected.blurhash,
    mirrored: false,
  };
}

class MissingFileError extends Error {
  readonly reason = "missing";
  constructor(url: string) {
    super(`The file of ${url} is not in the article folder.`);
    this.name = "MissingFileError";
  }
}

/**
 * One cover looked at now, remembered nowhere and written nowhere (`herald preview`). A remote
 * image is fetched only with `network`; without it, it stays pending (the post then links to the
 * original, as when the fetch fails).
 */
export async function probeCover(
  sighting: CoverSighting,
  deps: Omit<LookDeps, "write">,
  network: boolean,
  now = new Date(),
): Promise<MediaRecord> {
  const record = recordForSighting(sighting, undefined, now.toISOString())!;
  if (record.kind === "remote" && !network) return record;
  return lookAt(record, { ...deps, write: false }, now);
}
