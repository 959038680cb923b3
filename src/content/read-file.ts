import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

// Opening a file that the scan saw as a regular file: between the scan's lstat and this read an
// editor (or an attacker with write access to content/) could swap it for a symlink to a file
// outside content/. O_NOFOLLOW refuses a symlink as the last component (ELOOP), and fstat on the
// opened descriptor checks what was actually opened, not what the path names now.

const NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

export class NotARegularFile extends Error {
  constructor(path: string) {
    super(`${path} is not a regular file (a symlink, a folder or a device); it is skipped.`);
  }
}

/** Opens `path` without following a symlink; the caller closes the descriptor. */
export function openNoFollow(path: string): { fd: number; size: number; mtimeMs: number } {
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new NotARegularFile(path);
    throw error;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotARegularFile(path);
  }
  return { fd, size: st.size, mtimeMs: st.mtimeMs };
}

/** The whole file, read through a descriptor opened without following symlinks; at most `maxBytes`. */
export function readFileNoFollow(path: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const { fd, size } = openNoFollow(path);
  try {
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === length ? buffer : buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
