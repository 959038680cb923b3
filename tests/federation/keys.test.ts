// Keys are forever: generated once (RSA-2048 + Ed25519), persisted, and never generated while
// followers exist without them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeysMissingError, loadOrCreateKeys } from "../../src/federation/keys.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";

let dir: string;
let file: string;
const open: SqliteStore[] = [];
const openStore = () => {
  const store = new SqliteStore(file);
  open.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-keys-"));
  file = join(dir, "herald.sqlite");
});
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const exportJwk = (key: CryptoKey) => crypto.subtle.exportKey("jwk", key);

describe("loadOrCreateKeys", () => {
  it("generates an RSA-2048 and an Ed25519 key pair that sign and verify", async () => {
    const keys = await loadOrCreateKeys(openStore().federation, () => new Date("2024-01-01T00:00:00Z"));
    const rsa = keys.rsa.publicKey.algorithm as RsaHashedKeyAlgorithm;
    expect(rsa.name).toBe("RSASSA-PKCS1-v1_5");
    expect(rsa.modulusLength).toBe(2048);
    expect((rsa.hash as Algorithm).name).toBe("SHA-256");
    expect(keys.ed25519.publicKey.algorithm.name).toBe("Ed25519");

    const data = new TextEncoder().encode("(request-target): post /inbox");
    const rsaSig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.rsa.privateKey, data);
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", keys.rsa.publicKey, rsaSig, data)).toBe(true);
    const edSig = await crypto.subtle.sign("Ed25519", keys.ed25519.privateKey, data);
    expect(await crypto.subtle.verify("Ed25519", keys.ed25519.publicKey, edSig, data)).toBe(true);

    const stored = await openStore().federation.getKeys();
    expect(stored.map((k) => k.kind).sort()).toEqual(["ed25519", "rsa"]);
    expect(stored.every((k) => k.createdAt === "2024-01-01T00:00:00.000Z")).toBe(true);
  });

  it("returns the same keys on every later call, also after reopening the database", async () => {
    const first = await loadOrCreateKeys(openStore().federation);
    const again = await loadOrCreateKeys(openStore().federation);
    const store = openStore();
    const reopened = await loadOrCreateKeys(store.federation);
    for (const keys of [again, reopened]) {
      expect(await exportJwk(keys.rsa.publicKey)).toEqual(await exportJwk(first.rsa.publicKey));
      expect(await exportJwk(keys.rsa.privateKey)).toEqual(await exportJwk(first.rsa.privateKey));
      expect(await exportJwk(keys.ed25519.publicKey)).toEqual(await exportJwk(first.ed25519.publicKey));
    }
    expect(await store.federation.getKeys()).toHaveLength(2);
  });

  it("refuses to generate keys while the store has followers", async () => {
    const store = openStore();
    await store.federation.upsertFollower({
      actorId: "https://mastodon.example/users/alice",
      inbox: "https://mastodon.example/users/alice/inbox",
      sharedInbox: "https://mastodon.example/inbox",
      handle: "@alice@mastodon.example",
      followId: "https://mastodon.example/follows/1",
      state: "accepted",
      createdAt: "2024-01-01T00:00:00.000Z",
    });
    const error = await loadOrCreateKeys(store.federation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeysMissingError);
    expect((error as Error).message).toMatch(/1 follower/);
    expect(await store.federation.getKeys()).toEqual([]);
  });

  it("with keys already stored, followers are no obstacle", async () => {
    const store = openStore();
    const first = await loadOrCreateKeys(store.federation);
    await store.federation.upsertFollower({
      actorId: "https://mastodon.example/users/bob",
      inbox: "https://mastodon.example/users/bob/inbox",
      sharedInbox: null,
      handle: null,
      followId: null,
      state: "pending",
      createdAt: "2024-01-01T00:00:00.000Z",
    });
    const again = await loadOrCreateKeys(store.federation);
    expect(await exportJwk(again.rsa.publicKey)).toEqual(await exportJwk(first.rsa.publicKey));
  });
});
