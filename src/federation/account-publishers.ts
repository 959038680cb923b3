// Publishing for every account: each account has its own Publisher (its ledger, object ids,
// publishing controls and first-run mark), fed the articles it gets. A section account gets what its
// selector picks (accounts/select.ts); the main account what `bot.mode` says, and in any mode keeps
// updating and deleting what it already posted (switching to `announce` or `none` never deletes
// posts people have seen). An article that leaves an account is deleted from it, as one removed.
import { AccountRouter, type Route } from "../accounts/routes.ts";
import type { AccountSpec, BotMode } from "../accounts/specs.ts";
import type { Article } from "../content/model.ts";
import type { ArticleRecord } from "../content/records.ts";
import type { Logger } from "../log.ts";
import type { Follower } from "../store/types.ts";
import type { HeldAction } from "../sync/due.ts";
import type { FederationAction } from "../sync/plan.ts";
import type { Publisher, PublishOptions, PublishSummary } from "./publisher.ts";

/** A planned or held action, and which account it is for (its username). */
export type AccountAction = FederationAction & { account: string };
export type AccountHeld = HeldAction & { account: string };

export interface AccountsSummary extends Omit<PublishSummary, "held"> {
  /** Section posts the main account boosted (`bot.mode: announce`). */
  announced: number;
  held: AccountHeld[];
  plan: AccountAction[];
}

export interface AccountPublishersDeps {
  /** The main account first, then the section accounts (accounts/specs.ts). */
  specs: readonly AccountSpec[];
  mode: BotMode;
  publisherOf(spec: AccountSpec): Publisher;
  /** The resolved article, for its front matter's `accounts:`. */
  article(id: string): Promise<Article | undefined>;
  log: Logger;
}

export class AccountPublishers {
  readonly #d: AccountPublishersDeps;
  readonly #publishers: Map<string, { spec: AccountSpec; publisher: Publisher }>;
  readonly #router: AccountRouter;

  constructor(deps: AccountPublishersDeps) {
    this.#d = deps;
    this.#publishers = new Map(
      deps.specs.map((spec) => [spec.account, { spec, publisher: deps.publisherOf(spec) }]),
    );
    this.#router = new AccountRouter(deps.specs, deps.mode, deps.article, (record, names) =>
      deps.log.warn(
        { article: record.id, path: record.path, accounts: names },
        "front matter names accounts that are not configured; the article goes to the others",
      ),
    );
  }

  /** The main account's publisher. */
  get main(): Publisher {
    return this.#publishers.get("")!.publisher;
  }

  /** Where each article goes (accounts/routes.ts). */
  routes(records: Iterable<ArticleRecord>): Promise<Map<string, Route>> {
    return this.#router.routes(records);
  }

  /** Plans and publishes for every account, the main one first; one account's failure stops none. */
  async publish(records: Iterable<ArticleRecord>, options: PublishOptions = {}): Promise<AccountsSummary> {
    const all = [...records];
    // A single-account setup in mode all routes nothing: everything is the main account's.
    const routes =
      this.#publishers.size === 1 && this.#d.mode === "all"
        ? new Map<string, Route>()
        : await this.routes(all);
    const summary: AccountsSummary = {
      created: 0,
      updated: 0,
      deleted: 0,
      silent: 0,
      announced: 0,
      held: [],
      plan: [],
    };
    for (const { spec, publisher } of this.#publishers.values()) {
      let mine: ArticleRecord[];
      if (spec.main && this.#d.mode === "all") mine = all;
      else if (spec.main) {
        // What the main account already posted stays its own, whatever the mode now says.
        const posted = new Set(
          (await publisher.objects()).filter((o) => o.deletedAt === null).map((o) => o.articleId),
        );
        mine = all.filter((r) => routes.get(r.id)!.main || posted.has(r.id));
      } else mine = all.filter((r) => routes.get(r.id)!.sections.includes(spec.username));
      try {
        const result = await publisher.publish(mine, options);
        summary.created += result.created;
        summary.updated += result.updated;
        summary.deleted += result.deleted;
        summary.silent += result.silent;
        summary.held.push(...result.held.map((h) => ({ ...h, account: spec.username })));
        summary.plan.push(...result.plan.map((a) => ({ ...a, account: spec.username })));
      } catch (error) {
        this.#d.log.error({ err: error, account: spec.username }, "publishing for an account failed");
      }
    }
    if (this.#d.mode === "announce" && !options.dryRun) summary.announced = await this.#announce(all, routes);
    return summary;
  }

  /**
   * `bot.mode: announce`: the main account boosts each section post, the first section's (in config
   * order) when an article is in several, so a follower of the main account sees it once. Decided
   * from the ledgers, not from this tick's results: a crash between the section's Create and the
   * Announce is made good by the next scan, and the Announce's id is the post's, so it is sent once.
   */
  async #announce(records: readonly ArticleRecord[], routes: Map<string, Route>): Promise<number> {
    const main = this.main;
    const byUsername = new Map([...this.#publishers.values()].map((p) => [p.spec.username, p.publisher]));
    let announced = 0;
    for (const record of records) {
      const first = routes.get(record.id)?.sections[0];
      const section = first === undefined ? undefined : byUsername.get(first);
      const post = section ? await section.pushedPost(record.id) : undefined;
      if (!post) continue;
      try {
        if (await main.announce(record.id, post)) announced++;
      } catch (error) {
        this.#d.log.error({ err: error, article: record.id }, "announcing a section post failed");
      }
    }
    return announced;
  }

  /** Re-enqueues every account's recorded but unqueued activities. */
  async recover(): Promise<number> {
    let count = 0;
    for (const { publisher } of this.#publishers.values()) count += await publisher.recover();
    return count;
  }

  /** A new follower of `account` (its store key) gets that account's latest posts. */
  backfill(follower: Follower, account: string): Promise<number> {
    return this.#publishers.get(account)?.publisher.backfill(follower) ?? Promise.resolve(0);
  }

  /**
   * The operator blocked a follower of `account` (its store key; the main account by default): it is
   * told with a Reject from that account. A removed account sends nothing (it publishes nothing
   * new): the follower is only forgotten, and the block keeps its server from getting anything.
   */
  rejectFollower(follower: Follower, account = ""): Promise<void> {
    return this.#publishers.get(account)?.publisher.rejectFollower(follower) ?? Promise.resolve();
  }
}
