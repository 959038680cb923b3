// Relays (FEP-ae0c) against two loopback relay peers whose inboxes verify Herald's signatures with
// other projects' verifiers (tests/helpers/inbox.ts): a Mastodon-style relay (configured by its inbox,
// followed through the Public collection) and a LitePub relay (configured by its actor, followed as an
// actor, and following Herald back as LitePub relays do). Each answers with a signed Accept; a public
// post then reaches each relay exactly once; an answer from another actor changes nothing; and a relay
// taken out of the configuration gets an Undo of the Follow.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { PUBLIC_COLLECTION } from "../../src/federation/relays.ts";
import { createLogger } from "../../src/log.ts";
import { relayLines, relayStatus } from "../../src/ops/status.ts";
import { startServer } from "../../src/serve.ts";
import { type AcceptedDelivery, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, type TestStore, until } from "./setup.ts";

type Json = Record<string, unknown>;

describe.each<TestStore>(["sqlite", "postgres"])("relays on %s", (store) => {
  let herald: HeraldUnderTest;
  let mastodon: VerifyingInbox;
  let litepub: VerifyingInbox;
  let mastodonUrl: string;
  let litepubUrl: string;
  const fed = () => herald.server.storage.federation;
  const stateOf = async (url: string) => (await fed().listRelays()).find((r) => r.url === url)?.state;

  beforeAll(async () => {
    // Relay software reads draft-cavage signatures only (pub-relay, Activity-Relay, Pleroma's relay).
    mastodon = await startVerifyingInbox({ hostname: "127.0.0.1", mode: "cavage-only" });
    // A LitePub relay's actor takes activities at the relay's one inbox, which is also its shared inbox.
    litepub = await startVerifyingInbox({
      hostname: "127.0.0.2",
      mode: "cavage-only",
      actorDocument: (actor, document) =>
        actor.name === "actor" ? { ...document, inbox: actor.sharedInbox } : document,
    });
    mastodonUrl = mastodon.inboxUrl;
    litepubUrl = litepub.actorUrl("actor");
    herald = await startHerald({ federation: { relays: [mastodonUrl, litepubUrl] } }, undefined, store);
  });
  afterAll(async () => {
    await herald?.stop();
    await mastodon?.close();
    await litepub?.close();
  });

  const followAt = async (relay: VerifyingInbox): Promise<AcceptedDelivery> => {
    const [follow] = await relay.waitFor((d) => d.activity.type === "Follow", 15_000);
    return follow!;
  };

  it("follows both kinds of relay at start, each with a signed Follow it can verify", async () => {
    const toMastodon = await followAt(mastodon);
    expect(toMastodon.path).toBe("/inbox");
    expect(toMastodon.activity).toMatchObject({ actor: herald.actorUrl, object: PUBLIC_COLLECTION });
    expect(toMastodon.keyOwner).toBe(herald.actorUrl);
    expect(toMastodon.verifiedWith).toBe("cavage");
    const toLitepub = await followAt(litepub);
    expect(toLitepub.path).toBe("/inbox");
    expect(toLitepub.activity).toMatchObject({ actor: herald.actorUrl, object: litepubUrl });
    expect(await stateOf(mastodonUrl)).toBe("pending");
    expect(await stateOf(litepubUrl)).toBe("pending");
    // A pending relay is followed again, with the same Follow (as at each start); nothing new.
    const sync = await herald.server.federation!.syncRelays();
    expect(sync).toEqual({ followed: [], retried: [mastodonUrl, litepubUrl], undone: [], failed: [] });
    const follows = await until(() => {
      const all = mastodon.accepted.filter((d) => d.activity.type === "Follow");
      return all.length >= 2 && all;
    });
    expect(follows.map((d) => d.activity.id)).toEqual([toMastodon.activity.id, toMastodon.activity.id]);
  });

  it("ignores an Accept of a relay's Follow signed by another actor", async () => {
    const follow = (await followAt(litepub)).activity;
    const res = await litepub.signedPost(
      `${herald.origin}/inbox`,
      { id: `${litepub.actorUrl("mallory")}#accept`, type: "Accept", object: follow },
      { scheme: "cavage", as: "mallory" },
    );
    expect(res.status).toBe(202);
    await drained(herald.server);
    expect(await stateOf(litepubUrl)).toBe("pending");
  });

  it("records each relay's Accept and shows the state in status", async () => {
    for (const [relay, name] of [
      [mastodon, "relay"],
      [litepub, "actor"],
    ] as const) {
      const follow = (await followAt(relay)).activity;
      const res = await relay.signedPost(
        `${herald.origin}/inbox`,
        { id: `${relay.actorUrl(name)}#accept-${follow.id}`, type: "Accept", object: follow },
        { scheme: "cavage", as: name },
      );
      expect(res.status).toBe(202);
    }
    await until(async () => (await stateOf(mastodonUrl)) === "accepted");
    await until(async () => (await stateOf(litepubUrl)) === "accepted");
    expect(relayLines(relayStatus([mastodonUrl, litepubUrl], await fed().listRelays()))).toEqual([
      expect.stringMatching(new RegExp(`^  accepted +${mastodonUrl} \\(Mastodon-style\\)`)),
      expect.stringMatching(new RegExp(`^  accepted +${litepubUrl} \\(LitePub\\)`)),
    ]);
  });

  it("sends a public post to each accepted relay exactly once, also to a relay that follows back", async () => {
    // LitePub relays follow the instances that follow them: the relay is also a follower now.
    const res = await litepub.signedPost(
      `${herald.origin}/inbox`,
      { id: `${litepubUrl}#follow-back`, type: "Follow", object: herald.actorUrl },
      { scheme: "cavage", as: "actor" },
    );
    expect(res.status).toBe(202);
    await until(async () => (await fed().getFollower(litepubUrl))?.state === "accepted");
    await drained(herald.server);
    mastodon.clear();
    litepub.clear();

    herald.write("relayed/index.md", "---\ntitle: Relayed news\ndate: 2026-01-02\n---\n\nBody.\n");
    await herald.server.tick();
    const objectId = `${herald.origin}/objects/relayed`;
    const isCreate = (d: AcceptedDelivery) =>
      d.activity.type === "Create" && (d.activity.object as Json).id === objectId;
    await mastodon.waitFor(isCreate);
    await litepub.waitFor(isCreate);
    await drained(herald.server);
    expect(mastodon.accepted.filter(isCreate).map((d) => d.path)).toEqual(["/inbox"]);
    expect(litepub.accepted.filter(isCreate).map((d) => d.path)).toEqual(["/inbox"]);
    expect(mastodon.rejected).toEqual([]);
    expect(litepub.rejected).toEqual([]);
  });

  it("sends the post's Update and Delete to each relay exactly once, in order", async () => {
    mastodon.clear();
    litepub.clear();
    const objectId = `${herald.origin}/objects/relayed`;
    const about = (d: AcceptedDelivery) => {
      const object = d.activity.object as Json | string;
      return (typeof object === "string" ? object : object.id) === objectId;
    };
    herald.write("relayed/index.md", "---\ntitle: Relayed news\ndate: 2026-01-02\n---\n\nBody, edited.\n");
    await herald.server.tick();
    await mastodon.waitFor((d) => d.activity.type === "Update" && about(d));
    herald.remove("relayed/index.md");
    await herald.server.tick();
    await mastodon.waitFor((d) => d.activity.type === "Delete" && about(d));
    await litepub.waitFor((d) => d.activity.type === "Delete" && about(d));
    await drained(herald.server);
    for (const relay of [mastodon, litepub])
      expect(relay.accepted.filter(about).map((d) => d.activity.type)).toEqual(["Update", "Delete"]);
  });

  it("keeps unlisted posts off relays", async () => {
    mastodon.clear();
    herald.write(
      "quiet/index.md",
      "---\ntitle: Quiet news\ndate: 2026-01-03\nvisibility: unlisted\n---\n\nBody.\n",
    );
    await herald.server.tick();
    await litepub.waitFor(
      (d) =>
        d.activity.type === "Create" && (d.activity.object as Json).id === `${herald.origin}/objects/quiet`,
    );
    await drained(herald.server);
    expect(mastodon.accepted.filter((d) => d.activity.type === "Create")).toEqual([]);
  });

  it.skipIf(store === "postgres")(
    "sends an Undo of the Follow to a relay removed from the configuration, and forgets it",
    async () => {
      const dir = herald.dir;
      const litepubFollow = (await fed().listRelays()).find((r) => r.url === litepubUrl)!.followId;
      await herald.stop();
      litepub.clear();
      // The start unfollows it.
      herald = await startHerald({ federation: { relays: [mastodonUrl] } }, dir, store);
      const [undo] = await litepub.waitFor((d) => d.activity.type === "Undo");
      expect(undo!.activity).toMatchObject({
        actor: herald.actorUrl,
        object: { type: "Follow", id: litepubFollow, object: litepubUrl },
      });
      expect((await fed().listRelays()).map((r) => [r.url, r.state])).toEqual([[mastodonUrl, "accepted"]]);
      // An accepted relay is not followed again.
      expect(await herald.server.federation!.syncRelays()).toEqual({
        followed: [],
        retried: [],
        undone: [],
        failed: [],
      });
    },
  );
});

describe("relays in a configuration changed while Herald runs", () => {
  it("unfollows a relay taken out of the file and follows it anew when it is put back", async () => {
    const relay = await startVerifyingInbox({ hostname: "127.0.0.1", mode: "cavage-only" });
    const dir = mkdtempSync(join(tmpdir(), "herald-relay-reload-"));
    mkdirSync(join(dir, "content"));
    const file = join(dir, "herald.yaml");
    const write = (relays: string[]) =>
      writeFileSync(
        file,
        `server:\n  port: 0\n  host: 127.0.0.1\nfederation:\n  allowPrivateAddress: true\n  relays: ${JSON.stringify(relays)}\n`,
      );
    write([relay.inboxUrl]);
    const load = () => loadConfig({ file, env: {} });
    const server = await startServer(load(), createLogger("silent"), {
      settleMs: 0,
      watchConfig: false,
      loadConfig: load,
    });
    try {
      const typed = (type: string) => relay.accepted.filter((d) => d.activity.type === type);
      const [first] = await relay.waitFor((d) => d.activity.type === "Follow");
      write([]);
      await server.reload("signal");
      const [undo] = await relay.waitFor((d) => d.activity.type === "Undo");
      expect(undo!.activity).toMatchObject({ object: { id: first!.activity.id, type: "Follow" } });
      expect(await server.storage.federation.listRelays()).toEqual([]);
      write([relay.inboxUrl]);
      await server.reload("signal");
      const follows = await until(() => typed("Follow").length === 2 && typed("Follow"));
      expect(follows[1]!.activity.id).not.toBe(first!.activity.id);
      expect(follows[1]!.activity.object).toBe(PUBLIC_COLLECTION);
    } finally {
      await server.close();
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
