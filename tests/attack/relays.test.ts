// Attacks on relay subscriptions (FEP-ae0c): only the relay itself may accept or reject Herald's
// Follow. A third party (another host) signs an Accept of the Follow by its id, embeds a forged Follow,
// names the relay as its actor, or answers a Follow id that is not Herald's; an Accept from the relay's
// own host is the control. Real Herald on loopback (SQLite), real signed requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, type HeraldUnderTest, startHerald, until } from "../federation/setup.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

let herald: HeraldUnderTest;
let relay: VerifyingInbox;
let stranger: VerifyingInbox;
let inbox: string;
let followId: string;

beforeAll(async () => {
  relay = await startVerifyingInbox({ hostname: "127.0.0.1" });
  // Another host: the same address, another port (a URL's host includes its port).
  stranger = await startVerifyingInbox({ hostname: "127.0.0.1" });
  herald = await startHerald({ federation: { relays: [relay.inboxUrl] } });
  inbox = `${herald.origin}/inbox`;
  const [follow] = await relay.waitFor((d) => d.activity.type === "Follow", 20_000);
  followId = String(follow!.activity.id);
  expect(follow!.activity.object).toBe(PUBLIC);
}, 60_000);

afterAll(async () => {
  await herald?.stop();
  await relay?.close();
  await stranger?.close();
});

const state = async () => (await herald.server.storage.federation.listRelays())[0]?.state;

describe("relay answers", () => {
  it("ignore an Accept of Herald's relay Follow signed by a third party", async () => {
    const eve = stranger.actorUrl("eve");
    const forged = [
      { id: `${eve}#accept-1`, type: "Accept", object: followId },
      {
        id: `${eve}#accept-2`,
        type: "Accept",
        object: { id: followId, type: "Follow", actor: herald.actorUrl, object: PUBLIC },
      },
      // The relay named as actor, the request signed by Eve: refused before any listener runs.
      { id: `${eve}#accept-3`, type: "Accept", actor: relay.actorUrl("relay"), object: followId },
    ];
    for (const activity of forged) {
      const res = await stranger.signedPost(inbox, activity, { scheme: "cavage", as: "eve" });
      expect(res.status).toBeLessThan(500);
    }
    await drained(herald.server);
    expect(await state()).toBe("pending");
  });

  it("ignore an Accept whose Follow is not Herald's relay Follow, even from the relay", async () => {
    const actor = relay.actorUrl("relay");
    for (const object of [
      `${followId}x`,
      `${herald.actorUrl}#relay-follow-0000000000000000`,
      herald.actorUrl,
    ]) {
      const res = await relay.signedPost(
        inbox,
        { id: `${actor}#accept-${object.length}`, type: "Accept", object },
        { scheme: "cavage", as: "relay" },
      );
      expect(res.status).toBe(202);
    }
    await drained(herald.server);
    expect(await state()).toBe("pending");
  });

  it("take the relay's own Reject and then its Accept (the control)", async () => {
    const actor = relay.actorUrl("relay");
    const reject = await relay.signedPost(
      inbox,
      { id: `${actor}#reject`, type: "Reject", object: followId },
      { scheme: "cavage", as: "relay" },
    );
    expect(reject.status).toBe(202);
    await until(async () => (await state()) === "rejected");
    // A third party cannot turn a rejection into an acceptance either.
    const eve = stranger.actorUrl("eve");
    await stranger.signedPost(
      inbox,
      { id: `${eve}#accept-after`, type: "Accept", object: followId },
      { scheme: "cavage", as: "eve" },
    );
    await drained(herald.server);
    expect(await state()).toBe("rejected");
    const accept = await relay.signedPost(
      inbox,
      { id: `${actor}#accept`, type: "Accept", object: followId },
      { scheme: "cavage", as: "relay" },
    );
    expect(accept.status).toBe(202);
    await until(async () => (await state()) === "accepted");
  });
});
