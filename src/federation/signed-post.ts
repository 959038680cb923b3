// One delivery's request: a fan-out's body POSTed to an inbox, signed with the account's key by
// Fedify's own `signRequest` (net/signing.ts). draft-cavage is tried first and RFC 9421 after a
// 400, 401 or 403 (the double knock); what each origin accepted is remembered for the process.
// Of an error answer only the start is read, as the receipt's reason.
import type { Agent } from "undici";
import { type SignatureSpec, type SigningKey, signPost } from "../net/signing.ts";
import { shortError } from "../store/outbox-messages.ts";

const CAVAGE: SignatureSpec = "draft-cavage-http-signatures-12";
const RFC9421: SignatureSpec = "rfc9421";
const CONTENT_TYPE = "application/activity+json";
/** Statuses after which a draft-cavage signature is tried again as RFC 9421 (the double knock). */
const KNOCK_AGAIN = new Set([400, 401, 403]);

/** A body as sent, and its digest: encoded once per fan-out, for all its deliveries. */
export interface SignedBody {
  bytes: Uint8Array;
  digest: string;
}

/** What an inbox answered: its status, how long it asked to wait (Retry-After), why it refused. */
export interface PostAnswer {
  status: number;
  retryAfterMs?: number;
  reason?: string;
}

export interface InboxPosterOptions {
  agent: Agent;
  userAgent: string;
  now: () => number;
}

export class InboxPoster {
  readonly #o: InboxPosterOptions;
  /** The signature each origin accepted: it knocks once. */
  readonly #specs = new Map<string, SignatureSpec>();

  constructor(options: InboxPosterOptions) {
    this.#o = options;
  }

  /** POSTs `body` to `inbox` signed with `key`, with `extra` headers (after accept and user-agent). */
  async post(
    inbox: URL,
    body: SignedBody,
    key: SigningKey,
    extra: Record<string, string> = {},
  ): Promise<PostAnswer> {
    const headers: Record<string, string> = {
      accept: "application/activity+json, application/ld+json",
      "user-agent": this.#o.userAgent,
      ...extra,
    };
    const known = this.#specs.get(inbox.origin);
    const first = await this.#send(inbox, headers, body, known ?? CAVAGE, key);
    if (known === undefined && KNOCK_AGAIN.has(first.status)) {
      const second = await this.#send(inbox, headers, body, RFC9421, key);
      if (second.status < 300) this.#specs.set(inbox.origin, RFC9421);
      return second;
    }
    if (known === undefined && first.status < 300) this.#specs.set(inbox.origin, CAVAGE);
    return first;
  }

  async #send(
    inbox: URL,
    headers: Record<string, string>,
    body: SignedBody,
    spec: SignatureSpec,
    key: SigningKey,
  ): Promise<PostAnswer> {
    const signature = await signPost(key, inbox, body.digest, CONTENT_TYPE, spec, new Date(this.#o.now()));
    const response = await this.#o.agent.request({
      origin: inbox.origin,
      path: `${inbox.pathname}${inbox.search}`,
      method: "POST",
      headers: { ...headers, ...signature },
      body: body.bytes,
    });
    const status = response.statusCode;
    let reason: string | undefined;
    if (status >= 300) {
      // The start of the answer says why; the rest is not read.
      const text = await readSome(response.body, 300);
      reason = text ? shortError(text) : undefined;
    } else await response.body.dump();
    const retryAfter = response.headers["retry-after"];
    return { status, retryAfterMs: parseRetryAfter(retryAfter, this.#o.now()), reason };
  }
}

async function readSome(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  max: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      length += chunk.byteLength;
      if (length >= max) break;
    }
  } catch {
    // A reset mid-answer: what arrived is enough.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks)
    .subarray(0, max)
    .toString("utf8")
    .replace(/<[^>]*>/g, " ");
}

function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
