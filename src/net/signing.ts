// HTTP signatures for deliveries, made with a non-extractable key. Fedify's `signRequest` refuses a
// key that can be exported (it validates every key as extractable), and the outbox promise is that
// the private key, once loaded, can sign and nothing else: so Herald signs its POSTs here, by the two
// specifications receivers verify.
// - draft-cavage-http-signatures-12, what Mastodon and most servers read: `(request-target) host date
//   digest`, rsa-sha256.
// - RFC 9421 (HTTP Message Signatures), for servers that refuse the first: `@method @target-uri
//   @authority content-type content-digest`, rsa-v1_5-sha256, with `created`.
// Both are checked against independent verifiers in tests (tests/helpers/inbox.ts, activitypub.bot).
import { createHash } from "node:crypto";

export type SignatureSpec = "draft-cavage-http-signatures-12" | "rfc9421";

export interface SigningKey {
  keyId: URL;
  /** RSASSA-PKCS1-v1_5 with SHA-256, non-extractable: it can sign, and nothing can read it back out. */
  privateKey: CryptoKey;
}

/** Imports the actor's RSA private key for signing only: non-extractable, once per process. */
export async function signingKey(privateJwk: JsonWebKey, actorUri: URL): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    privateJwk,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  // Fedify names an actor's first key pair #main-key: the RSA one (keys.ts), in the actor document.
  return { keyId: new URL("#main-key", actorUri), privateKey };
}

/** The SHA-256 of a body, base64: computed once per fan-out, for every delivery of it. */
export function bodyDigest(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64");
}

/**
 * The headers that sign a POST of a body (whose digest is `digest`) to `url`, by `spec`. `headers`
 * are the request's own (content type and the rest): they are sent as they are, and the content
 * type is signed under RFC 9421.
 */
export async function signPost(
  key: SigningKey,
  url: URL,
  digest: string,
  contentType: string,
  spec: SignatureSpec,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  if (spec === "rfc9421") {
    const contentDigest = `sha-256=:${digest}:`;
    const components = ['"@method"', '"@target-uri"', '"@authority"', '"content-type"', '"content-digest"'];
    const params = `(${components.join(" ")});alg="rsa-v1_5-sha256";keyid="${quoted(key.keyId.href)}";created=${Math.floor(now.getTime() / 1000)}`;
    const base = [
      `"@method": POST`,
      `"@target-uri": ${url.href}`,
      `"@authority": ${url.host}`,
      `"content-type": ${contentType}`,
      `"content-digest": ${contentDigest}`,
      `"@signature-params": ${params}`,
    ].join("\n");
    return {
      "content-type": contentType,
      "content-digest": contentDigest,
      "signature-input": `sig1=${params}`,
      signature: `sig1=:${await sign(key, base)}:`,
    };
  }
  const date = now.toUTCString();
  const digestHeader = `SHA-256=${digest}`;
  const base = [
    `(request-target): post ${url.pathname}${url.search}`,
    `host: ${url.host}`,
    `date: ${date}`,
    `digest: ${digestHeader}`,
  ].join("\n");
  return {
    "content-type": contentType,
    host: url.host,
    date,
    digest: digestHeader,
    signature: `keyId="${key.keyId.href}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${await sign(key, base)}"`,
  };
}

async function sign(key: SigningKey, base: string): Promise<string> {
  const signature = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    key.privateKey,
    new TextEncoder().encode(base),
  );
  return Buffer.from(signature).toString("base64");
}

/** A structured-field string's content: backslash and double quote escaped. */
function quoted(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}
