import type { Block, BlockLink } from "./blocks.ts";
import type { Person, SourceLink } from "./model.ts";
import { type CompiledPatterns, CREDIT_KINDS, type CreditKind, GENERIC_LINK_TEXT } from "./patterns.ts";
import { hasCjk } from "./plain-text.ts";
import { absoluteUrl } from "./sanitize.ts";

// Reads who wrote, translated and edited a reprinted article, and where it came from, out of
// the lines editors actually write. Every block gets a role, so the summary can skip what
// is not prose. The labels themselves are in patterns.ts.

export type BlockRole =
  | "prose"
  | "editors-note"
  | "via"
  | "source"
  | "credit"
  | "bio"
  | "caption"
  | "heading"
  | "media"
  | "other";

export interface DetectedAttribution {
  roles: BlockRole[];
  /** Editor's notes with their label removed, by block index. */
  noteText: Map<number, string>;
  /** First block of a trailing Source / About-the-author section; prose stops there. */
  tailStart: number;
  via?: SourceLink;
  source?: SourceLink;
  translators: Person[];
  editors: Person[];
  authors: Person[];
}

const NAME_FORBIDDEN = /[\p{Nd}。！？!?；;…"“”《》@]/u;
const PUBLICATION_FORBIDDEN = /[。！？!?；;…]|[,，](?=.)/u;
const LOWERCASE_START = /^\p{Ll}/u;
const NAME_EDGES =
  /^[\s:：,，、。.;；()（）【】[\]「」'"‘’“”\-—–]+|[\s:：,，、。.;；()（）【】[\]「」'"‘’“”\-—–]+$/gu;
const NAME_SEPARATORS = /\s*(?:[、,，&＆/／;；|｜]|\band\b|\s和\s)\s*/u;
const WHITESPACE_RUN = /\s+/u;
const QUOTED = /[《〈「『“"]([^》〉」』”"]+)[》〉」』”"]/u;
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i;
const SEGMENT_SEPARATORS = /[,，、;；。]|\.(?:\s|$)/u;
const CREDIT_WRAPPER_START = /^[(（【[]\s*/u;
const CREDIT_WRAPPER_END = /\s*[)）】\]]\s*[。.]?$/u;
const MAX_CREDIT_LINE = 200;

function trimName(text: string): string {
  return text.replace(NAME_EDGES, "");
}

/** A person's name: short, no digits or sentence punctuation, capitalised if the script has case. */
function isPersonName(name: string): boolean {
  if (name === "" || name.length > 40 || NAME_FORBIDDEN.test(name)) return false;
  if (hasCjk(name)) return name.length <= 20;
  const words = name.split(" ");
  return words.length <= 6 && !LOWERCASE_START.test(words[0]!) && !LOWERCASE_START.test(words.at(-1)!);
}

/** A publication's name: like a person's, but longer and digits allowed ("36氪", "The 19th"). */
function isPublicationName(name: string): boolean {
  return name !== "" && name.length <= 60 && !PUBLICATION_FORBIDDEN.test(name) && !LOWERCASE_START.test(name);
}

function splitNames(value: string): string[] | undefined {
  const trimmed = trimName(value);
  if (trimmed === "") return undefined;
  let parts = trimmed
    .split(NAME_SEPARATORS)
    .map(trimName)
    .filter((s) => s !== "");
  // "记者 张三 李四": Chinese names listed with spaces.
  if (parts.every(hasCjk)) parts = parts.flatMap((p) => p.split(WHITESPACE_RUN));
  return parts.length > 0 && parts.every(isPersonName) ? parts : undefined;
}

interface CreditMatch {
  kind: CreditKind;
  start: number;
  end: number;
}

/** `编译：张三 ｜ 编辑：李四`, `Translated by A, edited by B` → names per role; undefined if not a credit line. */
export function parseCreditLine(
  text: string,
  patterns: CompiledPatterns,
): Array<{ kind: CreditKind; names: string[] }> | undefined {
  const line = text.replace(CREDIT_WRAPPER_START, "").replace(CREDIT_WRAPPER_END, "");
  if (line.length > MAX_CREDIT_LINE) return undefined;
  const found: CreditMatch[] = [];
  for (const kind of CREDIT_KINDS) {
    const re = patterns.credit[kind];
    re.lastIndex = 0;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      found.push({ kind, start: m.index, end: m.index + m[0].length });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  if (found.length === 0) return undefined;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const labels: CreditMatch[] = [];
  for (const m of found) if (m.start >= (labels.at(-1)?.end ?? 0)) labels.push(m);
  if (labels[0]!.start !== 0) return undefined;
  const credits: Array<{ kind: CreditKind; names: string[] }> = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const names = splitNames(line.slice(label.end, labels[i + 1]?.start ?? line.length));
    if (names === undefined) return undefined;
    credits.push({ kind: label.kind, names });
  }
  return credits;
}

function isMeaningfulLinkText(text: string): boolean {
  return text !== "" && !URL_LIKE.test(text) && !GENERIC_LINK_TEXT.test(text);
}

/** The first sensible segment of free text next to a link: "，南岸晚报，2026年11月19日。" → 南岸晚报. */
function publicationNear(text: string): string | undefined {
  for (const segment of text.split(SEGMENT_SEPARATORS)) {
    const candidate = trimName(segment);
    if (candidate === "") continue;
    return isPublicationName(candidate) && !/\p{Nd}/u.test(candidate) ? candidate : undefined;
  }
  return undefined;
}

function compact(link: SourceLink): SourceLink | undefined {
  const out: SourceLink = {};
  if (link.url !== undefined) out.url = link.url;
  if (link.title !== undefined && link.title !== "") out.title = link.title;
  if (link.name !== undefined && link.name !== "") out.name = link.name;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A Source line or a line in the Source section → url, title (quoted or linked) and publication. */
function sourceFrom(block: Block, rest: string, baseUrl: string): SourceLink | undefined {
  for (const link of block.links) {
    const url = absoluteUrl(link.href, baseUrl);
    if (url === undefined) continue;
    const result: SourceLink = { url };
    if (isMeaningfulLinkText(link.text)) {
      const quoted = QUOTED.exec(link.text);
      if (quoted !== null) {
        result.title = quoted[1]!.trim();
        const remainder = trimName(link.text.replace(quoted[0], ""));
        if (isPublicationName(remainder)) result.name = remainder;
      } else {
        result.title = link.text;
      }
    }
    if (result.name === undefined) {
      const at = rest.indexOf(link.text);
      const after = at === -1 ? "" : rest.slice(at + link.text.length);
      const before = at === -1 ? "" : trimName(rest.slice(0, at));
      result.name = publicationNear(after) ?? (isPublicationName(before) ? before : undefined);
    }
    return compact(result);
  }
  const name = trimName(rest);
  return isPublicationName(name) ? { name } : undefined;
}

function viaFrom(block: Block, rest: string, baseUrl: string): SourceLink | undefined {
  for (const link of block.links) {
    const url = absoluteUrl(link.href, baseUrl);
    if (url === undefined) continue;
    if (isMeaningfulLinkText(link.text)) return { url, name: link.text };
    const before = trimName(rest.slice(0, Math.max(0, rest.indexOf(link.text))));
    return isPublicationName(before) ? { url, name: before } : { url };
  }
  // No link: only a bare publication name counts, so "Via the new bridge, commuters…" is prose.
  const name = trimName(rest);
  return isPublicationName(name) ? { name } : undefined;
}

/** Adds names not yet listed; "By [Jane Doe](https://…)" gives Jane Doe her URL. */
function addPeople(
  into: Person[],
  names: readonly string[],
  links: readonly BlockLink[] = [],
  baseUrl = "",
): void {
  for (const name of names) {
    if (into.some((p) => p.name === name)) continue;
    const link = links.find((l) => l.text === name);
    const url = link === undefined ? undefined : absoluteUrl(link.href, baseUrl);
    into.push(url === undefined ? { name } : { name, url });
  }
}

export function detectAttribution(
  blocks: readonly Block[],
  patterns: CompiledPatterns,
  knownAuthors: readonly Person[],
  baseUrl: string,
): DetectedAttribution {
  const roles: BlockRole[] = [];
  const noteText = new Map<number, string>();
  const found: DetectedAttribution = {
    roles,
    noteText,
    tailStart: blocks.length,
    translators: [],
    editors: [],
    authors: [],
  };
  const people: Record<CreditKind, Person[]> = {
    translator: found.translators,
    editor: found.editors,
    author: found.authors,
  };
  const bioAuthors: Person[] = [];
  let section: { kind: "source" | "bio"; level: number } | undefined;
  let sectionSource: SourceLink | undefined;
  let lineSource: SourceLink | undefined;

  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.kind === "heading") {
      if (section !== undefined && b.level <= section.level) section = undefined;
      const kind = patterns.heading.source.test(b.text)
        ? "source"
        : patterns.heading.bio.test(b.text)
          ? "bio"
          : undefined;
      if (kind !== undefined) {
        section = { kind, level: b.level };
        found.tailStart = Math.min(found.tailStart, i);
      }
      roles.push(kind ?? "heading");
      continue;
    }
    if (b.kind === "caption") {
      roles.push("caption");
      continue;
    }
    if (b.kind === "image") {
      roles.push("media");
      continue;
    }
    if (b.kind === "blockquote") {
      const note = patterns.line.editorsNote.exec(b.text);
      if (note !== null && section === undefined) noteText.set(i, b.text.slice(note[0].length));
      roles.push(note !== null && section === undefined ? "editors-note" : "other");
      continue;
    }
    if (b.kind !== "paragraph") {
      roles.push("other");
      continue;
    }
    const bio = patterns.line.bio.exec(b.text);
    if (bio !== null) {
      // "作者简介：周晓宁，南岸晚报记者…": the name before the first comma is the author.
      const name = trimName(b.text.slice(bio[0].length).split(SEGMENT_SEPARATORS, 1)[0] ?? "");
      if (isPersonName(name)) addPeople(bioAuthors, [name]);
      roles.push("bio");
      continue;
    }
    const credits = parseCreditLine(b.text, patterns);
    if (credits !== undefined) {
      for (const c of credits) addPeople(people[c.kind], c.names, b.links, baseUrl);
      roles.push("credit");
      continue;
    }
    const viaLabel = patterns.line.via.exec(b.text);
    const via = viaLabel === null ? undefined : viaFrom(b, b.text.slice(viaLabel[0].length), baseUrl);
    if (via !== undefined) {
      found.via ??= via;
      roles.push("via");
      continue;
    }
    const sourceLabel = patterns.line.source.exec(b.text);
    // Without a colon or a link, "Sources say…" is a sentence, not a Source line.
    if (sourceLabel !== null && (sourceLabel.groups?.colon !== undefined || b.links.length > 0)) {
      const source = sourceFrom(b, b.text.slice(sourceLabel[0].length), baseUrl);
      // The first Source line with a link wins; a name-only one ("来源：新华社") only if none has one.
      if (
        source !== undefined &&
        (lineSource === undefined || (lineSource.url === undefined && source.url !== undefined))
      ) {
        lineSource = source;
      }
      roles.push("source");
      continue;
    }
    if (section !== undefined) {
      if (section.kind === "source" && sectionSource === undefined && b.links.length > 0) {
        sectionSource = sourceFrom(b, b.text, baseUrl);
      }
      roles.push(section.kind);
      continue;
    }
    const note = patterns.line.editorsNote.exec(b.text);
    if (note !== null) {
      noteText.set(i, b.text.slice(note[0].length));
      roles.push("editors-note");
      continue;
    }
    roles.push(b.linkOnly ? "other" : "prose");
  }

  if (found.authors.length === 0) found.authors.push(...bioAuthors);
  found.source = lineSource?.url !== undefined ? lineSource : (sectionSource ?? lineSource);
  markTrailingItalicBio(blocks, roles, [...knownAuthors, ...found.authors]);
  if (found.source === undefined) delete found.source;
  if (found.via === undefined) delete found.via;
  return found;
}

/** An italic paragraph at the very end that names the author is a bio, not prose. */
function markTrailingItalicBio(
  blocks: readonly Block[],
  roles: BlockRole[],
  authors: readonly Person[],
): void {
  if (authors.length === 0) return;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const role = roles[i];
    if (role === "credit" || role === "source" || role === "bio" || role === "other" || role === "via")
      continue;
    const b = blocks[i]!;
    if (role === "prose" && b.italic && authors.some((a) => b.text.includes(a.name))) roles[i] = "bio";
    return;
  }
}

// Config and other modules know the patterns as part of attribution.
export { type AttributionPatternsConfig, DEFAULT_PATTERNS } from "./patterns.ts";
