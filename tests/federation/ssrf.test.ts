// Nothing internal is reachable through Herald with `federation.allowPrivateAddress` off: an attacker's
// actor (on 127.0.0.2, the one non-public address this Herald may reach, `federation.allowAddresses`)
// names inboxes, shared inboxes and keys on 127.0.0.1 and behind `localhost`, where a listener counts
// every connection. It must count none, while a real follower on 127.0.0.2 gets its Accept and Create.

import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, tried, until } from "./setup.ts";

type Json = Record<string, unknown>;

/** Counts every connection and request on 127.0.0.1:PORT and [::1]:PORT; answers 202 to all. */
interface Listener {
  port: number;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function startListener(): Promise<Listener> {
  const state = { connections: 0, requests: [] as string[] };
  const handler = (req: { method?: string; url?: string }, res: { statusCode: number; end(): void }) => {
    state.requests.push(`${req.method} ${req.url}`);
    res.statusCode = 202;
    res.end();
  };
  const v4 = createServer(handler);
  v4.on("connection", () => state.connections++);
  await new Promise<void>((resolve) => v4.listen(0, "127.0.0.1", resolve));
  const port = (v4.address() as AddressInfo).port;
  // `localhost` may resolve to ::1 first: listen there too, so a connection cannot slip past by family.
  const v6: Server | undefined = await new Promise((resolve) => {
    const server = createServer(handler);
    server.on("connection", () => state.connections++);
    server.once("error", () => resolve(undefined));
    server.listen(port, "::1", () => resolve(server));
  });
  return {
    port,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    close: async () => {
      for (const server of [v4, v6]) {
        if (!server) continue;
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  };
}

/** Private spellings of the listener, one per attacker. */
/** A signed Follow of Herald by `name` on `peers`, with `extra` members (an embedded actor). */
const follow = (peers: VerifyingInbox, herald: HeraldUnderTest, name: string, extra: Json = {}) =>
  peers.signedPost(
    `${herald.origin}/inbox`,
    { id: `${peers.actorUrl(name)}#follow-${name}`, type: "Follow", object: herald.actorUrl, ...extra },
    { scheme: "cavage", as: name },
  );

const spellings = (port: number): Record<string, { inbox: string; sharedInbox?: string }> => ({
  evilliteral: {
    inbox: `http://127.0.0.1:${port}/users/evil/inbox`,
    sharedInbox: `http://127.0.0.1:${port}/inbox`,
  },
  evilname: {
    inbox: `http://localhost:${port}/users/evil/inbox`,
    sharedInbox: `http://localhost:${port}/inbox`,
  },
  evilmapped: { inbox: `http://[::ffff:127.0.0.1]:${port}/inbox` },
  evilsix: { inbox: `http://[::1]:${port}/inbox` },
  evilshared: { inbox: "", sharedInbox: `http://localhost:${port}/shared` },
});

describe("outbound guard with allowPrivateAddress off", () => {
  let listener: Listener;
  let peers: VerifyingInbox;
  let herald: HeraldUnderTest;
  const fed = () => herald.server.storage.federation;

  beforeAll(async () => {
    listener = await startListener();
    const evil = spellings(listener.port);
    peers = await startVerifyingInbox({
      hostname: "127.0.0.2",
      actorDocument: (actor, doc) => {
        const spelling = evil[actor.name];
        if (!spelling) return doc;
        return {
          ...doc,
          inbox: spelling.inbox || doc.inbox,
          endpoints: spelling.sharedInbox ? { sharedInbox: spelling.sharedInbox } : undefined,
        };
      },
    });
    herald = await startHerald({
      federation: { allowPrivateAddress: false, allowAddresses: ["127.0.0.2"] },
    });
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
    await listener?.close();
  });

  const followAs = (name: string, extra: Json = {}) => follow(peers, herald, name, extra);

  it("a real follower on the allowed address gets its Accept and the Create (the guard is not a wall)", async () => {
    expect((await followAs("alice")).status).toBe(202);
    await peers.waitFor((d) => d.activity.type === "Accept", 15_000);
    herald.write("first.md", "---\ntitle: First\nlang: en\n---\n\nHello.\n");
    await herald.server.tick();
    await peers.waitFor((d) => d.activity.type === "Create", 15_000);
  });

  it("actors whose inboxes and shared inboxes are private get no Accept and no Create", async () => {
    for (const name of Object.keys(spellings(listener.port))) expect((await followAs(name)).status).toBe(202);
    // The Follows are handled from the queue, and the Accepts they queued are tried (and refused).
    await tried(herald.server);
    herald.write("second.md", "---\ntitle: Second\nlang: en\n---\n\nAgain.\n");
    await herald.server.tick();
    await peers.waitFor(
      (d) =>
        d.activity.type === "Create" && (d.activity.object as Json).id === `${herald.origin}/objects/second`,
      15_000,
    );
    // Every delivery of the Create, to the private shared inboxes too, has been tried.
    await tried(herald.server);
    expect(listener.requests).toEqual([]);
    expect(listener.connections).toBe(0);
    // Literal private inboxes are refused at the follow already; names are stored and refused at send time.
    expect(await fed().getFollower(peers.actorUrl("evilliteral"))).toBeUndefined();
    expect(await fed().getFollower(peers.actorUrl("evilname"))).toBeDefined();
  });

  it.each([
    ["a literal loopback address", (port: number) => `http://127.0.0.1:${port}/users/x#main-key`],
    ["a name that resolves to loopback", (port: number) => `http://localhost:${port}/users/x#main-key`],
    ["an IPv6 loopback address", (port: number) => `http://[::1]:${port}/users/x#main-key`],
  ])("a signature whose keyId is on %s is refused without fetching it", async (_label, keyIdAt) => {
    const keyId = keyIdAt(listener.port);
    const res = await peers.signedPost(
      `${herald.origin}/inbox`,
      { id: `${peers.actorUrl("mallory")}#follow-key`, type: "Follow", object: herald.actorUrl },
      { scheme: "cavage", as: "mallory", keyId },
    );
    expect(res.status).toBe(401);
    // The key is fetched, if at all, before the answer; whatever was queued has been handled.
    await tried(herald.server);
    expect(listener.connections).toBe(0);
  });

  it("an actor id on a name that resolves to loopback is never fetched", async () => {
    const res = await peers.signedPost(
      `${herald.origin}/inbox`,
      {
        id: `http://localhost:${listener.port}/users/x#follow`,
        type: "Follow",
        actor: `http://localhost:${listener.port}/users/x`,
        object: herald.actorUrl,
      },
      { scheme: "rfc9421", as: "mallory" },
    );
    expect([401, 202]).toContain(res.status);
    // Taken in (202), it is handled from the queue: the actor would be fetched then.
    await tried(herald.server);
    expect(listener.connections).toBe(0);
  });

  it("a follower stored while its inbox looked public is refused at send time", async () => {
    // As if the inbox's name had resolved to a public address when the follow arrived.
    await fed().upsertFollower({
      actorId: "http://127.0.0.2:1/users/rebound",
      inbox: `http://localhost:${listener.port}/users/rebound/inbox`,
      sharedInbox: null,
      handle: null,
      followId: "http://127.0.0.2:1/users/rebound#follow",
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    herald.write("third.md", "---\ntitle: Third\nlang: en\n---\n\nOnce more.\n");
    await herald.server.tick();
    await peers.waitFor(
      (d) =>
        d.activity.type === "Create" && (d.activity.object as Json).id === `${herald.origin}/objects/third`,
      15_000,
    );
    // Every delivery of the Create, the one to the rebound follower's inbox too, has been tried.
    await tried(herald.server);
    expect(listener.connections).toBe(0);
  });
});

// The control: the same stored follower with allowPrivateAddress on (tests only) is reached, so the
// silence above is the guard's doing, not a test that could never hear anything.
describe("with allowPrivateAddress on (tests only)", () => {
  let listener: Listener;
  let peers: VerifyingInbox;
  let herald: HeraldUnderTest;
  const fed = () => herald.server.storage.federation;
  beforeAll(async () => {
    listener = await startListener();
    peers = await startVerifyingInbox();
    herald = await startHerald();
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
    await listener?.close();
  });
  const followAs = (name: string, extra: Json = {}) => follow(peers, herald, name, extra);

  it("a Follow that embeds its actor with a private inbox: the inbox comes from the fetched actor", async () => {
    const carol = peers.actor("carol");
    const embedded = {
      id: carol.id,
      type: "Person",
      inbox: `http://localhost:${listener.port}/users/carol/inbox`,
      endpoints: { sharedInbox: `http://localhost:${listener.port}/inbox` },
    };
    expect((await followAs("carol", { actor: embedded })).status).toBe(202);
    const follower = await until(async () => await fed().getFollower(carol.id));
    expect(follower).toMatchObject({ inbox: carol.inbox, sharedInbox: carol.sharedInbox });
    await peers.waitFor(
      (d) => d.activity.type === "Accept" && ((d.activity.object as Json).actor as string) === carol.id,
      15_000,
    );
    // Everything the Follow queued has been delivered once Herald's queues are empty.
    await drained(herald.server);
    expect(listener.connections).toBe(0);
  });

  it("reaches the listener behind localhost", async () => {
    const id = `http://127.0.0.2:1/users/${createHash("sha256").update("x").digest("hex").slice(0, 8)}`;
    await herald.server.storage.federation.upsertFollower({
      actorId: id,
      inbox: `http://localhost:${listener.port}/users/rebound/inbox`,
      sharedInbox: null,
      handle: null,
      followId: `${id}#follow`,
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    herald.write("third.md", "---\ntitle: Third\nlang: en\n---\n\nOnce more.\n");
    await herald.server.tick();
    await until(() => listener.requests.length > 0, 15_000);
    expect(listener.requests[0]).toBe("POST /users/rebound/inbox");
  });
});
