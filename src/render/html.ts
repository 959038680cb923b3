// Escaping for the small pieces of HTML the feeds generate themselves (cover image,
// attribution block). Article bodies arrive already sanitized and are not touched here.
import { stripXmlInvalid } from "../content/plain-text.ts";

export function escapeHtml(value: string): string {
  return stripXmlInvalid(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeHtmlAttribute(value: string): string {
  return escapeHtml(value).replace(/"/g, "&quot;");
}

// Characters the WHATWG serializer leaves in paths, queries and fragments although RFC 3986
// forbids them there (`new URL("https://a.example/?q=]]")` keeps the brackets). Feeds promise
// RFC 3986 URIs (JSON Feed's schema checks `format: uri`), so they are percent-encoded.
const NOT_RFC3986 = /[[\]|^`{}\\]/g;

function rfc3986(url: URL): string {
  const tail = url.pathname + url.search + url.hash;
  const head = url.href.slice(0, url.href.length - tail.length);
  return head + tail.replace(NOT_RFC3986, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The URL resolved against `base`, or `undefined` unless it is http(s). Keeps `javascript:` and
 * other schemes out of links we write, and makes every URL absolute (readers have no base URL).
 */
export function httpUrl(value: string | undefined, base: string): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  try {
    const url = new URL(stripXmlInvalid(value.trim()), base);
    return url.protocol === "https:" || url.protocol === "http:" ? rfc3986(url) : undefined;
  } catch {
    return undefined;
  }
}
