import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { join, sep } from "node:path";

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

function kindOf(entry: Dirent): SpecialFile["kind"] {
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isFIFO()) return "fifo";
  if (entry.isSocket()) return "socket";
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return "device";
  return "other";
}

/**
 * Every candidate article under `dir`: stat only, no reads. Symlinked files and folders are not
 * followed; Markdown-named ones that are not regular files are listed in `special`, so they can be
 * named instead of vanishing silently. In the order found: whoever needs an order sorts what it
 * keeps (a refresh sorts the few files that changed, not the 10,000 that did not).
 */
export function scanContent(dir: string, special: SpecialFile[] = []): ContentFile[] {
  const files: ContentFile[] = [];
  const walk = (abs: string | undefined, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs ?? dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith(".") || name === "node_modules") continue;
      const isDirectory = entry.isDirectory();
      if (!isDirectory && !isArticleName(name)) continue;
      // Below the top, `abs` is a normalised path (join made the first level) and a name from
      // readdir is one component: joining is appending (10,000 joins cost a warm build ~25 ms).
      const childAbs = abs === undefined ? join(dir, name) : abs + sep + name;
      const childRel = rel ? `${rel}/${name}` : name;
      if (isDirectory) walk(childAbs, childRel);
      else if (!entry.isFile()) special.push({ path: childRel, kind: kindOf(entry) });
      else {
        const st = lstatSync(childAbs, NO_ENTRY_IS_UNDEFINED);
        if (st)
          files.push({ path: childRel, abs: childAbs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      }
    }
  };
  walk(undefined, "");
  return files;
}

const NO_ENTRY_IS_UNDEFINED = { throwIfNoEntry: false } as const;
