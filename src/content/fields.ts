import type { CoverChoice } from "./cover.ts";
import { parseFrontMatterDate } from "./dates.ts";
import type { Person, QuotePolicy, Result, SourceLink, Visibility } from "./model.ts";
import { cleanLine } from "./plain-text.ts";
import { type ArticleProblem, problem } from "./problem.ts";

// Front matter is `unknown` until each known key has been checked here; unknown keys are
// kept in `extra` untouched. A wrong type is an error naming the key, because guessing
// (a list where a string was meant) would publish something the editor did not write.

export interface FrontMatter {
  title?: string;
  id?: string;
  slug?: string;
  date?: string;
  updated?: string;
  publishAt?: string;
  summary?: string;
  cover?: CoverChoice;
  tags: string[];
  lang?: string;
  authors: Person[];
  translators: Person[];
  editors: Person[];
  source?: SourceLink;
  via?: SourceLink;
  draft: boolean;
  federate: boolean;
  contentWarning?: string;
  sensitive?: boolean;
  pinned: boolean;
  visibility?: Visibility;
  /** Who may quote it without asking (FEP-044f); federation.quotes when absent. */
  quotes?: QuotePolicy;
  extra: Record<string, unknown>;
  /** Unknown keys left out of `extra` because they were too large. */
  droppedExtra: string[];
}

/** How much of unknown front-matter keys an article keeps, in JSON characters. */
const MAX_EXTRA_CHARS = 16 * 1024;

const KNOWN_KEYS = new Set([
  "title",
  "id",
  "slug",
  "date",
  "updated",
  "summary",
  "description",
  "cover",
  "cover_alt",
  "tags",
  "lang",
  "author",
  "source",
  "via",
  "translator",
  "editor",
  "draft",
  "publish_at",
  "federate",
  "content_warning",
  "sensitive",
  "pinned",
  "visibility",
  "quotes",
]);

/** A reader returns the value, or what it expected (for the error message). */
type Read<T> = { ok: true; value: T } | { ok: false; expected: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const expected = <T>(what: string): Read<T> => ({ ok: false, expected: what });

const TRUE = new Set(["true", "yes", "on"]);
const FALSE = new Set(["false", "no", "off"]);
const TAG_SEPARATORS = /[,，、]/;
const TAG_HASH = /^[#＃]+/;
const HTTP_URL = /^https?:\/\//i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readText(v: unknown): Read<string> {
  if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) return ok(cleanLine(String(v)));
  return expected("a string");
}

function readBoolean(v: unknown): Read<boolean> {
  if (typeof v === "boolean") return ok(v);
  // YAML 1.2 reads yes/no as strings; editors used to YAML 1.1 still write them.
  if (typeof v === "string" && TRUE.has(v.trim().toLowerCase())) return ok(true);
  if (typeof v === "string" && FALSE.has(v.trim().toLowerCase())) return ok(false);
  return expected("true or false");
}

function readHttpUrl(v: unknown): string | undefined {
  if (typeof v !== "string" || !HTTP_URL.test(v.trim())) return undefined;
  try {
    return new URL(v.trim()).href;
  } catch {
    return undefined;
  }
}

function readTags(v: unknown): Read<string[]> {
  let raw: unknown[];
  if (typeof v === "string") raw = v.split(TAG_SEPARATORS);
  else if (Array.isArray(v)) raw = v;
  else return expected("a list of tags or a comma-separated string");
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const item of raw) {
    if (typeof item !== "string" && typeof item !== "number") {
      return expected("a list of tags or a comma-separated string");
    }
    const tag = cleanLine(String(item)).replace(TAG_HASH, "").trim();
    const key = tag.toLowerCase();
    if (tag !== "" && !seen.has(key)) {
      seen.add(key);
      tags.push(tag);
    }
  }
  return ok(tags);
}

// A site uses a handful of language tags; canonicalising one costs more than the rest of the field.
const canonicalLangs = new Map<string, string | undefined>();

function canonicalLang(text: string): string | undefined {
  if (canonicalLangs.has(text)) return canonicalLangs.get(text);
  let tag: string | undefined;
  try {
    tag = Intl.getCanonicalLocales(text)[0];
  } catch {
    tag = undefined;
  }
  if (canonicalLangs.size >= 1000) canonicalLangs.clear();
  canonicalLangs.set(text, tag);
  return tag;
}

function readLang(v: unknown): Read<string> {
  if (typeof v !== "string") return expected("a BCP 47 language tag such as zh-CN");
  const tag = canonicalLang(v.trim());
  return tag === undefined ? expected("a BCP 47 language tag such as zh-CN") : ok(tag);
}

const PERSON = "a name, {name, url, email, org}, or a list of them (url must be http(s))";

function readPerson(v: unknown): Person | undefined {
  if (typeof v === "string") {
    const name = cleanLine(v);
    return name === "" ? undefined : { name };
  }
  if (!isRecord(v) || typeof v.name !== "string" || cleanLine(v.name) === "") return undefined;
  const person: Person = { name: cleanLine(v.name) };
  if (v.url !== undefined && v.url !== null) {
    const url = readHttpUrl(v.url);
    if (url === undefined) return undefined;
    person.url = url;
  }
  if (v.email !== undefined && v.email !== null) {
    if (typeof v.email !== "string" || !v.email.includes("@")) return undefined;
    person.email = v.email.trim();
  }
  if (v.org !== undefined && v.org !== null) {
    if (typeof v.org !== "string" || cleanLine(v.org) === "") return undefined;
    person.org = cleanLine(v.org);
  }
  return person;
}

function readPeople(v: unknown): Read<Person[]> {
  const people: Person[] = [];
  for (const item of Array.isArray(v) ? v : [v]) {
    const person = readPerson(item);
    if (person === undefined) return expected(PERSON);
    people.push(person);
  }
  return ok(people);
}

const LINK = "an http(s) URL, a name, or {url, title, name}";

function readLink(v: unknown): Read<SourceLink> {
  if (typeof v === "string") {
    const url = readHttpUrl(v);
    if (url !== undefined) return ok({ url });
    const name = cleanLine(v);
    return name === "" ? expected(LINK) : ok({ name });
  }
  if (!isRecord(v)) return expected(LINK);
  const link: SourceLink = {};
  if (v.url !== undefined && v.url !== null) {
    const url = readHttpUrl(v.url);
    if (url === undefined) return expected(LINK);
    link.url = url;
  }
  for (const key of ["title", "name"] as const) {
    const value = v[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return expected(LINK);
    if (cleanLine(value) !== "") link[key] = cleanLine(value);
  }
  return Object.keys(link).length > 0 ? ok(link) : expected(LINK);
}

function readCover(v: unknown): Read<CoverChoice> {
  const COVER = "an image path or URL, or {url, alt}";
  if (typeof v === "string") return v.trim() === "" ? expected(COVER) : ok({ ref: v.trim() });
  if (!isRecord(v)) return expected(COVER);
  const ref = v.url ?? v.src;
  if (typeof ref !== "string" || ref.trim() === "") return expected(COVER);
  if (v.alt !== undefined && v.alt !== null && typeof v.alt !== "string") return expected(COVER);
  const alt = typeof v.alt === "string" ? cleanLine(v.alt) : "";
  return ok(alt === "" ? { ref: ref.trim() } : { ref: ref.trim(), alt });
}

function readQuotes(v: unknown): Read<QuotePolicy> {
  return v === "everyone" || v === "followers" || v === "nobody"
    ? ok(v)
    : expected('"everyone", "followers" or "nobody"');
}

function readVisibility(v: unknown): Read<Visibility> {
  return v === "public" || v === "unlisted" ? ok(v) : expected('"public" or "unlisted"');
}

export function readFrontMatter(
  data: Record<string, unknown>,
  timeZone: string,
): Result<FrontMatter, ArticleProblem> {
  let failure: ArticleProblem | undefined;
  function get<T>(key: string, read: (v: unknown) => Read<T>): T | undefined {
    const v = data[key];
    if (v === undefined || v === null || failure !== undefined) return undefined;
    const r = read(v);
    if (r.ok) return r.value;
    failure = problem("invalid-field", `Front-matter key "${key}" must be ${r.expected}.`);
    return undefined;
  }
  function getDate(key: string): string | undefined {
    const v = data[key];
    if (v === undefined || v === null || failure !== undefined) return undefined;
    const iso =
      typeof v === "string"
        ? parseFrontMatterDate(v, timeZone)
        : v instanceof Date && !Number.isNaN(v.getTime())
          ? v.toISOString()
          : undefined;
    if (iso === undefined) {
      failure = problem(
        "invalid-date",
        `Front-matter key "${key}" is not a valid date: ${JSON.stringify(v)} (expected e.g. 2024-05-01, 2024-05-01 10:00 or 2024-05-01T10:00:00+08:00).`,
      );
    }
    return iso;
  }
  const nonEmpty = (s: string | undefined): string | undefined => (s === "" ? undefined : s);

  const coverAlt = nonEmpty(get("cover_alt", readText));
  let cover = get("cover", readCover);
  if (cover !== undefined && coverAlt !== undefined) cover = { ...cover, alt: coverAlt };
  const fm: FrontMatter = {
    title: nonEmpty(get("title", readText)),
    id: nonEmpty(get("id", readText)),
    slug: get("slug", readText),
    date: getDate("date"),
    updated: getDate("updated"),
    publishAt: getDate("publish_at"),
    summary: nonEmpty(get("summary", readText) ?? get("description", readText)),
    cover,
    tags: get("tags", readTags) ?? [],
    lang: get("lang", readLang),
    authors: get("author", readPeople) ?? [],
    translators: get("translator", readPeople) ?? [],
    editors: get("editor", readPeople) ?? [],
    source: get("source", readLink),
    via: get("via", readLink),
    draft: get("draft", readBoolean) ?? false,
    federate: get("federate", readBoolean) ?? true,
    contentWarning: nonEmpty(get("content_warning", readText)),
    sensitive: get("sensitive", readBoolean),
    pinned: get("pinned", readBoolean) ?? false,
    visibility: get("visibility", readVisibility),
    quotes: get("quotes", readQuotes),
    extra: {},
    droppedExtra: [],
  };
  if (failure !== undefined) return { ok: false, error: failure };
  // Unknown keys are kept for whoever reads the store, but only while small: a key that expands
  // to megabytes (a careless paste, an alias-heavy block) would ride along in every record.
  let kept = 0;
  for (const [key, value] of Object.entries(data)) {
    if (KNOWN_KEYS.has(key)) continue;
    const size = JSON.stringify(value ?? null)?.length ?? 0;
    if (kept + size > MAX_EXTRA_CHARS) {
      fm.droppedExtra.push(key);
      continue;
    }
    kept += size;
    fm.extra[key] = value;
  }
  return { ok: true, value: fm };
}
