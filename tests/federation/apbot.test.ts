// Herald against an independent ActivityPub server (activitypub.bot): it follows us, we deliver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APBOT_INSTALL_TIMEOUT_MS,
  type ApbotPeer,
  ensureApbotInstalled,
  startApbot,
} from "../helpers/apbot.ts";
import { drained, type HeraldUnderTest, startHerald, type TestStore, until } from "./setup.ts";

let peer: ApbotPeer;
let herald: HeraldUnderTest;

// The same conversation with Herald on each store: one process on SQLite, and on PostgreSQL.
describe.each<TestStore>(["sqlite", "postgres"])("on %s", (store) => {
  beforeAll(async () => {
    await ensureApbotInstalled();
    herald = await startHerald({}, undefined, store);
    peer = await startApbot();
  }, APBOT_INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await peer?.stop();
    await herald?.stop();
  });

  const received = (type: string, objectId?: string) =>
    peer
      .received()
      .filter((r) => r.activity?.type === type)
      .filter((r) => {
        const o = r.activity?.object as { id?: string } | string | undefined;
        return objectId === undefined || (typeof o === "string" ? o : o?.id) === objectId;
      });

  describe("federation with activitypub.bot", () => {
    it("is followed, accepts, and delivers exactly one Create, then Update, then Delete", async () => {
      await peer.follow(herald.actorUrl);
      await until(async () => (await peer.following()).following.includes(herald.actorUrl), 20_000);
      expect(
        (await herald.server.storage.federation.listFollowers({ state: "accepted" })).map((f) => f.actorId),
      ).toEqual([peer.watcherUrl]);

      herald.write(
        "harbor.md",
        [
          "---",
          "title: 港口的早晨",
          "tags: [港口, 天气]",
          "source: { url: 'https://news.example.com/a/1', name: 东岸时报, title: 港口的早晨 }",
          "---",
          "",
          "转载自[东岸时报](https://news.example.com/a/1)",
          "",
          "**编者按：** 台风过后，港口很快恢复了秩序。本文记录了那个早晨。",
          "",
          "天还没亮，码头上已经站满了人。大家先数自己的船，再帮邻居数。",
        ].join("\n"),
      );
      await herald.server.tick();
      const objectId = `${herald.origin}/objects/harbor`;
      const [create] = await until(
        () => received("Create", objectId).length > 0 && received("Create", objectId),
        20_000,
      );
      const note = create!.activity!.object as Record<string, unknown>;
      expect(create!.activity!.id).toBe(`${objectId}#create`);
      expect(note.type).toBe("Note");
      expect(String(note.content)).toContain("港口的早晨");
      expect(String(note.content)).toContain("台风过后，港口很快恢复了秩序。");
      expect(String(note.content)).toContain(`${herald.origin}/articles/harbor/`);
      expect(String(note.content)).toContain("东岸时报");
      expect(note.url).toBe(`${herald.origin}/articles/harbor/`);

      herald.write("harbor.md", `---\ntitle: 港口的早晨（更新）\n---\n\n天还没亮，码头上已经站满了人。\n`);
      await herald.server.tick();
      const [update] = await until(
        () => received("Update", objectId).length > 0 && received("Update", objectId),
        20_000,
      );
      expect(String((update!.activity!.object as Record<string, unknown>).content)).toContain(
        "港口的早晨（更新）",
      );

      herald.remove("harbor.md");
      await herald.server.tick();
      await until(() => received("Delete").length > 0, 20_000);

      // Nothing was sent twice: once Herald's queue is empty the peer has answered every delivery,
      // and once its log has caught up it lists each one it took in (its shared inbox logs repeats too).
      await drained(herald.server);
      await peer.logsCaughtUp();
      expect(peer.arrived().filter((id) => id.startsWith(`${objectId}#`))).toEqual([
        `${objectId}#create`,
        update!.activity!.id,
        `${objectId}#delete`,
      ]);
      expect(received("Create", objectId)).toHaveLength(1);
      expect(received("Update", objectId)).toHaveLength(1);
      expect(received("Delete")).toHaveLength(1);
      const gone = await fetch(objectId, { headers: { Accept: "application/activity+json" } });
      expect(gone.status).toBe(410);
      expect(((await gone.json()) as { type: string }).type).toBe("Tombstone");
    }, 120_000);

    it("removes the follower on Undo(Follow)", async () => {
      await peer.unfollow(herald.actorUrl);
      await until(async () => (await herald.server.storage.federation.countFollowers()) === 0, 20_000);
      expect(await herald.server.storage.federation.countFollowers()).toBe(0);
    }, 60_000);
  });
});
