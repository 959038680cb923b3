// "Why didn't my post show up on that server?": receipts per post and server as `herald deliveries`
// prints them, and the failing servers `status` lists, after a real fan-out on SQLite.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { articleDeliveries, formatDeliveries, troubledServers } from "../../src/ops/deliveries.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { type HeraldUnderTest, startHerald, until } from "./setup.ts";

describe.each(["sqlite", "postgres"] as const)("receipts (%s)", (store) => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  let broken: Server;
  let brokenOrigin: string;
  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    // A server whose inboxes answer 500 with a page: failing, retried later.
    broken = createServer((_req, res) => {
      res.statusCode = 500;
      res.end("Internal trouble");
    });
    await new Promise<void>((r) => broken.listen(0, "127.0.0.1", r));
    brokenOrigin = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    herald = await startHerald({}, undefined, store);
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
    broken?.closeAllConnections();
    await new Promise((r) => broken?.close(r));
  });

  it("says, per server, how many inboxes took the post and why the others did not", async () => {
    const follow = { id: `${inbox.actorUrl("alice")}#follow`, type: "Follow", object: herald.actorUrl };
    expect((await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage" })).status).toBe(202);
    await inbox.waitFor((d) => d.activity.type === "Accept");
    for (const name of ["x", "y"])
      await herald.server.storage.federation.upsertFollower({
        actorId: `${brokenOrigin}/users/${name}`,
        inbox: `${brokenOrigin}/users/${name}/inbox`,
        sharedInbox: null,
        handle: null,
        followId: null,
        state: "accepted",
        createdAt: new Date().toISOString(),
      });
    herald.write("harbor.md", "---\ntitle: Harbor\n---\n\nThe harbor reopens.\n");
    await herald.server.tick();
    await inbox.waitFor((d) => d.activity.type === "Create");
    const storage = herald.server.storage;
    const d = await until(async () => {
      const r = await articleDeliveries(storage, "harbor");
      const a = r.activities[0];
      return a &&
        a.delivered === 1 &&
        a.servers.find((s) => s.host !== new URL(inbox.origin).host)?.attempts === 2
        ? r
        : undefined;
    });
    const [create] = d.activities;
    expect(create).toMatchObject({ type: "Create", inboxes: 3, delivered: 1, failed: 0, waiting: 2 });
    const brokenHost = new URL(brokenOrigin).host;
    expect(create!.servers[0]).toMatchObject({
      host: brokenHost,
      inbox: null,
      delivered: 0,
      waiting: 2,
      lastStatus: 500,
      lastError: "HTTP 500: Internal trouble",
    });
    expect(create!.servers[1]).toMatchObject({
      host: new URL(inbox.origin).host,
      delivered: 1,
      inbox: `${inbox.origin}/inbox`,
    });
    const text = formatDeliveries(d);
    expect(text).toContain("delivered to 1 of 3 inbox(es), 2 waiting");
    expect(text).toContain(`${brokenHost}: 2 waiting (HTTP 500: Internal trouble)`);
    expect(text).toContain("1 server(s) took every delivery");
    const [trouble] = await troubledServers(storage);
    expect(trouble).toMatchObject({
      host: brokenHost,
      state: "failing",
      failures: 2,
      lastError: "HTTP 500: Internal trouble",
    });
    expect(formatDeliveries(await articleDeliveries(storage, "nothing"))).toContain("nothing was sent");
  });
});
