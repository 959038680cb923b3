// Mastodon's `blurhash`, which Fedify's Image lacks, through every serialisation Herald's posts go
// through: the stored JSON-LD, the activity rebuilt from the ledger, signed with an Object Integrity
// Proof (which must still verify) and compacted for the wire.
import { generateCryptoKeyPair, signObject, verifyProof } from "@fedify/fedify";
import { Activity, DataIntegrityProof, Multikey, Note } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import type { Article } from "../../src/content/model.ts";
import { blurhashesIn, withBlurhashes } from "../../src/federation/blurhash.ts";
import { createActivity, type ObjectContext, toPost, toStoredJson } from "../../src/federation/objects.ts";
import { siteUrls } from "../../src/urls.ts";
import { makeArticle } from "../feeds/fixtures.ts";

type Json = Record<string, unknown>;
const HASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";
const COVER = "https://news.example.org/media/0123.jpg";
const urls = siteUrls("https://news.example.org/");
const ctx = (objectType: "note" | "article"): ObjectContext => ({
  urls,
  actorId: new URL("https://news.example.org/users/news"),
  followersId: new URL("https://news.example.org/users/news/followers"),
  objectType,
  visibility: "public",
});

function article(blurhash?: string): Article {
  return makeArticle({
    id: "harbor",
    url: "https://news.example.org/articles/harbor/",
    title: "Harbor",
    summary: "Boats.",
    contentHtml: "<p>Boats.</p>",
    cover: {
      url: COVER,
      alt: "The quay",
      mediaType: "image/jpeg",
      width: 4,
      height: 3,
      ...(blurhash ? { blurhash } : {}),
    },
    published: "2026-01-01T00:00:00.000Z",
    updated: "2026-01-01T00:00:00.000Z",
    contentHash: "h",
  });
}

const images = (json: Json): Json[] => {
  const object = json.object as Json;
  const preview = object.preview as Json | undefined;
  return [object.attachment, object.image, preview?.attachment].flat().filter(Boolean) as Json[];
};

describe("blurhash on the wire", () => {
  it.each(["note", "article"] as const)(
    "survives storing, rebuilding and signing a %s, and the proof verifies",
    async (type) => {
      const post = toPost(article(HASH), ctx(type), { published: new Date("2026-01-02T00:00:00Z") });
      const stored = await toStoredJson(createActivity(post, ctx(type)));
      expect(images(stored).length).toBe(type === "note" ? 1 : 3);
      for (const image of images(stored)) expect(image.blurhash).toBe(HASH);
      expect((stored["@context"] as unknown[]).at(-1)).toMatchObject({
        toot: "http://joinmastodon.org/ns#",
        blurhash: "toot:blurhash",
      });

      // What the publisher does before handing it to Fedify, and what Fedify does to send it.
      const rebuilt = withBlurhashes(await Activity.fromJsonLd(stored), blurhashesIn(stored));
      const keys = await generateCryptoKeyPair("Ed25519");
      const keyId = new URL("https://news.example.org/users/news#ed25519-key");
      const signed = await signObject(rebuilt, keys.privateKey, keyId);
      const wire = (await signed.toJsonLd({ format: "compact" })) as Json;
      expect(images(wire).length).toBe(type === "note" ? 1 : 3);
      for (const image of images(wire)) expect(image.blurhash).toBe(HASH);
      expect(wire.proof).toBeDefined();

      const multikey = await new Multikey({
        id: keyId,
        controller: new URL("https://news.example.org/users/news"),
        publicKey: keys.publicKey,
      }).toJsonLd({ format: "compact" });
      const documentLoader = async (url: string) => {
        if (url !== keyId.href) throw new Error(`unexpected fetch of ${url}`);
        return { contextUrl: null, documentUrl: url, document: multikey };
      };
      const proof = await DataIntegrityProof.fromJsonLd(wire.proof as Json);
      expect(await verifyProof(wire, proof, { documentLoader })).not.toBeNull();
      // And a changed blurhash breaks it: the proof covers it.
      const tampered = structuredClone(wire);
      const attachment = [(tampered.object as Json).attachment].flat()[0] as Json;
      attachment.blurhash = "L00000fQfQfQfQfQfQfQfQfQfQfQ";
      expect(await verifyProof(tampered, proof, { documentLoader })).toBeNull();
    },
  );

  it("leaves a post without a blurhash as Fedify makes it", async () => {
    const post = toPost(article(), ctx("note"), { published: new Date("2026-01-02T00:00:00Z") });
    expect(Object.getPrototypeOf(post)).toBe(Note.prototype);
    const json = (await post.toJsonLd({ format: "compact" })) as Json;
    expect(JSON.stringify(json)).not.toContain("blurhash");
  });
});
