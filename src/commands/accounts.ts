// `herald accounts`: the site's fediverse accounts with their followers, from a snapshot of the store.
import type { Config } from "../config/load.ts";
import { type AccountOverview, accountsOverview } from "../ops/accounts.ts";
import { openSnapshot } from "./context.ts";

// The CLI reaches ops only through commands/ (scripts/check-imports.ts).
export { formatAccounts } from "../ops/accounts.ts";

export async function listAccounts(config: Config): Promise<AccountOverview[]> {
  const herald = await openSnapshot(config, { federation: false });
  try {
    return await accountsOverview(herald);
  } finally {
    await herald.dispose();
  }
}
