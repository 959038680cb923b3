// The doctor's requests, made as a remote server would make them and through Herald's outbound guard:
// each hop is checked (scheme, every address the host resolves to), bounded in time (10 s) and size,
// and redirects are followed by hand only where a remote server would follow them, so a check sees
// each hop. Loopback and private addresses are reached only for site.url's own origin (the operator
// checks their own deployment), or as `federation.allowPrivateAddress`/`allowAddresses` allow.
import type { IncomingHttpHeaders } from "node:http";
import { type FetchFailure, GuardedFetchError, type GuardOptions, guardedRequest } from "../net/guard.ts";

export const REQUEST_TIMEOUT_MS = 10_000;
/** JSON documents: Mastodon refuses anything over 1 MB, so twice that is wrong already. */
export const DOCUMENT_MAX_BYTES = 2 * 1024 * 1024;
/** Feeds carry the full text of up to `feeds.limit` articles. */
export const FEED_MAX_BYTES = 10 * 1024 * 1024;

export interface Exchange {
  /** The URL that answered, after the redirects followed. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The hops that redirected on the way, first to last. */
  redirects: { url: string; status: number; location: string }[];
}

export type Probe =
  | { ok: true; exchange: Exchange }
  | { ok: false; url: string; reason: FetchFailure; message: string };

export interface ProbeOptions {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
  maxBytes?: number;
  /** false: status and headers only (an image need not be downloaded to know its type). */
  readBody?: boolean;
  /** Redirects followed, each hop guarded again (default 0: a 3xx is the answer). */
  followRedirects?: number;
}

export interface ProberOptions {
  /** site.url: its origin may be on loopback or a private network. */
  siteUrl: string;
  /** For every other origin: `federation.allowPrivateAddress` and `federation.allowAddresses`. */
  guard: GuardOptions;
  userAgent: string;
  timeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Prober {
  readonly #site: string;
  readonly #options: ProberOptions;
  /** Server time minus local time (ms) from each answer's Date header, for the clock check. */
  readonly skews: number[] = [];

  constructor(options: ProberOptions) {
    this.#site = new URL(options.siteUrl).origin;
    this.#options = options;
  }

  /** The guard for one hop: site.url's own origin may be anywhere, others only where config allows. */
  guardFor(url: URL): GuardOptions {
    return url.origin === this.#site
      ? { ...this.#options.guard, allowPrivateAddress: true }
      : this.#options.guard;
  }

  async fetch(url: string, options: ProbeOptions = {}): Promise<Probe> {
    const redirects: Exchange["redirects"] = [];
    let current = url;
    for (;;) {
      let target: URL;
      try {
        target = new URL(current);
      } catch {
        return { ok: false, url: current, reason: "invalid-url", message: `Not a URL: ${current}.` };
      }
      const sentAt = Date.now();
      let answer: Awaited<ReturnType<typeof guardedRequest>>;
      try {
        answer = await guardedRequest(target, {
          ...this.guardFor(target),
          method: options.method ?? "GET",
          headers: { "User-Agent": this.#options.userAgent, ...options.headers },
          body: options.body,
          maxBytes: options.maxBytes ?? DOCUMENT_MAX_BYTES,
          readBody: options.readBody,
          timeoutMs: this.#options.timeoutMs ?? REQUEST_TIMEOUT_MS,
        });
      } catch (error) {
        if (!(error instanceof GuardedFetchError)) throw error;
        return { ok: false, url: current, reason: error.reason, message: error.message };
      }
      this.#noteClock(answer.headers.date, sentAt, Date.now());
      const location = answer.headers.location;
      if (
        REDIRECTS.has(answer.status) &&
        location &&
        redirects.length < (options.followRedirects ?? 0) &&
        URL.canParse(location, current)
      ) {
        redirects.push({ url: current, status: answer.status, location: new URL(location, current).href });
        current = new URL(location, current).href;
        continue;
      }
      return { ok: true, exchange: { ...answer, redirects } };
    }
  }

  #noteClock(date: string | undefined, sentAt: number, receivedAt: number): void {
    const server = date === undefined ? Number.NaN : Date.parse(date);
    // Date has one-second precision: the server's second began at most a second before it wrote it.
    if (Number.isFinite(server)) this.skews.push(server + 500 - (sentAt + receivedAt) / 2);
  }
}

/** A header's value as one string ("" when absent). */
export function header(exchange: Exchange, name: string): string {
  const value = exchange.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

/** The media type of an answer, lower case, without parameters. */
export function mediaType(exchange: Exchange): string {
  return header(exchange, "content-type").split(";")[0]!.trim().toLowerCase();
}

/** The body as JSON, or undefined when it is not JSON. */
export function json(exchange: Exchange): unknown {
  try {
    return JSON.parse(exchange.body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The first characters of a body, on one line, for a finding (an error page's title, say). */
export function excerpt(exchange: Exchange, max = 80): string {
  const text = exchange.body.toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Whether a `Vary` header makes caches keep answers apart by Accept. */
export function variesOnAccept(exchange: Exchange): boolean {
  return header(exchange, "vary")
    .split(",")
    .some((v) => ["accept", "*"].includes(v.trim().toLowerCase()));
}

/** What a failed probe says, with the fix for a refusal of the guard. */
export function unreachable(probe: Extract<Probe, { ok: false }>): { finding: string; fix: string } {
  if (probe.reason === "private-address")
    return {
      finding: probe.message,
      fix: "doctor reaches loopback and private addresses only at site.url's own origin; for a test setup on a private network, set federation.allowPrivateAddress (or list the address in federation.allowAddresses).",
    };
  if (probe.reason === "timeout")
    return {
      finding: `${probe.url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`,
      fix: "Check that Herald runs and that the proxy forwards to it (its upstream port, firewall).",
    };
  return {
    finding: probe.message,
    fix: "Check DNS, the firewall and that the reverse proxy listens on this address and forwards to Herald.",
  };
}
