// The federation store contract: what Herald relies on from its ledger, followers and keys, written
// once and run against SQLite and PostgreSQL. Each target opens a fresh, empty store together with
// the delivery queue of the same backend, because "pending → queued" is only ever written inside
// the queue's enqueue transaction.
import type { MessageQueue } from "@fedify/fedify";
import { afterEach, describe, expect, it } from "vitest";
import type { AtomicQueue } from "../../src/store/types.ts";
import {
  type ActivityRecord,
  AlreadyQueuedError,
  type FederatedObject,
  type FederationDump,
  type FederationStore,
  type Follower,
  type Interaction,
  type StoredKey,
  StoreNotEmptyError,
} from "../../src/store/types.ts";
import { openedWorlds } from "./contract.ts";

export interface FederationWorld<Tx> {
  store: FederationStore<Tx>;
  /** The queue whose transactions the store writes its "queued" mark through. */
  queue: AtomicQueue<Tx> & Pick<MessageQueue, "enqueue" | "getDepth">;
  /** Another handle on the same data, as another process has. */
  other(): Promise<FederationStore<Tx>>;
  /** A second, empty store of the same backend: where a dump is imported. */
  fresh(): Promise<FederationStore<Tx>>;
  close(): Promise<void>;
}

export interface FederationTarget<Tx> {
  name: string;
  open(): Promise<FederationWorld<Tx>>;
}

export const key = (kind: StoredKey["kind"], n: string): StoredKey => ({
  kind,
  privateJwk: { kty: kind === "rsa" ? "RSA" : "OKP", d: `private-${n}` },
  publicJwk: { kty: kind === "rsa" ? "RSA" : "OKP", x: `public-${n}` },
  createdAt: `2026-01-0${n}T00:00:00.000Z`,
});

export const follower = (name: string, overrides: Partial<Follower> = {}): Follower => ({
  actorId: `https://remote.example/users/${name}`,
  inbox: `https://remote.example/users/${name}/inbox`,
  sharedInbox: "https://remote.example/inbox",
  handle: `@${name}@remote.example`,
  followId: `https://remote.example/follows/${name}`,
  state: "accepted",
  createdAt: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

export const object = (articleId: string, overrides: Partial<FederatedObject> = {}): FederatedObject => ({
  articleId,
  published: "2026-01-01T00:00:00.000Z",
  updated: null,
  contentHash: `hash-${articleId}`,
  deletedAt: null,
  pinned: false,
  // Key order is part of what is stored: the object is served exactly as federated.
  object: { type: "Article", id: `https://herald.example/objects/${articleId}`, content: "<p>é ✓ 中</p>" },
  ...overrides,
});

export const activity = (
  articleId: string,
  kind: ActivityRecord["kind"],
  createdAt: string,
  overrides: Partial<ActivityRecord> = {},
): ActivityRecord => ({
  id: `https://herald.example/objects/${articleId}#${kind}${kind === "update" ? `-${createdAt}` : ""}`,
  articleId,
  kind,
  state: "pending",
  createdAt,
  queuedAt: null,
  activity: { type: kind === "create" ? "Create" : kind === "update" ? "Update" : "Delete", n: createdAt },
  ...overrides,
});

export const interaction = (id: string, overrides: Partial<Interaction> = {}): Interaction => ({
  id: `https://remote.example/activities/${id}`,
  articleId: "harbor",
  kind: "like",
  actorId: "https://remote.example/users/carol",
  url: null,
  content: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

/** Every read a running Herald makes of a federation store, for comparing two stores. */
export async function federationReads(store: FederationStore<unknown>) {
  return {
    meta: await Promise.all(["actor.published", "federation.firstRunDone"].map((k) => store.getMeta(k))),
    keys: await store.getKeys(),
    followers: await store.listFollowers({}),
    accepted: await store.listFollowers({ state: "accepted" }),
    followerPage: await store.listFollowers({ offset: 1, limit: 2 }),
    followerCounts: [await store.countFollowers(), await store.countFollowers("pending")],
    objects: await store.listObjects(),
    pending: await store.pendingActivities(),
    creates: [
      await store.listCreates({ offset: 0, limit: 2 }),
      await store.listCreates({ offset: 2, limit: 100 }),
    ],
    createCount: await store.countCreates(),
    times: await store.activityTimesSince("create", "2000-01-01T00:00:00.000Z"),
    retracted: [...(await store.retractedIds())].sort(),
    events: await store.recentEvents(1_000),
    problems: await store.recentEvents(1_000, "warn"),
    interactions: await store.listInteractions(),
    harborInteractions: await store.listInteractions("harbor"),
  };
}

/** Fills a store with some of everything, in an order that differs from every sort key. */
async function populate<Tx>(world: FederationWorld<Tx>): Promise<void> {
  const { store, queue } = world;
  await store.setMeta("actor.published", "2025-12-24T10:00:00.000Z");
  await store.setMeta("federation.firstRunDone", "2025-12-24T10:00:01.000Z");
  await store.addKeys([key("rsa", "1"), key("ed25519", "1")]);
  await store.upsertFollower(follower("zed"));
  await store.upsertFollower(follower("amy", { state: "pending", sharedInbox: null, handle: null }));
  await store.upsertFollower(follower("kim", { createdAt: "2025-12-31T00:00:00.000Z", followId: null }));
  const tie = "2026-01-02T00:00:00.000Z";
  // Same instant, recorded zulu, alpha, mike: only insertion order tells them apart.
  for (const id of ["zulu", "alpha", "mike"])
    await store.recordActivity(object(id), activity(id, "create", tie));
  await store.recordActivity(
    object("harbor", { pinned: true, object: { z: "last key first", a: "✓ 中", n: 1.5 } }),
    activity("harbor", "create", "2026-01-01T00:00:00.000Z", { state: "silent" }),
  );
  await store.recordActivity(
    object("zulu", { deletedAt: "2026-01-03T00:00:00.000Z" }),
    activity("zulu", "delete", "2026-01-03T00:00:00.000Z"),
  );
  const alpha = activity("alpha", "create", tie).id;
  await queue.atomically(
    () => queue.enqueue({ activityId: alpha }),
    (_value, tx) => store.markQueuedIn(tx, alpha),
  );
  await store.recordInteraction(interaction("b", { createdAt: "2026-01-05T00:00:00.000Z" }));
  await store.recordInteraction(interaction("a", { createdAt: "2026-01-05T00:00:00.000Z" }));
  await store.recordInteraction(
    interaction("r", { kind: "reply", articleId: "mike", content: "<p>好</p>", url: "https://r.example/1" }),
  );
  await store.retract("oops", "2026-01-04T00:00:00.000Z");
  await store.addBlocks([
    { target: "spam.example", kind: "domain", createdAt: "2026-01-07T00:00:00.000Z", note: "spam" },
    {
      target: "https://r.example/users/troll",
      kind: "actor",
      createdAt: "2026-01-07T00:00:00.000Z",
      note: null,
    },
  ]);
  for (const [n, level] of (["info", "warn", "error", "info"] as const).entries())
    await store.addEvent({ at: "2026-01-06T00:00:00.000Z", level, kind: "scan", message: `event ${n}` });
}

export function federationStoreContract<Tx>(target: FederationTarget<Tx>): void {
  describe(`FederationStore contract: ${target.name}`, () => {
    const worlds = openedWorlds<FederationWorld<Tx>>();
    const open = () => worlds.track(target.open());
    afterEach(() => worlds.closeAll());

    it("keeps meta values, overwriting by key", async () => {
      const { store } = await open();
      expect(await store.getMeta("a")).toBeUndefined();
      await store.setMeta("a", "1");
      await store.setMeta("a", "2");
      expect(await store.getMeta("a")).toBe("2");
    });

    it("never overwrites a stored key, also when another process adds keys", async () => {
      const { store, other } = await open();
      expect(await store.getKeys()).toEqual([]);
      await store.addKeys([key("rsa", "1")]);
      const second = await other();
      await second.addKeys([key("rsa", "2"), key("ed25519", "2")]);
      expect(await store.getKeys()).toEqual([key("rsa", "1"), key("ed25519", "2")]);
      expect(await second.getKeys()).toEqual([key("rsa", "1"), key("ed25519", "2")]);
    });

    it("upserts followers, keeping their first createdAt out of the update, and removes them", async () => {
      const { store } = await open();
      await store.upsertFollower(follower("alice", { state: "pending" }));
      await store.upsertFollower(
        follower("alice", { inbox: "https://remote.example/new", createdAt: "2027-01-01T00:00:00.000Z" }),
      );
      expect(await store.getFollower(follower("alice").actorId)).toEqual(
        follower("alice", { inbox: "https://remote.example/new" }),
      );
      expect(await store.removeFollower(follower("alice").actorId)).toBe(true);
      expect(await store.removeFollower(follower("alice").actorId)).toBe(false);
      expect(await store.getFollower(follower("alice").actorId)).toBeUndefined();
    });

    it("lists and counts followers by state, oldest first, page by page", async () => {
      const { store } = await open();
      const names = ["dave", "bob", "carol", "alice", "erin"];
      for (const [i, name] of names.entries())
        await store.upsertFollower(
          follower(name, {
            state: name === "erin" ? "pending" : "accepted",
            // Two share an instant: the actor id breaks the tie, in byte order.
            createdAt: `2026-01-0${name === "bob" ? 1 : i + 1}T00:00:00.000Z`,
          }),
        );
      const ids = (list: Follower[]) => list.map((f) => f.handle);
      expect(ids(await store.listFollowers({ state: "accepted" }))).toEqual([
        "@bob@remote.example",
        "@dave@remote.example",
        "@carol@remote.example",
        "@alice@remote.example",
      ]);
      expect(ids(await store.listFollowers({ state: "accepted", offset: 1, limit: 2 }))).toEqual([
        "@dave@remote.example",
        "@carol@remote.example",
      ]);
      expect(ids(await store.listFollowers({ offset: 4 }))).toEqual(["@erin@remote.example"]);
      expect(await store.listFollowers({ offset: 5, limit: 10 })).toEqual([]);
      expect(await store.countFollowers()).toBe(5);
      expect(await store.countFollowers("accepted")).toBe(4);
      expect(await store.countFollowers("pending")).toBe(1);
    });

    it("records an activity with its object once: the same id again changes nothing", async () => {
      const { store } = await open();
      const create = activity("harbor", "create", "2026-01-01T00:00:00.000Z");
      expect(await store.recordActivity(object("harbor"), create)).toBe(true);
      expect(await store.activityExists(create.id)).toBe(true);
      expect(await store.recordActivity(object("harbor", { contentHash: "changed" }), create)).toBe(false);
      expect(await store.getObject("harbor")).toEqual(object("harbor"));
      expect(JSON.stringify((await store.getObject("harbor"))!.object)).toBe(
        JSON.stringify(object("harbor").object),
      );
      expect(await store.pendingActivities()).toEqual([create]);
      expect(await store.activityExists("https://herald.example/objects/none#create")).toBe(false);
    });

    it("lets one of two processes recording the same activity at once win", async () => {
      const { store, other } = await open();
      const second = await other();
      const create = activity("harbor", "create", "2026-01-01T00:00:00.000Z");
      const results = await Promise.all([
        store.recordActivity(object("harbor"), create),
        second.recordActivity(object("harbor", { contentHash: "other" }), create),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.pendingActivities()).toHaveLength(1);
    });

    it("upserts the object with each new activity", async () => {
      const { store } = await open();
      await store.recordActivity(object("harbor"), activity("harbor", "create", "2026-01-01T00:00:00.000Z"));
      const updated = object("harbor", {
        updated: "2026-01-02T00:00:00.000Z",
        contentHash: "v2",
        pinned: true,
      });
      await store.recordActivity(updated, activity("harbor", "update", "2026-01-02T00:00:00.000Z"));
      expect(await store.getObject("harbor")).toEqual(updated);
      expect(await store.listObjects()).toEqual([updated]);
    });

    it("marks pending → queued in the queue's transaction, and not when that transaction fails", async () => {
      const { store, queue } = await open();
      const a = activity("a", "create", "2026-01-01T00:00:00.000Z");
      const b = activity("b", "create", "2026-01-01T00:00:01.000Z");
      const silent = activity("c", "create", "2026-01-01T00:00:02.000Z", { state: "silent" });
      await store.recordActivity(object("a"), a);
      await store.recordActivity(object("b"), b);
      await store.recordActivity(object("c"), silent);
      expect((await store.pendingActivities()).map((r) => r.id)).toEqual([a.id, b.id]);

      await queue.atomically(
        () => queue.enqueue({ activity: a.id }),
        (_value, tx) => store.markQueuedIn(tx, a.id),
      );
      expect((await store.pendingActivities()).map((r) => r.id)).toEqual([b.id]);
      expect((await queue.getDepth!()).queued).toBe(1);
      // And when: backfill on follow compares it with a new follower's arrival.
      const queuedAt = (await store.listCreates({ offset: 0, limit: 10 })).find(
        (r) => r.id === a.id,
      )!.queuedAt;
      expect(queuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.now() - Date.parse(queuedAt!)).toBeLessThan(60_000);

      // The mark is written, then the transaction fails: neither the mark nor the message remains.
      // (SQLite's queue needs its `record` synchronous, PostgreSQL's awaits the write.)
      const crash = new Error("crash before commit");
      await expect(
        queue.atomically(
          () => queue.enqueue({ activity: b.id }),
          (_value, tx) => {
            const written = store.markQueuedIn(tx, b.id);
            if (written instanceof Promise)
              return written.then(() => {
                throw crash;
              });
            throw crash;
          },
        ),
      ).rejects.toThrow(crash);
      expect((await store.pendingActivities()).map((r) => r.id)).toEqual([b.id]);
      expect((await queue.getDepth!()).queued).toBe(1);

      // Only pending becomes queued: a silent activity stays in the outbox only, and the batch that
      // tried is rolled back.
      await expect(
        queue.atomically(
          () => queue.enqueue({ activity: silent.id }),
          (_value, tx) => store.markQueuedIn(tx, silent.id),
        ),
      ).rejects.toBeInstanceOf(AlreadyQueuedError);
      expect((await queue.getDepth!()).queued).toBe(1);
      expect((await store.listCreates({ offset: 0, limit: 10 })).map((r) => [r.id, r.state])).toEqual([
        [silent.id, "silent"],
        [b.id, "pending"],
        [a.id, "queued"],
      ]);
    });

    it("queues a pending activity once when two recoveries race for it", async () => {
      const { store, queue } = await open();
      const a = activity("a", "create", "2026-01-01T00:00:00.000Z");
      await store.recordActivity(object("a"), a);
      // Two processes both found it pending after a crash and both try to hand it to the queue.
      const attempt = () =>
        queue.atomically(
          () => queue.enqueue({ activity: a.id }),
          (_value, tx) => store.markQueuedIn(tx, a.id),
        );
      const results = await Promise.allSettled([attempt(), attempt()]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(failure.reason).toBeInstanceOf(AlreadyQueuedError);
      expect((await queue.getDepth!()).queued).toBe(1);
      expect(await store.pendingActivities()).toEqual([]);
    });

    it("orders pending activities of one instant by when they were recorded", async () => {
      const { store } = await open();
      const at = "2026-01-01T00:00:00.000Z";
      for (const id of ["zulu", "alpha", "mike"])
        await store.recordActivity(object(id), activity(id, "create", at));
      expect((await store.pendingActivities()).map((r) => r.articleId)).toEqual(["zulu", "alpha", "mike"]);
    });

    it("lists the Creates of live objects newest first, page by page, and counts them", async () => {
      const { store } = await open();
      for (const [i, id] of ["one", "two", "three", "four"].entries())
        await store.recordActivity(object(id), activity(id, "create", `2026-01-0${i + 1}T00:00:00.000Z`));
      await store.recordActivity(
        object("two", { updated: "2026-01-05T00:00:00.000Z" }),
        activity("two", "update", "2026-01-05T00:00:00.000Z"),
      );
      await store.recordActivity(
        object("three", { deletedAt: "2026-01-06T00:00:00.000Z" }),
        activity("three", "delete", "2026-01-06T00:00:00.000Z"),
      );
      const ids = (list: ActivityRecord[]) => list.map((r) => `${r.articleId}#${r.kind}`);
      expect(ids(await store.listCreates({ offset: 0, limit: 10 }))).toEqual([
        "four#create",
        "two#create",
        "one#create",
      ]);
      expect(ids(await store.listCreates({ offset: 1, limit: 1 }))).toEqual(["two#create"]);
      expect(await store.countCreates()).toBe(3);
    });

    it("gives the times of pushed activities of a kind since an instant, silent ones left out", async () => {
      const { store } = await open();
      await store.recordActivity(object("old"), activity("old", "create", "2026-01-01T00:00:00.000Z"));
      await store.recordActivity(object("new"), activity("new", "create", "2026-01-01T02:00:00.000Z"));
      await store.recordActivity(
        object("quiet"),
        activity("quiet", "create", "2026-01-01T03:00:00.000Z", { state: "silent" }),
      );
      await store.recordActivity(object("new"), activity("new", "update", "2026-01-01T04:00:00.000Z"));
      expect(await store.activityTimesSince("create", "2026-01-01T01:00:00.000Z")).toEqual([
        "2026-01-01T02:00:00.000Z",
      ]);
      expect(await store.activityTimesSince("create", "2026-01-01T02:00:00.000Z")).toEqual([
        "2026-01-01T02:00:00.000Z",
      ]);
      expect(await store.activityTimesSince("update", "2026-01-01T00:00:00.000Z")).toEqual([
        "2026-01-01T04:00:00.000Z",
      ]);
    });

    it("keeps retractions, the first one's time winning", async () => {
      const { store } = await open();
      expect(await store.retractedIds()).toEqual(new Set());
      await store.retract("oops", "2026-01-01T00:00:00.000Z");
      await store.retract("oops", "2026-01-02T00:00:00.000Z");
      await store.retract("other", "2026-01-02T00:00:00.000Z");
      expect(await store.retractedIds()).toEqual(new Set(["oops", "other"]));
    });

    it("keeps blocks by target, the first one winning, and removes them; another process sees them", async () => {
      const world = await open();
      const { store } = world;
      const at = "2026-01-01T00:00:00.000Z";
      expect(await store.listBlocks()).toEqual([]);
      const domain = {
        target: "spam.example",
        kind: "domain" as const,
        createdAt: at,
        note: "imported: spam",
      };
      const actor = {
        target: "https://b.example/users/x",
        kind: "actor" as const,
        createdAt: at,
        note: null,
      };
      expect(await store.addBlocks([domain, actor])).toBe(2);
      expect(
        await store.addBlocks([
          { ...domain, note: "again" },
          { ...domain, target: "z.example" },
        ]),
      ).toBe(1);
      expect(await store.addBlocks([])).toBe(0);
      const other = await world.other();
      expect(await other.listBlocks()).toEqual([actor, domain, { ...domain, target: "z.example" }]);
      expect(await other.removeBlock("spam.example")).toBe(true);
      expect(await store.removeBlock("spam.example")).toBe(false);
      expect((await store.listBlocks()).map((b) => b.target)).toEqual([
        "https://b.example/users/x",
        "z.example",
      ]);
    });

    it("keeps relays by URL, replaces and removes them; another process sees them", async () => {
      const world = await open();
      const { store } = world;
      expect(await store.listRelays()).toEqual([]);
      const relay = {
        url: "https://relay.example/inbox",
        style: "mastodon" as const,
        inbox: "https://relay.example/inbox",
        followId: "https://news.example/users/news#relay-follow-1",
        state: "pending" as const,
        createdAt: "2026-01-01T00:00:00.000Z",
        changedAt: "2026-01-01T00:00:00.000Z",
      };
      const litepub = { ...relay, url: "https://lp.example/actor", style: "litepub" as const, inbox: null };
      await store.saveRelay(relay);
      await store.saveRelay(litepub);
      await store.saveRelay({ ...relay, state: "accepted", changedAt: "2026-01-02T00:00:00.000Z" });
      const other = await world.other();
      expect(await other.listRelays()).toEqual([
        litepub,
        { ...relay, state: "accepted", changedAt: "2026-01-02T00:00:00.000Z" },
      ]);
      expect(await other.removeRelay(relay.url)).toBe(true);
      expect(await store.removeRelay(relay.url)).toBe(false);
      expect((await store.listRelays()).map((r) => r.url)).toEqual([litepub.url]);
    });

    it("hides and shows replies, never other interactions, and lists the decisions per article", async () => {
      const world = await open();
      const { store } = world;
      const at = "2026-01-01T00:00:00.000Z";
      await store.recordInteraction(interaction("r1", { articleId: "a", kind: "reply", createdAt: at }));
      await store.recordInteraction(interaction("r2", { articleId: "b", kind: "reply", createdAt: at }));
      await store.recordInteraction(interaction("l1", { articleId: "a", kind: "like", createdAt: at }));
      const [r1, r2, l1] = (await store.listInteractions()).map((i) => i.id);
      expect(await store.moderateReply(r1!, "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z")).toBe(
        true,
      );
      expect(await store.moderateReply(r2!, "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z")).toBe(
        true,
      );
      expect(await store.moderateReply(l1!, "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z")).toBe(
        false,
      );
      expect(await store.moderateReply("https://nowhere.example/x", null, at)).toBe(false);
      const other = await world.other();
      expect(await other.moderateReply(r2!, null, "2026-01-03T00:00:00.000Z")).toBe(true);
      expect(await store.listModeration("a")).toEqual([
        { interactionId: r1, hiddenAt: "2026-01-02T00:00:00.000Z", changedAt: "2026-01-02T00:00:00.000Z" },
      ]);
      expect(await other.listModeration()).toEqual(
        [
          { interactionId: r1, hiddenAt: "2026-01-02T00:00:00.000Z", changedAt: "2026-01-02T00:00:00.000Z" },
          { interactionId: r2, hiddenAt: null, changedAt: "2026-01-03T00:00:00.000Z" },
        ].sort((x, y) => (x.interactionId! < y.interactionId! ? -1 : 1)),
      );
    });

    it("keeps one display name per account, the last one saved; another process reads them", async () => {
      const world = await open();
      const { store } = world;
      expect(await store.authorNames([])).toEqual(new Map());
      await store.saveAuthor({
        actorId: "https://a.example/users/ann",
        name: "Ann",
        updatedAt: "2026-01-01T00:00:00Z",
      });
      await store.saveAuthor({
        actorId: "https://b.example/users/bo",
        name: "Bo",
        updatedAt: "2026-01-01T00:00:00Z",
      });
      await store.saveAuthor({
        actorId: "https://a.example/users/ann",
        name: "Ann B.",
        updatedAt: "2026-01-02T00:00:00Z",
      });
      const other = await world.other();
      expect(
        await other.authorNames([
          "https://a.example/users/ann",
          "https://b.example/users/bo",
          "https://c.example/x",
        ]),
      ).toEqual(
        new Map([
          ["https://a.example/users/ann", "Ann B."],
          ["https://b.example/users/bo", "Bo"],
        ]),
      );
    });

    it("keeps the last 500 events, newest first, filtered by level", async () => {
      const { store } = await open();
      for (let n = 0; n < 505; n++)
        await store.addEvent({
          at: `2026-01-01T00:00:00.${String(n).padStart(3, "0")}Z`,
          level: n % 3 === 0 ? "error" : n % 3 === 1 ? "warn" : "info",
          kind: "scan",
          message: `event ${n}`,
        });
      const all = await store.recentEvents(1_000);
      expect(all).toHaveLength(500);
      expect(all[0]).toEqual({
        at: "2026-01-01T00:00:00.504Z",
        level: "error",
        kind: "scan",
        message: "event 504",
      });
      expect(all.at(-1)?.message).toBe("event 5");
      expect((await store.recentEvents(2)).map((e) => e.message)).toEqual(["event 504", "event 503"]);
      const problems = await store.recentEvents(3, "warn");
      expect(problems.map((e) => e.message)).toEqual(["event 504", "event 502", "event 501"]);
      expect((await store.recentEvents(3, "error")).map((e) => `${e.level} ${e.message}`)).toEqual([
        "error event 504",
        "error event 501",
        "error event 498",
      ]);
    });

    it("records an interaction once, whoever redelivers it, and lists them oldest first", async () => {
      const { store, other } = await open();
      expect(
        await store.recordInteraction(interaction("like-1", { createdAt: "2026-01-02T00:00:00.000Z" })),
      ).toBe(true);
      expect(await (await other()).recordInteraction(interaction("like-1"))).toBe(false);
      await store.recordInteraction(
        interaction("reply-1", { kind: "reply", content: "<p>好</p>", url: "https://remote.example/r" }),
      );
      await store.recordInteraction(interaction("mention-1", { kind: "mention", articleId: "" }));
      expect((await store.listInteractions()).map((i) => i.id.split("/").at(-1))).toEqual([
        "reply-1",
        "mention-1",
        "like-1",
      ]);
      expect(await store.listInteractions("harbor")).toEqual([
        interaction("reply-1", { kind: "reply", content: "<p>好</p>", url: "https://remote.example/r" }),
        interaction("like-1", { createdAt: "2026-01-02T00:00:00.000Z" }),
      ]);
    });
    it("exports everything in order and imports it into an empty store, which then reads the same", async () => {
      const world = await open();
      await populate(world);
      const dump = await world.store.exportAll();
      // Insertion order, not any sort key: activities and interactions as recorded, events oldest first.
      expect(dump.activities.map((a) => `${a.articleId}#${a.kind}:${a.state}`)).toEqual([
        "zulu#create:pending",
        "alpha#create:queued",
        "mike#create:pending",
        "harbor#create:silent",
        "zulu#delete:pending",
      ]);
      expect(dump.interactions.map((i) => i.id.split("/").at(-1))).toEqual(["b", "a", "r"]);
      expect(dump.events.map((e) => e.message)).toEqual(["event 0", "event 1", "event 2", "event 3"]);
      expect(dump.retractions).toEqual([{ articleId: "oops", retractedAt: "2026-01-04T00:00:00.000Z" }]);
      expect(dump.meta).toHaveLength(2);
      expect(dump.keys.map((k) => k.kind).sort()).toEqual(["ed25519", "rsa"]);
      expect(dump.followers).toHaveLength(3);
      expect(dump.objects.find((o) => o.articleId === "harbor")?.object).toBe(
        '{"z":"last key first","a":"✓ 中","n":1.5}',
      );

      const target = await world.fresh();
      // Meta and events of a store without history are replaced, not merged.
      await target.setMeta("status.lastScan", "2027-01-01T00:00:00.000Z");
      await target.addEvent({ at: "2027-01-01T00:00:00.000Z", level: "error", kind: "x", message: "stale" });
      // A dump is plain data: it can go through a file.
      await target.importAll(JSON.parse(JSON.stringify(dump)) as FederationDump);

      expect(await target.exportAll()).toEqual(dump);
      expect(await target.getMeta("status.lastScan")).toBeUndefined();
      expect(await federationReads(target)).toEqual(await federationReads(world.store));
      expect((await target.pendingActivities()).map((a) => a.articleId)).toEqual(["zulu", "mike", "zulu"]);
      expect(JSON.stringify((await target.getObject("harbor"))!.object)).toBe(
        '{"z":"last key first","a":"✓ 中","n":1.5}',
      );
      // History goes on after the import: new rows come after the imported ones.
      await target.recordActivity(object("late"), activity("late", "create", "2026-01-02T00:00:00.000Z"));
      await target.addEvent({ at: "2026-01-07T00:00:00.000Z", level: "info", kind: "scan", message: "next" });
      expect((await target.pendingActivities()).map((a) => a.articleId)).toEqual([
        "zulu",
        "mike",
        "late",
        "zulu",
      ]);
      expect((await target.recentEvents(2)).map((e) => e.message)).toEqual(["next", "event 3"]);
    });

    it("keeps each account's keys, followers, objects, ledger and meta apart, and dumps them with their account", async () => {
      const world = await open();
      const main = world.store;
      const tech = main.forAccount("tech");
      expect(main.account).toBe("");
      expect(tech.account).toBe("tech");
      await main.addKeys([key("rsa", "1")]);
      await tech.addKeys([key("rsa", "2"), key("ed25519", "3")]);
      // The same follower follows both; leaving one leaves the other.
      await main.upsertFollower(follower("ann"));
      await tech.upsertFollower(follower("ann", { state: "pending" }));
      await tech.upsertFollower(follower("bob"));
      // The same article in both ledgers, under ids that carry the account.
      const techActivity = (id: string, at: string) => {
        const a = activity(id, "create", at);
        return { ...a, id: `https://example.org/objects/@tech/${id}#create` };
      };
      expect(
        await main.recordActivity(object("a1"), activity("a1", "create", "2026-01-01T00:00:00.000Z")),
      ).toBe(true);
      expect(
        await tech.recordActivity(
          object("a1", { contentHash: "tech" }),
          techActivity("a1", "2026-01-02T00:00:00.000Z"),
        ),
      ).toBe(true);
      expect(await tech.recordActivity(object("t2"), techActivity("t2", "2026-01-03T00:00:00.000Z"))).toBe(
        true,
      );
      await tech.setMeta("federation.firstRunDone", "2026-01-01T00:00:00.000Z");
      // The main account boosts tech's post: a ledger entry without an object of its own, once.
      const boost = { ...activity("t2", "create", "2026-01-04T00:00:00.000Z"), kind: "announce" as const };
      boost.id = "https://example.org/objects/@tech/t2#announce";
      expect(await main.recordAnnouncement(boost)).toBe(true);
      expect(await main.recordAnnouncement(boost)).toBe(false);
      expect((await main.getActivity(boost.id))?.kind).toBe("announce");
      expect((await tech.getActivity(boost.id))?.articleId).toBe("t2");
      expect(await main.getActivity("https://example.org/nothing")).toBeUndefined();

      expect((await main.getKeys()).map((k) => k.privateJwk.d)).toEqual(["private-1"]);
      expect((await tech.getKeys()).map((k) => k.privateJwk.d)).toEqual(["private-2", "private-3"]);
      expect(await main.countFollowers("accepted")).toBe(1);
      expect(await tech.countFollowers("accepted")).toBe(1);
      expect((await tech.getFollower(follower("ann").actorId))?.state).toBe("pending");
      expect((await main.listObjects()).map((o) => o.articleId)).toEqual(["a1"]);
      expect((await tech.getObject("a1"))?.contentHash).toBe("tech");
      expect(await main.countCreates()).toBe(1);
      expect(await tech.countCreates()).toBe(2);
      expect((await main.pendingActivities()).map((a) => a.kind)).toEqual(["create", "announce"]);
      expect((await tech.pendingActivities()).map((a) => a.articleId)).toEqual(["a1", "t2"]);
      expect(await main.activityIdsOf("a1")).toEqual([activity("a1", "create", "").id]);
      expect(await tech.activityTimesSince("create", "2026-01-01T00:00:00.000Z")).toHaveLength(2);
      expect(await main.getMeta("federation.firstRunDone")).toBeUndefined();
      expect(await tech.getMeta("federation.firstRunDone")).toBe("2026-01-01T00:00:00.000Z");
      expect(await main.listAccounts()).toEqual([
        { account: "", followers: 1 },
        { account: "tech", followers: 1 },
      ]);
      expect(await tech.removeFollower(follower("ann").actorId)).toBe(true);
      expect(await main.getFollower(follower("ann").actorId)).toBeDefined();
      // Another process sees the same accounts.
      expect(await (await world.other()).forAccount("tech").countCreates()).toBe(2);

      const dump = await main.exportAll();
      expect(dump.keys.map((k) => `${k.account}:${k.kind}`)).toEqual([":rsa", "tech:ed25519", "tech:rsa"]);
      expect(dump.objects.map((o) => `${o.account}:${o.articleId}`).sort()).toEqual([
        ":a1",
        "tech:a1",
        "tech:t2",
      ]);
      expect(dump.activities.map((a) => a.account)).toEqual(["", "tech", "tech", ""]);
      const target = await world.fresh();
      await target.importAll(JSON.parse(JSON.stringify(dump)) as FederationDump);
      expect(await target.exportAll()).toEqual(dump);
      expect(await target.forAccount("tech").countFollowers()).toBe(1);
      expect(await target.forAccount("tech").getMeta("federation.firstRunDone")).toBe(
        "2026-01-01T00:00:00.000Z",
      );
    });

    it("imports thousands of rows in their order", async () => {
      const { fresh } = await open();
      const target = await fresh();
      const at = "2026-01-01T00:00:00.000Z";
      // Ids sort in reverse of insertion: an import that lost the order would show.
      const ids = Array.from({ length: 2_500 }, (_, n) => `a${String(2_500 - n).padStart(4, "0")}`);
      const dump: FederationDump = {
        meta: [],
        keys: [],
        followers: [],
        objects: ids.map((id) => ({ ...object(id), account: "", object: JSON.stringify(object(id).object) })),
        activities: ids.map((id) => {
          const a = activity(id, "create", at);
          return { ...a, account: "", activity: JSON.stringify(a.activity) };
        }),
        interactions: ids.map((id) => interaction(id, { articleId: id, createdAt: at })),
        retractions: [],
        blocks: [],
        relays: [],
        moderation: [],
        authors: [],
        events: ids.map((id) => ({ at, level: "info" as const, kind: "scan", message: id })),
      };
      await target.importAll(dump);
      expect(await target.exportAll()).toEqual(dump);
      expect((await target.pendingActivities()).map((a) => a.articleId)).toEqual(ids);
      expect((await target.listInteractions()).map((i) => i.articleId)).toEqual(ids);
      expect((await target.recentEvents(3)).map((e) => e.message)).toEqual(ids.slice(-3).reverse());
    });

    for (const [what, write] of [
      ["keys", (s: FederationStore<Tx>) => s.addKeys([key("rsa", "9")])],
      ["followers", (s: FederationStore<Tx>) => s.upsertFollower(follower("other"))],
      [
        "activities",
        (s: FederationStore<Tx>) =>
          s.recordActivity(object("other"), activity("other", "create", "2026-02-01T00:00:00.000Z")),
      ],
      ["retractions", (s: FederationStore<Tx>) => s.retract("other", "2026-02-01T00:00:00.000Z")],
    ] as const)
      it(`refuses to import into a store that holds ${what}, and writes nothing`, async () => {
        const world = await open();
        await populate(world);
        const dump = await world.store.exportAll();
        const target = await world.fresh();
        await write(target);
        await target.setMeta("status.lastScan", "2027-01-01T00:00:00.000Z");
        await target.addEvent({ at: "2027-01-01T00:00:00.000Z", level: "info", kind: "x", message: "kept" });
        const before = await target.exportAll();
        const refusal = target.importAll(dump);
        await expect(refusal).rejects.toBeInstanceOf(StoreNotEmptyError);
        await expect(refusal).rejects.toThrow(
          new RegExp(`already holds (.+, )?1 ${what}: importing would merge`),
        );
        expect(await target.exportAll()).toEqual(before);
      });
  });
}
