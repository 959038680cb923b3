// The actor and an article, asked for as Mastodon asks (JSON-LD) and as a browser asks (HTML), at the
// same URL. Herald answers each with its own body and says `Vary: Accept`; a cache or CDN that keys by
// URL alone hands one the other's answer. That is the most common reason posts and follows fail with
// no error anywhere (WordPress ActivityPub #476), so each URL is asked three times: JSON-LD, HTML,
// JSON-LD again (a cache filled by the HTML request shows on the third), and once more with a query
// string no cache has seen, which tells a cache keyed by URL from a proxy that drops Accept.
import { randomBytes } from "node:crypto";
import {
  type Exchange,
  excerpt,
  header,
  json,
  mediaType,
  type Prober,
  unreachable,
  variesOnAccept,
} from "./probe.ts";

/** What Mastodon sends when it fetches an actor or a post. */
export const AP_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", text/html;q=0.1';
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const AP_MEDIA = new Set(["application/activity+json", "application/ld+json"]);

export type Document = Record<string, unknown>;

export type Negotiated =
  | { ok: true; document: Document; exchange: Exchange; warning?: { finding: string; fix: string } }
  | { ok: false; finding: string; fix: string };

const CACHE_FIX =
  'A cache in front of Herald keys its entries by URL only: add Accept to the cache key and honour Vary (nginx: proxy_cache_key "$scheme$host$request_uri$http_accept"; no proxy_ignore_headers Vary), or bypass the cache for ActivityPub requests (nginx: map $http_accept $activitypub { ~activity\\+json 1; ~ld\\+json 1; default 0; } with proxy_cache_bypass $activitypub; proxy_no_cache $activitypub;). On a CDN that ignores Vary: Accept (Cloudflare does), add a rule that bypasses the cache when Accept contains activity+json or ld+json.';
const ACCEPT_FIX =
  "The proxy does not pass the Accept header on to Herald, or answers this path itself (a proxy_set_header Accept …, a static or catch-all location): forward requests unchanged to Herald, as the README's proxy examples do.";
const VARY_FIX =
  "Herald sends Vary: Accept; something in between drops it: let the proxy or CDN pass Vary through, or bypass its cache for these URLs.";

/** An ActivityPub GET of `url`; redirects followed as Mastodon follows them. */
export function fetchActivityJson(prober: Prober, url: string) {
  return prober.fetch(url, { headers: { Accept: AP_ACCEPT }, followRedirects: 3 });
}

/**
 * `url` as JSON-LD for ActivityPub clients and as anything but JSON-LD for browsers, with Vary: Accept
 * on the browser's answer. The document is returned as parsed; its id is the caller's to judge.
 */
export async function negotiate(prober: Prober, url: string): Promise<Negotiated> {
  const first = await fetchActivityJson(prober, url);
  if (!first.ok) return { ok: false, ...unreachable(first) };
  const browser = await prober.fetch(url, { headers: { Accept: BROWSER_ACCEPT } });
  const again = await fetchActivityJson(prober, url);
  const answers = [first.exchange, ...(again.ok ? [again.exchange] : [])];
  const html = answers.find((e) => !isActivityJson(e) && e.status === 200);
  if (html) {
    // A URL no cache has seen: if Herald answers it with JSON-LD, the cache is what served the page.
    const fresh = await fetchActivityJson(prober, withNonce(url));
    const cached = fresh.ok && isActivityJson(fresh.exchange);
    return {
      ok: false,
      finding: `${url} answered an ActivityPub request (Accept: application/activity+json) with ${mediaType(html) || "an untyped body"}${cacheHint(html)}${html === first.exchange ? "" : ", after doctor's browser request for the same URL"}: remote servers cannot read it, and follows and posts fail without an error.${cached ? " The same URL with a new query string gets JSON-LD: a cache answered." : ""}`,
      // A CDN that ignores query strings serves the stored page for that URL too: its headers say so.
      fix: cached || fromCache(html) ? CACHE_FIX : ACCEPT_FIX,
    };
  }
  const ap = answers.find(isActivityJson);
  if (!ap) {
    const e = first.exchange;
    return {
      ok: false,
      finding: `${url} answers ActivityPub requests with ${e.status} ${mediaType(e)} (${excerpt(e)}).`,
      fix: "Forward the whole origin to Herald; if Herald itself answers this, see its log.",
    };
  }
  const document = json(ap);
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return {
      ok: false,
      finding: `${url} says ${mediaType(ap)} but its body is not a JSON object (${excerpt(ap)}).`,
      fix: "Something between Herald and here rewrites the body (a filter, an error page): forward it unchanged.",
    };
  if (browser.ok) {
    const page = browser.exchange;
    if (isActivityJson(page))
      return {
        ok: false,
        finding: `${url} answered a browser (Accept: text/html) with JSON-LD${cacheHint(page)}: a cache stored an ActivityPub answer and hands it to everyone, and will hand a stored page to ActivityPub clients.`,
        fix: CACHE_FIX,
      };
    if (!variesOnAccept(page))
      return {
        ok: false,
        finding: `The answer to browsers at ${url} (${page.status}${mediaType(page) ? ` ${mediaType(page)}` : ""}) has no Vary: Accept (Vary: ${header(page, "vary") || "none"}): a cache may store it and hand it to ActivityPub clients.`,
        fix: VARY_FIX,
      };
  }
  const warning = variesOnAccept(ap)
    ? undefined
    : {
        finding: `The JSON-LD answer at ${url} has no Vary: Accept (Vary: ${header(ap, "vary") || "none"}): a cache may hand it to browsers.`,
        fix: VARY_FIX,
      };
  return { ok: true, document: document as Document, exchange: ap, ...(warning ? { warning } : {}) };
}

export function isActivityJson(exchange: Exchange): boolean {
  return exchange.status === 200 && AP_MEDIA.has(mediaType(exchange));
}

/** The URL with a query parameter no cache has an entry for. */
function withNonce(url: string): string {
  const u = new URL(url);
  u.searchParams.set("herald-doctor", randomBytes(6).toString("hex"));
  return u.href;
}

const CACHE_HEADERS = ["x-cache-status", "x-cache", "cf-cache-status", "x-proxy-cache", "age"];

/** Whether an answer's headers say a cache served it (a HIT, or an Age). */
function fromCache(exchange: Exchange): boolean {
  return (
    CACHE_HEADERS.some((h) => /\bhit\b/i.test(header(exchange, h))) || Number(header(exchange, "age")) > 0
  );
}

/** Cache headers an answer carries, as a remark: ", served from a cache (X-Cache: HIT)". */
function cacheHint(exchange: Exchange): string {
  const seen = CACHE_HEADERS.filter((h) => header(exchange, h) !== "").map(
    (h) => `${h}: ${header(exchange, h)}`,
  );
  return seen.length > 0 ? `, served from a cache (${seen.join(", ")})` : "";
}
