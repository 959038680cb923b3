// Herald's inbox and delivery judged by a Mastodon-style verifying inbox (independent signature code):
// follows, Accepts, Creates, forged requests, interactions, unfollows, collections and NodeInfo.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatStatus } from "../../src/commands/status.ts";
import { liveStatus } from "../../src/ops/status.ts";
import { pngBytes } from "../content/factories.ts";
import { type ImageServer, routes, startImageServer } from "../helpers/image-server.ts";
import { type AcceptedDelivery, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { mastodonAttachments } from "../helpers/mastodon-media.ts";
import { drained, type HeraldUnderTest, startHerald, type TestStore, until } from "./setup.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AP_JSON = { Accept: "application/activity+json" };
type Json = Record<string, unknown>;

let serial = 0;
const activityId = (actorId: string, kind: string) => `${actorId}#${kind}-${++serial}`;

function followActivity(inbox: VerifyingInbox, herald: HeraldUnderTest, name: string): Json {
  return { id: activityId(inbox.actorUrl(name), "follow"), type: "Follow", object: herald.actorUrl };
}

/** Sends a Follow as `name` and waits until the verifying inbox got Herald's Accept of it. */
async function follow(
  inbox: VerifyingInbox,
  herald: HeraldUnderTest,
  name: string,
  target = `${herald.origin}/inbox`,
): Promise<{ follow: Json; accept: AcceptedDelivery }> {
  const activity = followActivity(inbox, herald, name);
  const res = await inbox.signedPost(target, activity, { scheme: "cavage", as: name });
  expect(res.status).toBe(202);
  const [accept] = await inbox.waitFor(
    (d) => d.activity.type === "Accept" && (d.activity.object as Json | undefined)?.id === activity.id,
    15_000,
  );
  return { follow: activity, accept: accept! };
}

const creates = (inbox: VerifyingInbox, objectId: string) =>
  inbox.accepted.filter(
    (d) => d.activity.type === "Create" && (d.activity.object as Json | undefined)?.id === objectId,
  );

async function getJson(url: string): Promise<Json> {
  const res = await fetch(url, { headers: AP_JSON });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/(activity|ld)\+json/);
  return (await res.json()) as Json;
}

// Everything a peer sees, on both stores: what reaches the inbox must not depend on the backend.
describe.each<TestStore>(["sqlite", "postgres"])(
  "Herald on %s and a verifying inbox (draft-cavage and RFC 9421)",
  (store) => {
    let herald: HeraldUnderTest;
    let inbox: VerifyingInbox;
    let images: ImageServer;
    const fed = () => herald.server.storage.federation;

    beforeAll(async () => {
      inbox = await startVerifyingInbox({ mode: "any" });
      images = await startImageServer();
      herald = await startHerald({}, undefined, store);
    });
    afterAll(async () => {
      await herald?.stop();
      await inbox?.close();
      await images?.close();
    });

    it("stores a Follow sent to the shared inbox, fetches the actor and sends a verified Accept", async () => {
      const alice = inbox.actor("alice");
      const { follow: activity, accept } = await follow(inbox, herald, "alice");
      expect(accept.activity).toMatchObject({
        type: "Accept",
        actor: herald.actorUrl,
        object: { id: activity.id, type: "Follow", actor: alice.id, object: herald.actorUrl },
      });
      expect(accept.keyOwner).toBe(herald.actorUrl);
      expect(accept.path).toBe("/users/alice/inbox");
      expect(inbox.gets.some((g) => g.path === "/users/alice")).toBe(true);
      expect(await fed().listFollowers({ state: "accepted" })).toEqual([
        expect.objectContaining({
          actorId: alice.id,
          inbox: alice.inbox,
          sharedInbox: alice.sharedInbox,
          followId: activity.id,
          handle: `@alice@${new URL(alice.id).host}`,
        }),
      ]);
    });

    it("stores a Follow sent to the actor's own inbox", async () => {
      const bob = inbox.actor("bob");
      const { accept } = await follow(inbox, herald, "bob", `${herald.actorUrl}/inbox`);
      expect(accept.activity.actor).toBe(herald.actorUrl);
      expect((await fed().getFollower(bob.id))?.state).toBe("accepted");
      expect(await fed().countFollowers("accepted")).toBe(2);
    });

    it("delivers exactly one verified Create per new article to the shared inbox", async () => {
      inbox.clear();
      herald.write(
        "harbor/index.md",
        [
          "---",
          "title: 港口的早晨",
          "date: 2020-03-01",
          "summary: 台风过后，港口很快恢复了秩序。",
          "tags: [港口, 天气]",
          "cover: cover.png",
          "cover_alt: 清晨的码头",
          "pinned: true",
          "source: { url: 'https://news.example.com/a/1', name: 东岸时报, title: 港口的早晨 }",
          "---",
          "",
          "天还没亮，码头上已经站满了人。大家先数自己的船，再帮邻居数。",
        ].join("\n"),
      );
      writeFileSync(join(herald.content, "harbor", "cover.png"), pngBytes(8, 6));
      const before = Date.now();
      await herald.server.tick();
      const objectId = `${herald.origin}/objects/harbor`;
      const [delivery] = await inbox.waitFor(
        (d) => d.activity.type === "Create" && (d.activity.object as Json).id === objectId,
        15_000,
      );
      expect(delivery!.path).toBe("/inbox");
      expect(delivery!.keyOwner).toBe(herald.actorUrl);
      const create = delivery!.activity;
      const note = create.object as Json;
      const page = `${herald.origin}/articles/harbor/`;
      expect(create).toMatchObject({ id: `${objectId}#create`, actor: herald.actorUrl });
      expect(note).toMatchObject({
        type: "Note",
        id: objectId,
        attributedTo: herald.actorUrl,
        url: page,
        to: PUBLIC,
        cc: `${herald.actorUrl}/followers`,
        sensitive: false,
      });
      expect(note).not.toHaveProperty("summary");
      const content = String(note.content);
      expect(content).toContain("港口的早晨");
      expect(content).toContain("台风过后，港口很快恢复了秩序。");
      expect(content).toContain(`<a href="${page}">${page}</a>`);
      // The attribution line, in the article's language (labels shared with feeds and pages).
      expect(content).toContain(
        '<p>原文：<a href="https://news.example.com/a/1">港口的早晨</a>（东岸时报）</p>',
      );
      for (const tag of ["港口", "天气"]) {
        const href = `${herald.origin}/tags/${encodeURIComponent(tag)}/`;
        expect(content).toContain(
          `<a href="${href}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
        );
        expect(note.tag).toContainEqual({ type: "Hashtag", name: `#${tag}`, href });
      }
      // Language of the site (zh-CN); Fedify's JSON-LD compaction lowercases language tags.
      expect(Object.entries(note.contentMap as Json).map(([k, v]) => [k.toLowerCase(), v])).toEqual([
        ["zh-cn", note.content],
      ]);
      expect([note.attachment].flat()).toEqual([
        {
          type: "Image",
          url: `${page}cover.png`,
          mediaType: "image/png",
          name: "清晨的码头",
          width: 8,
          height: 6,
          blurhash: expect.any(String),
        },
      ]);
      // Read as Mastodon reads it: a plain `blurhash` key it accepts, defined in the context.
      expect(mastodonAttachments(note)).toEqual([
        {
          url: `${page}cover.png`,
          mediaType: "image/png",
          description: "清晨的码头",
          width: 8,
          height: 6,
          blurhash: expect.stringMatching(/^.{28}$/),
        },
      ]);
      expect(JSON.stringify(create["@context"])).toContain('"blurhash":"toot:blurhash"');
      // Federation time, not the article's 2020 date: Mastodon only puts fresh posts on timelines.
      const published = Date.parse(String(note.published));
      expect(published).toBeGreaterThanOrEqual(before - 1_000);
      expect(published).toBeLessThanOrEqual(Date.now());
      expect(create.published).toBe(note.published);
      // The cover is really served where the attachment points.
      const image = await fetch(`${page}cover.png`);
      expect(image.status).toBe(200);

      // alice and bob share one inbox server: one delivery, never a duplicate. Once the queue is
      // empty, every delivery the tick queued has been made.
      await drained(herald.server);
      expect(creates(inbox, objectId)).toHaveLength(1);
      expect(inbox.rejected).toEqual([]);
    });

    it("puts a content warning in `summary` with `sensitive: true`, never the excerpt", async () => {
      herald.write(
        "storm.md",
        [
          "---",
          "title: Storm night",
          "lang: en",
          "summary: The night the sea wall broke.",
          "content_warning: Flood photos",
          "source: { url: 'https://example.com/storm', name: Coast Times }",
          "---",
          "",
          "Water came over the wall at two in the morning.",
        ].join("\n"),
      );
      await herald.server.tick();
      const objectId = `${herald.origin}/objects/storm`;
      const [delivery] = await inbox.waitFor((d) => (d.activity.object as Json | undefined)?.id === objectId);
      const note = delivery!.activity.object as Json;
      expect(note).toMatchObject({ type: "Note", summary: "Flood photos", sensitive: true });
      expect(Object.keys(note.contentMap as Json)).toEqual(["en"]);
      expect(String(note.content)).toContain("The night the sea wall broke.");
      expect(String(note.content)).toContain(
        '<p>Original: <a href="https://example.com/storm">Coast Times</a></p>',
      );
      expect(note).not.toHaveProperty("attachment");
    });

    describe("forged requests get 401 and change nothing", () => {
      const cases = [
        ["unsigned", undefined],
        ["signed with a key that is not the actor's", "key"],
        ["with a body changed after signing", "body"],
        ["with a Date 13 hours old", "date"],
      ] as const;
      for (const scheme of ["cavage", "rfc9421"] as const) {
        it.each(cases)(`${scheme}: a Follow %s`, async (_label, tamper) => {
          const mallory = inbox.actor("mallory");
          const activity = { ...followActivity(inbox, herald, "mallory") };
          let status: number;
          if (tamper === undefined) {
            const res = await fetch(`${herald.origin}/inbox`, {
              method: "POST",
              headers: { "Content-Type": "application/activity+json" },
              body: JSON.stringify({
                "@context": "https://www.w3.org/ns/activitystreams",
                actor: mallory.id,
                ...activity,
              }),
            });
            status = res.status;
          } else {
            status = (
              await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme, tamper, as: "mallory" })
            ).status;
          }
          expect(status).toBe(401);
          // Had it been taken in, it would be handled from the queue, and an Accept queued in turn.
          await drained(herald.server);
          expect(await fed().getFollower(mallory.id)).toBeUndefined();
          expect(
            inbox.accepted.filter((d) => d.activity.type === "Accept" && d.path.includes("mallory")),
          ).toEqual([]);
        });
      }

      it("a Like with a forged body records no interaction", async () => {
        const res = await inbox.signedPost(
          `${herald.origin}/inbox`,
          {
            id: activityId(inbox.actorUrl("mallory"), "like"),
            type: "Like",
            object: `${herald.origin}/objects/harbor`,
          },
          { scheme: "cavage", tamper: "body", as: "mallory" },
        );
        expect(res.status).toBe(401);
        await drained(herald.server);
        expect(await fed().listInteractions()).toEqual([]);
      });
    });

    it("answers 413 to a body over 1 MB and stores nothing", async () => {
      const activity = {
        ...followActivity(inbox, herald, "mallory"),
        padding: "x".repeat(1024 * 1024),
      };
      const res = await inbox.signedPost(`${herald.origin}/inbox`, activity, {
        scheme: "cavage",
        as: "mallory",
      });
      expect(res.status).toBe(413);
      expect(await fed().getFollower(inbox.actorUrl("mallory"))).toBeUndefined();
    });

    it("ignores an Undo(Follow) of alice's follow signed by someone else", async () => {
      const alice = inbox.actor("alice");
      const aliceFollow = {
        id: (await fed().getFollower(alice.id))!.followId,
        type: "Follow",
        actor: alice.id,
        object: herald.actorUrl,
      };
      // Signed by mallory, as mallory, undoing alice's follow.
      const asMallory = await inbox.signedPost(
        `${herald.origin}/inbox`,
        { id: activityId(inbox.actorUrl("mallory"), "undo"), type: "Undo", object: aliceFollow },
        { scheme: "cavage", as: "mallory" },
      );
      expect(asMallory.status).toBe(202);
      // Signed by mallory's key but claiming to be alice.
      const claimingAlice = await inbox.signedPost(
        `${herald.origin}/inbox`,
        { id: activityId(alice.id, "undo"), type: "Undo", actor: alice.id, object: aliceFollow },
        { scheme: "cavage", as: "mallory" },
      );
      expect(claimingAlice.status).toBe(401);
      // mallory undoing a follow that names no actor only ever removes mallory's own follow.
      const bare = await inbox.signedPost(
        `${herald.origin}/inbox`,
        {
          id: activityId(inbox.actorUrl("mallory"), "undo"),
          type: "Undo",
          object: { type: "Follow", object: herald.actorUrl },
        },
        { scheme: "rfc9421", as: "mallory" },
      );
      expect(bare.status).toBe(202);
      // All three are handled once the queue is empty.
      await drained(herald.server);
      expect((await fed().getFollower(alice.id))?.state).toBe("accepted");
      expect(await fed().countFollowers()).toBe(2);
    });

    it("records a Like, an Announce, a reply and a mention once each, and answers none of them", async () => {
      const carol = inbox.actor("carol");
      const objectId = `${herald.origin}/objects/harbor`;
      const deliveriesBefore = inbox.accepted.length;
      const note = (kind: string, extra: Json) => ({
        id: `${carol.id}/notes/${kind}`,
        type: "Note",
        attributedTo: carol.id,
        to: [PUBLIC],
        ...extra,
      });
      const activities: Json[] = [
        { id: `${carol.id}#like-1`, type: "Like", object: objectId },
        { id: `${carol.id}#announce-1`, type: "Announce", object: objectId, to: [PUBLIC] },
        {
          id: `${carol.id}/notes/reply#create`,
          type: "Create",
          to: [PUBLIC],
          object: note("reply", {
            inReplyTo: objectId,
            content: "<p>好文章</p>",
            url: `${carol.id}/notes/reply`,
          }),
        },
        {
          id: `${carol.id}/notes/mention#create`,
          type: "Create",
          to: [PUBLIC],
          object: note("mention", {
            content: `<p>@news 你好</p>`,
            tag: [{ type: "Mention", href: herald.actorUrl, name: `@news@${new URL(herald.origin).host}` }],
          }),
        },
      ];
      for (const [i, activity] of activities.entries()) {
        const scheme = i % 2 === 0 ? "cavage" : "rfc9421";
        expect(
          (await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme, as: "carol" })).status,
        ).toBe(202);
      }
      // Redeliveries of the same activities, to the shared and to the personal inbox.
      for (const activity of activities) {
        expect(
          (await inbox.signedPost(`${herald.actorUrl}/inbox`, activity, { scheme: "cavage", as: "carol" }))
            .status,
        ).toBe(202);
      }
      // Every one of them, redeliveries included, has been handled once the queue is empty.
      await drained(herald.server);
      const onArticle = await fed().listInteractions("harbor");
      expect(onArticle.map((i) => i.kind).sort()).toEqual(["announce", "like", "reply"]);
      expect(onArticle.map((i) => i.actorId)).toEqual([carol.id, carol.id, carol.id]);
      expect(onArticle.find((i) => i.kind === "reply")).toMatchObject({
        id: `${carol.id}/notes/reply`,
        content: "<p>好文章</p>",
        url: `${carol.id}/notes/reply`,
      });
      const all = await fed().listInteractions();
      expect(all).toHaveLength(4);
      expect(all.find((i) => i.kind === "mention")).toMatchObject({
        id: `${carol.id}/notes/mention`,
        actorId: carol.id,
      });
      expect(inbox.accepted.length).toBe(deliveriesBefore);
    });

    it("removes a follower on Undo(Follow), on Delete of their account, and on Block", async () => {
      const aliceFollow = (await fed().getFollower(inbox.actorUrl("alice")))!.followId!;
      const alice = inbox.actor("alice");
      await inbox.signedPost(
        `${herald.origin}/inbox`,
        {
          id: activityId(alice.id, "undo"),
          type: "Undo",
          object: { id: aliceFollow, type: "Follow", actor: alice.id, object: herald.actorUrl },
        },
        { scheme: "cavage", as: "alice" },
      );
      await until(async () => (await fed().getFollower(alice.id)) === undefined);

      const bob = inbox.actor("bob");
      await inbox.signedPost(
        `${herald.origin}/inbox`,
        { id: `${bob.id}#delete`, type: "Delete", object: bob.id, to: [PUBLIC] },
        { scheme: "rfc9421", as: "bob" },
      );
      await until(async () => (await fed().getFollower(bob.id)) === undefined);

      // Some servers undo by the Follow's id alone; it cannot be fetched (404 here), the stored id matches.
      const { follow: frankFollow } = await follow(inbox, herald, "frank");
      const frank = inbox.actor("frank");
      await inbox.signedPost(
        `${herald.origin}/inbox`,
        { id: activityId(frank.id, "undo"), type: "Undo", object: frankFollow.id },
        { scheme: "cavage", as: "frank" },
      );
      await until(async () => (await fed().getFollower(frank.id)) === undefined);

      await follow(inbox, herald, "dave");
      const dave = inbox.actor("dave");
      expect((await fed().getFollower(dave.id))?.state).toBe("accepted");
      await inbox.signedPost(
        `${herald.origin}/inbox`,
        { id: activityId(dave.id, "block"), type: "Block", object: herald.actorUrl },
        { scheme: "cavage", as: "dave" },
      );
      await until(async () => (await fed().getFollower(dave.id)) === undefined);
      expect(await fed().countFollowers()).toBe(0);
    });

    it("serves outbox, followers and featured collections with totalItems", async () => {
      await follow(inbox, herald, "erin");
      const actor = await getJson(herald.actorUrl);
      expect(actor).toMatchObject({
        outbox: `${herald.actorUrl}/outbox`,
        followers: `${herald.actorUrl}/followers`,
        featured: `${herald.actorUrl}/featured`,
      });

      const outbox = await getJson(`${herald.actorUrl}/outbox`);
      expect(outbox).toMatchObject({ type: "OrderedCollection", totalItems: 2 });
      expect(typeof outbox.first).toBe("string");
      const page = await getJson(String(outbox.first));
      expect(page.type).toBe("OrderedCollectionPage");
      const items = page.orderedItems as Json[];
      expect(items.map((a) => a.type)).toEqual(["Create", "Create"]);
      // Newest first: storm was published after harbor.
      expect(items.map((a) => (a.object as Json).id)).toEqual([
        `${herald.origin}/objects/storm`,
        `${herald.origin}/objects/harbor`,
      ]);

      const followers = await getJson(`${herald.actorUrl}/followers`);
      expect(followers).toMatchObject({ type: "OrderedCollection", totalItems: 1 });
      const followersPage = await getJson(String(followers.first));
      expect([followersPage.orderedItems].flat()).toEqual([inbox.actorUrl("erin")]);

      const featured = await getJson(`${herald.actorUrl}/featured`);
      expect(featured).toMatchObject({ type: "OrderedCollection", totalItems: 1 });
      expect([featured.orderedItems].flat()).toEqual([
        expect.objectContaining({ id: `${herald.origin}/objects/harbor`, type: "Note" }),
      ]);
    });

    it("publishes NodeInfo 2.1 through /.well-known/nodeinfo", async () => {
      const wk = await fetch(`${herald.origin}/.well-known/nodeinfo`);
      expect(wk.status).toBe(200);
      const links = ((await wk.json()) as { links: { rel: string; href: string }[] }).links;
      const link = links.find((l) => l.rel === "http://nodeinfo.diaspora.software/ns/schema/2.1");
      expect(link?.href).toBe(`${herald.origin}/nodeinfo/2.1`);
      const info = (await (await fetch(link!.href)).json()) as Json;
      expect(info).toMatchObject({
        version: "2.1",
        software: { name: "herald" },
        protocols: ["activitypub"],
        openRegistrations: false,
        usage: { users: { total: 1 }, localPosts: 2 },
      });
    });

    // Last: the posts they add would change the counts the tests above check.
    it("attaches a remote cover from Herald's own copy, with type, size and blurhash read from the image", async () => {
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#2a6f97" } })
        .jpeg()
        .toBuffer();
      // The original site labels it wrongly; Herald goes by the bytes.
      images.route("/uploads/2022/04/1-668.jpg", routes.bytes(jpeg, "application/octet-stream"));
      const original = `${images.origin}/uploads/2022/04/1-668.jpg`;
      herald.write(
        "reprint.md",
        [
          "---",
          "title: 转载的新闻",
          `cover: ${original}`,
          "cover_alt: 阿里巴巴在北京办公室的外墙。",
          "---",
          "",
          "正文。",
        ].join("\n"),
      );
      await herald.server.tick();
      const objectId = `${herald.origin}/objects/reprint`;
      const [delivery] = await inbox.waitFor(
        (d) => d.activity.type === "Create" && (d.activity.object as Json).id === objectId,
      );
      const note = delivery!.activity.object as Json;
      const [attachment] = mastodonAttachments(note);
      expect(attachment).toEqual({
        url: expect.stringMatching(new RegExp(`^${herald.origin}/media/[0-9a-f]{64}\\.jpg$`)),
        mediaType: "image/jpeg",
        description: "阿里巴巴在北京办公室的外墙。",
        width: 64,
        height: 48,
        blurhash: expect.stringMatching(/^.{28}$/),
      });
      expect(images.hits.get("/uploads/2022/04/1-668.jpg")).toBe(1);
      // Herald serves the copy itself, for good.
      const copy = await fetch(attachment!.url);
      expect(copy.status).toBe(200);
      expect(copy.headers.get("content-type")).toBe("image/jpeg");
      expect(copy.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(copy.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await copy.arrayBuffer()).equals(jpeg)).toBe(true);
      // The page shows the copy, captioned; the original stays recorded as the source.
      const page = await (await fetch(`${herald.origin}/articles/reprint/`)).text();
      expect(page).toContain(
        `<img src="${attachment!.url}" alt="阿里巴巴在北京办公室的外墙。" width="64" height="48"`,
      );
      expect(page).toContain("<figcaption>阿里巴巴在北京办公室的外墙。</figcaption>");
      expect((await herald.server.library.get("reprint"))?.cover?.source).toBe(original);
      // Later scans neither fetch again nor send an Update (it would be queued by the tick).
      await herald.server.tick();
      await drained(herald.server);
      expect(images.hits.get("/uploads/2022/04/1-668.jpg")).toBe(1);
      expect(
        inbox.accepted.filter((d) => (d.activity.object as Json | undefined)?.id === objectId),
      ).toHaveLength(1);
    });

    it("attaches a remote cover by its original URL, typed by its extension, when its site is down", async () => {
      const down = await startImageServer();
      const original = `${down.origin}/photos/storm.webp`;
      await down.close();
      herald.write(
        "offline.md",
        [
          "---",
          "title: 断网的封面",
          `cover: ${original}`,
          "cover_alt: 风暴中的海堤",
          "---",
          "",
          "正文。",
        ].join("\n"),
      );
      await herald.server.tick();
      const objectId = `${herald.origin}/objects/offline`;
      const [delivery] = await inbox.waitFor(
        (d) => d.activity.type === "Create" && (d.activity.object as Json).id === objectId,
      );
      expect(mastodonAttachments(delivery!.activity.object as Json)).toEqual([
        {
          url: original,
          mediaType: "image/webp",
          description: "风暴中的海堤",
          width: undefined,
          height: undefined,
          blurhash: undefined,
        },
      ]);
      // The operator is told, and the fetch is tried again later.
      const status = await liveStatus(herald.server.herald);
      expect(status.covers).toEqual([
        expect.objectContaining({ path: "offline.md", source: original, state: "failed", reason: "network" }),
      ]);
      expect(formatStatus(status, "UTC")).toMatch(/Covers: 1 not fetched/);
    });
  },
);

describe.each([
  ["cavage-only", false],
  ["cavage-only with silent drop of RFC 9421", true],
])("a peer that only reads draft-cavage (%s)", (_label, silentDrop) => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "cavage-only", silentDrop });
    herald = await startHerald();
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("gets a verified Accept and the Create", async () => {
    const { accept } = await follow(inbox, herald, "alice");
    expect(accept.verifiedWith).toBe("cavage");
    herald.write("hello.md", "---\ntitle: Hello\nlang: en\n---\n\nFirst post.\n");
    await herald.server.tick();
    const objectId = `${herald.origin}/objects/hello`;
    const [create] = await inbox.waitFor(
      (d) => (d.activity.object as Json | undefined)?.id === objectId,
      15_000,
    );
    expect(create!.verifiedWith).toBe("cavage");
    expect(create!.activity.type).toBe("Create");
    // Herald knocks with draft-cavage first, so nothing was ever refused or dropped.
    await drained(herald.server);
    expect(inbox.rejected).toEqual([]);
  });
});

describe("manual approval", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  beforeAll(async () => {
    inbox = await startVerifyingInbox();
    herald = await startHerald({ bot: { manualApproval: true } });
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("stores the follower as pending and sends no Accept", async () => {
    const actor = await getJson(herald.actorUrl);
    expect(actor.manuallyApprovesFollowers).toBe(true);
    const alice = inbox.actor("alice");
    const res = await inbox.signedPost(`${herald.origin}/inbox`, followActivity(inbox, herald, "alice"), {
      scheme: "cavage",
    });
    expect(res.status).toBe(202);
    // The Follow is handled from the queue, and an Accept would be queued before it is done.
    await drained(herald.server);
    expect((await herald.server.storage.federation.getFollower(alice.id))?.state).toBe("pending");
    expect(inbox.accepted).toEqual([]);
    expect(await herald.server.storage.federation.countFollowers("accepted")).toBe(0);
  });
});
