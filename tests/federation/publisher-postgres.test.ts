// The publisher on PostgreSQL: the ledger's "queued" mark goes through the outbox's transaction
// (FederationStore.markQueuedIn with PostgresOutbox.atomically), the same code path as on SQLite.
// Nothing is delivered: the outbox only has to hold the deliveries, committed with the mark.
import { afterEach, describe, expect, it } from "vitest";
import type { Article } from "../../src/content/model.ts";
import type { ArticleRecord } from "../../src/content/records.ts";
import type { BotProfile } from "../../src/federation/actor.ts";
import { createHeraldFederation } from "../../src/federation/federation.ts";
import { loadOrCreateKeys } from "../../src/federation/keys.ts";
import type { ObjectContext } from "../../src/federation/objects.ts";
import { Publisher } from "../../src/federation/publisher.ts";
import { createLogger } from "../../src/log.ts";
import { outboundGuard } from "../../src/net/outbound.ts";
import { PostgresFederationStore } from "../../src/store/postgres-federation.ts";
import { PostgresKvStore } from "../../src/store/postgres-kv.ts";
import { PostgresOutbox } from "../../src/store/postgres-outbox.ts";
import { PostgresQueue } from "../../src/store/postgres-queue.ts";
import { siteUrls } from "../../src/urls.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";

const urls = siteUrls("https://news.example.org/");
const objects: ObjectContext = {
  urls,
  actorId: new URL("https://news.example.org/users/news"),
  followersId: new URL("https://news.example.org/users/news/followers"),
  objectType: "note",
  visibility: "public",
};
const profile: BotProfile = {
  username: "news",
  name: "Herald News",
  summary: "",
  fields: [],
  discoverable: true,
  indexable: true,
  manualApproval: false,
  published: "2024-01-01T00:00:00.000Z",
};

const article = (): Article => ({
  id: "harbor",
  slug: "harbor",
  path: "harbor.md",
  url: "https://news.example.org/articles/harbor/",
  title: "Harbor",
  summary: "The harbor reopened.",
  contentHtml: "<p>The harbor reopened.</p>",
  lang: "en",
  tags: [],
  authors: [],
  attribution: { translators: [], editors: [] },
  published: "2024-05-01T00:00:00.000Z",
  updated: "2024-05-01T00:00:00.000Z",
  draft: false,
  federate: true,
  sensitive: false,
  pinned: false,
  contentHash: "hash-1",
  extra: {},
  warnings: [],
});

const record = (): ArticleRecord => ({
  id: "harbor",
  path: "harbor.md",
  slug: "harbor",
  bodyHash: "body",
  firstSeen: "2024-05-01T00:00:00.000Z",
  contentHash: "hash-1",
  changedAt: null,
  removedAt: null,
  file: null,
  published: "2024-05-01T00:00:00.000Z",
  visibleFrom: "2024-05-01T00:00:00.000Z",
  federate: true,
  title: "Harbor",
  tags: ["港口"],
});

let schema: TestSchema | undefined;
afterEach(async () => {
  await schema?.drop();
  schema = undefined;
});

describe("Publisher on PostgreSQL", () => {
  it("commits each activity's deliveries and its queued mark together, once", async () => {
    schema = await createTestSchema();
    const sql = schema.client();
    const store = new PostgresFederationStore(sql);
    const queue = new PostgresQueue(sql);
    const outbox = new PostgresOutbox(sql);
    // Keys before followers: with followers and no keys Herald refuses to make new ones.
    const keys = await loadOrCreateKeys(store);
    for (const name of ["alice", "bob"])
      await store.upsertFollower({
        actorId: `https://remote.example/users/${name}`,
        inbox: `https://remote.example/users/${name}/inbox`,
        sharedInbox: null,
        handle: `@${name}@remote.example`,
        followId: null,
        state: "accepted",
        createdAt: "2024-01-01T00:00:00.000Z",
      });
    const federation = createHeraldFederation({
      origin: "https://news.example.org",
      urls,
      profile,
      keys,
      store,
      kv: new PostgresKvStore(sql),
      queue,
      outbox,
      log: createLogger("silent"),
      guard: outboundGuard({}),
      version: "0.0.0-test",
    });
    const publisher = new Publisher({
      federation,
      store,
      queue: outbox,
      objects,
      username: "news",
      article: async () => article(),
      pushNewestOnFirstRun: 1,
      log: createLogger("silent"),
    });

    const first = await publisher.publish([record()]);
    expect(first.created).toBe(1);
    expect(await store.pendingActivities()).toEqual([]);
    const [create] = await store.listCreates({ offset: 0, limit: 10 });
    expect(create).toMatchObject({ id: `${urls.object("harbor")}#create`, state: "queued" });
    // One delivery per follower's inbox, written in the transaction that set "queued", and no key.
    expect((await outbox.getDepth()).queued).toBe(2);
    const { fanouts, deliveries } = await outbox.exportOutbox();
    expect(fanouts.map((f) => [f.activityId, f.orderKey, f.followers])).toEqual([
      [create!.id, urls.object("harbor"), true],
    ]);
    expect(deliveries.map((d) => d.inbox).sort()).toEqual([
      "https://remote.example/users/alice/inbox",
      "https://remote.example/users/bob/inbox",
    ]);
    expect(fanouts[0]!.body).not.toContain("privateKey");
    expect((await queue.getDepth()).queued).toBe(0);

    const again = await publisher.publish([record()]);
    expect(again.created).toBe(0);
    expect(await publisher.recover()).toBe(0);
    expect((await outbox.getDepth()).queued).toBe(2);
  });
});
