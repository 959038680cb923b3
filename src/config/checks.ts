// The checks behind configuration values that no type says by itself: a time zone, a language tag, a
// cron expression, an address range, a password hash. One copy, shared by the schema (which reports
// problems) and the quick path (which accepts the common case without loading zod).

import { createRequire } from "node:module";
import type { PatternKind } from "../content/patterns.ts";

/** The kinds `content.patterns` may extend (src/content/patterns.ts holds the built-in table). */
export const PATTERN_KINDS = [
  "via",
  "source",
  "translator",
  "editor",
  "author",
  "bio",
  "caption",
  "captionAbove",
  "editorsNote",
  "publisher",
  "photoCredit",
  "boilerplate",
  "decorativeImage",
  "wire",
] as const satisfies readonly PatternKind[];

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

let zones: ReadonlySet<string> | undefined;

export function isTimezone(tz: string): boolean {
  // The zones ICU lists are valid by definition, and the list comes cheap; the check that decides
  // for any other spelling (an alias, another case) builds a date formatter: ~20 ms the first time.
  zones ??= new Set(Intl.supportedValuesOf("timeZone"));
  if (zones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function isLanguageTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

let cronValidate: ((expression: string) => boolean) | undefined;

/**
 * node-cron's own check (5 fields, or 6 with seconds), loaded only when a configuration names a
 * schedule: the defaults are Herald's own, so loading config with none costs no node-cron. Loaded
 * with `require` (its CommonJS build, the same code) because validation is synchronous.
 */
export function isCronExpression(expression: string): boolean {
  cronValidate ??= (createRequire(import.meta.url)("node-cron") as typeof import("node-cron")).validate;
  return cronValidate(expression);
}

/**
 * `scrypt$N$r$p$salt$key` (salt and key base64url): N a power of two up to 2^20, so a typo
 * cannot make every login take minutes or gigabytes.
 */
export function isScryptHash(value: string): boolean {
  const m = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43,})$/.exec(
    value,
  );
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return n >= 1024 && n <= 2 ** 20 && (n & (n - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
}

/** An IP address, or a CIDR range such as 10.0.5.0/24 or fd00:1::/64. */
export function isAddressOrRange(entry: string): boolean {
  const [address, prefix] = entry.split("/");
  // node:net loads only for a configuration that lists addresses (~5 ms of every start otherwise).
  const family = process.getBuiltinModule("node:net").isIP(address ?? "");
  if (family === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 6 ? 128 : 32);
}

/** HH:MM, 24-hour. */
export const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/** bot.username: what a fediverse handle may hold. */
export const USERNAME = /^[a-z0-9_]{1,30}$/;

/** Quote consent (FEP-044f): who may quote a post without asking the operator. */
export const QUOTE_POLICIES = ["everyone", "followers", "nobody"] as const;

/**
 * An account Herald also is (`bot.alsoKnownAs`): an actor URL, or `@user@host` found by WebFinger
 * when the actor is served.
 */
export function isAccountReference(value: string): boolean {
  if (/^https?:\/\//i.test(value)) {
    const url = URL.parse(value);
    return url !== null && (url.protocol === "http:" || url.protocol === "https:") && value === value.trim();
  }
  return /^@?[^@\s/]+@[a-z0-9.-]+(?::\d+)?$/i.test(value);
}
