// The actors Herald serves: each account's profile, keys and store, its actor document, and the
// dispatchers that serve the document and the keys (and resolve WebFinger handles).
import type { Context, Federation } from "@fedify/fedify";
import { Endpoints, Image, PropertyValue, Service } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { FederationStore } from "../store/types.ts";
import { ACTOR_ROUTES, type SiteUrls } from "../urls.ts";
import type { ActorKeyPairs } from "./keys.ts";

export interface BotProfile {
  username: string;
  name: string;
  /** HTML bio. */
  summary: string;
  avatar?: { url: string; mediaType?: string };
  header?: { url: string; mediaType?: string };
  fields: readonly { name: string; value: string }[];
  discoverable: boolean;
  indexable: boolean;
  manualApproval: boolean;
  /** When the account first existed (ISO). */
  published: string;
}

/** One actor Herald serves: its profile, its keys, and the store scoped to it. */
export interface FederatedAccount {
  profile: BotProfile;
  keys: ActorKeyPairs;
  store: FederationStore;
}

/** Where the account comes from and where it went: `alsoKnownAs` and `movedTo`. */
export interface AccountIdentity {
  current(): Promise<{ aliases: readonly URL[]; movedTo: URL | null }>;
}

/** The accounts one federation serves, as its dispatchers and inbox listeners look them up. */
export interface ServedAccounts {
  main: FederatedAccount;
  /** The account an identifier names: the main one, a section account, or none. */
  accountOf(identifier: string): Promise<FederatedAccount | undefined>;
  /** Every account served, the main one first. */
  allAccounts(): Promise<FederatedAccount[]>;
}

/** Serves each account's actor document and key pairs, and maps a WebFinger handle to its account. */
export function registerActorDispatchers(
  federation: Federation<void>,
  accounts: ServedAccounts,
  urls: SiteUrls,
  identity: AccountIdentity | undefined,
): void {
  const { main, accountOf } = accounts;
  federation
    .setActorDispatcher(ACTOR_ROUTES.actor, async (ctx, identifier) => {
      const account = await accountOf(identifier);
      if (!account) return null;
      // Moving in and out (identity.ts) is the main account's.
      const current = account === main ? await identity?.current() : undefined;
      return actorObject(ctx, account.profile, urls, current);
    })
    .mapHandle(async (_ctx, username) => ((await accountOf(username)) ? username : null))
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const account = await accountOf(identifier);
      return account ? [account.keys.rsa, account.keys.ed25519] : [];
    });
}

/** The bot's actor document (also sent in Update after a profile change). */
export async function actorObject(
  ctx: Context<void>,
  profile: BotProfile,
  urls: SiteUrls,
  identity?: { aliases: readonly URL[]; movedTo: URL | null },
): Promise<Service> {
  const identifier = profile.username;
  const keys = await ctx.getActorKeyPairs(identifier);
  return new Service({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    name: profile.name,
    summary: profile.summary,
    url: new URL(urls.home),
    published: Temporal.Instant.from(profile.published),
    manuallyApprovesFollowers: profile.manualApproval,
    discoverable: profile.discoverable,
    indexable: profile.indexable,
    icon: profile.avatar
      ? new Image({ url: new URL(profile.avatar.url), mediaType: profile.avatar.mediaType })
      : null,
    image: profile.header
      ? new Image({ url: new URL(profile.header.url), mediaType: profile.header.mediaType })
      : null,
    attachments: profile.fields.map((f) => new PropertyValue({ name: f.name, value: f.value })),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    featured: ctx.getFeaturedUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    aliases: [...(identity?.aliases ?? [])],
    successor: identity?.movedTo ?? null,
  });
}
