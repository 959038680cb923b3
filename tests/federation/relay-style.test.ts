// Which relay protocol a configured URL names (FEP-ae0c): LitePub relays by their actor, Mastodon-style
// relays by their inbox.
import { describe, expect, it } from "vitest";
import { relayStyle } from "../../src/federation/relay-style.ts";

describe("relayStyle", () => {
  it("takes an actor (…/actor, Pleroma's and Akkoma's …/relay) for LitePub and anything else for an inbox", () => {
    expect(relayStyle("https://relay.example/actor")).toBe("litepub");
    expect(relayStyle("https://relay.example/actor/")).toBe("litepub");
    expect(relayStyle("https://pleroma.example/relay")).toBe("litepub");
    expect(relayStyle("https://relay.example/inbox")).toBe("mastodon");
    expect(relayStyle("https://relay.example/relay/inbox")).toBe("mastodon");
    expect(relayStyle("https://relay.example/actors")).toBe("mastodon");
    expect(relayStyle("https://relay.example/inbox?actor")).toBe("mastodon");
  });
});
