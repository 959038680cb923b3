// Every fediverse account of the site as the configuration describes it, the main (`bot`) account
// first, each with its settings resolved: a section account's objectType, visibility and publishing
// controls default to the global ones, key by key.
import type { Config } from "../config/load.ts";
import type { PublishingControls } from "../sync/controls.ts";
import { type AccountSelector, type CompiledSelector, compileSelector } from "./select.ts";

export type BotMode = "all" | "announce" | "none";

export interface AccountSpec {
  /** The store's key for it: '' for the main account (MAIN_ACCOUNT), else the username. */
  account: string;
  /** The actor identifier: `/users/<username>`, `@<username>@host`. */
  username: string;
  main: boolean;
  name: string;
  /** Plain text, as configured. */
  summary: string;
  avatar?: string;
  header?: string;
  objectType: "note" | "article";
  visibility: "public" | "unlisted";
  controls: PublishingControls;
  /** Which articles it gets; undefined for the main account (bot.mode decides). */
  selector?: AccountSelector;
}

export type AccountsConfig = Pick<Config, "bot" | "accounts" | "federation" | "publishing" | "site">;

/** The main account, then the section accounts in the configuration's order. */
export function accountSpecs(config: AccountsConfig): AccountSpec[] {
  const controls = (p: Partial<Config["publishing"]> = {}): PublishingControls => ({
    maxPerHour: p.maxPerHour ?? config.publishing.maxPerHour,
    minIntervalMs: (p.minIntervalMinutes ?? config.publishing.minIntervalMinutes) * 60_000,
    quietHours: p.quietHours ?? config.publishing.quietHours,
    timezone: config.site.timezone,
  });
  const main: AccountSpec = {
    account: "",
    username: config.bot.username,
    main: true,
    name: config.bot.name,
    summary: config.bot.summary,
    avatar: config.bot.avatar,
    header: config.bot.header,
    objectType: config.federation.objectType,
    visibility: config.federation.visibility,
    controls: controls(),
  };
  return [
    main,
    ...config.accounts.map(
      (a): AccountSpec => ({
        account: a.username,
        username: a.username,
        main: false,
        name: a.name,
        summary: a.summary,
        avatar: a.avatar,
        header: a.header,
        objectType: a.objectType ?? config.federation.objectType,
        visibility: a.visibility ?? config.federation.visibility,
        controls: controls(a.publishing),
        selector: { username: a.username, tags: a.tags, folders: a.folders },
      }),
    ),
  ];
}

/** The section accounts' selectors, compiled once per configuration. */
export function selectorsOf(specs: readonly AccountSpec[]): CompiledSelector[] {
  return specs.flatMap((s) => (s.selector ? [compileSelector(s.selector)] : []));
}

/**
 * Whether the main account posts an article itself: `all` posts everything; `announce` posts what
 * no section account gets (the rest it boosts); `none` posts nothing.
 */
export function mainPosts(mode: BotMode, sectionAccounts: readonly string[]): boolean {
  return mode === "all" || (mode === "announce" && sectionAccounts.length === 0);
}
