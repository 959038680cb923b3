// Which section accounts an article goes to (pure). An account picks an article by any of its tags
// (any case, as tag pages match them), by a folder glob under content/, or because the article's
// front matter names it (`accounts: [tech]`). The main account is not chosen here: `bot.mode` says
// what it does (accounts/specs.ts).
import { tagKey } from "../content/tags.ts";

export interface AccountSelector {
  username: string;
  tags: readonly string[];
  /** Globs on the article's path relative to content/: `*` within a folder, `**` across folders. */
  folders: readonly string[];
}

export interface Selectable {
  tags: readonly string[];
  /** Relative to content/, with `/`; null once the file is gone. */
  path: string | null;
  /** The front matter's `accounts:` list, when it has one. */
  accounts?: readonly string[];
}

/** A compiled selector: tag keys and folder patterns made once, tested per article. */
export interface CompiledSelector {
  username: string;
  matches(article: Selectable): boolean;
}

export function compileSelector(selector: AccountSelector): CompiledSelector {
  const tags = new Set(selector.tags.map(tagKey));
  const folders = selector.folders.map(globPattern);
  return {
    username: selector.username,
    matches: (article) =>
      (article.accounts?.includes(selector.username) ?? false) ||
      article.tags.some((t) => tags.has(tagKey(t))) ||
      (article.path !== null && folders.some((f) => f.test(article.path!))),
  };
}

/** The usernames of the accounts an article goes to, in the configuration's order. */
export function accountsOf(article: Selectable, selectors: readonly CompiledSelector[]): string[] {
  return selectors.filter((s) => s.matches(article)).map((s) => s.username);
}

/**
 * A folder glob as a RegExp on the whole path: `**` any number of folders, `*` and `?` within one.
 * `tech` alone means the folder (everything under it), as `tech/**` does.
 */
export function globPattern(glob: string): RegExp {
  const trimmed = glob.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  const whole = /[*?]/.test(trimmed) ? trimmed : `${trimmed}/**`;
  let source = "";
  for (let i = 0; i < whole.length; i++) {
    const c = whole[i]!;
    if (c === "*" && whole[i + 1] === "*") {
      const slash = whole[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}
