// The pure parts of quote consent and aliases: what a stored post's canQuote lets in, and which
// alsoKnownAs entries need WebFinger.
import { describe, expect, it } from "vitest";
import { acctOf } from "../../src/federation/identity.ts";
import { quoteApprovals, stampId } from "../../src/federation/quotes.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

describe("quoteApprovals", () => {
  it("reads automaticApproval in every form compact JSON-LD gives it", () => {
    expect(quoteApprovals({ interactionPolicy: { canQuote: { automaticApproval: "as:Public" } } })).toEqual([
      PUBLIC,
    ]);
    expect(
      quoteApprovals({
        interactionPolicy: { canQuote: { automaticApproval: ["Public", "https://a.example/f"] } },
      }),
    ).toEqual([PUBLIC, "https://a.example/f"]);
    expect(
      quoteApprovals({
        interactionPolicy: { canQuote: { automaticApproval: { id: "https://a.example/u" } } },
      }),
    ).toEqual(["https://a.example/u"]);
  });

  it("lets nobody in when the post has no policy or a malformed one", () => {
    expect(quoteApprovals({})).toEqual([]);
    expect(quoteApprovals({ interactionPolicy: { canQuote: { automaticApproval: [1, null, {}] } } })).toEqual(
      [],
    );
    expect(quoteApprovals({ interactionPolicy: "open" })).toEqual([]);
  });
});

describe("stampId", () => {
  it("is the same for the same article and quote, and differs otherwise", () => {
    expect(stampId("a", "https://x.example/1")).toBe(stampId("a", "https://x.example/1"));
    expect(stampId("a", "https://x.example/1")).toMatch(/^[0-9a-f]{32}$/);
    expect(stampId("a", "https://x.example/1")).not.toBe(stampId("b", "https://x.example/1"));
    // No ambiguity from where one part ends.
    expect(stampId("a\nb", "c")).not.toBe(stampId("a", "b\nc"));
  });
});

describe("acctOf", () => {
  it("turns handles into acct: URIs and leaves actor URLs alone", () => {
    expect(acctOf("@news@mastodon.example")).toBe("acct:news@mastodon.example");
    expect(acctOf("news@mastodon.example")).toBe("acct:news@mastodon.example");
    expect(acctOf("https://mastodon.example/users/news")).toBeUndefined();
  });
});
