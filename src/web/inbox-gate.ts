// The door of the inbox: everything that can be refused cheaply is refused here, before Fedify parses
// a byte of JSON-LD (Fedify compacts a body that carries a Linked Data signature or an integrity proof
// before it looks at the HTTP signature: a 557 KB unsigned body used to cost 1.7 s of CPU). In order:
// load (503), the client's rate (429), no signature header (401, the body never read), an unusable
// keyId (401), a signer the operator blocked (202, dropped: see below), the signer's host's rate (429), size (413), nesting depth (400), an
// activity id on another server than its actor (400), and the HTTP signature
// itself (401), verified with the guarded loaders. Only a signature whose key cannot be fetched goes on
// unverified: Fedify hands it to the account-gone check (federation/gone.ts).
//
// A blocked server or actor (by the keyId's host, or the keyId naming a blocked actor) is answered
// 202 and dropped, its key never fetched: a 202 ends the sender's retries everywhere (some servers
// retry a 401 or 403 with another signature scheme, or later) and says nothing about the block. Only
// its Follows go on, to be answered with a Reject (federation/inbox/follows.ts): the body is read for
// that, at most BLOCKED_PEEK_BYTES of it (a Follow is a few hundred bytes), and parsed as plain JSON.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Federation, verifyRequestDetailed } from "@fedify/fedify";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import type { BlockSet } from "../federation/blocks.ts";
import type { Logger } from "../log.ts";
import { checkTarget, type GuardOptions } from "../net/guard.ts";
import { LoadShedder, RefusalLog, TokenBuckets } from "./load.ts";

/** Mastodon caps incoming JSON at 1 MB; so do we. */
export const MAX_INBOX_BYTES = 1024 * 1024;
/** Real activities nest a few levels; JSON-LD processing recurses once per level. */
const MAX_JSON_DEPTH = 64;
/** What is read of a blocked signer's request, to tell a Follow (answered with a Reject) from the rest. */
export const BLOCKED_PEEK_BYTES = 8 * 1024;

export interface InboxGateOptions {
  guard: GuardOptions;
  /** Who is asking (the proxy's X-Forwarded-For entry with server.trustProxy). */
  clientAddress(req: IncomingMessage): string;
  log: Logger;
  /** Fetches a key again, past the cache, when the cached one does not verify (a rotated key). */
  freshLoader: DocumentLoader;
  /** Requests per second per client address, and the burst saved up. */
  perClient?: { rate: number; burst: number };
  /** Requests per second per signing host (the keyId's), and the burst. */
  perHost?: { rate: number; burst: number };
  maxLagMs?: number;
  maxInFlight?: number;
  /** The operator's blocks as this process knows them now. */
  blocks?: () => BlockSet;
}

/** `blocked`: the signer is blocked; read at most BLOCKED_PEEK_BYTES and ask `dropBlocked`. */
export type Admission = { keyId: URL; blocked: boolean } | undefined;

export class InboxGate {
  readonly #options: InboxGateOptions;
  readonly #clients: TokenBuckets;
  readonly #hosts: TokenBuckets;
  readonly shedder: LoadShedder;
  readonly #refusals: RefusalLog;

  constructor(options: InboxGateOptions) {
    this.#options = options;
    const client = options.perClient ?? { rate: 50, burst: 500 };
    const host = options.perHost ?? { rate: 25, burst: 250 };
    this.#clients = new TokenBuckets(client.rate, client.burst);
    this.#hosts = new TokenBuckets(host.rate, host.burst);
    this.shedder = new LoadShedder({ maxLagMs: options.maxLagMs, maxInFlight: options.maxInFlight });
    this.#refusals = new RefusalLog(options.log);
  }

  /** Everything decided from the request line and headers. Sends the refusal itself when there is one. */
  admit(req: IncomingMessage, res: ServerResponse): Admission {
    const client = this.#options.clientAddress(req);
    const shed = this.shedder.refusal();
    if (shed) return this.#refuse(req, res, 503, shed, { client }, 5);
    const clientWait = this.#clients.take(client);
    if (clientWait > 0) return this.#refuse(req, res, 429, "client-rate", { client }, clientWait);
    const raw = signatureKeyId(req);
    if (raw === undefined) return this.#refuse(req, res, 401, "unsigned", { client });
    const keyId = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!keyId || !usableKeyId(keyId, this.#options.guard))
      return this.#refuse(req, res, 401, "bad-keyid", { client, keyId: raw.slice(0, 200) });
    if (this.#options.blocks?.().blocksKey(keyId)) {
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > BLOCKED_PEEK_BYTES)
        return this.#refuse(req, res, 202, "blocked", { client, host: keyId.host });
      return { keyId, blocked: true };
    }
    const hostWait = this.#hosts.take(keyId.host);
    if (hostWait > 0) return this.#refuse(req, res, 429, "host-rate", { client, host: keyId.host }, hostWait);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_INBOX_BYTES)
      return this.#refuse(req, res, 413, "too-large", { client, host: keyId.host });
    return { keyId, blocked: false };
  }

  /**
   * A blocked signer's request: true (and 202 sent) unless it is a Follow, which goes on to be
   * rejected. `body` is undefined when it was over BLOCKED_PEEK_BYTES.
   */
  dropBlocked(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, keyId: URL): boolean {
    if (body && typeOf(body) === "Follow") return false;
    this.#refuse(req, res, 202, "blocked", { client: this.#options.clientAddress(req), host: keyId.host });
    return true;
  }

  /** A body that is too large or nested too deeply: the refusal is sent and true returned. */
  refuseBody(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, keyId: URL): boolean {
    const fields = { client: this.#options.clientAddress(req), host: keyId.host };
    if (!body) {
      this.#refuse(req, res, 413, "too-large", fields);
      return true;
    }
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
      this.#refuse(req, res, 400, "too-deep", fields);
      return true;
    }
    if (foreignId(body, keyId)) {
      this.#refuse(req, res, 400, "foreign-id", fields);
      return true;
    }
    return false;
  }

  /**
   * Verifies the HTTP signature as Fedify will, but before Fedify's JSON-LD work. True when the
   * request may go on: verified, or its key could not be fetched (a deleted account's Delete).
   */
  async verify(
    req: IncomingMessage,
    res: ServerResponse,
    request: Request,
    federation: Federation<void>,
    home: URL,
    keyId: URL,
  ): Promise<boolean> {
    const ctx = federation.createContext(home);
    const attempt = (documentLoader: DocumentLoader) =>
      verifyRequestDetailed(request, { documentLoader, contextLoader: ctx.contextLoader }).catch(
        () => undefined,
      );
    let result = await attempt(ctx.documentLoader);
    if (result && !result.verified && result.reason.type === "invalidSignature")
      result = await attempt(this.#options.freshLoader);
    if (result?.verified || result?.reason.type === "keyFetchError") return true;
    this.#refuse(req, res, 401, result ? result.reason.type : "unverifiable", {
      client: this.#options.clientAddress(req),
      keyId: keyId.href.slice(0, 200),
    });
    return false;
  }

  /** Counts Fedify's handling of an admitted request as in flight (for the shedder). */
  track<T>(work: () => Promise<T>): Promise<T> {
    return this.shedder.track(work);
  }

  close(): void {
    this.shedder.close();
    this.#refusals.flush();
  }

  #refuse(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: string,
    fields: Record<string, unknown>,
    retryAfter?: number,
  ): undefined {
    this.#refusals.refused(status, reason, { path: req.url, ...fields });
    res.statusCode = status;
    if (retryAfter !== undefined) res.setHeader("Retry-After", String(retryAfter));
    // The body may not have been read: closing is cheaper than draining what a flood sends.
    res.setHeader("Connection", "close");
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.end(`${MESSAGES[status] ?? "Refused."}\n`);
    return undefined;
  }
}

const MESSAGES: Record<number, string> = {
  202: "Accepted.",
  400: "Malformed request body.",
  401: "A valid HTTP signature is required.",
  413: `Request body over ${MAX_INBOX_BYTES} bytes.`,
  429: "Too many requests; retry later.",
  503: "Busy; retry later.",
};

/**
 * An activity whose id is on another server than its actor, or, when it names none, than its signer
 * (FEP-fe34: an origin speaks for its own ids only). Refused before Fedify queues it: Fedify remembers
 * every activity id it handled, so a forgery under a real activity's id would have the real one
 * dropped later as a repeat. Forwarded activities keep their author's id and actor, so they pass; a
 * body that is not JSON is left to Fedify.
 */
function foreignId(body: Buffer, keyId: URL): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return false;
  }
  if (!doc || typeof doc !== "object") return false;
  const { id, actor } = doc as { id?: unknown; actor?: unknown };
  const named =
    typeof actor === "string"
      ? actor
      : actor && typeof actor === "object"
        ? (actor as { id?: unknown }).id
        : undefined;
  if (typeof id !== "string") return false;
  const activity = URL.parse(id);
  const author = typeof named === "string" ? URL.parse(named) : keyId;
  return activity !== null && author !== null && activity.origin !== author.origin;
}

/** The `type` of a JSON activity; undefined when it is not one. */
function typeOf(body: Buffer): unknown {
  try {
    return (JSON.parse(body.toString("utf8")) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

/** The keyId a request names in a draft-cavage `Signature` (or `Authorization: Signature`) or an RFC 9421 `Signature-Input`. */
function signatureKeyId(req: IncomingMessage): string | undefined {
  const input = req.headers["signature-input"];
  if (typeof input === "string" && req.headers.signature) return /;\s*keyid="([^"]*)"/i.exec(input)?.[1];
  const cavage =
    typeof req.headers.signature === "string"
      ? req.headers.signature
      : /^signature\s+/i.test(String(req.headers.authorization ?? ""))
        ? String(req.headers.authorization)
        : undefined;
  return cavage === undefined ? undefined : /(?:^|[\s,])keyId="([^"]*)"/i.exec(cavage)?.[1];
}

/** An http(s) keyId that is not a literal non-public address (names are checked when fetched). */
function usableKeyId(keyId: URL, guard: GuardOptions): boolean {
  try {
    checkTarget(keyId, guard);
    return true;
  } catch {
    return false;
  }
}

/** True when the JSON text nests arrays and objects deeper than `limit` (a byte scan, no parse). */
function nestedDeeperThan(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > limit) return true;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return false;
}
