// Herald's Move judged by an independent server (activitypub.bot): it follows Herald, Herald moves to
// an account that names it as an alias, and the peer verifies and records one Move with the right
// object and target.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APBOT_INSTALL_TIMEOUT_MS,
  type ApbotPeer,
  ensureApbotInstalled,
  startApbot,
} from "../helpers/apbot.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, until } from "./setup.ts";

describe("Move to activitypub.bot", () => {
  let peer: ApbotPeer;
  let herald: HeraldUnderTest;
  let newHome: VerifyingInbox;
  let actorUrl = "";

  beforeAll(async () => {
    await ensureApbotInstalled();
    newHome = await startVerifyingInbox({
      actorDocument: (a, doc) => (a.name === "newhome" ? { ...doc, alsoKnownAs: [actorUrl] } : doc),
    });
    herald = await startHerald({});
    actorUrl = herald.actorUrl;
    peer = await startApbot();
  }, APBOT_INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await peer?.stop();
    await herald?.stop();
    await newHome?.close();
  });

  it("delivers one Move (object Herald, target the new account) that the peer verifies", async () => {
    await peer.follow(herald.actorUrl);
    await until(async () => (await peer.following()).following.includes(herald.actorUrl), 20_000);
    const target = newHome.actorUrl("newhome");
    const result = await herald.server.federation!.account.move(target);
    expect(result.ok).toBe(true);
    const moves = () => peer.received().filter((r) => r.activity?.type === "Move");
    await until(() => moves().length > 0, 20_000);
    await drained(herald.server);
    await peer.logsCaughtUp();
    expect(moves()).toHaveLength(1);
    const move = moves()[0]!.activity!;
    const id = (v: unknown) => (typeof v === "string" ? v : (v as { id?: string } | undefined)?.id);
    expect(id(move.actor)).toBe(actorUrl);
    expect(id(move.object)).toBe(actorUrl);
    expect(id(move.target)).toBe(target);
  }, 120_000);
});
