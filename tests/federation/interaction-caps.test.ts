// What strangers can make Herald keep is bounded: replies and mentions are stored as an excerpt of a
// few KB, the newest 20 per actor, and the dashboard shows them and the followers a page at a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERACTION_EXCERPT_CHARS, TALK_PER_ACTOR } from "../../src/federation/inbox/interactions.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { AdminClient, type AdminHerald, startAdminHerald, TOKEN } from "../web/admin-helpers.ts";
import { type HeraldUnderTest, startHerald, type TestStore, until } from "./setup.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

describe.each<TestStore>(["sqlite", "postgres"])("replies and mentions on %s", (store) => {
  let herald: HeraldUnderTest;
  let peers: VerifyingInbox;
  const fed = () => herald.server.storage.federation;

  beforeAll(async () => {
    peers = await startVerifyingInbox();
    herald = await startHerald({}, undefined, store);
    herald.write("hello.md", "---\ntitle: Hello\nlang: en\n---\n\nHello.\n");
    await herald.server.tick();
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
  });

  it("keeps an excerpt of each, and the newest 20 per actor", async () => {
    const carol = peers.actorUrl("carol");
    const big = `<p>${"長い返信。".repeat(180_000 / 5)}</p>`;
    const sent = 30;
    for (let n = 0; n < sent; n++) {
      const reply = n % 2 === 0;
      const note = {
        id: `${carol}/notes/${n}`,
        type: "Note",
        attributedTo: carol,
        to: [PUBLIC],
        content: big,
        ...(reply
          ? { inReplyTo: `${herald.origin}/objects/hello` }
          : { tag: [{ type: "Mention", href: herald.actorUrl, name: "@news" }] }),
      };
      const res = await peers.signedPost(
        `${herald.origin}/inbox`,
        { id: `${carol}/notes/${n}#create`, type: "Create", to: [PUBLIC], object: note },
        { scheme: "cavage", as: "carol" },
      );
      expect(res.status).toBe(202);
      // One at a time: the newest must be the last sent.
      await until(async () =>
        (await fed().listInteractions(undefined, { newest: 1 })).some((i) => i.id === note.id),
      );
    }
    // The cap is applied after the last one is recorded: wait for that, not only for the record.
    const carols = async () => (await fed().listInteractions()).filter((i) => i.actorId === carol);
    await until(async () => (await carols()).length <= TALK_PER_ACTOR);
    const kept = await carols();
    expect(kept).toHaveLength(TALK_PER_ACTOR);
    expect(kept.map((i) => i.id)).toEqual(
      Array.from({ length: TALK_PER_ACTOR }, (_, k) => `${carol}/notes/${sent - TALK_PER_ACTOR + k}`),
    );
    for (const i of kept) {
      expect(i.content!.length).toBeLessThanOrEqual(INTERACTION_EXCERPT_CHARS + 1);
      expect(i.content!.startsWith("<p>長い返信。")).toBe(true);
      expect(i.content!.endsWith("…")).toBe(true);
    }
    // Another actor's are not touched by carol's cap.
    const dave = peers.actorUrl("dave");
    await peers.signedPost(
      `${herald.origin}/inbox`,
      {
        id: `${dave}/notes/1#create`,
        type: "Create",
        object: {
          id: `${dave}/notes/1`,
          type: "Note",
          inReplyTo: `${herald.origin}/objects/hello`,
          content: "hi",
        },
      },
      { scheme: "cavage", as: "dave" },
    );
    await until(async () => (await fed().listInteractions()).some((i) => i.actorId === dave));
    const counts = await fed().countInteractions();
    const replies = counts.find((c) => c.articleId === "hello" && c.kind === "reply")?.count;
    expect(replies).toBe(TALK_PER_ACTOR / 2 + 1);
  });
});

describe("the dashboard's lists", () => {
  let h: AdminHerald;
  beforeAll(async () => {
    h = await startAdminHerald({ env: { HERALD_ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("shows 50 followers a page, with links to the others", async () => {
    const fed = h.server.storage.federation;
    for (let n = 0; n < 120; n++) {
      const id = `https://social.example/users/u${String(n).padStart(3, "0")}`;
      await fed.upsertFollower({
        actorId: id,
        inbox: `${id}/inbox`,
        sharedInbox: null,
        handle: `u${String(n).padStart(3, "0")}@social.example`,
        followId: `${id}#follow`,
        state: "accepted",
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      });
    }
    const client = new AdminClient(h.origin);
    await client.login(TOKEN);
    const first = (await client.send("GET", "/admin")).body;
    expect(first.match(/action="\/admin\/followers\/remove"/g)).toHaveLength(50);
    expect(first).toContain("page 1 of 3");
    expect(first).toContain('href="/admin?followers=2#followers-title"');
    expect(first).toContain("@u000@social.example");
    const last = (await client.send("GET", "/admin?followers=3")).body;
    expect(last.match(/action="\/admin\/followers\/remove"/g)).toHaveLength(20);
    expect(last).toContain("@u119@social.example");
    expect(last).not.toContain("@u000@social.example");
  });
});
