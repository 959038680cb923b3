// Several accounts against an independent ActivityPub server (activitypub.bot): its watcher follows
// the main account and two section accounts; each article reaches it exactly once from each account
// that gets it, and in `bot.mode: announce` the main account's part is an Announce.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APBOT_INSTALL_TIMEOUT_MS,
  type ApbotPeer,
  ensureApbotInstalled,
  startApbot,
} from "../helpers/apbot.ts";
import { drained, type HeraldUnderTest, startHerald, until } from "./setup.ts";

const ACCOUNTS = [
  { username: "tech", name: "Herald Tech", tags: ["tech"] },
  { username: "city", name: "Herald City", folders: ["city/**"] },
];

describe.each(["all", "announce"] as const)("activitypub.bot follows three accounts, bot.mode %s", (mode) => {
  let peer: ApbotPeer;
  let herald: HeraldUnderTest;
  beforeAll(async () => {
    await ensureApbotInstalled();
    herald = await startHerald({ bot: { username: "news", name: "News", mode }, accounts: ACCOUNTS });
    peer = await startApbot();
  }, APBOT_INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await peer?.stop();
    await herald?.stop();
  });

  it("gets each account's posts exactly once, from the accounts that get them", async () => {
    const actor = (name: string) => `${herald.origin}/users/${name}`;
    for (const name of ["news", "tech", "city"]) {
      await peer.follow(actor(name));
      await until(async () => (await peer.following()).following.includes(actor(name)), 20_000);
    }
    const fed = herald.server.storage.federation;
    for (const account of ["", "tech", "city"])
      expect(
        (await fed.forAccount(account).listFollowers({ state: "accepted" })).map((f) => f.actorId),
      ).toEqual([peer.watcherUrl]);

    herald.write("one.md", "---\ntitle: One section\ntags: [tech]\n---\nFor tech only.\n");
    herald.write("city/both.md", "---\ntitle: Two sections\ntags: [tech]\n---\nFor tech and city.\n");
    herald.write("none.md", "---\ntitle: No section\n---\nFor the main account only.\n");
    await herald.server.tick();
    const object = (account: string, id: string) =>
      account === "news" ? `${herald.origin}/objects/${id}` : `${herald.origin}/objects/@${account}/${id}`;
    const expected = [
      `${object("tech", "one")}#create`,
      `${object("tech", "both")}#create`,
      `${object("city", "both")}#create`,
      `${object("news", "none")}#create`,
      ...(mode === "all"
        ? [`${object("news", "one")}#create`, `${object("news", "both")}#create`]
        : [`${object("tech", "one")}#announce`, `${object("tech", "both")}#announce`]),
    ].sort();
    await until(() => expected.every((id) => peer.arrived().includes(id)), 30_000);
    // Once Herald's queues are empty and the peer's log caught up, nothing more is on its way.
    await drained(herald.server);
    await peer.logsCaughtUp();
    const arrived = peer.arrived().filter((id) => id.startsWith(`${herald.origin}/objects/`));
    expect(arrived.sort()).toEqual(expected);
    if (mode === "announce") {
      const announces = peer.received().filter((r) => r.activity?.type === "Announce");
      expect(
        announces.map((r) => r.activity!.actor).every((a) => JSON.stringify(a).includes(actor("news"))),
      ).toBe(true);
    }
  }, 120_000);
});
