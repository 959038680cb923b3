// federation.backfillOnFollow: a new follower receives the last N posts, oldest first, once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald } from "./setup.ts";

describe("backfill on follow", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    herald = await startHerald({ federation: { backfillOnFollow: 2 } });
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("sends a new follower the last two posts after the Accept", async () => {
    for (const [name, date] of [
      ["one", "2026-01-01T00:00:00Z"],
      ["two", "2026-01-02T00:00:00Z"],
      ["three", "2026-01-03T00:00:00Z"],
    ] as const) {
      herald.write(
        `${name}.md`,
        `---\ntitle: Post ${name}\ndate: ${date}\n---\nBody of ${name}. It is short.\n`,
      );
      await herald.server.tick();
    }
    const follow = { id: `${inbox.actorUrl("carol")}#follow-1`, type: "Follow", object: herald.actorUrl };
    expect(
      (await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: "carol" })).status,
    ).toBe(202);
    const creates = () => inbox.accepted.filter((d) => d.activity.type === "Create");
    // The Follow is handled from the queue; the Accept and the backfill are queued before that ends.
    // Once the queue is empty, everything the follow caused has been delivered.
    await drained(herald.server);
    const ids = creates().map((d) => (d.activity.object as { id: string }).id);
    expect(ids.sort()).toEqual([`${herald.origin}/objects/three`, `${herald.origin}/objects/two`]);
    expect(inbox.accepted.some((d) => d.activity.type === "Accept")).toBe(true);
  });
});
