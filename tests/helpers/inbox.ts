/**
 * A Mastodon-style verifying inbox for tests, on 127.0.0.1.
 *
 * Every POST (to any path) is judged with signature verifiers written by other projects:
 * `@peertube/http-signature` (PeerTube's draft-cavage verifier) and `http-message-signatures`
 * (RFC 9421). The body digest (`Digest` / `Content-Digest`) is checked against the body, `Date` must be
 * within 12 hours, and the public key is fetched over HTTP by its `keyId`, the way Mastodon does it.
 * Valid requests get 202 and are recorded in `accepted`; the others get 401 (or 400/413) and are recorded
 * in `rejected` with the reason.
 *
 * The same server is also a minimal remote *actor host*: `actorUrl(name)` serves a Person with an RSA-2048
 * key pair generated here, and `signedPost()` sends requests signed as that actor (again with the
 * independent signers, never Fedify), so tests can send Follow/Undo/Like and forged requests to Herald.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

const require = createRequire(import.meta.url);
const hms = require("http-message-signatures") as typeof import("http-message-signatures");

/** The parts of `@peertube/http-signature` we use (it ships no types). */
interface PeertubeParsedSignature {
  scheme: string;
  keyId: string;
  algorithm: string;
  params: { keyId: string; algorithm: string; headers: string[]; signature: string; created?: number };
  signingString: string;
}
interface PeertubeHttpSignature {
  parseRequest(
    request: { headers: http.IncomingHttpHeaders; method: string; url: string; httpVersion: string },
    options?: { clockSkew?: number; headers?: string[]; algorithms?: string[]; strict?: boolean },
  ): PeertubeParsedSignature;
  verifySignature(parsed: PeertubeParsedSignature, publicKeyPem: string): boolean;
  signRequest(
    request: {
      method: string;
      path: string;
      getHeader(name: string): string | undefined;
      setHeader(name: string, value: string): void;
    },
    options: {
      key: string;
      keyId: string;
      algorithm?: string;
      headers?: string[];
      authorizationHeaderName?: string;
    },
  ): boolean;
}
const peertube = require("@peertube/http-signature") as PeertubeHttpSignature;

export type VerifyMode = "any" | "cavage-only" | "rfc9421-only";
export type SignatureScheme = "cavage" | "rfc9421";

/** A public key resolved from a `keyId`. */
export interface ResolvedKey {
  /** The key id as found in the fetched document. */
  id: string;
  /** The actor owning the key (`owner` / `controller`, or the actor the key is embedded in), if known. */
  owner?: string;
  publicKey: KeyObject;
}

export interface VerifyingInboxOptions {
  /** Which signature schemes are understood. Default "any". */
  mode?: VerifyMode;
  /**
   * Only with mode "cavage-only": an RFC 9421-signed request gets `202 Accepted` but is NOT recorded in
   * `accepted` (it lands in `rejected` with status 202): the old-server trap described in interop.md.
   */
  silentDrop?: boolean;
  /**
   * Resolves a keyId to a public key. Default: {@link fetchPublicKey} (HTTP GET on loopback).
   * May return a PEM string, a KeyObject, or a {@link ResolvedKey}; `null` means "no such key".
   */
  fetchKey?: (keyId: string) => Promise<ResolvedKey | KeyObject | string | null>;
  /**
   * Like Mastodon, ignore (202, not recorded) activities whose `actor` is not the owner of the signing key
   * when the owner is known. Default true.
   */
  requireActorMatch?: boolean;
  /** Maximum accepted body, in bytes. Default 1 MB (Mastodon's cap). */
  maxBodyBytes?: number;
  /** Maximum difference between `Date` (or `created`) and now. Default 12 hours (Mastodon). */
  maxSkewMs?: number;
  /**
   * Host name used in URLs of the actor host: "127.0.0.1" (default) or "localhost", bound to 127.0.0.1;
   * or "127.0.0.2", bound there (another loopback address, for tests that allow only that one).
   */
  hostname?: "127.0.0.1" | "localhost" | "127.0.0.2";
  /** A status for GETs of some paths instead of the document: 410 or 404 for a deleted account, say. */
  statusOf?: (path: string) => number | undefined;
  /** Changes a fake actor's document as served (an inbox pointing elsewhere, say). */
  actorDocument?: (actor: FakeActor, document: Record<string, unknown>) => Record<string, unknown>;
  /**
   * A slow peer: wait this long after reading a POST before verifying and recording it. A request whose
   * sender hung up meanwhile (e.g. was killed) is then not processed: it is recorded in `rejected` with
   * status 499 (nginx's "client closed request"), never in `accepted`. Default 0 (no wait, no check).
   */
  delayMs?: number;
}

export interface AcceptedDelivery {
  path: string;
  activity: Record<string, unknown>;
  verifiedWith: SignatureScheme;
  keyId: string;
  /** Owner of the key, from the fetched key document, if known. */
  keyOwner?: string;
  headers: Record<string, string>;
  body: string;
  at: Date;
}

export interface RejectedDelivery {
  path: string;
  /** Status code we answered with (401, 400, 413, or 202 for a silent drop). */
  status: number;
  reason: string;
  /** Scheme the request appeared to use. */
  scheme: SignatureScheme | "none";
  keyId?: string;
  /** Parsed body, when it was JSON. */
  activity?: Record<string, unknown>;
  headers: Record<string, string>;
  body: string;
  at: Date;
}

/** A GET served by the actor host (useful to assert that Herald fetched our actor). */
export interface ServedGet {
  path: string;
  accept?: string;
  signed: boolean;
  status: number;
  at: Date;
}

/** One fake remote actor hosted by the inbox server. */
export interface FakeActor {
  name: string;
  /** Actor id, e.g. http://127.0.0.1:PORT/users/alice */
  id: string;
  /** `${id}#main-key`, embedded in the actor document. */
  keyId: string;
  /** Standalone key document URL serving the same key (`/keys/NAME`). */
  standaloneKeyId: string;
  inbox: string;
  sharedInbox: string;
  publicKeyPem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
  /** WebFinger handle without the leading @, e.g. alice@127.0.0.1:PORT */
  handle: string;
}

export interface SignedPostOptions {
  scheme: SignatureScheme;
  /**
   * Forge the request: "body" changes the body after signing, "date" signs a Date (and RFC 9421
   * `created`) 13 hours old, "key" signs with a fresh key that does not match the published one.
   */
  tamper?: "body" | "date" | "key";
  /** Name of the fake actor to sign as (created on demand). Default "alice". */
  as?: string;
  /** Default `application/activity+json`. */
  contentType?: string;
  /** The keyId to name instead of the actor's own (the signature is still made with its key). */
  keyId?: string;
  /** The body as sent and signed, instead of the activity as JSON (malformed or huge bodies). */
  rawBody?: string;
}

export interface SignedPostResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** The headers we sent (including the signature headers). */
  sent: Record<string, string>;
}

export interface VerifyingInbox {
  /** http://127.0.0.1:PORT (or http://localhost:PORT with `hostname: "localhost"`). */
  origin: string;
  port: number;
  /** Shared inbox URL: `${origin}/inbox`. */
  inboxUrl: string;
  mode: VerifyMode;
  readonly accepted: AcceptedDelivery[];
  readonly rejected: RejectedDelivery[];
  readonly gets: ServedGet[];
  /** POSTs received and not answered yet (a slow peer's `delayMs` keeps them here): recorded once it is 0. */
  readonly inFlight: number;
  /** URL of a fake actor (Person, RSA-2048 key generated here), created on first use. */
  actorUrl(name: string): string;
  /** The fake actor with its key pair, created on first use. */
  actor(name: string): FakeActor;
  /** Sends a POST signed as a fake actor with independent code (`@peertube/http-signature` / `http-message-signatures`). */
  signedPost(
    targetUrl: string | URL,
    activity: Record<string, unknown>,
    opts: SignedPostOptions,
  ): Promise<SignedPostResult>;
  /** Resolves with all accepted deliveries matching `predicate` once there is at least one. */
  waitFor(predicate: (d: AcceptedDelivery) => boolean, timeoutMs?: number): Promise<AcceptedDelivery[]>;
  /** Forgets recorded deliveries and GETs (keeps actors). */
  clear(): void;
  close(): Promise<void>;
}

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
const SEC_CONTEXT = "https://w3id.org/security/v1";
const TWELVE_HOURS = 12 * 60 * 60 * 1000;
const LOOPBACK = new Set(["127.0.0.1", "127.0.0.2", "localhost", "[::1]", "::1"]);

/** Throws unless `url` is an http(s) URL on a loopback host. */
export function assertLoopback(url: URL): void {
  if (!LOOPBACK.has(url.hostname)) throw new Error(`refusing non-loopback URL ${url.href}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`unsupported URL ${url.href}`);
}

// ---------------------------------------------------------------------------------------------------------
// Key resolution

type Json = Record<string, unknown>;

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function idOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as Json).id === "string") return (v as Json).id as string;
  return undefined;
}

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58btcDecode(s: string): Buffer {
  let n = 0n;
  for (const c of s) {
    const i = B58.indexOf(c);
    if (i < 0) throw new Error(`invalid base58 character ${c}`);
    n = n * 58n + BigInt(i);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of s) {
    if (c !== "1") break;
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}

/** Decodes a Multikey `publicKeyMultibase` (base58btc; Ed25519 0xed01 or RSA 0x1205 multicodec). */
export function multikeyToKeyObject(multibase: string): KeyObject {
  if (!multibase.startsWith("z")) throw new Error("only base58btc (z…) multibase is supported");
  const raw = base58btcDecode(multibase.slice(1));
  if (raw[0] === 0xed && raw[1] === 0x01) {
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.subarray(2).toString("base64url") },
      format: "jwk",
    });
  }
  if (raw[0] === 0x85 && raw[1] === 0x24) {
    // rsa-pub is 0x1205, varint-encoded as 0x85 0x24; the key is PKCS#1 DER
    return createPublicKey({ key: raw.subarray(2), format: "der", type: "pkcs1" });
  }
  throw new Error(`unsupported multicodec prefix 0x${raw.subarray(0, 2).toString("hex")}`);
}

function keyFromNode(node: Json, keyId: string, owner: string | undefined): ResolvedKey | null {
  if (node.id !== keyId) return null;
  const keyOwner = idOf(node.owner) ?? idOf(node.controller) ?? owner;
  if (typeof node.publicKeyPem === "string") {
    return { id: keyId, owner: keyOwner, publicKey: createPublicKey(node.publicKeyPem) };
  }
  if (typeof node.publicKeyMultibase === "string") {
    return { id: keyId, owner: keyOwner, publicKey: multikeyToKeyObject(node.publicKeyMultibase) };
  }
  return null;
}

/**
 * Finds key `keyId` in a fetched document: a standalone key document (`publicKeyPem` or Multikey), or an
 * actor embedding it in `publicKey` (one or several) or `assertionMethod` (Multikey).
 */
export function findKeyInDocument(doc: Json, keyId: string): ResolvedKey | null {
  const direct = keyFromNode(doc, keyId, undefined);
  if (direct) return direct;
  const actorId = idOf(doc);
  for (const prop of ["publicKey", "assertionMethod"]) {
    for (const node of asArray(doc[prop])) {
      if (node && typeof node === "object") {
        const found = keyFromNode(node as Json, keyId, actorId);
        if (found) return found;
      }
    }
  }
  return null;
}

/** Default key fetcher: GET keyId (loopback only) as ActivityPub JSON, then {@link findKeyInDocument}. */
export async function fetchPublicKey(keyId: string): Promise<ResolvedKey | null> {
  const url = new URL(keyId);
  assertLoopback(url);
  url.hash = "";
  const res = await fetch(url, {
    headers: {
      Accept:
        'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return null;
  const doc = (await res.json()) as Json;
  const found = findKeyInDocument(doc, keyId);
  if (found) return found;
  // A key document that links to its owner only (e.g. {id, owner}): look in the owner document.
  const owner = idOf(doc.owner) ?? idOf(doc.controller);
  if (owner && owner !== url.href) {
    const ownerUrl = new URL(owner);
    assertLoopback(ownerUrl);
    const r2 = await fetch(ownerUrl, {
      headers: { Accept: "application/activity+json" },
      signal: AbortSignal.timeout(10_000),
    });
    if (r2.ok) return findKeyInDocument((await r2.json()) as Json, keyId);
  }
  return null;
}

function normaliseKey(k: ResolvedKey | KeyObject | string | null, keyId: string): ResolvedKey | null {
  if (k === null) return null;
  if (typeof k === "string") return { id: keyId, publicKey: createPublicKey(k) };
  if ("publicKey" in k) return k;
  return { id: keyId, publicKey: k };
}

// ---------------------------------------------------------------------------------------------------------
// Verification

class Rejection extends Error {
  status: number;
  constructor(reason: string, status = 401) {
    super(reason);
    this.status = status;
  }
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function sha256(body: Buffer): Buffer {
  return createHash("sha256").update(body).digest();
}

function checkDigest(header: string | undefined, body: Buffer): void {
  if (!header) throw new Rejection("missing Digest header");
  const expected = sha256(body).toString("base64");
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === "sha-256") {
      if (part.slice(eq + 1).trim() === expected) return;
      throw new Rejection("Digest does not match the body");
    }
  }
  throw new Rejection("Digest has no SHA-256 value");
}

function checkContentDigest(header: string | undefined, body: Buffer): void {
  if (!header) throw new Rejection("missing Content-Digest header");
  const expected = sha256(body).toString("base64");
  for (const m of header.matchAll(/([a-z0-9-]+)\s*=\s*:([A-Za-z0-9+/=]*):/gi)) {
    if (m[1]!.toLowerCase() === "sha-256") {
      if (m[2] === expected) return;
      throw new Rejection("Content-Digest does not match the body");
    }
  }
  throw new Rejection("Content-Digest has no sha-256 value");
}

function checkDate(date: string | undefined, maxSkewMs: number, required: boolean): void {
  if (!date) {
    if (required) throw new Rejection("missing Date header");
    return;
  }
  const t = Date.parse(date);
  if (Number.isNaN(t)) throw new Rejection(`unparsable Date ${date}`);
  if (Math.abs(Date.now() - t) > maxSkewMs) throw new Rejection(`Date ${date} is too far from now`);
}

function detectScheme(h: http.IncomingHttpHeaders): SignatureScheme | "none" {
  if (h["signature-input"]) return "rfc9421";
  if (h.signature || /^signature /i.test(String(h.authorization ?? ""))) return "cavage";
  return "none";
}

interface Verified {
  scheme: SignatureScheme;
  keyId: string;
  keyOwner?: string;
}

async function verifyCavage(
  req: http.IncomingMessage,
  body: Buffer,
  resolve: (keyId: string) => Promise<ResolvedKey | null>,
  maxSkewMs: number,
): Promise<Verified> {
  let parsed: PeertubeParsedSignature;
  try {
    parsed = peertube.parseRequest(
      {
        headers: req.headers,
        method: req.method ?? "POST",
        url: req.url ?? "/",
        httpVersion: req.httpVersion,
      },
      { clockSkew: Math.floor(maxSkewMs / 1000), headers: ["(request-target)", "digest"] },
    );
  } catch (e) {
    throw new Rejection(`draft-cavage signature rejected: ${(e as Error).message}`);
  }
  const signed = parsed.params.headers;
  if (!signed.includes("date") && !signed.includes("(created)")) {
    throw new Rejection("Date or (created) must be signed");
  }
  checkDate(req.headers.date, maxSkewMs, signed.includes("date"));
  checkDigest(flatHeaders(req.headers).digest, body);
  const key = await resolve(parsed.keyId);
  if (!key) throw new Rejection(`key ${parsed.keyId} not found`);
  const pem = key.publicKey.export({ type: "spki", format: "pem" }).toString();
  let ok = false;
  try {
    ok = peertube.verifySignature(parsed, pem);
  } catch (e) {
    throw new Rejection(`draft-cavage verification error: ${(e as Error).message}`);
  }
  if (!ok) throw new Rejection(`draft-cavage signature does not verify with ${parsed.keyId}`);
  return { scheme: "cavage", keyId: parsed.keyId, keyOwner: key.owner };
}

async function verifyRfc9421(
  req: http.IncomingMessage,
  body: Buffer,
  resolve: (keyId: string) => Promise<ResolvedKey | null>,
  maxSkewMs: number,
): Promise<Verified> {
  checkDate(req.headers.date, maxSkewMs, false);
  checkContentDigest(req.headers["content-digest"] as string | undefined, body);
  let keyId: string | undefined;
  let resolved: ResolvedKey | null = null;
  const headers = flatHeaders(req.headers);
  let result: boolean | null;
  try {
    result = await hms.httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          keyId = typeof params.keyid === "string" ? params.keyid : undefined;
          if (!keyId) return null;
          resolved = await resolve(keyId);
          if (!resolved) return null;
          const type = resolved.publicKey.asymmetricKeyType;
          const alg =
            typeof params.alg === "string" ? params.alg : type === "ed25519" ? "ed25519" : "rsa-v1_5-sha256";
          const algs = type === "ed25519" ? ["ed25519"] : ["rsa-v1_5-sha256", "rsa-pss-sha512"];
          return { id: keyId, algs, verify: hms.createVerifier(resolved.publicKey, alg) };
        },
        requiredFields: ["@method", "@target-uri", "content-digest"],
        requiredParams: ["created", "keyid"],
        maxAge: Math.floor(maxSkewMs / 1000),
        tolerance: 60,
      },
      { method: req.method ?? "POST", url: `http://${req.headers.host}${req.url}`, headers },
    );
  } catch (e) {
    throw new Rejection(`RFC 9421 signature rejected: ${(e as Error).message}`);
  }
  if (!keyId) throw new Rejection("RFC 9421 signature has no keyid");
  if (!resolved) throw new Rejection(`key ${keyId} not found`);
  if (result !== true) throw new Rejection(`RFC 9421 signature does not verify with ${keyId}`);
  return { scheme: "rfc9421", keyId, keyOwner: (resolved as ResolvedKey).owner };
}

// ---------------------------------------------------------------------------------------------------------
// Server

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(tooBig ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  type = "application/activity+json",
): undefined {
  if (body === undefined) {
    res.writeHead(status).end();
    return undefined;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": type }).end(text);
  return undefined;
}

export async function startVerifyingInbox(opts: VerifyingInboxOptions = {}): Promise<VerifyingInbox> {
  const mode = opts.mode ?? "any";
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const maxSkewMs = opts.maxSkewMs ?? TWELVE_HOURS;
  const requireActorMatch = opts.requireActorMatch ?? true;
  const accepted: AcceptedDelivery[] = [];
  const rejected: RejectedDelivery[] = [];
  const gets: ServedGet[] = [];
  const actors = new Map<string, FakeActor>();
  const waiters = new Set<() => void>();
  let origin = "";

  const resolveKey = async (keyId: string): Promise<ResolvedKey | null> => {
    try {
      return normaliseKey(await (opts.fetchKey ?? fetchPublicKey)(keyId), keyId);
    } catch {
      return null;
    }
  };

  const actorDocument = (a: FakeActor): Json => ({
    "@context": [AS_CONTEXT, SEC_CONTEXT],
    id: a.id,
    type: "Person",
    preferredUsername: a.name,
    name: `Fake ${a.name}`,
    inbox: a.inbox,
    outbox: `${a.id}/outbox`,
    followers: `${a.id}/followers`,
    following: `${a.id}/following`,
    endpoints: { sharedInbox: a.sharedInbox },
    manuallyApprovesFollowers: false,
    publicKey: { id: a.keyId, owner: a.id, publicKeyPem: a.publicKeyPem },
  });

  const handleGet = (req: http.IncomingMessage, res: http.ServerResponse): undefined => {
    const url = new URL(req.url ?? "/", origin);
    const record = (status: number) =>
      gets.push({
        path: url.pathname + url.search,
        accept: req.headers.accept,
        signed: detectScheme(req.headers) !== "none",
        status,
        at: new Date(),
      });
    const forced = opts.statusOf?.(url.pathname);
    if (forced !== undefined) {
      record(forced);
      return send(res, forced, "gone", "text/plain");
    }
    if (url.pathname === "/.well-known/webfinger") {
      const m = /^acct:([^@]+)@(.+)$/.exec(url.searchParams.get("resource") ?? "");
      const a = m && m[2] === new URL(origin).host ? actors.get(m[1]!) : undefined;
      if (!a) {
        record(404);
        return send(res, 404, "not found", "text/plain");
      }
      record(200);
      return send(
        res,
        200,
        {
          subject: `acct:${a.handle}`,
          aliases: [a.id],
          links: [{ rel: "self", type: "application/activity+json", href: a.id }],
        },
        "application/jrd+json",
      );
    }
    const users = /^\/users\/([^/]+)(\/(outbox|followers|following))?$/.exec(url.pathname);
    const keys = /^\/keys\/([^/]+)$/.exec(url.pathname);
    const a = users ? actors.get(users[1]!) : keys ? actors.get(keys[1]!) : undefined;
    if (!a) {
      record(404);
      return send(res, 404, "not found", "text/plain");
    }
    record(200);
    if (keys) {
      return send(res, 200, {
        "@context": SEC_CONTEXT,
        id: a.standaloneKeyId,
        type: "CryptographicKey",
        owner: a.id,
        publicKeyPem: a.publicKeyPem,
      });
    }
    if (users?.[3]) {
      return send(res, 200, {
        "@context": AS_CONTEXT,
        id: `${a.id}/${users[3]}`,
        type: "OrderedCollection",
        totalItems: 0,
        orderedItems: [],
      });
    }
    return send(res, 200, opts.actorDocument ? opts.actorDocument(a, actorDocument(a)) : actorDocument(a));
  };

  const handlePost = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<undefined> => {
    const path = req.url ?? "/";
    const headers = flatHeaders(req.headers);
    const scheme = detectScheme(req.headers);
    const raw = await readBody(req, maxBody);
    const reject = (status: number, reason: string, extra: Partial<RejectedDelivery> = {}): undefined => {
      rejected.push({
        path,
        status,
        reason,
        scheme,
        headers,
        body: raw?.toString("utf8") ?? "",
        at: new Date(),
        ...extra,
      });
      return send(res, status, { error: reason }, "application/json");
    };
    if (raw === null) return reject(413, `body larger than ${maxBody} bytes`);
    let senderGone = false;
    if (opts.delayMs) {
      res.once("close", () => {
        if (!res.writableEnded) senderGone = true;
      });
      await new Promise((r) => setTimeout(r, opts.delayMs));
      if (senderGone) return reject(499, "sender disconnected before the request was processed");
    }
    let activity: Json | undefined;
    try {
      const parsed = JSON.parse(raw.toString("utf8")) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) activity = parsed as Json;
    } catch {
      // handled below
    }
    if (scheme === "none") return reject(401, "request is not signed", { activity });
    if (mode === "cavage-only" && scheme === "rfc9421" && opts.silentDrop) {
      return reject(202, "silently dropped: RFC 9421 signature not understood", { activity });
    }
    if (mode === "cavage-only" && scheme === "rfc9421") {
      return reject(401, "RFC 9421 signatures are not understood (cavage-only)", { activity });
    }
    if (mode === "rfc9421-only" && scheme === "cavage") {
      return reject(401, "draft-cavage signatures are not accepted (rfc9421-only)", { activity });
    }
    let verified: Verified;
    try {
      verified =
        scheme === "rfc9421"
          ? await verifyRfc9421(req, raw, resolveKey, maxSkewMs)
          : await verifyCavage(req, raw, resolveKey, maxSkewMs);
    } catch (e) {
      const status = e instanceof Rejection ? e.status : 401;
      return reject(status, (e as Error).message, { activity });
    }
    if (!activity) return reject(400, "body is not a JSON object", { keyId: verified.keyId });
    const actor = idOf(activity.actor);
    if (requireActorMatch && verified.keyOwner && actor !== verified.keyOwner) {
      return reject(202, `ignored: actor ${actor} is not the key owner ${verified.keyOwner}`, {
        keyId: verified.keyId,
        activity,
      });
    }
    if (senderGone) return reject(499, "sender disconnected before the request was processed", { activity });
    accepted.push({
      path,
      activity,
      verifiedWith: verified.scheme,
      keyId: verified.keyId,
      keyOwner: verified.keyOwner,
      headers,
      body: raw.toString("utf8"),
      at: new Date(),
    });
    for (const w of waiters) w();
    return send(res, 202);
  };

  let inFlight = 0;
  const server = http.createServer((req, res) => {
    if (req.method === "POST") inFlight++;
    const handler = req.method === "POST" ? handlePost(req, res) : Promise.resolve(handleGet(req, res));
    handler
      .catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, String(e), "text/plain");
      })
      .finally(() => {
        if (req.method === "POST") inFlight--;
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, opts.hostname === "127.0.0.2" ? "127.0.0.2" : "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${opts.hostname ?? "127.0.0.1"}:${port}`;

  const actor = (name: string): FakeActor => {
    const existing = actors.get(name);
    if (existing) return existing;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad actor name ${name}`);
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const id = `${origin}/users/${name}`;
    const a: FakeActor = {
      name,
      id,
      keyId: `${id}#main-key`,
      standaloneKeyId: `${origin}/keys/${name}`,
      inbox: `${id}/inbox`,
      sharedInbox: `${origin}/inbox`,
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      privateKey,
      handle: `${name}@${new URL(origin).host}`,
    };
    actors.set(name, a);
    return a;
  };

  const signedPost = async (
    targetUrl: string | URL,
    activity: Json,
    o: SignedPostOptions,
  ): Promise<SignedPostResult> => {
    const target = new URL(targetUrl);
    assertLoopback(target);
    if (target.protocol !== "http:") throw new Error("signedPost only speaks plain http on loopback");
    const a = actor(o.as ?? "alice");
    const doc = { "@context": AS_CONTEXT, actor: a.id, ...activity };
    let body = Buffer.from(o.rawBody ?? JSON.stringify(doc));
    const signingKey =
      o.tamper === "key" ? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey : a.privateKey;
    const when = o.tamper === "date" ? new Date(Date.now() - 13 * 60 * 60 * 1000) : new Date();
    const digest = sha256(body).toString("base64");
    const hdrs: Record<string, string> = {
      host: target.host,
      date: when.toUTCString(),
      "content-type": o.contentType ?? "application/activity+json",
      accept: "application/activity+json",
    };
    if (o.scheme === "cavage") {
      hdrs.digest = `SHA-256=${digest}`;
      peertube.signRequest(
        {
          method: "POST",
          path: target.pathname + target.search,
          getHeader: (n) => hdrs[n.toLowerCase()],
          setHeader: (n, v) => {
            hdrs[n.toLowerCase()] = v;
          },
        },
        {
          key: signingKey.export({ type: "pkcs8", format: "pem" }).toString(),
          keyId: o.keyId ?? a.keyId,
          algorithm: "rsa-sha256",
          headers: ["(request-target)", "host", "date", "digest", "content-type"],
          authorizationHeaderName: "Signature",
        },
      );
    } else {
      hdrs["content-digest"] = `sha-256=:${digest}:`;
      const signed = await hms.httpbis.signMessage(
        {
          key: hms.createSigner(signingKey, "rsa-v1_5-sha256", o.keyId ?? a.keyId),
          name: "sig1",
          fields: ["@method", "@target-uri", "@authority", "content-digest", "date"],
          params: ["keyid", "alg", "created", "expires"],
          paramValues: { created: when, expires: new Date(when.getTime() + 5 * 60 * 1000) },
        },
        { method: "POST", url: target.href, headers: { ...hdrs } },
      );
      for (const [k, v] of Object.entries(signed.headers))
        hdrs[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    }
    if (o.tamper === "body") {
      body = Buffer.from(JSON.stringify({ ...doc, tampered: true }));
    }
    hdrs["content-length"] = String(body.length);
    return await new Promise<SignedPostResult>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname.replace(/^\[|\]$/g, ""),
          port: target.port || 80,
          path: target.pathname + target.search,
          method: "POST",
          headers: hdrs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              headers: res.headers,
              sent: hdrs,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`signedPost to ${target.href} timed out`)));
      req.end(body);
    });
  };

  const waitFor = (predicate: (d: AcceptedDelivery) => boolean, timeoutMs = 10_000) =>
    new Promise<AcceptedDelivery[]>((resolve, reject) => {
      const check = () => {
        const found = accepted.filter(predicate);
        if (found.length === 0) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const why = rejected.map((r) => `${r.status} ${r.path}: ${r.reason}`).join("\n  ");
        reject(
          new Error(
            `no matching delivery within ${timeoutMs} ms (${accepted.length} accepted, ${rejected.length} rejected)` +
              (why ? `\n  ${why}` : ""),
          ),
        );
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });

  return {
    origin,
    port,
    inboxUrl: `${origin}/inbox`,
    mode,
    accepted,
    rejected,
    gets,
    get inFlight() {
      return inFlight;
    },
    actorUrl: (name) => actor(name).id,
    actor,
    signedPost,
    waitFor,
    clear: () => {
      accepted.length = 0;
      rejected.length = 0;
      gets.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
