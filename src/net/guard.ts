import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { type AddressClass, classifyAddress } from "./addresses.ts";

// The one way Herald fetches a URL someone else chose. The host is resolved here, every address it
// resolves to is checked, and the socket connects to exactly the addresses that were checked: the
// `lookup` hook of node:http is what net.connect uses, so no second resolution can answer with
// another address between the check and the connection (DNS rebinding). Redirects are followed by
// hand, each hop checked again; time and size are bounded for the whole exchange.

/** Why a fetch was refused or failed; stable strings for logs, status output and tests. */
export type FetchFailure =
  | "invalid-url"
  | "scheme"
  | "private-address"
  | "dns"
  | "too-many-redirects"
  | "bad-redirect"
  | "http-status"
  | "too-large"
  | "timeout"
  | "aborted"
  | "network";

export class GuardedFetchError extends Error {
  readonly reason: FetchFailure;
  /** The URL of the hop that failed (after redirects). */
  readonly url: string;
  /** The HTTP status, for `http-status`. */
  readonly status?: number;
  /** For `private-address`: the address and its class. */
  readonly address?: { address: string; class: AddressClass };

  constructor(
    reason: FetchFailure,
    url: string,
    message: string,
    extra: { status?: number; address?: { address: string; class: AddressClass }; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "GuardedFetchError";
    this.reason = reason;
    this.url = url;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.address !== undefined) this.address = extra.address;
  }
}

export interface GuardOptions {
  /** Loopback and private addresses too (`federation.allowPrivateAddress`: tests only). */
  allowPrivateAddress?: boolean;
  /** Exceptions for single non-public addresses (an internal proxy one trusts), checked per hop. */
  allowAddress?: (address: string) => boolean;
}

export interface GuardedGetOptions extends GuardOptions {
  /** Redirects followed at most (default 3). */
  maxRedirects?: number;
  /** For the whole exchange, redirects included (default 10 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 10 MB). */
  maxBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One exchange, as `guardedRequest` makes it. */
export interface GuardedRequestOptions extends GuardOptions {
  method?: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** For the exchange, the body included (default 10 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 10 MB). */
  maxBytes?: number;
  /** false: only the status and headers are wanted; the connection is closed without reading the body. */
  readBody?: boolean;
  signal?: AbortSignal;
}

export interface GuardedResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const DEFAULT_MAX_REDIRECTS = 3;
const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The refusal of an address a socket would connect to, or undefined when it may. */
export function refusal(url: string, address: string, options: GuardOptions): GuardedFetchError | undefined {
  const cls = classifyAddress(address);
  if (cls === undefined || options.allowPrivateAddress || options.allowAddress?.(address)) return undefined;
  return new GuardedFetchError(
    "private-address",
    url,
    `Refused to fetch ${url}: it resolves to ${address}, a ${cls} address.`,
    { address: { address, class: cls } },
  );
}

/**
 * A `lookup` for node:http, node:net or undici's `connect` that resolves every address of the host
 * and refuses them all if any one is not public: a host that answers with one public and one
 * private address must not get a chance to be reached on the private one.
 */
export function guardedLookup(options: GuardOptions = {}, url = ""): LookupFunction {
  return ((hostname: string, lookupOptions: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(
      hostname,
      { family: lookupOptions.family ?? 0, all: true, verbatim: true },
      (error, addresses: LookupAddress[]) => {
        if (error || addresses.length === 0) {
          callback(
            new GuardedFetchError("dns", url || hostname, `Cannot resolve ${hostname}.`, { cause: error }),
            lookupOptions.all ? [] : "",
            0,
          );
          return;
        }
        for (const { address } of addresses) {
          const refused = refusal(url || hostname, address, options);
          if (refused) {
            callback(refused, lookupOptions.all ? [] : "", 0);
            return;
          }
        }
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
    );
  }) as unknown as LookupFunction;
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** Checks what can be checked before connecting: scheme, and a host that is an IP address itself. */
export function checkTarget(raw: string | URL, options: GuardOptions = {}): URL {
  const text = String(raw);
  if (!URL.canParse(text)) throw new GuardedFetchError("invalid-url", text, `Not a URL: ${text}.`);
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new GuardedFetchError("scheme", url.href, `Refused to fetch ${url.href}: only http and https.`);
  // net.connect skips `lookup` for a literal address, so it is checked here.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) {
    const refused = refusal(url.href, host, options);
    if (refused) throw refused;
  }
  return url;
}

/**
 * GET `url` within the guard: http(s) only, public addresses only, at most `maxRedirects` redirects
 * (each checked again), `timeoutMs` for everything, `maxBytes` of body. A non-2xx answer is a
 * GuardedFetchError with reason `http-status`; every other failure has its own reason.
 */
export async function guardedGet(
  url: string | URL,
  options: GuardedGetOptions = {},
): Promise<GuardedResponse> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = checkTarget(url, options);
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, { ...options, method: "GET" }, signal, timeout, false);
    if (REDIRECTS.has(response.status)) {
      const location = response.headers.location;
      if (redirects >= maxRedirects)
        throw new GuardedFetchError(
          "too-many-redirects",
          current.href,
          `Refused to follow more than ${maxRedirects} redirects from ${String(url)}.`,
        );
      if (!location || !URL.canParse(location, current))
        throw new GuardedFetchError(
          "bad-redirect",
          current.href,
          `${current.href} redirects nowhere usable.`,
        );
      current = checkTarget(new URL(location, current), options);
      continue;
    }
    if (response.status < 200 || response.status > 299)
      throw new GuardedFetchError(
        "http-status",
        current.href,
        `${current.href} answered HTTP ${response.status}.`,
        { status: response.status },
      );
    return {
      url: current.href,
      status: response.status,
      headers: response.headers,
      body: await response.read(),
    };
  }
}

/**
 * One exchange within the guard, whatever its status: no redirect is followed (a 3xx comes back with
 * its Location), and the body of any answer is read within `maxBytes`, all within `timeoutMs`. For
 * callers that judge each answer themselves (`herald doctor`, which looks at what a remote server
 * would see). Refusals and transport failures are GuardedFetchErrors, as for guardedGet.
 */
export async function guardedRequest(
  url: string | URL,
  options: GuardedRequestOptions = {},
): Promise<GuardedResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const target = checkTarget(url, options);
  const response = await request(target, options, signal, timeout, true);
  return {
    url: target.href,
    status: response.status,
    headers: response.headers,
    body: options.readBody === false ? response.discard() : await response.read(),
  };
}

interface Pending {
  status: number;
  headers: IncomingHttpHeaders;
  /** Reads the body within the size limit (guardedGet: only for a final 2xx answer). */
  read(): Promise<Buffer>;
  /** Closes the exchange without reading the body. */
  discard(): Buffer;
}

function request(
  url: URL,
  options: Omit<GuardedRequestOptions, "signal" | "timeoutMs">,
  signal: AbortSignal,
  timeout: AbortSignal,
  /** Keep the body of any status (guardedRequest); guardedGet drops the body of a non-2xx answer. */
  anyStatus: boolean,
): Promise<Pending> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const failed = (error: unknown): GuardedFetchError => {
    if (error instanceof GuardedFetchError) return error;
    if (timeout.aborted)
      return new GuardedFetchError("timeout", url.href, `${url.href} did not answer in time.`, {
        cause: error,
      });
    if (signal.aborted)
      return new GuardedFetchError("aborted", url.href, `Fetching ${url.href} was cancelled.`);
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return new GuardedFetchError("network", url.href, `Cannot fetch ${url.href} (${code}).`, {
      cause: error,
    });
  };
  return new Promise<Pending>((resolve, reject) => {
    if (signal.aborted) {
      reject(failed(signal.reason));
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(url, {
      method: options.method ?? "GET",
      // A fresh connection per request: a pooled socket would skip the lookup, hence the check.
      agent: false,
      lookup: guardedLookup(options, url.href),
      headers: { "Accept-Encoding": "identity", ...options.headers },
      signal,
    });
    req.on("error", (error) => reject(failed(error)));
    req.end(options.body);
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const length = Number(res.headers["content-length"]);
      const wanted = anyStatus ? options.readBody !== false : status >= 200 && status <= 299;
      if (!wanted) res.resume(); // not read: a redirect or an error page
      if (wanted && Number.isFinite(length) && length > maxBytes) {
        req.destroy();
        reject(
          new GuardedFetchError(
            "too-large",
            url.href,
            `${url.href} is ${length} bytes, over the ${maxBytes}-byte limit.`,
          ),
        );
        return;
      }
      resolve({
        status,
        headers: res.headers,
        discard: () => {
          req.destroy();
          return Buffer.alloc(0);
        },
        read: () =>
          new Promise<Buffer>((done, fail) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxBytes) {
                req.destroy();
                fail(
                  new GuardedFetchError(
                    "too-large",
                    url.href,
                    `${url.href} sent more than the ${maxBytes}-byte limit.`,
                  ),
                );
                return;
              }
              chunks.push(chunk);
            });
            res.on("end", () => done(Buffer.concat(chunks)));
            res.on("error", (error) => fail(failed(error)));
            // A connection closed before the end (server gone, timeout) emits no "error" on every version.
            res.on("close", () => {
              if (!res.complete) fail(failed(signal.reason ?? new Error("connection closed early")));
            });
          }),
      });
    });
  });
}
