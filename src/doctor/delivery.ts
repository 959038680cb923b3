// A signed test delivery to the account's own inbox, as a remote server delivers: signed with the
// account's key (draft-cavage, what Mastodon and Herald's own deliveries use first) and posted through
// the public address. 2xx means the proxy passed the request intact (body, Digest, Date, Signature),
// Herald fetched the signer's key through its public address and verified the signature.
//
// What is sent is a `View` of the actor by the actor: a real activity type that Herald, like Mastodon,
// acknowledges and ignores (federation/inbox/listeners.ts: the catch-all `Activity` listener). It
// creates no follower and no interaction, sends nothing anywhere, and its fixed id lets Fedify drop
// repeats after the first run (the signature is still verified each time, before that). A Follow,
// Like or Create would change state; a signed GET of the actor would prove nothing, since Herald
// does not require one.
// The private key is used here and nowhere else: never printed, logged or put in the report.
import { createPublicKey } from "node:crypto";
import { bodyDigest, signingKey, signPost } from "../net/signing.ts";
import type { StoredKey } from "../store/types.ts";
import { ACTOR_ROUTES } from "../urls.ts";
import type { ActorFacts } from "./actor.ts";
import { excerpt, type Prober, unreachable } from "./probe.ts";
import { type CheckResult, fail, failed, pass, warn } from "./report.ts";

/** The stored RSA key pair, and where it was read from (a file or a database, for messages). */
export interface SigningKeySource {
  location: string;
  /** Undefined when the store has no key (Herald never started on it) or does not exist. */
  read(): Promise<StoredKey | undefined>;
}

export interface DeliveryInput {
  target: URL;
  actorUrl: string;
  /** The actor as served, when the actor check could read it. */
  actor: ActorFacts | undefined;
  /** Whether the actor check passed: Herald fetches its own key from the actor, as anyone does. */
  actorOk: boolean;
  keys: SigningKeySource;
}

export async function checkDelivery(prober: Prober, input: DeliveryInput): Promise<CheckResult> {
  const { actorUrl, actor, keys } = input;
  let key: StoredKey | undefined;
  try {
    key = await keys.read();
  } catch (error) {
    return warn(
      "delivery",
      `Not tested: the store ${keys.location} could not be read (${(error as Error).message}).`,
      "Run doctor on the server, with its config and database.",
    );
  }
  if (key === undefined)
    return warn(
      "delivery",
      `Not tested: ${keys.location} holds no signing key (Herald has not started on it, or this is not the server's store).`,
      "Run doctor where Herald runs, with the same --config (data.dir or DATABASE_URL).",
    );
  if (actor?.publicKey && !sameKey(actor.publicKey.pem, key.publicJwk))
    return fail(
      "delivery",
      `The actor publishes another public key than the one in ${keys.location}: doctor reads another store than the server, or the server's keys were replaced.`,
      "Run doctor with the server's config (--config, data.dir, DATABASE_URL). If the keys were replaced, restore the old store from a backup: followers' servers keep the old key.",
    );
  const keyId = actor?.publicKey?.id ?? `${actorUrl}#main-key`;
  const inbox = actor?.sharedInbox ?? actor?.inbox ?? new URL(ACTOR_ROUTES.sharedInbox, input.target).href;
  const body = JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actorUrl}#doctor-probe`,
    type: "View",
    actor: actorUrl,
    object: actorUrl,
  });
  let headers: Record<string, string>;
  try {
    headers = await sign(inbox, body, key, keyId);
  } catch {
    // The error could quote what it failed on: only the fact is reported.
    return fail(
      "delivery",
      `The RSA key in ${keys.location} could not be used to sign.`,
      "The store is damaged: restore it from a backup.",
    );
  }
  const probe = await prober.fetch(inbox, { method: "POST", headers, body: Buffer.from(body) });
  if (!probe.ok) return failed("delivery", unreachable(probe));
  const { status } = probe.exchange;
  const answer = `${inbox} answered the signed test delivery with ${status}`;
  if (status >= 200 && status <= 299)
    return pass(
      "delivery",
      `${answer}: the proxy kept the signed request intact, and Herald verified it with the key at ${keyId}.`,
    );
  if (status >= 300 && status <= 399)
    return fail(
      "delivery",
      `${answer} (to ${probe.exchange.headers.location ?? "nowhere"}): servers do not follow redirects when they deliver.`,
      "Set site.url to the address that answers, and let the proxy forward POST requests there unchanged.",
    );
  if (status === 401)
    return fail(
      "delivery",
      `${answer} (${excerpt(probe.exchange)}): Herald did not verify the signature.`,
      input.actorOk
        ? `Either the proxy changes the request (the body, or the Signature, Digest, Date or Host headers), the clocks differ (see the clock check), or Herald cannot fetch its own key from ${keyId} (a server that cannot reach its own public address: hairpin NAT, split DNS; make the name resolve to an address it reaches, or list that address in federation.allowAddresses). Herald's log says which ("inbox request refused", or Fedify's "Failed to verify the request's HTTP Signatures").`
        : `Herald fetches the signer's key from ${keyId}, the actor, through the same address, and the actor check failed there: fix that first.`,
    );
  if (status === 413)
    return fail(
      "delivery",
      `${answer}: the proxy refuses the body as too large.`,
      "Raise the proxy's body limit to at least 1 MB (nginx: client_max_body_size 2m;).",
    );
  if (status === 429 || status === 503)
    return warn(
      "delivery",
      `${answer}: Herald or the proxy is busy or rate-limiting.`,
      "Run doctor again in a minute; if it persists, see Herald's log.",
    );
  if (status === 404 || status === 405)
    return fail(
      "delivery",
      `${answer}: POST ${new URL(inbox).pathname} does not reach Herald.`,
      "Forward POST requests to /inbox and /users/ to Herald (location / { proxy_pass … } covers both).",
    );
  return fail(
    "delivery",
    `${answer} (${excerpt(probe.exchange)}).`,
    "See Herald's log and the proxy's error log for this request.",
  );
}

/** The headers of a POST of `body` to `inbox`, signed as Herald signs its deliveries (draft-cavage). */
async function sign(
  inbox: string,
  body: string,
  key: StoredKey,
  keyId: string,
): Promise<Record<string, string>> {
  // The signer of Herald's real deliveries (delivery.ts), with the key id the actor publishes.
  const signer = { ...(await signingKey(key.privateJwk, new URL(keyId))), keyId: new URL(keyId) };
  const signature = await signPost(
    signer,
    new URL(inbox),
    bodyDigest(new TextEncoder().encode(body)),
    "application/activity+json",
    "draft-cavage-http-signatures-12",
  );
  return { accept: "application/activity+json", ...signature };
}

/** Whether a served PEM is the stored public key (RSA: same modulus and exponent). */
function sameKey(pem: string, stored: JsonWebKey): boolean {
  try {
    const served = createPublicKey(pem).export({ format: "jwk" });
    return served.n === stored.n && served.e === stored.e;
  } catch {
    return false;
  }
}
