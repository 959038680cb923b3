// Where each article goes: the section accounts its selector picks, and whether the main account
// posts it itself (bot.mode). Publishing, status, the dashboard and `sync --dry-run` all ask this.
import type { Article } from "../content/model.ts";
import type { ArticleRecord } from "../content/records.ts";
import { accountsOf, type CompiledSelector } from "./select.ts";
import { type AccountSpec, type BotMode, mainPosts, selectorsOf } from "./specs.ts";

export interface Route {
  /** Section accounts (usernames, configuration order). */
  sections: string[];
  /** The main account posts it itself. */
  main: boolean;
}

export class AccountRouter {
  readonly #selectors: CompiledSelector[];
  readonly #mode: BotMode;
  readonly #article: (id: string) => Promise<Article | undefined>;
  /** Front matter `accounts:` by article id and content hash: read once per version of an article. */
  readonly #named = new Map<string, { hash: string; accounts: string[] | undefined }>();
  readonly #usernames: Set<string>;
  readonly #onUnknown: ((record: ArticleRecord, names: string[]) => void) | undefined;

  /**
   * `onUnknown` hears of front matter `accounts:` names that no account has (a typo, or a section
   * taken out of the configuration), once per version of the article.
   */
  constructor(
    specs: readonly AccountSpec[],
    mode: BotMode,
    article: (id: string) => Promise<Article | undefined>,
    onUnknown?: (record: ArticleRecord, names: string[]) => void,
  ) {
    this.#selectors = selectorsOf(specs);
    this.#usernames = new Set(specs.map((s) => s.username));
    this.#mode = mode;
    this.#article = article;
    this.#onUnknown = onUnknown;
  }

  /** Whether any section account is configured. */
  get sections(): boolean {
    return this.#selectors.length > 0;
  }

  async route(record: ArticleRecord): Promise<Route> {
    const sections = this.sections
      ? accountsOf(
          { tags: record.tags, path: record.path, accounts: await this.#frontMatter(record) },
          this.#selectors,
        )
      : [];
    return { sections, main: mainPosts(this.#mode, sections) };
  }

  async routes(records: Iterable<ArticleRecord>): Promise<Map<string, Route>> {
    const routes = new Map<string, Route>();
    for (const record of records) routes.set(record.id, await this.route(record));
    return routes;
  }

  async #frontMatter(record: ArticleRecord): Promise<string[] | undefined> {
    if (record.path === null) return undefined;
    const known = this.#named.get(record.id);
    if (known?.hash === record.contentHash) return known.accounts;
    const named = (await this.#article(record.id))?.extra?.accounts;
    const accounts = Array.isArray(named)
      ? named.filter((a): a is string => typeof a === "string")
      : undefined;
    this.#named.set(record.id, { hash: record.contentHash, accounts });
    const unknown = (Array.isArray(named) ? named : named === undefined ? [] : [named])
      .filter((a) => typeof a !== "string" || !this.#usernames.has(a))
      .map((a) => (typeof a === "string" ? a : (JSON.stringify(a) ?? String(a))).slice(0, 100));
    if (unknown.length > 0) this.#onUnknown?.(record, unknown.slice(0, 10));
    return accounts;
  }
}

/** The usernames an article reaches, the main account's first when it posts it: what people read. */
export function routeNames(route: Route, mainUsername: string): string[] {
  return route.main ? [mainUsername, ...route.sections] : route.sections;
}
