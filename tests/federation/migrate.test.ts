// Moving a live instance from SQLite to PostgreSQL without its followers noticing: an instance with a
// follower and history is stopped, `herald migrate-store` (the real CLI) copies it, and Herald on
// PostgreSQL then serves the same actor, keys, followers and outbox, and its next post reaches the old
// follower signed with the same key, verified by an independent inbox.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/apbot.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";
import { drained, type HeraldUnderTest, startHerald } from "./setup.ts";

type Json = Record<string, unknown>;
const AP = { Accept: "application/activity+json" };
const root = resolve(import.meta.dirname, "../..");

async function get(url: string): Promise<Json> {
  const res = await fetch(url, { headers: AP });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

/** Everything a follower's server knows the account by, and the outbox as it pages. */
async function publicFace(origin: string): Promise<Json> {
  const actor = await get(`${origin}/users/news`);
  const followers = await get(`${origin}/users/news/followers`);
  const outbox = await get(`${origin}/users/news/outbox`);
  const first = typeof outbox.first === "string" ? await get(outbox.first) : outbox.first;
  const webfinger = await (
    await fetch(`${origin}/.well-known/webfinger?resource=acct:news@${new URL(origin).host}`)
  ).json();
  return {
    actor,
    followers: { totalItems: followers.totalItems },
    outbox: { totalItems: outbox.totalItems, items: (first as Json | undefined)?.orderedItems },
    webfinger,
  };
}

describe("herald migrate-store: SQLite to PostgreSQL, unnoticed by followers", () => {
  let inbox: VerifyingInbox | undefined;
  let herald: HeraldUnderTest | undefined;
  let schema: TestSchema | undefined;
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
    await schema?.drop();
  });

  it("serves the same actor, keys, followers and outbox, and the next post reaches the old follower", async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    schema = await createTestSchema();
    const dir = mkdtempSync(join(tmpdir(), "herald-migrate-"));
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const site = {
      site: { url: `${origin}/`, timezone: "Asia/Shanghai", language: "zh-CN", title: "Herald test" },
    };
    const server = { server: { port, host: "127.0.0.1" } };

    // 1. On SQLite: a follower, two posts (one of them edited), a Like.
    herald = await startHerald({ ...site, ...server }, dir);
    const follow = {
      id: `${inbox.actorUrl("alice")}#follow-1`,
      type: "Follow",
      object: `${origin}/users/news`,
    };
    expect(
      (await inbox.signedPost(`${origin}/inbox`, follow, { scheme: "cavage", as: "alice" })).status,
    ).toBe(202);
    await inbox.waitFor((d) => d.activity.type === "Accept", 15_000);
    herald.write("harbor.md", "---\ntitle: 港口扩建\n---\n\n港口今天开工。\n");
    await herald.server.tick();
    herald.write("tide.md", "---\ntitle: Tide\nlang: en\n---\n\nFirst version.\n");
    await herald.server.tick();
    herald.write("tide.md", "---\ntitle: Tide\nlang: en\n---\n\nSecond version.\n");
    await herald.server.tick();
    await inbox.waitFor((d) => d.activity.type === "Update", 15_000);
    const like = {
      id: `${inbox.actorUrl("alice")}#like-1`,
      type: "Like",
      object: `${origin}/objects/harbor`,
    };
    expect((await inbox.signedPost(`${origin}/inbox`, like, { scheme: "cavage", as: "alice" })).status).toBe(
      202,
    );
    // The Like is handled from the queue: the state below is read once it has been.
    await drained(herald.server);
    const before = await publicFace(origin);
    const keysBefore = await herald.server.storage.federation.getKeys();
    const followersBefore = await herald.server.storage.federation.listFollowers({});
    const interactionsBefore = await herald.server.storage.federation.listInteractions();
    expect(followersBefore).toHaveLength(1);
    expect(interactionsBefore).toHaveLength(1);
    await herald.stop();
    herald = undefined;

    // 2. Pointing Herald at the empty database before moving the store is refused: it would mint new
    // keys and lose the follower.
    const url = `${schema.url}?search_path=${schema.name}`;
    await expect(startHerald({ ...site, ...server, database: { url } }, dir)).rejects.toThrow(
      /holds this instance's signing keys and 1 follower\(s\).*herald migrate-store/,
    );

    // The operator's command, as documented.
    const config = join(dir, "herald.yaml");
    writeFileSync(config, `data:\n  dir: ${join(dir, "data")}\ncontent:\n  dir: ${join(dir, "content")}\n`);
    const run = (extra: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [join(root, "bin", "herald.js"), "migrate-store", "--config", config], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "", ...extra },
        encoding: "utf8",
      });
    const migrated = run();
    expect(migrated.stderr + migrated.stdout).toMatch(/verified/);
    expect(migrated.status).toBe(0);
    expect(migrated.stdout).toMatch(/followers\s+1/);
    // A second run finds the target in use and refuses.
    const again = run();
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds|in use|not empty/i);

    // 3. On PostgreSQL, same origin: the same face to the world. What the inbox gets from here on,
    // from the start-up on, is what Herald on PostgreSQL sent.
    inbox.clear();
    herald = await startHerald({ ...site, ...server, database: { url } }, dir);
    expect(herald.server.storage.kind).toBe("postgres");
    expect(await publicFace(origin)).toEqual(before);
    expect(await herald.server.storage.federation.getKeys()).toEqual(keysBefore);
    expect(await herald.server.storage.federation.listFollowers({})).toEqual(followersBefore);
    expect(await herald.server.storage.federation.listInteractions()).toEqual(interactionsBefore);

    // Nothing is sent again for what was already federated; the next post reaches alice, signed
    // with the same key her server already has.
    herald.write("storm.md", "---\ntitle: Storm\nlang: en\n---\n\nA storm is coming.\n");
    await herald.server.tick();
    const [create] = await inbox.waitFor(
      (d) => d.activity.type === "Create" && (d.activity.object as Json).id === `${origin}/objects/storm`,
      15_000,
    );
    expect(create!.keyId).toBe(((before.actor as Json).publicKey as Json).id);
    // Whatever the start-up or the tick queued has been delivered once the queue is empty.
    await drained(herald.server);
    expect(inbox.accepted.map((d) => `${d.activity.type} ${(d.activity.object as Json)?.id}`)).toEqual([
      `Create ${origin}/objects/storm`,
    ]);
  });
});
