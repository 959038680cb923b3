// A QuoteRequest from an actor whose inbox is on a private address (the actor fetched from a public
// server, its inbox pointing inside the network): Herald keeps no stamp and sends nothing, as for a
// Follow. Herald here may reach the loopback peer (allowAddresses) and nothing else private.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald } from "./setup.ts";

type Json = Record<string, unknown>;

describe("a quote request whose actor's inbox Herald may not deliver to", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  const objectUrl = () => `${herald.origin}/objects/harbor`;

  const requestQuote = async (name: string) => {
    const actor = inbox.actor(name);
    const quoteId = `${actor.id}/notes/1`;
    const request = {
      "@context": [
        "https://www.w3.org/ns/activitystreams",
        { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest" },
      ],
      id: `${quoteId}#quote-request`,
      type: "QuoteRequest",
      actor: actor.id,
      object: objectUrl(),
      instrument: quoteId,
    };
    const res = await inbox.signedPost(`${herald.origin}/inbox`, request, { scheme: "cavage", as: name });
    expect(res.status).toBe(202);
    return request.id;
  };

  beforeAll(async () => {
    inbox = await startVerifyingInbox({
      mode: "any",
      // mallory's actor document names an inbox on a private address, and no shared inbox.
      actorDocument: (a, doc) =>
        a.name === "mallory" ? { ...doc, inbox: "http://10.9.9.9/inbox", endpoints: {} } : doc,
    });
    herald = await startHerald({
      federation: { allowPrivateAddress: false, allowAddresses: ["127.0.0.1"], quotes: "everyone" },
    });
    herald.write("harbor.md", ["---", "title: Harbor", "id: harbor", "---", "", "Text."].join("\n"));
    // The first scan puts the article in the outbox (not pushed): a post that can be quoted.
    await herald.server.tick();
    await drained(herald.server);
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("keeps no stamp and answers nothing, while an ordinary actor gets its Accept", async () => {
    const bad = await requestQuote("mallory");
    const good = await requestQuote("bob");
    const [accept] = await inbox.waitFor(
      (d) => d.activity.type === "Accept" && (d.activity.object as Json | undefined)?.id === good,
    );
    expect(accept!.path).toBe("/users/bob/inbox");
    await drained(herald.server);
    const answered = inbox.accepted.filter((d) => (d.activity.object as Json | undefined)?.id === bad);
    expect(answered).toEqual([]);
    const stamps = await herald.server.storage.quotes.liveStamps();
    expect(stamps.map((s) => s.actorId)).toEqual([inbox.actorUrl("bob")]);
  });
});
