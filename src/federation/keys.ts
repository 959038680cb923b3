import { exportJwk, generateCryptoKeyPair, importJwk } from "@fedify/fedify";
import type { FederationStore, StoredKey } from "../store/types.ts";

export interface ActorKeyPairs {
  /** RSA first: Mastodon and most servers verify HTTP signatures with it. */
  rsa: CryptoKeyPair;
  /** Ed25519 for Object Integrity Proofs (FEP-8b32). */
  ed25519: CryptoKeyPair;
}

export class KeysMissingError extends Error {
  constructor(followers: number) {
    super(
      `The store has ${followers} follower(s) but no signing keys. Their servers know the old keys, and new ` +
        "ones would break delivery to them, so Herald will not generate any. Restore the store (data/herald.sqlite, " +
        "or the PostgreSQL database) from a backup, or remove the followers with `herald followers remove` if you really want to start over.",
    );
    this.name = "KeysMissingError";
  }
}

/**
 * Loads the actor's key pairs, generating them exactly once. Keys are forever: never regenerated
 * on redeploy, and never generated at all while followers exist without them.
 */
export async function loadOrCreateKeys(
  store: FederationStore,
  now: () => Date = () => new Date(),
): Promise<ActorKeyPairs> {
  const stored = new Map((await store.getKeys()).map((k) => [k.kind, k]));
  if (!stored.has("rsa")) {
    const followers = await store.countFollowers();
    if (followers > 0) throw new KeysMissingError(followers);
  }
  const fresh: StoredKey[] = [];
  for (const kind of ["rsa", "ed25519"] as const) {
    if (stored.has(kind)) continue;
    const pair = kind === "rsa" ? await generateRsa2048() : await generateCryptoKeyPair("Ed25519");
    fresh.push({
      kind,
      privateJwk: await exportJwk(pair.privateKey),
      publicJwk: await exportJwk(pair.publicKey),
      createdAt: now().toISOString(),
    });
  }
  if (fresh.length > 0) {
    // Never overwrites: if another process won the race, its keys stay and we read them back.
    await store.addKeys(fresh);
    for (const k of await store.getKeys()) stored.set(k.kind, k);
  }
  const load = async (k: StoredKey): Promise<CryptoKeyPair> => ({
    privateKey: await importJwk(k.privateJwk, "private"),
    publicKey: await importJwk(k.publicJwk, "public"),
  });
  return { rsa: await load(stored.get("rsa")!), ed25519: await load(stored.get("ed25519")!) };
}

/** Fedify's generateCryptoKeyPair() makes RSA-4096, five times slower to sign with; Mastodon uses 2048. */
export function generateRsa2048(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
}
