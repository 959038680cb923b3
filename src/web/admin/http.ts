// Small HTTP pieces of the dashboard: cookies, form bodies, the same-origin check, responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";

/** Forms here carry an id and a token: anything bigger is not ours. */
const MAX_FORM_BYTES = 16 * 1024;

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

/** Always HttpOnly and SameSite=Strict: no script reads it, no other site's request carries it. */
export function cookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; Path=${o.path}; Max-Age=${o.maxAge}; HttpOnly; SameSite=Strict${o.secure ? "; Secure" : ""}`;
}

export type FormResult =
  | { ok: true; form: URLSearchParams }
  | { ok: false; status: 413 | 415; message: string };

export async function readForm(req: IncomingMessage, maxBytes = MAX_FORM_BYTES): Promise<FormResult> {
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return { ok: false, status: 415, message: "Expected a form (application/x-www-form-urlencoded)." };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return { ok: false, status: 413, message: "Form too large." };
    chunks.push(chunk as Buffer);
  }
  return { ok: true, form: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) };
}

/**
 * Whether a POST comes from our own pages. Browsers send Origin on every POST and Sec-Fetch-Site
 * on every request; a page elsewhere cannot forge either. Same origin means the site's public
 * origin or the host the request was sent to (an operator on an SSH tunnel to 127.0.0.1).
 * Requests with neither header (curl, very old browsers) still need the CSRF token.
 */
export function fromSameOrigin(req: IncomingMessage, siteOrigin: string): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === siteOrigin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Who is asking, for the login limit and the log. Behind our own reverse proxy (`trustProxy`) it
 * is the last X-Forwarded-For address: the one that proxy appended; earlier ones are whatever the
 * client sent, so trusting them would let anyone pick a fresh address per guess. Anything that is
 * not an address counts as the proxy itself (one shared limit: the safe side).
 */
export function clientAddress(req: IncomingMessage, trustProxy = false): string {
  const socket = req.socket.remoteAddress ?? "unknown";
  if (!trustProxy) return socket;
  const forwarded = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .at(-1)!
    .trim();
  return isIP(forwarded) ? forwarded : socket;
}

export function sendHtml(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>>,
): void {
  const body = Buffer.from(html);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Post/redirect/get: 303 makes the browser GET the page, so reloading does not repeat the action. */
export function seeOther(
  res: ServerResponse,
  location: string,
  headers: Readonly<Record<string, string>>,
): void {
  res.statusCode = 303;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Location", location);
  res.end();
}
