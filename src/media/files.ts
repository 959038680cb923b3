import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Mirrored images on disk: data.dir/media/<sha256>.<ext>. Named by their bytes, so a copy never
// changes once written (served as immutable), two articles with one image share it, and a name that
// does not match the pattern is never looked up (no path tricks through the URL).

const NAME = /^[0-9a-f]{64}\.(?:jpg|png|gif|webp|avif)$/;

function mediaDir(dataDir: string): string {
  return join(dataDir, "media");
}

/** The file of a mirrored image, or undefined for a name that cannot be one. */
export function mirroredFile(dataDir: string, name: string): string | undefined {
  return NAME.test(name) ? join(mediaDir(dataDir), name) : undefined;
}

/** Writes the copy once; atomically, so a reader never sees half a file. */
export function writeMirrored(dataDir: string, name: string, bytes: Uint8Array): void {
  const file = mirroredFile(dataDir, name);
  if (file === undefined) throw new TypeError(`Not a mirrored image name: ${name}.`);
  if (existsSync(file)) return;
  mkdirSync(mediaDir(dataDir), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}
