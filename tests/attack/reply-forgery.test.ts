// A reply whose Note claims an id on another server than its signer's. Kept, it would be shown as the
// signer's words under someone else's post id, and (interactions are keyed by id) squat the id of the
// real reply that server sends later. Real Herald on loopback (SQLite), two remote hosts signing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

let herald: HeraldUnderTest;
let mallory: VerifyingInbox;
let victim: VerifyingInbox;
let objectUrl: string;

beforeAll(async () => {
  mallory = await startVerifyingInbox({ hostname: "127.0.0.1" });
  victim = await startVerifyingInbox({ hostname: "127.0.0.1" });
  herald = await startHerald({ pages: { showInteractions: true } });
  herald.write("talk/index.md", "---\ntitle: Talk\ndate: 2026-01-02\nlang: en\n---\n\nBody.\n");
  await herald.server.tick();
  await drained(herald.server);
  objectUrl = `${herald.origin}/objects/talk`;
}, 60_000);

afterAll(async () => {
  await herald?.stop();
  await mallory?.close();
  await victim?.close();
});

const note = (server: VerifyingInbox, as: string, n: number, content: string) => {
  const actor = server.actorUrl(as);
  return {
    id: `${actor}/statuses/${n}`,
    type: "Note",
    attributedTo: actor,
    inReplyTo: objectUrl,
    to: [PUBLIC],
    content,
  };
};

describe("replies", () => {
  it("keep no reply whose Note lives on another server than its signer, and the real one still lands", async () => {
    const real = note(victim, "vic", 1, "<p>the real reply</p>");
    const forged = await mallory.signedPost(
      `${herald.origin}/inbox`,
      {
        id: `${mallory.actorUrl("mal")}/statuses/1/activity`,
        type: "Create",
        to: [PUBLIC],
        object: { ...real, content: "<p>words put in Vic's mouth</p>" },
      },
      { scheme: "cavage", as: "mal" },
    );
    expect(forged.status).toBe(202);
    await drained(herald.server);
    const genuine = await victim.signedPost(
      `${herald.origin}/inbox`,
      { id: `${real.id}/activity`, type: "Create", to: [PUBLIC], object: real },
      { scheme: "cavage", as: "vic" },
    );
    expect(genuine.status).toBe(202);
    await drained(herald.server);
    const replies = (await herald.server.storage.federation.listInteractions("talk")).filter(
      (i) => i.kind === "reply",
    );
    expect(replies.map((r) => [r.id, r.actorId])).toEqual([[real.id, victim.actorUrl("vic")]]);
    expect(replies[0]!.content).toContain("the real reply");
    // Herald fetched nothing from the victim's server on Mallory's word.
    expect(victim.gets.filter((g) => JSON.stringify(g).includes("/statuses/"))).toEqual([]);
  });
});

describe("likes and boosts", () => {
  it("are refused under an id on another server than their signer, and the real ones still land", async () => {
    // Refused at the inbox's door (400), before Fedify's queue marks the id as handled: Vic's own Like
    // and Announce with those ids are then recorded, not dropped as repeats.
    const inbox = `${herald.origin}/inbox`;
    const vic = victim.actorUrl("vic");
    for (const type of ["Like", "Announce"]) {
      const forged = { id: `${vic}#${type}`, type, to: [PUBLIC], object: objectUrl };
      expect((await mallory.signedPost(inbox, forged, { scheme: "cavage", as: "mal" })).status).toBe(400);
      const claimed = { ...forged, actor: mallory.actorUrl("mal") };
      expect((await mallory.signedPost(inbox, claimed, { scheme: "cavage", as: "mal" })).status).toBe(400);
    }
    await drained(herald.server);
    for (const type of ["Like", "Announce"]) {
      const real = { id: `${vic}#${type}`, type, actor: vic, to: [PUBLIC], object: objectUrl };
      expect((await victim.signedPost(inbox, real, { scheme: "cavage", as: "vic" })).status).toBe(202);
    }
    await drained(herald.server);
    const kept = (await herald.server.storage.federation.listInteractions("talk")).filter(
      (i) => i.kind === "like" || i.kind === "announce",
    );
    expect(kept.map((i) => [i.kind, i.id, i.actorId]).sort()).toEqual([
      ["announce", `${vic}#Announce`, vic],
      ["like", `${vic}#Like`, vic],
    ]);
  });
});
