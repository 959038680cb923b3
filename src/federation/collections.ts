// The collections each actor publishes: followers (whole, paged, or one server's for FEP-8fcf),
// outbox (its Creates) and featured (its pinned posts).
import type { Federation } from "@fedify/fedify";
import { Create, Note, type Recipient } from "@fedify/vocab";
import type { Follower } from "../store/types.ts";
import { ACTOR_ROUTES } from "../urls.ts";
import type { FederatedAccount, ServedAccounts } from "./actor.ts";
import { blurhashesIn, withBlurhashes } from "./blurhash.ts";

const PAGE_SIZE = 50;

export interface CollectionDeps extends Pick<ServedAccounts, "accountOf"> {
  /** Accepted followers of an account (its store key) on one origin: FEP-8fcf's partial collection. */
  followerIdsAt?: (origin: string, account: string) => Promise<string[]>;
}

export function registerCollectionDispatchers(
  federation: Federation<void>,
  { accountOf, followerIdsAt }: CollectionDeps,
): void {
  federation
    .setFollowersDispatcher(ACTOR_ROUTES.followers, async (_ctx, identifier, cursor, baseUrl) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      const store = account.store;
      if (baseUrl && followerIdsAt) {
        // FEP-8fcf: a server checks its digest against the followers Herald has there, all at once.
        const ids = await followerIdsAt(baseUrl.origin, store.account);
        const recipients = ids.map((id) => ({ id: new URL(id), inboxId: null, endpoints: null }));
        return cursor === null || cursor === "0" ? { items: recipients, nextCursor: null } : { items: [] };
      }
      // cursor null = every follower at once: what sendActivity("followers") asks for.
      const offset = cursor === null ? 0 : Number(cursor);
      const limit = cursor === null ? -1 : PAGE_SIZE;
      const followers = await store.listFollowers({ state: "accepted", offset, limit });
      const total = cursor === null ? followers.length : await store.countFollowers("accepted");
      return {
        items: followers.map(toRecipient),
        nextCursor: cursor !== null && offset + PAGE_SIZE < total ? String(offset + PAGE_SIZE) : null,
      };
    })
    .setCounter(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? account.store.countFollowers("accepted") : null;
    })
    .setFirstCursor(async (_ctx, identifier) => ((await accountOf(identifier)) ? "0" : null));

  federation
    .setOutboxDispatcher(ACTOR_ROUTES.outbox, async (_ctx, identifier, cursor) => {
      const account = await accountOf(identifier);
      if (!account || cursor === null) return null;
      const store = account.store;
      const offset = Number(cursor) || 0;
      const records = await store.listCreates({ offset, limit: PAGE_SIZE });
      const items = await Promise.all(
        records.map(async (r) =>
          withBlurhashes(await Create.fromJsonLd(r.activity), blurhashesIn(r.activity)),
        ),
      );
      return {
        items,
        nextCursor: offset + PAGE_SIZE < (await store.countCreates()) ? String(offset + PAGE_SIZE) : null,
      };
    })
    .setCounter(async (_ctx, identifier) => (await accountOf(identifier))?.store.countCreates() ?? null)
    .setFirstCursor(async (_ctx, identifier) => ((await accountOf(identifier)) ? "0" : null));

  const pinnedObjects = async (account: FederatedAccount) =>
    (await account.store.listObjects()).filter((o) => o.pinned && o.deletedAt === null);
  federation
    .setFeaturedDispatcher(ACTOR_ROUTES.featured, async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      const pinned = await pinnedObjects(account);
      pinned.sort((a, b) => (a.published < b.published ? 1 : -1));
      return { items: await Promise.all(pinned.map((o) => postFromJson(o.object))) };
    })
    // Without a counter Fedify omits totalItems; every collection of the actor must give it.
    .setCounter(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? (await pinnedObjects(account)).length : null;
    });
}

function toRecipient(f: Follower): Recipient {
  return {
    id: new URL(f.actorId),
    inboxId: new URL(f.inbox),
    endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
  };
}

/** Rebuilds a stored post (Note or Article JSON-LD) as a vocab object. */
async function postFromJson(json: Record<string, unknown>) {
  const { Article } = await import("@fedify/vocab");
  const post = json.type === "Article" ? await Article.fromJsonLd(json) : await Note.fromJsonLd(json);
  return withBlurhashes(post, blurhashesIn(json));
}
