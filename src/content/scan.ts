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
export function isArticleName(name: string): boolean {
  return !name.startsWith(".") && !name.startsWith("#") && !name.endsWith("~") && MARKDOWN.test(name);
}

/** Every candidate article under `dir`: stat only, no reads. Symlinked files and folders are not followed. */
export function scanContent(dir: string): ContentFile[] {
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
