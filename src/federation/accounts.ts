// The section accounts Herald serves beside the main one: their keys (made once, on first use,
// never again), their profiles, and their scoped stores. An account taken out of the configuration
// keeps answering from what the store holds (its keys, followers and posts, and the profile it last
// had): it is never silently deleted, and its followers' servers keep verifying what it signed.
import { type AccountSpec, accountSpecs } from "../accounts/specs.ts";
import { USERNAME } from "../config/checks.ts";
import type { Config } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { FederationStore } from "../store/types.ts";
import type { BotProfile, FederatedAccount } from "./actor.ts";
import { type ActorKeyPairs, loadOrCreateKeys } from "./keys.ts";

/** Meta key (per account) of the profile an account last had: what a removed account shows. */
const PROFILE_KEY = "actor.profile";
const PUBLISHED_KEY = "actor.published";

export interface AccountDirectoryOptions {
  /** The main account (already loaded: its keys are checked at start). */
  main: FederatedAccount;
  /** The configuration as it is now (live reload swaps it). */
  config: () => Config;
  /** A spec's profile, given when the account first existed. */
  profileOf: (spec: AccountSpec, published: string) => BotProfile;
  log: Logger;
}

export class AccountDirectory {
  readonly #o: AccountDirectoryOptions;
  readonly #keys = new Map<string, Promise<ActorKeyPairs | undefined>>();
  readonly #published = new Map<string, Promise<string>>();

  constructor(options: AccountDirectoryOptions) {
    this.#o = options;
  }

  /** The section accounts configured now, in order (the main account left out). */
  configured(): AccountSpec[] {
    return accountSpecs(this.#o.config()).filter((s) => !s.main);
  }

  /** A section account by identifier: configured, or removed but known to the store. */
  async get(identifier: string): Promise<FederatedAccount | undefined> {
    if (!USERNAME.test(identifier) || identifier === this.#o.main.profile.username) return undefined;
    const store = this.#o.main.store.forAccount(identifier);
    const spec = this.configured().find((s) => s.username === identifier);
    if (spec) {
      const keys = await this.#keysOf(store, true);
      if (!keys) return undefined;
      const profile = this.#o.profileOf(spec, await this.#publishedOf(store));
      const saved = JSON.stringify(profile);
      if ((await store.getMeta(PROFILE_KEY)) !== saved) await store.setMeta(PROFILE_KEY, saved);
      return { profile, keys, store };
    }
    // Removed from the configuration: served as it last was, if it ever existed.
    const saved = await store.getMeta(PROFILE_KEY);
    if (saved === undefined) return undefined;
    const keys = await this.#keysOf(store, false);
    return keys ? { profile: JSON.parse(saved) as BotProfile, keys, store } : undefined;
  }

  /**
   * The accounts the store knew, listed once per configuration: `all()` runs on inbox Deletes,
   * Undos and Moves, which come in floods, and the listing counts every account's followers. An
   * account the store learns of meanwhile is a configured one (keys are made only for those), which
   * `configured()` names; a reload that changes the accounts lists them again.
   */
  #stored: { configured: string; names: Promise<string[]> } | undefined;

  /** Every account served: the main one, the configured ones, then removed ones the store knows. */
  async all(): Promise<FederatedAccount[]> {
    const configured = this.configured().map((s) => s.username);
    const key = configured.join(",");
    if (this.#stored?.configured !== key) {
      const names = this.#o.main.store.listAccounts().then((rows) => rows.map((r) => r.account));
      const stored = { configured: key, names };
      this.#stored = stored;
      // A failed listing is not remembered: the next call asks again.
      names.catch(() => {
        if (this.#stored === stored) this.#stored = undefined;
      });
    }
    const names = new Set(configured);
    for (const account of await this.#stored.names) if (account) names.add(account);
    const found = await Promise.all([...names].map((name) => this.get(name)));
    return [this.#o.main, ...found.filter((a): a is FederatedAccount => a !== undefined)];
  }

  /** Keys, loaded once per process; made only for a configured account (`create`). */
  #keysOf(store: FederationStore, create: boolean): Promise<ActorKeyPairs | undefined> {
    let keys = this.#keys.get(store.account);
    if (!keys) {
      keys = (async () => {
        if (!create && !(await store.getKeys()).some((k) => k.kind === "rsa")) return undefined;
        const pairs = await loadOrCreateKeys(store);
        this.#o.log.debug({ account: store.account }, "account keys loaded");
        return pairs;
      })();
      // A failure, or no keys yet, is not remembered: the next request looks again.
      keys.then(
        (found) => found ?? this.#keys.delete(store.account),
        () => this.#keys.delete(store.account),
      );
      this.#keys.set(store.account, keys);
    }
    return keys;
  }

  #publishedOf(store: FederationStore): Promise<string> {
    let published = this.#published.get(store.account);
    if (!published) {
      published = (async () => {
        const known = await store.getMeta(PUBLISHED_KEY);
        if (known) return known;
        const now = new Date().toISOString();
        await store.setMeta(PUBLISHED_KEY, now);
        return now;
      })();
      published.catch(() => this.#published.delete(store.account));
      this.#published.set(store.account, published);
    }
    return published;
  }
}
