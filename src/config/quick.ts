// The quick path of config loading: accepts a configuration that is plainly valid and fills in the
// defaults, without loading zod (whose import and schema construction cost every command about as
// much as Node's own start-up). It answers `undefined` for anything it is not sure of, and the
// schema (schema.ts) then decides and words the problems. So it may be stricter than the schema,
// never looser, and what it returns is exactly what the schema returns: the same values, the same
// keys in the same order (the derivation fingerprint hashes `content` as JSON).
// tests/config/quick.test.ts holds it to that, key by key, against the schema.
import type { z } from "zod";
import {
  CLOCK,
  isAccountReference,
  isAddressOrRange,
  isCronExpression,
  isLanguageTag,
  isScryptHash,
  isTimezone,
  LOG_LEVELS,
  PATTERN_KINDS,
  QUOTE_POLICIES,
  USERNAME,
} from "./checks.ts";
import type { configSchema } from "./schema.ts";

export type ParsedConfig = z.output<typeof configSchema>;

const UNSURE = Symbol("unsure");

/** A value as the schema outputs it, or UNSURE. */
type Parse = (value: unknown) => unknown;

/**
 * One key of an object, and what its absence means: a problem (`required`), nothing (`omit`), a
 * default value, or the section as parsed from `{}` (zod's prefault).
 */
type Field =
  | { parse: Parse; absent: "required" | "omit" | "section" }
  | { parse: Parse; absent: "default"; value: unknown };

const given =
  (check: (value: unknown) => boolean): Parse =>
  (value) =>
    check(value) ? value : UNSURE;
const string = (min = 0, ok: (s: string) => boolean = () => true): Parse =>
  given((v) => typeof v === "string" && v.length >= min && ok(v));
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parse =>
  given((v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);
const boolean: Parse = given((v) => typeof v === "boolean");
const oneOf = (options: readonly string[]): Parse => given((v) => options.includes(v as string));

/** z.url({ protocol: /^https?$/ }) for a URL the schema would keep as written (no spaces to trim). */
const httpUrl: Parse = string(1, (s) => {
  if (s !== s.trim() || /[\t\n\r]/.test(s) || !/^https?:\/\//i.test(s)) return false;
  const url = URL.parse(s);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:");
});

const cron: Parse = given((v) => v === false || (typeof v === "string" && isCronExpression(v)));

function array(item: Parse, max = Number.MAX_SAFE_INTEGER): Parse {
  return (value) => {
    if (!Array.isArray(value) || value.length > max) return UNSURE;
    const out: unknown[] = [];
    for (const v of value) {
      const parsed = item(v);
      if (parsed === UNSURE) return UNSURE;
      out.push(parsed);
    }
    return out;
  };
}

/** A strict object: every key known, none undefined; the output's keys in the schema's order. */
function object(fields: Record<string, Field>): Parse {
  const keys = Object.keys(fields);
  return (value) => {
    if (typeof value !== "object" || value === null) return UNSURE;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return UNSURE;
    for (const key of Object.keys(value))
      if (!Object.hasOwn(fields, key) || (value as Record<string, unknown>)[key] === undefined) return UNSURE;
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const field = fields[key]!;
      if (Object.hasOwn(value, key)) {
        const parsed = field.parse((value as Record<string, unknown>)[key]);
        if (parsed === UNSURE) return UNSURE;
        out[key] = parsed;
      } else if (field.absent === "required") {
        return UNSURE;
      } else if (field.absent === "section") {
        out[key] = field.parse({});
      } else if (field.absent === "default") {
        const d = field.value;
        out[key] = Array.isArray(d) ? [...d] : typeof d === "object" && d !== null ? { ...d } : d;
      }
    }
    return out;
  };
}

const required = (parse: Parse): Field => ({ parse, absent: "required" });
const optional = (parse: Parse): Field => ({ parse, absent: "omit" });
const or = (value: unknown, parse: Parse): Field => ({ parse, absent: "default", value });
const section = (fields: Record<string, Field>): Field => ({ parse: object(fields), absent: "section" });

const patternList = optional(array(string(1)));

const config = object({
  site: section({
    url: optional(httpUrl),
    title: or("Herald", string(1)),
    description: or("News as feeds and a fediverse account.", string()),
    language: or("en", string(0, isLanguageTag)),
    timezone: or("UTC", string(0, isTimezone)),
  }),
  content: section({
    dir: or("content", string(1)),
    maxBytes: or(5 * 1024 * 1024, int(1)),
    watch: or(true, boolean),
    settleMs: or(1500, int(0, 600_000)),
    patterns: or({}, object(Object.fromEntries(PATTERN_KINDS.map((kind) => [kind, patternList])))),
  }),
  data: section({ dir: or("data", string(1)) }),
  media: section({ mirror: or(true, boolean) }),
  database: section({
    url: optional(string(1)),
    poolSize: or(10, int(1, 100)),
    leaseSeconds: or(30, int(5, 3600)),
    waitSeconds: or(60, int(0, 3600)),
  }),
  schedule: section({
    timezone: optional(string(0, isTimezone)),
    scan: or("*/5 * * * *", cron),
    feeds: or("*/15 * * * *", cron),
    maintenance: or("17 4 * * *", cron),
  }),
  publishing: section({
    maxPerHour: or(0, int(0)),
    minIntervalMinutes: or(0, int(0)),
    quietHours: optional(
      object({
        start: required(string(0, (s) => CLOCK.test(s))),
        end: required(string(0, (s) => CLOCK.test(s))),
      }),
    ),
    holdFeeds: or(false, boolean),
  }),
  server: section({
    port: or(8080, int(0, 65535)),
    host: or("0.0.0.0", string(1)),
    trustProxy: or(false, boolean),
  }),
  feeds: section({
    limit: or(20, int(1, 500)),
    outDir: optional(string(1)),
    hub: optional(httpUrl),
  }),
  summary: section({ length: or(140, int(20, 2000)) }),
  bot: section({
    username: or(
      "news",
      string(0, (s) => USERNAME.test(s)),
    ),
    name: or("Herald", string(1)),
    summary: or("", string()),
    avatar: optional(string(1)),
    header: optional(string(1)),
    fields: or([], array(object({ name: required(string(1)), value: required(string()) }), 16)),
    discoverable: or(true, boolean),
    indexable: or(true, boolean),
    manualApproval: or(false, boolean),
    alsoKnownAs: or([], array(string(0, isAccountReference), 10)),
    mode: or("all", oneOf(["all", "announce", "none"])),
  }),
  accounts: or(
    [],
    array(
      object({
        username: required(string(0, (s) => USERNAME.test(s))),
        name: required(string(1)),
        summary: or("", string()),
        avatar: optional(string(1)),
        header: optional(string(1)),
        tags: or([], array(string(1))),
        folders: or([], array(string(1))),
        objectType: optional(oneOf(["note", "article"])),
        visibility: optional(oneOf(["public", "unlisted"])),
        publishing: optional(
          object({
            maxPerHour: optional(int(0)),
            minIntervalMinutes: optional(int(0)),
            quietHours: optional(
              object({
                start: required(string(0, (s) => CLOCK.test(s))),
                end: required(string(0, (s) => CLOCK.test(s))),
              }),
            ),
          }),
        ),
      }),
      100,
    ),
  ),
  federation: section({
    objectType: or("note", oneOf(["note", "article"])),
    visibility: or("public", oneOf(["public", "unlisted"])),
    pushNewestOnFirstStart: or(0, int(0)),
    backfillOnFollow: or(0, int(0, 20)),
    concurrency: or(32, int(1, 256)),
    perHostConcurrency: or(8, int(1, 64)),
    unreachableAfterDays: or(7, int(1, 365)),
    spreadSeconds: or(0, int(0, 3_600)),
    allowPrivateAddress: or(false, boolean),
    allowAddresses: or([], array(string(0, isAddressOrRange))),
    quotes: or("everyone", oneOf(QUOTE_POLICIES)),
    relays: or([], array(httpUrl, 32)),
  }),
  pages: section({ showInteractions: or(false, boolean) }),
  admin: section({ passwordHash: optional(string(0, isScryptHash)) }),
  log: section({ level: or("info", oneOf(LOG_LEVELS)) }),
});

/** The configuration with its defaults, when it is plainly valid; `undefined`: ask the schema. */
export function parseQuickly(raw: unknown): ParsedConfig | undefined {
  const parsed = config(raw);
  return parsed === UNSURE ? undefined : (parsed as ParsedConfig);
}
