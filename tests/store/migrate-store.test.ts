// `herald migrate-store` end to end: a real SQLite instance in a temp folder, moved to a real
// PostgreSQL schema, then read back through every read Herald makes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { migrateStore, migrateStoreCommand, verifyMigration } from "../../src/commands/migrate-store.ts";
import { fromObject } from "../../src/config/load.ts";
import type { Article } from "../../src/content/model.ts";
import type { ArticleRecord } from "../../src/content/records.ts";
import { loadOrCreateKeys } from "../../src/federation/keys.ts";
import { openPostgresStorage } from "../../src/store/postgres-storage.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import type { Storage } from "../../src/store/types.ts";
import { StoreNotEmptyError } from "../../src/store/types.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";
import { activity, federationReads, object } from "./federation-contract.ts";
import { enqueueAll, fedifyMessages, activity as outboxActivity } from "./outbox-contract.ts";

const HOUR_MS = 3_600_000;

const record = (id: string, overrides: Partial<ArticleRecord> = {}): ArticleRecord => ({
  id,
  path: `posts/${id}.md`,
  slug: id,
  bodyHash: `body-${id}`,
  firstSeen: "2025-11-01T08:00:00.000Z",
  contentHash: `hash-${id}`,
  changedAt: null,
  removedAt: null,
  file: { size: 2048, mtimeMs: 1761984000123.25, ino: 2 ** 40 + 3, fingerprint: `fp-${id}` },
  published: "2025-11-01T08:00:00.000Z",
  visibleFrom: "2025-11-01T08:00:00.000Z",
  federate: true,
  title: "Harbor",
  tags: ["港口"],
  ...overrides,
});

const article = (id: string): Article => ({
  id,
  slug: id,
  path: `posts/${id}.md`,
  url: `https://herald.example/articles/${id}/`,
  title: `港口 ${id} ✓`,
  summary: "First sentence.",
  contentHtml: '<p>é ✓ 中 <a href="https://x.example/?a=1&amp;b=2">link</a></p>',
  lang: "zh-CN",
  tags: ["港口", "news"],
  authors: [{ name: "Ana", url: "https://ana.example/" }],
  attribution: { translators: [], editors: [{ name: "Bo" }] },
  published: "2025-11-01T08:00:00.000Z",
  updated: "2025-11-02T08:00:00.000Z",
  draft: false,
  federate: true,
  sensitive: false,
  pinned: false,
  contentHash: `hash-${id}`,
  extra: { z: 1, a: [true, null, 2.5] },
  warnings: [],
});

/** A SQLite instance with some of everything a real one holds, in an order no sort key gives. */
async function seedSqlite(dir: string): Promise<Storage<DatabaseSync>> {
  const source = openSqliteStorage(join(dir, "herald.sqlite"));
  const fed = source.federation;
  await fed.setMeta("actor.published", "2025-10-01T00:00:00.000Z");
  await fed.setMeta("federation.firstRunDone", "2025-10-01T00:00:05.000Z");
  await loadOrCreateKeys(fed);
  const followers = [
    ["zoe", "accepted", "2025-12-01T00:00:00.000Z"],
    ["adam", "pending", "2025-12-01T00:00:00.000Z"],
    ["mia", "accepted", "2025-12-01T00:00:00.000Z"],
    ["li", "accepted", "2025-11-15T00:00:00.000Z"],
    ["ola", "pending", "2025-12-03T00:00:00.000Z"],
  ] as const;
  for (const [name, state, createdAt] of followers)
    await fed.upsertFollower({
      actorId: `https://social.example/users/${name}`,
      inbox: `https://social.example/users/${name}/inbox`,
      sharedInbox: name === "li" ? null : "https://social.example/inbox",
      handle: name === "ola" ? null : `@${name}@social.example`,
      followId: state === "pending" ? `https://social.example/follows/${name}` : null,
      state,
      createdAt,
    });

  const tie = "2026-01-02T00:00:00.000Z";
  await fed.recordActivity(
    object("harbor", { pinned: true }),
    activity("harbor", "create", tie, { state: "silent" }),
  );
  // Same instant, recorded in this order: only insertion order tells them apart.
  for (const id of ["zulu", "alpha", "mike", "kilo"])
    await fed.recordActivity(object(id), activity(id, "create", tie));
  await fed.recordActivity(
    object("harbor", { pinned: true, updated: "2026-01-03T00:00:00.000Z", contentHash: "v2" }),
    activity("harbor", "update", "2026-01-03T00:00:00.000Z"),
  );
  await fed.recordActivity(
    object("kilo", { deletedAt: "2026-01-04T00:00:00.000Z" }),
    activity("kilo", "delete", "2026-01-04T00:00:00.000Z"),
  );
  // Two activities handed to the outbox, as the publisher hands them: Fedify's messages (keys and
  // all) and the ledger mark in one transaction. Each goes to two servers; later.example's
  // deliveries wait (one of them after a failed attempt).
  const outbox = source.outbox();
  for (const id of ["alpha", "zulu"]) {
    const { id: activityId } = activity(id, "create", tie);
    const messages = fedifyMessages(
      { ...outboxActivity(id), id: activityId },
      ["https://later.example/inbox", "https://social.example/inbox"],
      { orderKey: `https://herald.example/objects/${id}`, followers: true },
    );
    await outbox.atomically(
      () => enqueueAll(outbox, messages),
      (_value, tx) => fed.markQueuedIn(tx, activityId),
    );
  }
  const [failing] = await outbox.claim(1);
  await outbox.settle(
    [
      {
        delivery: failing!,
        result: { kind: "retry", status: 503, error: "HTTP 503", dueMs: Date.now() + HOUR_MS },
        atMs: Date.now(),
      },
    ],
    [],
  );
  await outbox.hold("later.example", Date.now() + HOUR_MS);
  // A received activity waiting in the inbox queue.
  await source.queue({ concurrency: 1 }).enqueue({ type: "inbox", id: "i1", activity: { type: "Like" } });

  for (const [n, createdAt] of [
    "2026-01-05T00:00:00.000Z",
    "2026-01-05T00:00:00.000Z",
    "2026-01-04T00:00:00.000Z",
  ].entries())
    await fed.recordInteraction({
      // Ids that sort against insertion order: the two likes of one instant keep theirs.
      id: `https://social.example/activities/${9 - n}`,
      articleId: n === 2 ? "mike" : "harbor",
      kind: n === 2 ? "reply" : "like",
      actorId: "https://social.example/users/zoe",
      url: n === 2 ? "https://social.example/@zoe/1" : null,
      content: n === 2 ? "<p>好文 ✓</p>" : null,
      createdAt,
    });
  // The reply is hidden by the operator; a relay is followed.
  await fed.moderateReply(
    "https://social.example/activities/7",
    "2026-01-06T00:00:00.000Z",
    "2026-01-06T00:00:00.000Z",
  );
  await fed.saveRelay({
    url: "https://relay.example/inbox",
    style: "mastodon",
    inbox: "https://relay.example/inbox",
    followId: "https://news.example/users/news#relay-follow-1",
    state: "accepted",
    createdAt: "2026-01-03T00:00:00.000Z",
    changedAt: "2026-01-03T00:01:00.000Z",
  });
  await fed.saveAuthor({
    actorId: "https://social.example/users/zoe",
    name: "Zoe 佐伊",
    updatedAt: "2026-01-04T00:00:00.000Z",
  });
  await fed.retract("oops", "2026-01-06T00:00:00.000Z");
  for (const [n, level] of (["info", "warn", "error", "info", "warn"] as const).entries())
    await fed.addEvent({ at: "2026-01-07T00:00:00.000Z", level, kind: "scan", message: `event ${n}` });

  await source.articles.saveRecords([
    ...["harbor", "zulu", "alpha", "mike", "kilo"].map((id) => ({
      record: record(id),
      article: article(id),
    })),
    {
      record: record("draft", { visibleFrom: null, federate: false, file: null }),
      article: article("draft"),
    },
    // A removed file: no path, no cached article.
    { record: record("gone", { path: null, removedAt: "2026-01-01T00:00:00.000Z" }) },
  ]);
  // A mirrored cover: its record moves (the copy stays in data.dir/media).
  await source.media.saveMedia([
    {
      source: "https://img.example/harbor.jpg",
      kind: "remote",
      state: "ready",
      mediaType: "image/jpeg",
      width: 8,
      height: 6,
      length: 321,
      blurhash: "L8M^z|=0fQ=0|wo1fQo1fQfQfQfQ",
      sha256: "b".repeat(64),
      mirrored: true,
      attempts: 0,
      checkedAt: "2026-01-01T00:00:00.000Z",
      retryAt: null,
      articleId: "harbor",
    },
  ]);
  // Quote stamps (one revoked) and the move ledger (one Move undone, one in force).
  for (const [quote, revokedAt] of [
    ["q2", null],
    ["q1", "2026-01-05T00:00:00.000Z"],
  ] as const)
    await source.quotes.saveStamp({
      id: `stamp-${quote}`,
      articleId: "harbor",
      quoteId: `https://social.example/notes/${quote}`,
      actorId: "https://social.example/users/mia",
      inbox: "https://social.example/users/mia/inbox",
      requestId: `https://social.example/notes/${quote}#request`,
      createdAt: "2026-01-03T00:00:00.000Z",
      revokedAt,
    });
  for (const [n, undoneAt] of [
    [1, "2026-01-04T00:00:00.000Z"],
    [2, null],
  ] as const)
    await source.moves.importMoves([
      {
        id: `https://news.example/users/news#move-${n}`,
        target: "https://new.example/users/news",
        state: "queued",
        activity: { type: "Move", n },
        createdAt: `2026-01-0${n}T00:00:00.000Z`,
        undoneAt,
      },
    ]);
  return source;
}

/** Everything Herald reads from a storage, in a form two backends can be compared by. */
async function everything(storage: Storage) {
  const records = [...(await storage.articles.listRecords())].sort((a, b) => (a.id < b.id ? -1 : 1));
  const queue = storage.queue({ concurrency: 1 });
  const depth = await queue.getDepth();
  const outbox = storage.outbox();
  const outboxDepth = await outbox.getDepth();
  const queued = await outbox.exportOutbox();
  // Fan-out ids are the store's own; their order, and which deliveries are whose, travel.
  const rank = new Map(queued.fanouts.map((f, i) => [f.id, i]));
  return {
    federation: await federationReads(storage.federation),
    followers: {
      pending: await storage.federation.listFollowers({ state: "pending" }),
      one: await storage.federation.getFollower("https://social.example/users/mia"),
    },
    objects: await Promise.all(["harbor", "kilo", "none"].map((id) => storage.federation.getObject(id))),
    exists: await storage.federation.activityExists(
      activity("alpha", "create", "2026-01-02T00:00:00.000Z").id,
    ),
    updates: await storage.federation.activityTimesSince("update", "2026-01-01T00:00:00.000Z"),
    mikeInteractions: await storage.federation.listInteractions("mike"),
    mikeModeration: await storage.federation.listModeration("mike"),
    relays: await storage.federation.listRelays(),
    authors: await storage.federation.authorNames(["https://social.example/users/zoe"]),
    records,
    articles: await Promise.all(records.map((r) => storage.articles.getArticle(r.id))),
    depth: { queued: depth.queued, ready: depth.ready, delayed: depth.delayed },
    messages: await queue.exportMessages(),
    outboxDepth: { queued: outboxDepth.queued, ready: outboxDepth.ready, delayed: outboxDepth.delayed },
    outbox: {
      fanouts: queued.fanouts.map((f) => ({ ...f, id: rank.get(f.id) })),
      deliveries: queued.deliveries.map((d) => ({ ...d, fanoutId: rank.get(d.fanoutId) })),
    },
    deliveries: [...(await storage.deliveries()).entries()].sort(),
    media: await storage.media.listMedia(),
    stamps: await storage.quotes.exportStamps(),
    liveStamps: await storage.quotes.liveStamps(),
    moves: await storage.moves.exportMoves(),
    move: await storage.moves.current(),
  };
}

describe("herald migrate-store", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-migrate-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const schema = async (): Promise<TestSchema> => {
    const s = await createTestSchema();
    cleanups.push(() => s.drop());
    return s;
  };
  /** The schema goes into the URL, as an operator would pass it: postgres.js honours search_path. */
  const urlOf = (s: TestSchema, password = "") => {
    const url = new URL(`${s.url}?search_path=${s.name}`);
    if (password) url.password = password;
    return url.href;
  };
  const openTarget = async (url: string) => {
    const target = openPostgresStorage(url);
    cleanups.push(() => target.close());
    await target.initialize();
    return target;
  };

  it("moves everything to PostgreSQL, where every read answers as SQLite did", async () => {
    const source = await seedSqlite(tempDir());
    cleanups.push(() => source.close());
    const target = await openTarget(urlOf(await schema()));
    const before = await everything(source);

    const lines: string[] = [];
    const report = await migrateStore(source, target, (line) => lines.push(line));

    expect(report.counts).toEqual({
      articles: 7,
      meta: 2,
      keys: 2,
      followers: 5,
      objects: 5,
      activities: 7,
      interactions: 3,
      retractions: 1,
      events: 5,
      blocks: 0,
      relays: 1,
      moderation: 1,
      authors: 1,
      queue: 1,
      deliveries: 4,
      media: 1,
      quoteStamps: 2,
      moves: 2,
    });
    expect(lines.at(-1)).toBe("Verifying…");
    const after = await everything(target);
    expect(after).toEqual(before);
    // The comparison is not vacuous: the seeded data is all there.
    expect(after.liveStamps.map((st) => st.id)).toEqual(["stamp-q2"]);
    expect(after.move?.id).toBe("https://news.example/users/news#move-2");
    expect(after.federation.pending.map((a) => `${a.articleId}#${a.kind}`)).toEqual([
      "mike#create",
      "kilo#create",
      "harbor#update",
      "kilo#delete",
    ]);
    expect(after.depth).toEqual({ queued: 1, ready: 1, delayed: 0 });
    expect(after.outboxDepth).toEqual({ queued: 4, ready: 2, delayed: 2 });
    expect(after.outbox.deliveries.map((d) => [d.fanoutId, d.host, d.attempt])).toEqual([
      [0, "later.example", 1],
      [0, "social.example", 0],
      [1, "later.example", 0],
      [1, "social.example", 0],
    ]);
    expect(after.deliveries.filter(([, d]) => d.waiting > 0)).toEqual([
      ["alpha", expect.objectContaining({ waiting: 2, failing: 1 })],
      ["zulu", expect.objectContaining({ waiting: 2, failing: 0 })],
    ]);
    expect(after.federation.interactions.map((i) => i.id.at(-1))).toEqual(["7", "9", "8"]);
    expect(after.articles.filter(Boolean)).toHaveLength(6);
    expect(await target.federation.exportAll()).toEqual(await source.federation.exportAll());
    // The keys are the instance's: loading them on the target generates nothing new.
    const keys = await target.federation.getKeys();
    await loadOrCreateKeys(target.federation);
    expect(await target.federation.getKeys()).toEqual(keys);
    expect(keys.map((k) => k.kind)).toEqual(["rsa", "ed25519"]);
  });

  it("refuses a second migration into the same target, changing nothing", async () => {
    const source = await seedSqlite(tempDir());
    cleanups.push(() => source.close());
    const target = await openTarget(urlOf(await schema()));
    await migrateStore(source, target);
    await source.federation.upsertFollower({
      actorId: "https://social.example/users/new",
      inbox: "https://social.example/users/new/inbox",
      sharedInbox: null,
      handle: null,
      followId: null,
      state: "accepted",
      createdAt: "2026-02-01T00:00:00.000Z",
    });
    const before = { ...(await everything(target)), dump: await target.federation.exportAll() };

    const again = migrateStore(source, target);
    await expect(again).rejects.toBeInstanceOf(StoreNotEmptyError);
    await expect(again).rejects.toThrow(
      /already holds 7 articles, 2 keys, 5 followers, .*1 queue, 4 deliveries/,
    );
    expect({ ...(await everything(target)), dump: await target.federation.exportAll() }).toEqual(before);
  });

  it("finds a copy that differs from its source", async () => {
    const source = await seedSqlite(tempDir());
    cleanups.push(() => source.close());
    const target = await openTarget(urlOf(await schema()));
    await migrateStore(source, target);
    await expect(verifyMigration(source, target)).resolves.toMatchObject({ followers: 5 });

    // Same count, another inbox: the follower lists differ.
    const mia = (await target.federation.getFollower("https://social.example/users/mia"))!;
    await target.federation.upsertFollower({ ...mia, inbox: "https://elsewhere.example/inbox" });
    await expect(verifyMigration(source, target)).rejects.toThrow(
      /^Verification failed: the follower lists differ\./,
    );
    await target.federation.removeFollower(mia.actorId);
    await expect(verifyMigration(source, target)).rejects.toThrow(
      "Verification failed: followers: 5 in the source, 4 in the target; the follower lists differ.",
    );
  });

  describe("migrateStoreCommand", () => {
    const configFor = (dataDir: string, url?: string) =>
      fromObject(
        {
          site: { url: "https://herald.example/", title: "Herald", language: "en", timezone: "UTC" },
          data: { dir: dataDir },
          ...(url ? { database: { url } } : {}),
        },
        { base: dataDir, env: {} },
      );

    it("migrates data.dir/herald.sqlite to --to, reporting counts and no password", async () => {
      const dir = tempDir();
      await (await seedSqlite(dir)).close();
      const s = await schema();
      const result = await migrateStoreCommand(configFor(dir), urlOf(s, "s3cret-pw"));
      expect(result.ok).toBe(true);
      expect(result.message).toMatch(/^Copied .*herald\.sqlite to 127\.0\.0\.1:5432\/test, and verified:/);
      expect(result.message).toMatch(/followers\s+5\n/);
      expect(result.message).toMatch(/queued deliveries\s+4\n/);
      expect(result.message).toMatch(/received, queued\s+1\n/);
      expect(result.message).not.toContain("s3cret-pw");
      // In the schema the URL names, not in the database's default one.
      const sql = s.client({ max: 1 });
      expect(
        await sql`SELECT 1 FROM information_schema.tables WHERE table_schema = ${s.name} AND table_name = 'herald_followers'`,
      ).toHaveLength(1);
      const target = await openTarget(urlOf(s));
      expect(await target.federation.countFollowers()).toBe(5);
    });

    it("takes database.url when no --to is given", async () => {
      const dir = tempDir();
      await (await seedSqlite(dir)).close();
      const s = await schema();
      const result = await migrateStoreCommand(configFor(dir, urlOf(s)), undefined);
      expect(result).toMatchObject({ ok: true });
      expect((await (await openTarget(urlOf(s))).articles.listRecords()).length).toBe(7);
    });

    it("says so when there is no SQLite store to migrate, and creates none", async () => {
      const dir = tempDir();
      const s = await schema();
      const result = await migrateStoreCommand(configFor(dir), urlOf(s));
      expect(result).toEqual({
        ok: false,
        message: `Nothing to migrate: there is no SQLite store at ${join(dir, "herald.sqlite")} (data.dir).`,
      });
      const sql = s.client({ max: 1 });
      expect(await sql`SELECT 1 FROM information_schema.tables WHERE table_schema = ${s.name}`).toHaveLength(
        0,
      );
    });

    it("asks where to when neither --to nor database.url is given", async () => {
      const dir = tempDir();
      await (await seedSqlite(dir)).close();
      const result = await migrateStoreCommand(configFor(dir), undefined);
      expect(result.ok).toBe(false);
      expect(result.message).toMatch(/^Where to\? Pass --to postgres:\/\//);
      expect((await migrateStoreCommand(configFor(dir), "mysql://x@y/z")).message).toBe(
        "--to: expected a postgres:// or postgresql:// URL.",
      );
    });

    it("reports an unreachable target by host and database, never its password", async () => {
      const dir = tempDir();
      await (await seedSqlite(dir)).close();
      const result = await migrateStoreCommand(
        configFor(dir),
        "postgres://herald:s3cret-pw@127.0.0.1:1/herald",
      );
      expect(result.ok).toBe(false);
      expect(result.message).toMatch(/^Migration to 127\.0\.0\.1:1\/herald failed: /);
      expect(result.message).not.toContain("s3cret-pw");
    });

    it("refuses a target in use, through the command too", async () => {
      const dir = tempDir();
      await (await seedSqlite(dir)).close();
      const s = await schema();
      expect((await migrateStoreCommand(configFor(dir), urlOf(s))).ok).toBe(true);
      const again = await migrateStoreCommand(configFor(dir), urlOf(s));
      expect(again.ok).toBe(false);
      expect(again.message).toMatch(
        /already holds 7 articles, 2 keys, 5 followers.*would merge two Herald instances/,
      );
    });
  });
});
