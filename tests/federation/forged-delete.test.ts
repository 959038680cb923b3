// A Delete of a follower's account that cannot be verified (the key is gone with the account) removes
// the follower only when Herald itself finds the account gone: its actor URL answers 410 or 404. A
// stranger's Delete, signed with any key and naming a keyId on the follower's server that answers 410,
// removes nobody.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, until } from "./setup.ts";

type Json = Record<string, unknown>;

describe("account-gone Deletes", () => {
  let peers: VerifyingInbox;
  let herald: HeraldUnderTest;
  /** Paths the peer answers with a status: a stranger's 410 "key", and accounts deleted for real. */
  const gone = new Map<string, number>([["/gone-key", 410]]);
  const fed = () => herald.server.storage.federation;

  beforeAll(async () => {
    peers = await startVerifyingInbox({ statusOf: (path) => gone.get(path) });
    herald = await startHerald();
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
  });

  async function follow(name: string): Promise<string> {
    const id = peers.actorUrl(name);
    const res = await peers.signedPost(
      `${herald.origin}/inbox`,
      { id: `${id}#follow`, type: "Follow", object: herald.actorUrl },
      { scheme: "cavage", as: name },
    );
    expect(res.status).toBe(202);
    await until(async () => (await fed().getFollower(id))?.state === "accepted");
    return id;
  }

  /** A Delete of `victim`'s account, signed by `signer` with a keyId that answers 410. */
  const deleteOf = (victim: string, signer: string, keyId: string) =>
    peers.signedPost(
      `${herald.origin}/inbox`,
      { id: `${victim}#delete`, type: "Delete", actor: victim, object: victim, to: [] } as Json,
      // Never a key Herald can verify: a deleted account's key is gone, a stranger has none.
      { scheme: "cavage", as: signer, keyId, tamper: "key" },
    );

  it("a stranger's Delete with a 410 keyId on the follower's server removes nobody", async () => {
    const alice = await follow("alice");
    for (const keyId of [`${peers.origin}/gone-key#main-key`, `${peers.origin}/gone-key`]) {
      const res = await deleteOf(alice, "mallory", keyId);
      expect(res.status).toBe(401);
    }
    // Herald decides on an unverifiable Delete before it answers (it asks the account's URL, and
    // removes the follower, inside the request): the 401 ends that. Anything it queued has been
    // handled once the queue is empty.
    await drained(herald.server);
    expect((await fed().getFollower(alice))?.state).toBe("accepted");
    // Herald asked alice's own URL, which still answers.
    expect(peers.gets.some((g) => g.path === "/users/alice" && g.status === 200)).toBe(true);
  });

  it.each([
    ["410", 410],
    ["404", 404],
  ])("the follower goes once their own actor URL answers %s", async (_label, status) => {
    const name = `gone${status}`;
    const id = await follow(name);
    const account = new URL(id).pathname;
    gone.set(account, status);
    const res = await deleteOf(id, name, `${id}#main-key`);
    expect(res.status).toBe(202);
    await until(async () => (await fed().getFollower(id)) === undefined);
    expect(peers.gets.some((g) => g.path === account && g.status === status)).toBe(true);
  });

  it("a Delete of a follower whose server is down removes nobody", async () => {
    const bob = await follow("bob");
    // A keyId on a closed port: the key cannot be fetched, and bob's URL still answers 200.
    const res = await deleteOf(bob, "mallory", "http://127.0.0.1:9/users/bob#main-key");
    expect(res.status).toBe(401);
    // Decided inside the request (see above); anything queued has been handled once the queue is empty.
    await drained(herald.server);
    expect((await fed().getFollower(bob))?.state).toBe("accepted");
  });
});
