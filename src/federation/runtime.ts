// Starts the fediverse side of Herald: keys, Fedify on the configured storage (SQLite or PostgreSQL),
// the delivery queue, the publisher, and the profile announcement.
import { createHash } from "node:crypto";
import { extname, resolve } from "node:path";
import type { Federation } from "@fedify/fedify";
import { Update } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { getUserAgent } from "@fedify/vocab-runtime";
import { type AccountSpec, accountSpecs } from "../accounts/specs.ts";
import type { Config } from "../config/load.ts";
import type { Library } from "../content/library.ts";
import { type Logger, routeFedifyLogs } from "../log.ts";
import { imageTypeOfPath } from "../media/types.ts";
import { addressAllowList, deliveryAgent, type OutboundGuard, outboundGuard } from "../net/outbound.ts";
import { signingKey } from "../net/signing.ts";
import { escapeHtml, escapeHtmlAttribute } from "../render/html.ts";
import type { MoveRecord } from "../store/moves.ts";
import type { FederationStore, Storage } from "../store/types.ts";
import { dueOptionsOf } from "../sync/due.ts";
import { actorUrls, type SiteUrls, siteUrls } from "../urls.ts";
import { VERSION } from "../version.ts";
import { AccountPublishers } from "./account-publishers.ts";
import { AccountDirectory } from "./accounts.ts";
import { actorObject, type BotProfile, type FederatedAccount } from "./actor.ts";
import { BlockList } from "./blocks.ts";
import { deliveryPolicy } from "./circuit.ts";
import { DeliveryWorker, type Signer } from "./delivery.ts";
import { createHeraldFederation } from "./federation.ts";
import { freshDocumentLoader } from "./guarded.ts";
import { accountIdentity } from "./identity.ts";
import { loadOrCreateKeys } from "./keys.ts";
import { type MoveDeps, type MoveResult, moveTo, recoverMoves, undoMove } from "./move.ts";
import { accountObjectContext, objectContextOf } from "./objects.ts";
import { Publisher } from "./publisher.ts";
import { revokeStamps } from "./quotes.ts";
import { acceptedRelayInboxes, type RelaySync, syncRelays } from "./relays.ts";

/** What the HTTP layer needs to serve the actor, its collections and its inbox. */
export interface FederationEndpoints {
  federation: Federation<void>;
  /** The main account's store (`forAccount` reaches a section account's objects). */
  store: FederationStore;
  urls: SiteUrls;
  /** The actor's path: the HTTP layer adds fields Fedify's vocabulary lacks to this document. */
  actorPath: string;
  attributionDomains: readonly string[];
  /** Key and actor fetches made while verifying a request go through it. */
  guard: OutboundGuard;
  /** Fetches a key again, past the cache, when the cached one does not verify (a rotated key). */
  freshLoader: DocumentLoader;
  /** The operator's blocks: the inbox gate drops what blocked servers and actors sign. */
  blocks: BlockList;
}

export interface FederationRuntime {
  activityPub: FederationEndpoints;
  /** Every account's publisher: the main one's, and each section account's. */
  publisher: AccountPublishers;
  /** The operator's blocks, refreshed every few seconds (changes made here apply at once after `refresh`). */
  blocks: BlockList;
  /** Local files the profile points at (avatar, header), by URL path. */
  profileFiles: ReadonlyMap<string, string>;
  /** Announces a changed profile to followers (Update of the actor). */
  announceProfile(): Promise<boolean>;
  /** Follows the configured relays, follows pending ones again, and unfollows removed ones (relays.ts). */
  syncRelays(): Promise<RelaySync>;
  /** Queues ledger entries recorded but never queued (a crash in between); the scheduler's job. */
  recover(): Promise<number>;
  /** Moving out: `herald move --to` / `--undo`, and the Move in force. */
  account: {
    move(to: string): Promise<MoveResult>;
    undoMove(): Promise<MoveResult>;
    moved(): Promise<MoveRecord | undefined>;
  };
  /** Revokes the quote stamps of deleted and retracted articles (FEP-044f); how many. */
  revokeQuotes(): Promise<number>;
  /** Deliveries in the outbox. */
  queueDepth(): Promise<{ queued: number; ready?: number; delayed?: number }>;
  /** Delivers what is queued, until the queue is empty or `timeoutMs` passed (CLI runs without serve). */
  drain(timeoutMs: number): Promise<number>;
  /** Stops delivering; deliveries in flight get a few seconds, the rest stay queued for the next start. */
  close(): Promise<void>;
}

export async function startFederation(
  config: Config,
  storage: Storage,
  library: Library,
  log: Logger,
  options: { deliver: boolean; now?: () => Date },
): Promise<FederationRuntime> {
  await routeFedifyLogs(log);
  const urls = siteUrls(config.site.url);
  const fedStore = storage.federation;
  const keys = await loadOrCreateKeys(fedStore);
  const published = (await fedStore.getMeta("actor.published")) ?? new Date().toISOString();
  await fedStore.setMeta("actor.published", published);

  const profileFiles = new Map<string, string>();
  // The main account's files at /profile/<name>.<ext>, as before; a section account's under its name.
  const image = (value: string | undefined, name: string) => {
    if (!value) return undefined;
    if (URL.canParse(value)) return { url: value, mediaType: imageTypeOfPath(new URL(value).pathname) };
    const ext = extname(value).toLowerCase();
    const path = `/profile/${name}${ext}`;
    profileFiles.set(path, resolve(config.base, value));
    return { url: new URL(path.slice(1), urls.home).href, mediaType: imageTypeOfPath(value) };
  };
  const specs = accountSpecs(config);
  const profileOf = (spec: AccountSpec, since: string): BotProfile => ({
    username: spec.username,
    name: spec.name,
    summary: spec.summary ? `<p>${escapeHtml(spec.summary)}</p>` : "",
    avatar: image(spec.avatar, spec.main ? "avatar" : `${spec.username}/avatar`),
    header: image(spec.header, spec.main ? "header" : `${spec.username}/header`),
    fields: config.bot.fields.map((f) => ({ name: f.name, value: linkify(f.value) })),
    discoverable: config.bot.discoverable,
    indexable: config.bot.indexable,
    manualApproval: config.bot.manualApproval,
    published: since,
  });
  const profile = profileOf(specs[0]!, published);
  const main: FederatedAccount = { profile, keys, store: fedStore };
  const directory = new AccountDirectory({
    main,
    config: () => config,
    profileOf,
    log: log.child({ module: "accounts" }),
  });
  // Each configured section account's keys and profile exist from its first start: its actor can
  // answer from then on, also once it is taken out of the configuration.
  for (const spec of specs.slice(1)) await directory.get(spec.username);

  // Received activities wait in the inbox queue (Fedify handles them); outgoing ones in the outbox
  // (Herald's delivery worker sends them, delivery.ts).
  const queue = storage.queue({ concurrency: config.federation.concurrency });
  const outbox = storage.outbox({ spreadMs: config.federation.spreadSeconds * 1000 });
  const kv = storage.kv;
  const objects = objectContextOf(config);
  const fedLog = log.child({ module: "federation" });

  const guard = outboundGuard({
    allowPrivateAddress: config.federation.allowPrivateAddress,
    allowAddress: addressAllowList(config.federation.allowAddresses),
  });
  const blocks = new BlockList(fedStore, fedLog.child({ module: "blocks" }));
  await blocks.start();
  const identity = accountIdentity({
    references: config.bot.alsoKnownAs,
    moves: storage.moves,
    guard,
    federation: () => federation,
    home: new URL(urls.home),
    log: fedLog.child({ module: "identity" }),
  });
  const federation = createHeraldFederation({
    origin: new URL(urls.home).origin,
    urls,
    profile,
    keys,
    store: fedStore,
    account: (identifier) => directory.get(identifier),
    allAccounts: () => directory.all(),
    kv,
    queue,
    outbox,
    followerIdsAt: (origin, account) => outbox.followerIdsAt(origin, account),
    log: fedLog,
    guard,
    blocks: () => blocks.current,
    quotes: storage.quotes,
    identity,
    version: VERSION,
    // The publisher is made next, from this federation; a follow can only arrive after both exist.
    onFollowAccepted: async (follower, account) => {
      await publisher.backfill(follower, account.store.account);
    },
  });

  const { pushNewestOnFirstRun } = dueOptionsOf(config, new Date());
  // One publisher per configured account, each on its own ledger, ids and controls.
  const publisherOf = (spec: AccountSpec) =>
    new Publisher({
      federation,
      store: fedStore.forAccount(spec.account),
      queue: outbox,
      objects: spec.main ? objects : accountObjectContext(config, spec),
      username: spec.username,
      article: (id) => library.get(id),
      pushNewestOnFirstRun,
      backfillOnFollow: config.federation.backfillOnFollow,
      // Accepted relays pass every account's public posts on; moving out is the main account's.
      relayInboxes: () => acceptedRelayInboxes(fedStore),
      movedTo: spec.main ? async () => (await storage.moves.current())?.target : undefined,
      controls: spec.controls,
      log: spec.main ? fedLog : fedLog.child({ account: spec.username }),
      now: options.now,
    });
  const publisher = new AccountPublishers({
    specs,
    mode: config.bot.mode,
    publisherOf,
    article: (id) => library.get(id),
    log: fedLog,
  });
  const userAgent = getUserAgent({ software: `Herald/${VERSION}`, url: new URL(urls.home) });
  const actor = actorUrls(urls, config.bot.username);
  const moveDeps: MoveDeps = {
    federation,
    outbox,
    moves: storage.moves,
    username: config.bot.username,
    home: new URL(urls.home),
    guard,
    freshLoader: freshDocumentLoader(guard, userAgent),
    actor: async (options) => {
      const now = await identity.current();
      const ctx = federation.createContext(new URL(urls.home));
      return actorObject(ctx, profile, urls, options?.undone ? { ...now, movedTo: null } : now);
    },
    log: fedLog.child({ module: "move" }),
  };
  const revokeQuotes = () =>
    revokeStamps({
      ctx: federation.createContext(new URL(urls.home)),
      outbox,
      store: fedStore,
      quotes: storage.quotes,
      username: config.bot.username,
      log: fedLog.child({ module: "quotes" }),
    });

  let worker: DeliveryWorker | undefined;
  let agent: ReturnType<typeof deliveryAgent> | undefined;
  // A section account's signer, made once per process from its stored key (never created here).
  const signers = new Map<string, Promise<Signer | undefined>>();
  const signerOf = (identifier: string): Promise<Signer | undefined> => {
    let signer = signers.get(identifier);
    if (!signer) {
      signer = (async () => {
        const account = identifier === config.bot.username ? main : await directory.get(identifier);
        const rsa = account && (await account.store.getKeys()).find((k) => k.kind === "rsa");
        if (!account || !rsa) return undefined;
        const urlsOf = actorUrls(urls, identifier);
        return {
          key: await signingKey(rsa.privateJwk, urlsOf.actor),
          followersUri: urlsOf.followers,
          account: account.store.account,
        };
      })();
      signer.then(
        (found) => found ?? signers.delete(identifier),
        () => signers.delete(identifier),
      );
      signers.set(identifier, signer);
    }
    return signer;
  };
  const makeWorker = async (): Promise<DeliveryWorker> => {
    const rsa = (await fedStore.getKeys()).find((k) => k.kind === "rsa");
    if (!rsa) throw new Error("The store has no RSA key to sign deliveries with.");
    agent ??= deliveryAgent(guard.options, { connections: config.federation.perHostConcurrency });
    return new DeliveryWorker({
      outbox,
      key: await signingKey(rsa.privateJwk, actor.actor),
      followersUri: actor.followers,
      signerOf,
      agent,
      userAgent,
      policy: deliveryPolicy(config.federation.unreachableAfterDays),
      concurrency: config.federation.concurrency,
      perHost: config.federation.perHostConcurrency,
      holdMs: outbox.maxHoldMs * 0.6,
      blocked: (inbox) => blocks.current.blocksHost(inbox.hostname),
      log: fedLog.child({ module: "delivery" }),
    });
  };

  let abort: AbortController | undefined;
  let listening: Promise<unknown> | undefined;
  const startDelivering = async (): Promise<void> => {
    worker ??= await makeWorker();
    abort = new AbortController();
    listening = Promise.all([
      federation.startQueue(undefined, { signal: abort.signal }),
      worker.run(abort.signal),
    ]);
  };
  const stopDelivering = async (graceMs: number): Promise<void> => {
    abort?.abort();
    if (listening) await Promise.race([listening, new Promise((r) => setTimeout(r, graceMs).unref())]);
    abort = undefined;
    listening = undefined;
  };
  const resumeStopped = async (): Promise<number> =>
    (await queue.resumeStopped()) + (await outbox.resumeStopped());
  if (options.deliver) {
    const released = await resumeStopped();
    if (released > 0) fedLog.info({ released }, "deliveries of a stopped run resumed");
    await startDelivering();
  }

  /**
   * One account's profile, announced to its followers when it changed (per account meta). A new
   * alias (the main account's `bot.alsoKnownAs`) reaches followers' servers as a profile change too;
   * without aliases the hash is the one Herald always had (no Update for an upgrade alone).
   */
  const announceProfileOf = async ({ profile, store }: FederatedAccount): Promise<boolean> => {
    const main = profile.username === config.bot.username;
    const aliases = main ? config.bot.alsoKnownAs : [];
    const profileHash = createHash("sha256")
      .update(JSON.stringify(aliases.length > 0 ? { ...profile, alsoKnownAs: aliases } : profile))
      .digest("hex")
      .slice(0, 16);
    const known = await store.getMeta("actor.profileHash");
    if (known === profileHash) return false;
    if (known !== undefined && (await store.countFollowers("accepted")) > 0) {
      const ctx = federation.createContext(new URL(urls.home));
      const actor = await actorObject(ctx, profile, urls, main ? await identity.current() : undefined);
      if (actor.id) {
        await ctx.sendActivity(
          { identifier: profile.username },
          "followers",
          new Update({ id: new URL(`#profile-${profileHash}`, actor.id), actor: actor.id, object: actor }),
          { preferSharedInbox: true, syncCollection: true },
        );
        fedLog.info({ hash: profileHash, account: profile.username }, "profile update sent");
      }
    }
    await store.setMeta("actor.profileHash", profileHash);
    return true;
  };
  const announceProfile = async (): Promise<boolean> => {
    let sent = false;
    // Configured accounts only: a removed account's profile no longer changes.
    const configured = new Set(specs.map((s) => s.username));
    for (const account of await directory.all())
      if (configured.has(account.profile.username)) sent = (await announceProfileOf(account)) || sent;
    return sent;
  };

  return {
    activityPub: {
      federation,
      store: fedStore,
      urls,
      actorPath: actor.path,
      guard,
      freshLoader: freshDocumentLoader(guard, userAgent),
      attributionDomains: [new URL(urls.home).host],
      blocks,
    },
    publisher,
    blocks,
    profileFiles,
    announceProfile,
    syncRelays: () => {
      const ctx = federation.createContext(new URL(urls.home));
      return syncRelays(
        {
          store: fedStore,
          outbox,
          actorId: actor.actor.href,
          guard,
          documentLoader: async () => ({
            documentLoader: await ctx.getDocumentLoader({ identifier: config.bot.username }),
            contextLoader: ctx.contextLoader,
          }),
          log: fedLog.child({ module: "relays" }),
          now: options.now,
        },
        config.federation.relays,
      );
    },
    async recover() {
      const activities = await publisher.recover();
      const moves = await recoverMoves(moveDeps);
      await revokeQuotes();
      return activities + moves;
    },
    account: {
      move: (to) => moveTo(moveDeps, to),
      undoMove: () => undoMove(moveDeps),
      moved: () => storage.moves.current(),
    },
    revokeQuotes,
    queueDepth: () => outbox.getDepth(),
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const started = (await outbox.getDepth()).queued + (await queue.getDepth()).queued;
      if (started === 0) return 0;
      await resumeStopped();
      await startDelivering();
      const ready = async () =>
        ((await outbox.getDepth()).ready ?? 0) + ((await queue.getDepth()).ready ?? 0);
      while (Date.now() < deadline && (await ready()) > 0) await new Promise((r) => setTimeout(r, 100));
      await stopDelivering(5_000);
      return started - (await outbox.getDepth()).queued - (await queue.getDepth()).queued;
    },
    async close() {
      blocks.close();
      await stopDelivering(5_000);
      await agent?.close().catch(() => {});
      await guard.close();
    },
  };
}

/** Profile field values that are URLs become links, as Mastodon shows them. */
function linkify(value: string): string {
  return /^https?:\/\/\S+$/.test(value)
    ? `<a href="${escapeHtmlAttribute(value)}" rel="me nofollow noopener" target="_blank">${escapeHtml(value.replace(/^https?:\/\//, ""))}</a>`
    : escapeHtml(value);
}
