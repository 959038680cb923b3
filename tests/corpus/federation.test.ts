// The corpus as followers get it: every article dropped into a running Herald with a follower,
// each Create judged by a Mastodon-style verifying inbox. Every article with a cover must arrive
// with an image attachment (a real image type, the caption as its description) even though the
// covers' sites are unreachable from here; the attribution line names where it was reprinted from.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, type HeraldUnderTest, startHerald, until } from "../federation/setup.ts";
import { type AcceptedDelivery, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { mastodonAttachments } from "../helpers/mastodon-media.ts";
import { loadKey } from "./evaluate.ts";

type Json = Record<string, unknown>;
const CORPUS = join(import.meta.dirname, "../fixtures/corpus");
const key = loadKey(CORPUS);
const files = readdirSync(CORPUS).filter((f) => f.endsWith(".md") && key[f] !== undefined);

describe("the corpus federated to a verifying inbox", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  const byObject = new Map<string, AcceptedDelivery>();
  let delivered: AcceptedDelivery[] = [];

  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    herald = await startHerald({});
    const follow = {
      id: `${inbox.actorUrl("alice")}#follow-corpus`,
      type: "Follow",
      object: herald.actorUrl,
    };
    expect(
      (await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: "alice" })).status,
    ).toBe(202);
    await inbox.waitFor((d) => d.activity.type === "Accept", 15_000);
    for (const file of files) herald.write(file, readFileSync(join(CORPUS, file), "utf8"));
    await herald.server.tick();
    const creates = () => inbox.accepted.filter((d) => d.activity.type === "Create");
    await until(() => creates().length >= files.length, 120_000);
    // Every delivery the tick queued has been made once the queue is empty: a repeat would be here.
    await drained(herald.server);
    delivered = creates();
    for (const d of delivered) byObject.set(String((d.activity.object as Json).id), d);
  }, 180_000);
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("sends one verified Create per article", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(byObject.size).toBe(files.length);
    expect(delivered).toHaveLength(files.length);
    for (const d of byObject.values()) expect(d.keyOwner).toBe(herald.actorUrl);
  });

  it("attaches the cover of every article that has one, described by its caption", () => {
    for (const file of files) {
      const expected = key[file]!;
      const post = byObject.get(`${herald.origin}/objects/${file.replace(/\.md$/u, "")}`)?.activity
        .object as Json;
      expect(post, file).toBeDefined();
      const attachments = mastodonAttachments(post);
      if (expected.cover === null) {
        expect(attachments, file).toEqual([]);
        continue;
      }
      expect(attachments, file).toHaveLength(1);
      expect(attachments[0]!.mediaType, file).toMatch(/^image\/(?:jpeg|png|gif|webp)$/u);
      expect(attachments[0]!.url, file).toBe(new URL(expected.cover.url).href);
      if (expected.cover.alt !== null) expect(attachments[0]!.description, file).toBe(expected.cover.alt);
    }
  });

  it("names where each reprint came from in the post", () => {
    const reprints = files.filter((file) => key[file]!.via?.name != null);
    expect(reprints.length).toBeGreaterThan(0);
    for (const file of reprints) {
      const via = key[file]!.via!;
      const post = byObject.get(`${herald.origin}/objects/${file.replace(/\.md$/u, "")}`)!.activity
        .object as Json;
      const content = String(post.content).replaceAll("&amp;", "&");
      expect(content, file).toContain(via.name);
    }
  });
});
