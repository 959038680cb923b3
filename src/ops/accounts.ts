// The site's fediverse accounts as operators see them (`herald accounts`, status, the dashboard): the
// configured ones and those removed from the configuration that the store still serves.
import { accountSpecs } from "../accounts/specs.ts";
import type { Herald } from "../app.ts";
import { actorUrls, siteUrls } from "../urls.ts";

export interface AccountOverview {
  username: string;
  /** `@username@host`. */
  handle: string;
  /** As configured; undefined for a removed account. */
  name: string | undefined;
  main: boolean;
  /** Taken out of the configuration: its actor still answers, it posts nothing new. */
  removed: boolean;
  followers: { accepted: number; pending: number };
  /** Live posts (Creates of objects not deleted). */
  posts: number;
  /** Its selector, as configured (section accounts). */
  tags: readonly string[];
  folders: readonly string[];
}

export async function accountsOverview(herald: Herald): Promise<AccountOverview[]> {
  const { config } = herald;
  const fed = herald.storage.federation;
  const urls = siteUrls(config.site.url);
  const specs = accountSpecs(config);
  const configured = new Set(specs.map((s) => s.account));
  const removed = (await fed.listAccounts()).map((a) => a.account).filter((a) => !configured.has(a));
  const rows: AccountOverview[] = [];
  const entries = [
    ...specs.map((s) => ({ account: s.account, username: s.username, spec: s })),
    ...removed.map((account) => ({ account, username: account, spec: undefined })),
  ];
  for (const { account, username, spec } of entries) {
    const store = fed.forAccount(account);
    rows.push({
      username,
      handle: actorUrls(urls, username).handle,
      name: spec?.name,
      main: account === "",
      removed: spec === undefined,
      followers: {
        accepted: await store.countFollowers("accepted"),
        pending: await store.countFollowers("pending"),
      },
      posts: await store.countCreates(),
      tags: spec?.selector?.tags ?? [],
      folders: spec?.selector?.folders ?? [],
    });
  }
  return rows;
}

export function formatAccounts(rows: readonly AccountOverview[], mode: string): string {
  const lines = rows.map((r) => {
    const picks = r.main
      ? `main account (bot.mode: ${mode})`
      : r.removed
        ? "removed from the configuration: still served, posts nothing new"
        : [
            r.tags.length ? `tags ${r.tags.join(", ")}` : "",
            r.folders.length ? `folders ${r.folders.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join("; ") || "front matter `accounts:` only";
    const pending = r.followers.pending ? ` (+${r.followers.pending} pending)` : "";
    return `${r.handle}  ${r.followers.accepted} follower(s)${pending}, ${r.posts} post(s)  ${r.name ?? ""}\n    ${picks}`;
  });
  return lines.join("\n");
}
