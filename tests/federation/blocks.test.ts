// Operator blocks against verifying inboxes on two "servers" (127.0.0.1 blocked, 127.0.0.2 not), on
// both stores: followers removed with a Reject, Follows rejected and nothing stored, deliveries to the
// others only, inbox POSTs dropped before any key is fetched, and unblocking.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockOn, unblockOn } from "../../src/ops/blocks.ts";
import { openStorage } from "../../src/store/storage.ts";
import { type AcceptedDelivery, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, type TestStore, until } from "./setup.ts";

type Json = Record<string, unknown>;
let serial = 0;

describe.each<TestStore>(["sqlite", "postgres"])("operator blocks on %s", (store) => {
  let herald: HeraldUnderTest;
  let blocked: VerifyingInbox;
  let other: VerifyingInbox;
  const fed = () => herald.server.storage.federation;

  beforeAll(async () => {
    blocked = await startVerifyingInbox({ hostname: "127.0.0.1" });
    other = await startVerifyingInbox({ hostname: "127.0.0.2" });
    herald = await startHerald({}, undefined, store);
  });
  afterAll(async () => {
    await herald?.stop();
    await blocked?.close();
    await other?.close();
  });

  const sendFollow = async (inbox: VerifyingInbox, name: string): Promise<Json> => {
    const follow = {
      id: `${inbox.actorUrl(name)}#follow-${++serial}`,
      type: "Follow",
      object: herald.actorUrl,
    };
    const res = await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: name });
    expect(res.status).toBe(202);
    return follow;
  };
  const answerTo = (inbox: VerifyingInbox, type: string, follow: Json): Promise<AcceptedDelivery[]> =>
    inbox.waitFor((d) => d.activity.type === type && (d.activity.object as Json).id === follow.id, 15_000);

  it("removes a blocked domain's follower with a Reject of its Follow and keeps the others", async () => {
    const alice = await sendFollow(blocked, "alice");
    await answerTo(blocked, "Accept", alice);
    await answerTo(other, "Accept", await sendFollow(other, "bob"));

    const result = await blockOn(herald.server.herald, "127.0.0.1");
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^Blocked 127\.0\.0\.1.*1 follower/),
    });
    const [reject] = await answerTo(blocked, "Reject", alice);
    expect(reject!.activity).toMatchObject({
      actor: herald.actorUrl,
      object: { type: "Follow", id: alice.id, actor: blocked.actorUrl("alice"), object: herald.actorUrl },
    });
    expect(await fed().getFollower(blocked.actorUrl("alice"))).toBeUndefined();
    expect(await fed().getFollower(other.actorUrl("bob"))).toBeDefined();
    expect(await fed().listBlocks()).toMatchObject([{ kind: "domain", target: "127.0.0.1" }]);
  });

  it("rejects a blocked domain's Follow and stores nothing", async () => {
    const carol = await sendFollow(blocked, "carol");
    await answerTo(blocked, "Reject", carol);
    await drained(herald.server);
    expect(await fed().getFollower(blocked.actorUrl("carol"))).toBeUndefined();
    expect(
      blocked.accepted.some(
        (d) => d.activity.type === "Accept" && (d.activity.object as Json).id === carol.id,
      ),
    ).toBe(false);
  });

  it("delivers a new article to the others and not to the blocked server", async () => {
    blocked.clear();
    other.clear();
    herald.write("blocked-news/index.md", "---\ntitle: Blocked news\ndate: 2026-01-02\n---\n\nBody.\n");
    await herald.server.tick();
    const objectId = `${herald.origin}/objects/blocked-news`;
    await other.waitFor((d) => d.activity.type === "Create" && (d.activity.object as Json).id === objectId);
    await drained(herald.server);
    expect(blocked.accepted.filter((d) => d.activity.type === "Create")).toEqual([]);
    expect(blocked.rejected).toEqual([]);
  });

  it("drops inbox POSTs signed by the blocked domain without fetching the signer's key", async () => {
    blocked.clear();
    const like = {
      id: `${blocked.actorUrl("dave")}#like-${++serial}`,
      type: "Like",
      actor: blocked.actorUrl("dave"),
      object: `${herald.origin}/objects/blocked-news`,
    };
    for (const scheme of ["cavage", "rfc9421"] as const) {
      const res = await blocked.signedPost(`${herald.origin}/inbox`, like, { scheme, as: "dave" });
      expect(res.status).toBe(202);
    }
    // A large body is not even read.
    const big = await blocked.signedPost(`${herald.origin}/users/news/inbox`, like, {
      scheme: "cavage",
      as: "dave",
      rawBody: JSON.stringify({ ...like, padding: "x".repeat(20_000) }),
    });
    expect(big.status).toBe(202);
    await drained(herald.server);
    expect(blocked.gets).toEqual([]);
    expect(await fed().listInteractions("blocked-news")).toEqual([]);
  });

  it("applies a block another process stored within seconds: the inbox drops, the worker delivers nothing", async () => {
    // Another process (a CLI run, another web or worker on PostgreSQL) writes the block; it does not
    // remove bob here, so the fan-out below still lists his server: the delivery worker must drop it.
    const elsewhere = await openStorage(herald.server.herald.config);
    try {
      await elsewhere.federation.addBlocks([
        { kind: "domain", target: "127.0.0.2", createdAt: new Date().toISOString(), note: null },
      ]);
      await until(() => herald.server.federation!.blocks.current.blocksHost("127.0.0.2"), 10_000);
      other.clear();
      const like = {
        id: `${other.actorUrl("erin")}#like-${++serial}`,
        type: "Like",
        actor: other.actorUrl("erin"),
        object: `${herald.origin}/objects/blocked-news`,
      };
      expect(
        (await other.signedPost(`${herald.origin}/inbox`, like, { scheme: "cavage", as: "erin" })).status,
      ).toBe(202);
      herald.write("quiet-news/index.md", "---\ntitle: Quiet news\ndate: 2026-01-03\n---\n\nBody.\n");
      await herald.server.tick();
      await drained(herald.server);
      expect(other.gets).toEqual([]);
      expect(other.accepted).toEqual([]);
      expect(await fed().getFollower(other.actorUrl("bob"))).toBeDefined();
      // The fan-out listed bob's server; the worker dropped its delivery.
      const receipts = await herald.server.storage
        .outbox()
        .receipts([`${herald.origin}/objects/quiet-news#create`]);
      expect(receipts).toMatchObject([
        { host: `127.0.0.2:${other.port}`, delivered: 0, failed: 1, lastError: "blocked" },
      ]);
    } finally {
      await elsewhere.federation.removeBlock("127.0.0.2");
      await elsewhere.close();
    }
  });

  it("restores normal behaviour once unblocked", async () => {
    expect(await unblockOn(herald.server.herald, "127.0.0.1")).toMatchObject({ ok: true });
    expect(await unblockOn(herald.server.herald, "127.0.0.1")).toMatchObject({ ok: false });
    const alice = await sendFollow(blocked, "alice");
    await answerTo(blocked, "Accept", alice);
    expect((await fed().getFollower(blocked.actorUrl("alice")))?.state).toBe("accepted");
    const like = {
      id: `${blocked.actorUrl("dave")}#like-${++serial}`,
      type: "Like",
      actor: blocked.actorUrl("dave"),
      object: `${herald.origin}/objects/blocked-news`,
    };
    expect(
      (await blocked.signedPost(`${herald.origin}/inbox`, like, { scheme: "cavage", as: "dave" })).status,
    ).toBe(202);
    await until(async () => (await fed().listInteractions("blocked-news")).length === 1);
    expect(blocked.gets.some((g) => g.path === "/users/dave")).toBe(true);
  });
});
