// syncRelays on a real SQLite store and Herald's real outbox: relay URLs pass the outbound guard
// before anything is stored or queued, the Follow carries the Public collection's full IRI, and a
// relay taken out of the list gets an Undo and is forgotten. (relays.test.ts runs it end to end.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  acceptedRelayInboxes,
  answerFromRelay,
  PUBLIC_COLLECTION,
  type RelayDeps,
  syncRelays,
} from "../../src/federation/relays.ts";
import { createLogger } from "../../src/log.ts";
import { outboundGuard } from "../../src/net/outbound.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import type { Storage } from "../../src/store/types.ts";

const ACTOR = "https://news.example/users/news";

describe("syncRelays", () => {
  let dir: string;
  let storage: Storage;
  let deps: RelayDeps;
  const queued = async () =>
    (await storage.outbox().exportOutbox()).fanouts.map((f) => ({
      ...(JSON.parse(f.body) as Record<string, unknown>),
      orderKey: f.orderKey,
    }));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "herald-relays-"));
    storage = openSqliteStorage(join(dir, "herald.sqlite"));
    await storage.initialize();
    deps = {
      store: storage.federation,
      outbox: storage.outbox(),
      actorId: ACTOR,
      guard: outboundGuard({}),
      documentLoader: () => Promise.reject(new Error("No actor is fetched in these tests.")),
      log: createLogger("silent"),
      now: () => new Date("2026-12-06T12:00:00.000Z"),
    };
  });
  afterEach(async () => {
    await deps.guard.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses relays on non-public addresses before storing or sending anything", async () => {
    const sync = await syncRelays(deps, [
      "http://127.0.0.1:9/inbox",
      "http://10.0.0.1/actor",
      "http://[::1]/inbox",
      "https://relay.example/inbox",
    ]);
    expect(sync.followed).toEqual(["https://relay.example/inbox"]);
    expect(sync.failed.map((f) => f.url)).toEqual([
      "http://127.0.0.1:9/inbox",
      "http://10.0.0.1/actor",
      "http://[::1]/inbox",
    ]);
    expect(sync.failed.every((f) => /Refused/.test(f.reason))).toBe(true);
    expect((await storage.federation.listRelays()).map((r) => r.url)).toEqual([
      "https://relay.example/inbox",
    ]);
    expect(await queued()).toEqual([
      {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: expect.stringMatching(/^https:\/\/news\.example\/users\/news#relay-follow-[0-9a-f]{16}$/),
        type: "Follow",
        actor: ACTOR,
        object: PUBLIC_COLLECTION,
        orderKey: "relay https://relay.example/inbox",
      },
    ]);
  });

  it("undoes and forgets a relay no longer listed, with the Follow it sent", async () => {
    await syncRelays(deps, ["https://relay.example/inbox"]);
    const [relay] = await storage.federation.listRelays();
    expect(await syncRelays(deps, [])).toEqual({
      followed: [],
      retried: [],
      undone: [relay!.url],
      failed: [],
    });
    expect(await storage.federation.listRelays()).toEqual([]);
    const [, undo] = await queued();
    expect(undo).toMatchObject({
      type: "Undo",
      id: relay!.followId.replace("#relay-follow-", "#relay-undo-"),
      actor: ACTOR,
      object: { id: relay!.followId, type: "Follow", object: PUBLIC_COLLECTION },
      orderKey: "relay https://relay.example/inbox",
    });
  });

  it("takes a relay's answer only from the relay, and sends posts to accepted relays only", async () => {
    await syncRelays(deps, ["https://relay.example/inbox"]);
    const [relay] = await storage.federation.listRelays();
    const follow = new URL(relay!.followId);
    // Another server cannot accept for the relay; a Follow Herald never sent is not about relays.
    expect(await answerFromRelay(deps, "accepted", new URL("https://evil.example/actor"), follow)).toBe(true);
    expect(await acceptedRelayInboxes(storage.federation)).toEqual([]);
    expect(
      await answerFromRelay(deps, "accepted", new URL("https://relay.example/actor"), new URL(`${ACTOR}#x`)),
    ).toBe(false);
    // Mastodon-style relays answer as an actor on their own host.
    expect(await answerFromRelay(deps, "accepted", new URL("https://relay.example/actor"), follow)).toBe(
      true,
    );
    expect(await acceptedRelayInboxes(storage.federation)).toEqual(["https://relay.example/inbox"]);
    expect(await answerFromRelay(deps, "rejected", new URL("https://relay.example/actor"), follow)).toBe(
      true,
    );
    expect(await storage.federation.listRelays()).toMatchObject([{ state: "rejected" }]);
    expect(await acceptedRelayInboxes(storage.federation)).toEqual([]);
    // A rejected relay is not asked again at the next start; it stays listed with its state.
    expect(await syncRelays(deps, ["https://relay.example/inbox"])).toMatchObject({
      followed: [],
      retried: [],
    });
  });
});
