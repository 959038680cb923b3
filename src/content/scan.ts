import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface ContentFile {
  /** Relative to the content dir, POSIX separators. */
  path: string;
  abs: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

const MARKDOWN = /\.(md|markdown)$/i;

/**
 * Hidden files and folders, editor swap/backup files and non-Markdown files are not articles.
 * They are skipped quietly: editors create them all the time.
 */
function isArticleName(name: string): boolean {
  return !name.startsWith(".") && !name.startsWith("#") && !name.endsWith("~") && MARKDOWN.test(name);
}

/** A Markdown-named entry that is not a regular file: a symlink, a FIFO, a socket, a device. */
export interface SpecialFile {
  path: string;
  kind: "symlink" | "fifo" | "socket" | "device" | "other";
}

function kindOf(entry: import("node:fs").Dirent): SpecialFile["kind"] {
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isFIFO()) return "fifo";
  if (entry.isSocket()) return "socket";
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return "device";
  return "other";
}

/**
 * Every candidate article under `dir`: stat only, no reads. Symlinked files and folders are not
 * followed; Markdown-named ones that are not regular files are listed in `special`, so they can be
 * named instead of vanishing silently.
 */
export function scanContent(dir: string, special: SpecialFile[] = []): ContentFile[] {
  const files: ContentFile[] = [];
  const walk = (abs: string, rel: string): void => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const childAbs = join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(childAbs, childRel);
      else if (!entry.isFile() && isArticleName(entry.name))
        special.push({ path: childRel, kind: kindOf(entry) });
      else if (entry.isFile() && isArticleName(entry.name)) {
        const st = lstatSync(childAbs, { throwIfNoEntry: false });
        if (st)
          files.push({ path: childRel, abs: childAbs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      }
    }
  };
  walk(dir, "");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}
