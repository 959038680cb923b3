// Attacks on quote consent (FEP-044f): QuoteRequests that are unsigned, signed by someone other than
// their actor, about a quote post on another server (named, or embedded claiming to be elsewhere), about
// someone else's post, huge or deeply nested; and stamps looked for by guessing. A real Herald on
// loopback (SQLite) and fake remote actors that sign with independent code (tests/helpers/inbox.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stampId } from "../../src/federation/quotes.ts";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

let herald: HeraldUnderTest;
let remote: VerifyingInbox;
let objectUrl: string;
let inbox: string;

beforeAll(async () => {
  remote = await startVerifyingInbox({ hostname: "127.0.0.1" });
  herald = await startHerald({ federation: { quotes: "everyone" } });
  herald.write("talk/index.md", "---\ntitle: Talk\ndate: 2026-01-02\nlang: en\n---\n\nBody.\n");
  await herald.server.tick();
  await drained(herald.server);
  objectUrl = `${herald.origin}/objects/talk`;
  inbox = `${herald.origin}/inbox`;
}, 60_000);

afterAll(async () => {
  await herald?.stop();
  await remote?.close();
});

/** As Mastodon sends it: the FEP-044f terms beside ActivityStreams. */
const CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest" },
];

const quotes = () => herald.server.storage.quotes;

function request(as: string, n: number, instrument: unknown, object: string = objectUrl) {
  const actor = remote.actorUrl(as);
  return {
    "@context": CONTEXT,
    id: `${actor}/quote-requests/${n}`,
    type: "QuoteRequest",
    actor,
    object,
    instrument,
  };
}

/** The answers Herald delivered to `as` about request `n` (after everything queued was handled). */
async function answers(as: string, n: number): Promise<string[]> {
  await drained(herald.server);
  const id = `${remote.actorUrl(as)}/quote-requests/${n}`;
  return remote.accepted
    .filter((d) => JSON.stringify(d.activity.object ?? "").includes(id))
    .map((d) => String(d.activity.type));
}

describe("QuoteRequest", () => {
  it("grants a stamp to a well-formed request (the control case)", async () => {
    const quote = `${remote.actorUrl("ann")}/statuses/1`;
    const res = await remote.signedPost(inbox, request("ann", 1, quote), { scheme: "cavage", as: "ann" });
    expect(res.status).toBe(202);
    expect(await answers("ann", 1)).toEqual(["Accept"]);
    expect(await quotes().getStamp(stampId("talk", quote))).toBeDefined();
  });

  it("ignores an unsigned request", async () => {
    const quote = `${remote.actorUrl("eve")}/statuses/2`;
    const res = await fetch(inbox, {
      method: "POST",
      headers: { "content-type": "application/activity+json" },
      body: JSON.stringify(request("eve", 2, quote)),
    });
    expect(res.status).toBe(401);
    expect(await answers("eve", 2)).toEqual([]);
    expect(await quotes().getStamp(stampId("talk", quote))).toBeUndefined();
  });

  it("ignores a request whose actor is not its signer", async () => {
    // Mallory signs a QuoteRequest that names Bob as its actor: Bob would be granted a stamp he never asked for.
    const quote = `${remote.actorUrl("bob")}/statuses/3`;
    const res = await remote.signedPost(inbox, request("bob", 3, quote), {
      scheme: "cavage",
      as: "mallory",
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await answers("bob", 3)).toEqual([]);
    expect(await quotes().getStamp(stampId("talk", quote))).toBeUndefined();
  });

  it("rejects a quote post on another server", async () => {
    const quote = "http://localhost:9/users/victim/statuses/4";
    const res = await remote.signedPost(inbox, request("mallory", 4, quote), {
      scheme: "cavage",
      as: "mallory",
    });
    expect(res.status).toBe(202);
    expect(await answers("mallory", 4)).toEqual(["Reject"]);
    expect(await quotes().getStamp(stampId("talk", quote))).toBeUndefined();
  });

  it("rejects an embedded quote post whose id is on another server, whatever it claims", async () => {
    const quote = "http://localhost:9/users/victim/statuses/5";
    const embedded = {
      id: quote,
      type: "Note",
      attributedTo: remote.actorUrl("mallory"),
      content: "I am Mallory's, honest",
    };
    const res = await remote.signedPost(inbox, request("mallory", 5, embedded), {
      scheme: "cavage",
      as: "mallory",
    });
    expect(res.status).toBe(202);
    expect(await answers("mallory", 5)).not.toContain("Accept");
    expect(await quotes().getStamp(stampId("talk", quote))).toBeUndefined();
  });

  it("grants nothing for a post that is not Herald's", async () => {
    const quote = `${remote.actorUrl("mallory")}/statuses/6`;
    const objects = [
      "http://localhost:9/objects/talk",
      `${herald.origin}.evil.example/objects/talk`,
      `${herald.origin}@127.0.0.1/objects/talk`,
      `${herald.origin}/objects/nope`,
      `${herald.origin}/objects/talk/../nope`,
      `${herald.origin}/objects/%E0%A4%A`,
      `${herald.origin}/objects/@news/nope`,
      remote.actorUrl("ann"),
    ];
    for (const [i, object] of objects.entries()) {
      const res = await remote.signedPost(inbox, request("mallory", 60 + i, quote, object), {
        scheme: "cavage",
        as: "mallory",
      });
      // Fedify answers 400 to an object id that is no URL; else the inbox takes it.
      expect([202, 400], object).toContain(res.status);
    }
    for (const [i, object] of objects.entries())
      expect(await answers("mallory", 60 + i), object).not.toContain("Accept");
    expect(await quotes().getStamp(stampId("talk", quote))).toBeUndefined();
    expect(await quotes().getStamp(stampId("nope", quote))).toBeUndefined();
  });

  it("refuses a huge or deeply nested request, and goes on answering", async () => {
    const quote = `${remote.actorUrl("mallory")}/statuses/7`;
    const huge = { ...request("mallory", 7, quote), content: "x".repeat(1_100_000) };
    const big = await remote.signedPost(inbox, huge, { scheme: "cavage", as: "mallory" });
    expect(big.status).toBe(413);
    // 20,000 nested arrays: written as text (JSON.stringify of such a value overflows the stack).
    const valid = JSON.stringify(request("mallory", 7, quote));
    const nested = `${valid.slice(0, -1)},"tag":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const deep = await remote.signedPost(inbox, {}, { scheme: "cavage", as: "mallory", rawBody: nested });
    expect(deep.status).toBe(400);
    expect(await answers("mallory", 7)).toEqual([]);
    expect((await fetch(`${herald.origin}/users/news`)).status).toBe(200);
  });
});

describe("stamps", () => {
  const stampUrl = (user: string, id: string) => `${herald.origin}/users/${user}/quote-authorizations/${id}`;
  const get = (url: string) => fetch(url, { headers: { accept: "application/activity+json" } });

  it("serves a granted stamp naming the quote and the post", async () => {
    const quote = `${remote.actorUrl("ann")}/statuses/1`;
    const res = await get(stampUrl("news", stampId("talk", quote)));
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json.type).toBe("QuoteAuthorization");
    expect(json.interactingObject).toBe(quote);
    expect(json.interactionTarget).toBe(objectUrl);
  });

  it("serves nothing for guessed, traversing, or other accounts' stamp ids", async () => {
    const real = stampId("talk", `${remote.actorUrl("ann")}/statuses/1`);
    for (const url of [
      stampUrl("news", "0".repeat(32)),
      stampUrl("news", real.slice(0, 31)),
      stampUrl("news", real.toUpperCase()),
      stampUrl("news", `${real}%00`),
      stampUrl("news", `..%2F..%2Fobjects%2Ftalk`),
      `${herald.origin}/users/news/quote-authorizations/../../objects/talk%23`,
      stampUrl("nobody", real),
      stampUrl("NEWS", real),
      stampUrl("news", "x".repeat(5_000)),
    ]) {
      const res = await get(url);
      const text = await res.text();
      expect(res.status, url).not.toBe(200);
      expect(text).not.toContain("QuoteAuthorization");
    }
  });
});

describe("malformed object ids", () => {
  it("drop a Like or a reply of a malformed object id instead of failing and retrying it", async () => {
    const bad = `${herald.origin}/objects/%E0%A4%A`;
    const actor = remote.actorUrl("mallory");
    const like = await remote.signedPost(
      inbox,
      { id: `${actor}#like-bad`, type: "Like", object: bad },
      { scheme: "cavage", as: "mallory" },
    );
    expect(like.status).toBe(202);
    const reply = await remote.signedPost(
      inbox,
      {
        id: `${actor}/statuses/bad/activity`,
        type: "Create",
        object: {
          id: `${actor}/statuses/bad`,
          type: "Note",
          attributedTo: actor,
          inReplyTo: bad,
          content: "x",
        },
      },
      { scheme: "cavage", as: "mallory" },
    );
    expect(reply.status).toBe(202);
    // A listener that threw leaves its message queued for a retry: drained() would then time out.
    await drained(herald.server);
    const kept = await herald.server.storage.federation.listInteractions("talk");
    expect(kept.filter((i) => i.actorId === actor)).toEqual([]);
  });
});
