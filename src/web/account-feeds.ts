// `/users/<account>/feed.xml`, `atom.xml` and `feed.json`: a section account's articles as feeds, the
// ones its selector picks (tags, folders, front matter `accounts:`), newest first, as many as the site
// feeds show. An identifier that is no configured section account has none: 404.
import { pickedRecords } from "../accounts/feed-records.ts";
import { compileSelector } from "../accounts/select.ts";
import { accountSpecs } from "../accounts/specs.ts";
import { feedSite } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { Library } from "../content/library.ts";
import type { ArticleRecord } from "../content/records.ts";
import { accountChannel } from "../feeds/index.ts";
import { actorUrls, siteUrls } from "../urls.ts";
import type { FeedSelection } from "./lazy-feeds.ts";

const ACCOUNT_FOLDER = /^\/users\/([^/]+)$/;

/** Whether a path is one of an account's feeds (they live beside the actor, under /users/). */
export const ACCOUNT_FEED_PATH = /^\/users\/[^/]+\/(?:feed\.xml|atom\.xml|feed\.json)$/;

export function accountFeedSelector(config: Config, library: Pick<Library, "get">) {
  const site = feedSite(config);
  const sections = accountSpecs(config).filter((s) => s.selector);
  const selectors = new Map(sections.map((s) => [s.username, compileSelector(s.selector!)]));
  return async (folder: string, visible: readonly ArticleRecord[]): Promise<FeedSelection | undefined> => {
    const m = ACCOUNT_FOLDER.exec(folder);
    const spec = m ? sections.find((s) => s.username === m[1]) : undefined;
    if (!spec) return undefined;
    const records = await pickedRecords(
      selectors.get(spec.username)!,
      visible,
      (id) => library.get(id),
      config.feeds.limit,
    );
    return { key: `account:${spec.username}`, channel: accountChannel(site, spec), records };
  };
}

/** Each section account's page (pages/account.ts): what its feeds show, all of it, paged. */
export function accountPages(config: Config, library: Pick<Library, "get">, federated: boolean) {
  const urls = siteUrls(config.site.url);
  return accountSpecs(config)
    .filter((s) => s.selector)
    .map((spec) => {
      const selector = compileSelector(spec.selector!);
      const actor = actorUrls(urls, spec.username);
      return {
        username: spec.username,
        name: spec.name,
        summary: spec.summary,
        handle: federated ? actor.handle : undefined,
        url: actor.actor.href,
        feeds: urls.accountFeeds(spec.username),
        pick: (visible: readonly ArticleRecord[]) =>
          pickedRecords(selector, visible, (id) => library.get(id), Number.POSITIVE_INFINITY),
      };
    });
}
