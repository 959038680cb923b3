// Quote consent (FEP-044f) judged by a Mastodon-style verifying inbox: the policy each post
// advertises, QuoteRequest → Accept with a dereferenceable QuoteAuthorization stamp or Reject, and
// the stamp's revocation when its article is retracted.
import { createSign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retractOn } from "../../src/ops/actions.ts";
import { type FakeActor, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, followAs, type HeraldUnderTest, startHerald, type TestStore } from "./setup.ts";

type Json = Record<string, unknown>;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AS = "https://www.w3.org/ns/activitystreams";
// What Mastodon 4.5 puts in the @context of a QuoteRequest.
const QUOTE_CONTEXT = [
  AS,
  {
    QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest",
    quote: { "@id": "https://w3id.org/fep/044f#quote", "@type": "@id" },
  },
];

let serial = 0;

/**
 * A GET signed as Mastodon signs its fetches (draft-cavage, rsa-sha256 over `(request-target) host
 * date accept`), which servers in secure mode require: Mastodon fetches a stamp this way.
 */
async function signedGet(url: string, actor: FakeActor): Promise<Response> {
  const target = new URL(url);
  const headers: Record<string, string> = {
    host: target.host,
    date: new Date().toUTCString(),
    accept: "application/activity+json",
  };
  const signingString = [
    `(request-target): get ${target.pathname}${target.search}`,
    `host: ${headers.host}`,
    `date: ${headers.date}`,
    `accept: ${headers.accept}`,
  ].join("\n");
  const signature = createSign("RSA-SHA256").update(signingString).sign(actor.privateKey, "base64");
  headers.signature = `keyId="${actor.keyId}",algorithm="rsa-sha256",headers="(request-target) host date accept",signature="${signature}"`;
  return fetch(url, { headers });
}

describe.each<TestStore>(["sqlite", "postgres"])(
  "quote consent (FEP-044f) on %s, with a verifying inbox",
  (store) => {
    let herald: HeraldUnderTest;
    let inbox: VerifyingInbox;
    const fed = () => herald.server.storage.federation;
    const objectUrl = (id: string) => `${herald.origin}/objects/${id}`;

    /** Publishes an article and answers its Note as the follower alice received it. */
    async function publish(id: string, frontMatter: string[] = []): Promise<Json> {
      herald.write(
        `${id}.md`,
        [
          "---",
          `title: ${id}`,
          `id: ${id}`,
          "date: 2020-03-01",
          ...frontMatter,
          "---",
          "",
          `Body of ${id}.`,
        ].join("\n"),
      );
      await herald.server.tick();
      const [create] = await inbox.waitFor(
        (d) => d.activity.type === "Create" && (d.activity.object as Json).id === objectUrl(id),
      );
      return create!.activity.object as Json;
    }

    /** Sends a QuoteRequest as `name` for `articleId`; answers Herald's verified Accept or Reject of it. */
    async function requestQuote(name: string, articleId: string, quoteOn?: string) {
      const actor = inbox.actor(name);
      const quoteId = `${quoteOn ?? actor.id}/notes/${++serial}`;
      const request = {
        "@context": QUOTE_CONTEXT,
        // On the asker's server, as Mastodon makes it (the inbox refuses ids on other servers).
        id: `${actor.id}#quote-request-${serial}`,
        type: "QuoteRequest",
        actor: actor.id,
        object: objectUrl(articleId),
        instrument: {
          id: quoteId,
          type: "Note",
          attributedTo: actor.id,
          content: "<p>Worth reading.</p>",
          quote: objectUrl(articleId),
          to: PUBLIC,
        },
      };
      const res = await inbox.signedPost(`${herald.origin}/inbox`, request, { scheme: "cavage", as: name });
      expect(res.status).toBe(202);
      const [answer] = await inbox.waitFor(
        (d) =>
          (d.activity.type === "Accept" || d.activity.type === "Reject") &&
          (d.activity.object as Json | undefined)?.id === request.id,
      );
      expect(answer!.keyOwner).toBe(herald.actorUrl);
      expect(answer!.path).toBe(`/users/${name}/inbox`);
      return { request, quoteId, answer: answer!.activity };
    }

    beforeAll(async () => {
      inbox = await startVerifyingInbox({ mode: "any" });
      herald = await startHerald({ federation: { quotes: "everyone" } }, undefined, store);
      // alice follows; bob does not.
      await followAs(inbox, herald.origin, "alice", herald.actorUrl, `${inbox.actorUrl("alice")}#follow-1`);
    });
    afterAll(async () => {
      await herald?.stop();
      await inbox?.close();
    });

    it("advertises canQuote per the configured policy and each article's front matter", async () => {
      const open = await publish("open");
      // Compact JSON-LD, as Herald always sent it; Mastodon reads as:Public as the public collection.
      expect(open.interactionPolicy).toEqual({ canQuote: { automaticApproval: "as:Public" } });
      const followersOnly = await publish("followers-only", ["quotes: followers"]);
      expect(followersOnly.interactionPolicy).toEqual({
        canQuote: { automaticApproval: `${herald.actorUrl}/followers` },
      });
      const closed = await publish("closed", ["quotes: nobody"]);
      expect(closed.interactionPolicy).toEqual({ canQuote: { automaticApproval: herald.actorUrl } });
    });

    it("accepts a quote with a stamp that a verifier can fetch and check, and records it", async () => {
      const { request, quoteId, answer } = await requestQuote("bob", "open");
      expect(answer).toMatchObject({
        type: "Accept",
        actor: herald.actorUrl,
        to: inbox.actorUrl("bob"),
        object: { type: "QuoteRequest", id: request.id, actor: inbox.actorUrl("bob"), instrument: quoteId },
      });
      const stampUrl = answer.result as string;
      expect(stampUrl).toMatch(new RegExp(`^${herald.actorUrl}/quote-authorizations/[0-9a-f]{32}$`));
      // As Mastodon's VerifyQuoteService does: fetch the stamp (signed), check type, author, both objects.
      const res = await signedGet(stampUrl, inbox.actor("bob"));
      expect(res.status).toBe(200);
      const stamp = (await res.json()) as Json;
      expect(stamp).toMatchObject({
        id: stampUrl,
        type: "QuoteAuthorization",
        attributedTo: herald.actorUrl,
        interactingObject: quoteId,
        interactionTarget: objectUrl("open"),
      });
      // The same request again gets the same stamp (a retry is the same answer).
      expect(JSON.stringify(stamp["@context"])).toContain("https://w3id.org/fep/044f");
      expect(await fed().listInteractions("open", { kinds: ["quote"] })).toEqual([
        expect.objectContaining({ id: request.id, actorId: inbox.actorUrl("bob"), url: quoteId }),
      ]);
    });

    it("rejects a non-follower's quote of a followers-only post, and accepts a follower's", async () => {
      const bob = await requestQuote("bob", "followers-only");
      expect(bob.answer).toMatchObject({
        type: "Reject",
        actor: herald.actorUrl,
        object: { id: bob.request.id },
      });
      expect(bob.answer).not.toHaveProperty("result");
      const alice = await requestQuote("alice", "followers-only");
      expect(alice.answer.type).toBe("Accept");
      expect(
        (await fetch(alice.answer.result as string, { headers: { Accept: "application/activity+json" } }))
          .status,
      ).toBe(200);
    });

    it("rejects every quote of a post nobody may quote, followers included", async () => {
      const alice = await requestQuote("alice", "closed");
      expect(alice.answer.type).toBe("Reject");
      expect(await fed().listInteractions("closed", { kinds: ["quote"] })).toEqual([]);
    });

    it("rejects a quote post that is not the asker's, and a post Herald does not have", async () => {
      // A stamp names the quote post: one for a post on another server would vouch for someone else's.
      const forged = await requestQuote("bob", "open", "https://elsewhere.example/users/bob");
      expect(forged.answer.type).toBe("Reject");
      const missing = await requestQuote("alice", "nosuch");
      expect(missing.answer.type).toBe("Reject");
    });

    it("revokes the stamps of a retracted article: 404, and a Delete of the stamp to the quoter", async () => {
      const { answer, quoteId } = await requestQuote("carol", "open");
      const stampUrl = answer.result as string;
      const result = await retractOn(herald.server.herald, herald.server.tick, "open");
      expect(result.ok).toBe(true);
      const deletes = await inbox.waitFor(
        (d) => d.activity.type === "Delete" && d.activity.object === stampUrl,
      );
      expect(deletes).toHaveLength(1);
      expect(deletes[0]!.path).toBe("/users/carol/inbox");
      expect(deletes[0]!.activity).toMatchObject({ actor: herald.actorUrl, to: inbox.actorUrl("carol") });
      expect(deletes[0]!.keyOwner).toBe(herald.actorUrl);
      const res = await fetch(stampUrl, { headers: { Accept: "application/activity+json" } });
      expect(res.status).toBe(404);
      // bob's stamp for the same article is revoked too, each once, however often a scan runs.
      await herald.server.tick();
      await drained(herald.server);
      const stampDeletes = inbox.accepted.filter(
        (d) => d.activity.type === "Delete" && String(d.activity.object).includes("/quote-authorizations/"),
      );
      expect(stampDeletes.map((d) => d.path).sort()).toEqual(["/users/bob/inbox", "/users/carol/inbox"]);
      // A new request for the retracted post is refused.
      const again = await requestQuote("carol", "open");
      expect(again.answer.type).toBe("Reject");
      expect(quoteId).not.toBe(again.quoteId);
    });
  },
);
