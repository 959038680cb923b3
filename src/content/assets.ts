import { realpathSync, statSync } from "node:fs";
import { posix, resolve, sep } from "node:path";

// Images live beside their article (`content/foo/index.md` + `content/foo/photo.jpg`) and are
// published under the article URL (`/articles/foo/photo.jpg`). This one function maps a
// reference to a file for both the parser and the web server, so what the feed links to is
// exactly what the server will serve, and nothing else under (or outside) content/ is reachable.

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const QUERY_OR_HASH = /[?#].*$/s;
const MARKDOWN = /\.(?:md|markdown)$/i;

/**
 * Absolute real path of the file `ref` names, relative to the folder of `articlePath`, or
 * undefined when it does not exist, is not a regular file, leaves the article folder (`../`),
 * resolves (through symlinks) outside `contentDir`, is hidden (`.env`, `.git/…`) or is Markdown
 * (article sources, drafts included, are never served as assets).
 *
 * @param contentDir absolute path of the content root
 * @param articlePath the article file, relative to contentDir, POSIX separators
 * @param ref a URL reference as written in the article (percent-encoding allowed), e.g. `img/a%20b.jpg`
 */
export function resolveAsset(contentDir: string, articlePath: string, ref: string): string | undefined {
  return resolveIn(contentDir, articlePath, ref, () => realpathSync.native(contentDir));
}

/**
 * resolveAsset for the references of one article, while it is parsed: the content root's real path
 * is looked up once, and each reference once (the cover is usually also an image of the body, so it
 * was resolved twice, two realpath calls and a stat each time).
 */
export function assetResolver(contentDir: string, articlePath: string): (ref: string) => string | undefined {
  let root: string | undefined;
  const realRoot = (): string => (root ??= realpathSync.native(contentDir));
  const resolved = new Map<string, string | undefined>();
  return (ref) => {
    if (resolved.has(ref)) return resolved.get(ref);
    const file = resolveIn(contentDir, articlePath, ref, realRoot);
    resolved.set(ref, file);
    return file;
  };
}

function resolveIn(
  contentDir: string,
  articlePath: string,
  ref: string,
  realRoot: () => string,
): string | undefined {
  const bare = ref.trim().replace(QUERY_OR_HASH, "");
  if (bare === "" || SCHEME.test(bare) || bare.startsWith("/") || bare.includes("\\")) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    decoded = bare; // "100%.jpg": a path that was already decoded (the web server decodes first)
  }
  if (decoded.includes("\0") || decoded.includes("\\") || decoded.startsWith("/")) return undefined;
  const folder = posix.dirname(posix.normalize(articlePath));
  const relative = posix.normalize(posix.join(folder, decoded));
  const inFolder =
    folder === "." ? relative : relative.startsWith(`${folder}/`) ? relative.slice(folder.length + 1) : "";
  if (inFolder === "" || inFolder === ".." || inFolder.startsWith("../") || posix.isAbsolute(relative))
    return undefined;
  if (relative.split("/").some((part) => part.startsWith("."))) return undefined;
  if (MARKDOWN.test(relative)) return undefined;
  try {
    // .native is one realpath(3) call; the JS version lstat()s every path component.
    const root = realRoot();
    const real = realpathSync.native(resolve(contentDir, ...relative.split("/")));
    const prefix = root.endsWith(sep) ? root : root + sep;
    if (!real.startsWith(prefix)) return undefined;
    // The same rules for where a symlink lands.
    const inside = real.slice(prefix.length).split(sep);
    if (inside.some((part) => part.startsWith(".")) || MARKDOWN.test(real)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined; // missing, a dangling link, or unreadable
  }
}

/** A reference to a file beside the article, rather than a URL of its own (`https:`, `//cdn`, `/media`). */
export function isLocalRef(ref: string): boolean {
  const bare = ref.trim();
  return bare !== "" && !SCHEME.test(bare) && !bare.startsWith("/") && !bare.startsWith("#");
}

/** For messages: `%E5%9B%BE.png` → `图.png`. */
export function displayRef(ref: string): string {
  try {
    return decodeURI(ref);
  } catch {
    return ref;
  }
}

/**
 * A file beside an article as it was when the article was derived from it (a cover's size and
 * dimensions come from it): `size:mtimeMs:ino:path`. An article whose Markdown is unchanged is read
 * again when one of its stamps no longer holds, so swapping only the image is seen.
 */
export function assetStamp(file: string, st: { size: number; mtimeMs: number; ino: number }): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}:${file}`;
}

/** Whether the file a stamp names is still as stamped (false when gone, or unreadable). */
export function assetStampHolds(stamp: string): boolean {
  const m = /^(\d+):([\d.]+):(\d+):(.+)$/s.exec(stamp);
  if (!m) return false;
  const st = statSync(m[4]!, { throwIfNoEntry: false });
  return (
    st !== undefined && st.size === Number(m[1]) && st.mtimeMs === Number(m[2]) && st.ino === Number(m[3])
  );
}
