import type { Block, BlockLink } from "./blocks.ts";
import {
  BIO_SENTENCE_NAME,
  BYLINE,
  bioName,
  DATE_LIKE,
  isPersonName,
  ORGANISATION,
  PROFILE_URL,
  parseCreditLine,
  READ_TIME,
  trimName,
  WECHAT_HEADER,
} from "./credits.ts";
import {
  findVia,
  labelAt,
  MAX_LABEL_LINE,
  MAX_SHORT_LINE,
  originalLink,
  publicationNear,
  QUOTED,
  sourceFrom,
  viaFromLink,
} from "./links.ts";
import type { Person, SourceLink } from "./model.ts";
import type { CompiledPatterns, CreditKind } from "./patterns.ts";
import { collapseWhitespace, hasCjk } from "./plain-text.ts";
import { absoluteUrl } from "./sanitize.ts";

// Reads who wrote, translated, edited and published a reprinted article, and where it came
// from, out of the lines editors actually write. Every line gets a role, so the summary can
// skip what is not prose, and every finding says which rule made it (shown by `preview`).
// The labels themselves are in patterns.ts.

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
  | "boilerplate"
  | "other";

/** A derived field and the rule that found it, for editors checking what Herald read. */
export type DerivedField =
  | "summary"
  | "via"
  | "source"
  | "translators"
  | "editors"
  | "publishers"
  | "authors";

export interface DetectedAttribution {
  roles: BlockRole[];
  /** Editor's notes with their label removed, by block index (continuation lines appended). */
  noteText: Map<number, string>;
  /** Prose lines whose start was not prose (a dateline, a bracketed byline), by block index. */
  proseText: Map<number, string>;
  /** First block of a trailing Source / About-the-author section; prose stops there. */
  tailStart: number;
  via?: SourceLink;
  source?: SourceLink;
  translators: Person[];
  editors: Person[];
  publishers: Person[];
  authors: Person[];
  /** How each field was found, in words: "label 转载自 in a link's text (paragraph 1)". */
  rules: Partial<Record<DerivedField, string>>;
}

/** Adds people not yet listed; "By [Jane Doe](https://…)" gives Jane Doe her URL. */
function addPeople(
  into: Person[],
  people: readonly Person[],
  links: readonly BlockLink[] = [],
  baseUrl = "",
): void {
  for (const person of people) {
    if (into.some((p) => p.name === person.name)) continue;
    const link = links.find((l) => l.text === person.name);
    const url = link === undefined ? undefined : absoluteUrl(link.href, baseUrl);
    into.push(url === undefined ? { ...person } : { ...person, url });
  }
}

const SENTENCE_END = /[。！？!?.…」』”"）)]\s*$/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** A line this short without a sentence end, before the story starts, is page furniture ("6 min read"). */
const MAX_HEADER_LINE = 60;

const HEADER_SEPARATOR = /\s*[·|｜•]\s*/u;

/** "[Priya Raman](…/profiles/priya-raman), University of Westmarch": a profile link, then an affiliation. */
function profileByline(b: Block): string | undefined {
  const first = b.links[0];
  if (first === undefined || first.at > 2 || !PROFILE_URL.test(first.href) || !isPersonName(first.text)) {
    return undefined;
  }
  const rest = trimName(b.text.slice(first.at + first.text.length));
  const parts = rest.split(HEADER_SEPARATOR).flatMap((p) => p.split(/\s*[,，]\s*/u));
  const furniture = parts.every(
    (p) => p === "" || DATE_LIKE.test(p) || READ_TIME.test(p) || (ORGANISATION.test(p) && p.length <= 60),
  );
  return furniture ? first.text : undefined;
}

/** "**Maya Lindqvist** · Feb 2, 2025 · 5 min read": a name, then only dates and reading times. */
function headerByline(text: string): string | undefined {
  const [first, ...rest] = text.split(HEADER_SEPARATOR);
  if (first === undefined || rest.length === 0) return undefined;
  if (!rest.every((part) => part === "" || DATE_LIKE.test(part) || READ_TIME.test(part))) return undefined;
  const name = trimName(first);
  const words = name.split(" ");
  const nameLike = hasCjk(name)
    ? name.length >= 2 && name.length <= 6
    : words.length >= 2 && words.length <= 4;
  return nameLike && isPersonName(name) ? name : undefined;
}

const CONTINUING_ROLES = new Set<BlockRole>(["prose", "editors-note"]);

/** A line that only wraps the sentence of the line before it (hard-wrapped Markdown). */
function continues(previous: Block | undefined, b: Block, previousRole: BlockRole | undefined): boolean {
  return (
    previous !== undefined &&
    previousRole !== undefined &&
    previous.para === b.para &&
    b.line > 0 &&
    CONTINUING_ROLES.has(previousRole) &&
    previous.images.length === 0 &&
    !SENTENCE_END.test(previous.text)
  );
}

export function detectAttribution(
  blocks: readonly Block[],
  patterns: CompiledPatterns,
  knownAuthors: readonly Person[],
  baseUrl: string,
): DetectedAttribution {
  const roles: BlockRole[] = [];
  const noteText = new Map<number, string>();
  const proseText = new Map<number, string>();
  const rules: DetectedAttribution["rules"] = {};
  const found: DetectedAttribution = {
    roles,
    noteText,
    proseText,
    tailStart: blocks.length,
    translators: [],
    editors: [],
    publishers: [],
    authors: [],
    rules,
  };
  const people: Record<CreditKind, Person[]> = {
    translator: found.translators,
    editor: found.editors,
    author: found.authors,
    publisher: found.publishers,
  };
  const peopleField: Record<CreditKind, DerivedField> = {
    translator: "translators",
    editor: "editors",
    author: "authors",
    publisher: "publishers",
  };
  const bioAuthors: Person[] = [];
  let bioRule: string | undefined;
  let section: { kind: "source" | "bio" | "note" | "via"; level: number; read: boolean } | undefined;
  let seenProse = false;
  // Japanese names are written "山田 花子": a space inside a credit does not separate two people.
  const spacedNames = blocks.some((b) => KANA.test(b.text));
  let pending: { kind: "source" | "bio"; para: number; label: string } | undefined;
  let noteStart: number | undefined;
  const sources: Array<{ link: SourceLink; rank: number; rule: string }> = [];
  const addSource = (link: SourceLink | undefined, rank: number, rule: string): void => {
    if (link !== undefined) sources.push({ link, rank, rule });
  };
  // The first reprint line wins, except that one with a link beats a name-only one before it.
  const setVia = (via: SourceLink, rule: string): void => {
    if (found.via !== undefined && (found.via.url !== undefined || via.url === undefined)) return;
    found.via =
      found.via?.name !== undefined && via.name === undefined ? { ...via, name: found.via.name } : via;
    rules.via = rule;
  };
  const readBio = (text: string, where: string): void => {
    const name = bioName(text);
    if (name !== undefined && isPersonName(name)) {
      addPeople(bioAuthors, [{ name }]);
      bioRule ??= `author bio (${where})`;
    }
  };

  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const where = `paragraph ${b.para + 1}`;
    const previous = blocks[i - 1];
    if (pending !== undefined && b.para > pending.para + 1 && b.kind !== "heading") pending = undefined;

    if (b.kind === "heading") {
      pending = undefined;
      if (section !== undefined && b.level <= section.level) section = undefined;
      const kind = patterns.heading.source.test(b.text)
        ? "source"
        : patterns.heading.bio.test(b.text)
          ? "bio"
          : patterns.heading.editorsNote.test(b.text)
            ? "note"
            : patterns.heading.via.test(b.text)
              ? "via"
              : undefined;
      if (kind !== undefined) section = { kind, level: b.level, read: false };
      roles.push(kind === "note" ? "other" : (kind ?? "heading"));
      continue;
    }
    if (b.kind === "hr") {
      // A thematic break ends a labelled section: "## 作者簡介 … --- story".
      section = undefined;
      pending = undefined;
      roles.push("other");
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
    if (b.kind === "blockquote" || b.kind === "list") {
      const note = b.kind === "blockquote" ? patterns.line.editorsNote.exec(b.text) : null;
      if (note !== null && section === undefined) {
        noteText.set(i, b.text.slice(note[0].length));
        roles.push("editors-note");
        continue;
      }
      if ((pending?.kind === "source" || section?.kind === "source") && b.links.length > 0) {
        addSource(
          sourceFrom(b, b.text, baseUrl),
          2,
          `links after “${pending?.label ?? "Source"}” (${where})`,
        );
        pending = undefined;
        roles.push("source");
        continue;
      }
      if (b.kind === "blockquote" && section?.kind !== "note") {
        // "> 转載自：[海风评论网](url)": a reprint line set as a quote.
        const via = findVia({ ...b, text: collapseWhitespace(b.text) }, patterns, baseUrl);
        if (via !== undefined) {
          setVia(via.via, via.rule);
          roles.push("via");
          continue;
        }
      }
      roles.push(section?.kind === "note" && b.kind === "blockquote" ? "editors-note" : "other");
      if (section?.kind === "note" && b.kind === "blockquote") noteText.set(i, b.text);
      continue;
    }
    if (b.kind === "html" && b.text !== "") {
      // `<p class="byline">Story by <strong>Naomi Ferris</strong></p>`
      const credits = parseCreditLine(b.text, patterns, { spacedNames });
      for (const c of credits ?? []) {
        if (c.kind === "via" || c.kind === "photographer") continue;
        addPeople(people[c.kind], c.people);
        rules[peopleField[c.kind]] ??= `credit in HTML (${where})`;
      }
      roles.push(credits === undefined ? "other" : "credit");
      continue;
    }
    if (b.kind !== "paragraph") {
      roles.push("other");
      continue;
    }

    if (pending === undefined && continues(previous, b, roles[i - 1])) {
      const role = roles[i - 1]!;
      roles.push(role);
      if (role === "editors-note" && noteStart !== undefined) {
        noteText.set(noteStart, `${noteText.get(noteStart) ?? ""}\n${b.text}`);
      }
      continue;
    }
    noteStart = undefined;

    if (pending?.kind === "source" && (b.links.length > 0 || b.text.length <= MAX_SHORT_LINE)) {
      // "“Title”" on one line and the bare URL on the next, in one paragraph: one source.
      const rule = `“${pending.label}” then the next paragraph (${where})`;
      addSource(sourceFrom(b, b.text, baseUrl), 2, rule);
      roles.push("source");
      while (blocks[i + 1]?.para === b.para && blocks[i + 1]?.kind === "paragraph") {
        i++;
        addSource(sourceFrom(blocks[i]!, blocks[i]!.text, baseUrl), 2, rule);
        roles.push("source");
      }
      pending = undefined;
      continue;
    }
    if (pending?.kind === "bio") {
      readBio(b.text, where);
      pending = undefined;
      roles.push("bio");
      continue;
    }
    if (patterns.line.boilerplate.test(b.text)) {
      roles.push("boilerplate");
      continue;
    }
    const bio = patterns.line.bio.exec(b.text);
    if (bio !== null) {
      const rest = b.text.slice(bio[0].length);
      if (rest.trim() === "") pending = { kind: "bio", para: b.para, label: bio[0].trim() };
      else readBio(rest, where);
      roles.push("bio");
      continue;
    }
    const credits = parseCreditLine(b.text, patterns, { spacedNames });
    if (credits !== undefined) {
      for (const c of credits) {
        if (c.kind === "photographer") continue; // a picture credit; the image has its own
        if (c.kind === "via") {
          const link = b.links.find((l) => c.text.includes(l.text));
          const via = link === undefined ? undefined : viaFromLink(link, null, baseUrl);
          const named = publicationNear(c.text);
          if (via !== undefined || named !== undefined) {
            setVia(via ?? { name: named! }, `reprint label in a credit line (${where})`);
          }
          continue;
        }
        addPeople(people[c.kind], c.people, b.links, baseUrl);
        rules[peopleField[c.kind]] ??= `credit line (${where})`;
      }
      roles.push("credit");
      continue;
    }
    const via = findVia(b, patterns, baseUrl);
    if (via !== undefined) {
      setVia(via.via, via.rule);
      addSource(via.original, 1, `original-article link beside the reprint note (${where})`);
      roles.push("via");
      continue;
    }
    const sourceAt = labelAt(patterns.line.source, b);
    const sourceLabel = sourceAt?.match;
    // Without a colon or a link, "Sources say…" is a sentence, not a Source line.
    if (
      sourceAt !== undefined &&
      sourceLabel !== undefined &&
      b.text.length <= MAX_LABEL_LINE &&
      (sourceLabel.groups?.colon !== undefined || b.links.length > 0 || sourceAt.rest.trim() === "")
    ) {
      const after = sourceAt.rest;
      if (after.trim() === "" && b.links.length === 0) {
        pending = { kind: "source", para: b.para, label: sourceLabel[0].trim() };
      } else {
        const link = sourceFrom(b, after, baseUrl);
        addSource(
          link,
          link?.url === undefined ? 0 : 3,
          `line starting “${sourceLabel[0].trim()}” (${where})`,
        );
      }
      roles.push("source");
      continue;
    }
    if (section !== undefined) {
      if (section.kind === "source" && (b.links.length > 0 || QUOTED.test(b.text))) {
        addSource(sourceFrom(b, b.text, baseUrl), 2, `the Source section (${where})`);
      }
      if (section.kind === "via" && !section.read) {
        const link = b.links[0] === undefined ? undefined : viaFromLink(b.links[0], null, baseUrl);
        const via =
          link ?? (publicationNear(b.text) === undefined ? undefined : { name: publicationNear(b.text)! });
        if (via !== undefined) setVia(via, `under the heading (${where})`);
        section.read = true;
        roles.push("via");
        continue;
      }
      if (section.kind === "bio" && !section.read) {
        readBio(b.text, where);
        section.read = true;
      }
      if (section.kind === "note") {
        noteText.set(i, b.text);
        noteStart = i;
        roles.push("editors-note");
        continue;
      }
      roles.push(section.kind);
      continue;
    }
    const note = labelAt(patterns.line.editorsNote, b);
    if (note !== undefined) {
      noteText.set(i, note.rest);
      noteStart = i;
      roles.push("editors-note");
      continue;
    }
    if (b.linkOnly) {
      const original = b.links.length === 1 ? originalLink(b, patterns, baseUrl) : undefined;
      const profile = b.links.find(
        (l) => PROFILE_URL.test(l.href) && isPersonName(l.text) && !ORGANISATION.test(l.text),
      );
      if (original !== undefined) {
        // "[阅读原文](url)" at the end of a WeChat post: the way to the original.
        addSource(original, 1, `“${b.links[0]!.text}” link (${where})`);
        roles.push("source");
      } else if (profile !== undefined && !seenProse) {
        addPeople(found.authors, [{ name: profile.text }], b.links, baseUrl);
        rules.authors ??= `link to the author's profile (${where})`;
        roles.push("credit");
      } else {
        roles.push("other");
      }
      continue;
    }
    const header = seenProse ? undefined : (headerByline(b.text) ?? profileByline(b));
    if (header !== undefined) {
      addPeople(found.authors, [{ name: header }], b.links, baseUrl);
      rules.authors ??= `name beside the date at the top (${where})`;
      roles.push("credit");
      continue;
    }
    const wechat = WECHAT_HEADER.exec(b.text);
    if (wechat?.groups?.name !== undefined && !seenProse && isPersonName(wechat.groups.name)) {
      addPeople(found.authors, [{ name: wechat.groups.name }]);
      rules.authors ??= `WeChat article header (${where})`;
      roles.push("credit");
      continue;
    }
    const byline = BYLINE.exec(b.text);
    if (byline?.groups?.name !== undefined && isPersonName(byline.groups.name)) {
      addPeople(found.authors, [{ name: byline.groups.name }]);
      rules.authors ??= `bracketed byline (${where})`;
      const story = b.text.slice(byline[0].length);
      if (story.trim() === "") {
        roles.push("credit");
        continue;
      }
      proseText.set(i, story);
    }
    const wraps = blocks[i + 1]?.para === b.para && blocks[i + 1]?.kind === "paragraph";
    if (
      !seenProse &&
      !wraps &&
      !proseText.has(i) &&
      b.text.length <= MAX_HEADER_LINE &&
      !SENTENCE_END.test(b.text)
    ) {
      // Page furniture before the story: "Follow", "6 min read · Mar 3, 2025", a subtitle.
      roles.push("other");
      continue;
    }
    const dateline = patterns.dateline.exec(proseText.get(i) ?? b.text);
    if (dateline !== null) proseText.set(i, (proseText.get(i) ?? b.text).slice(dateline[0].length));
    seenProse = true;
    roles.push("prose");
  }

  if (found.authors.length === 0 && bioAuthors.length > 0) {
    found.authors.push(...bioAuthors);
    if (bioRule !== undefined) rules.authors = bioRule;
  }
  // An explicit Source line with a link beats a link after a label, which beats an
  // "original article" link beside the reprint note, which beats a name-only Source line.
  const best = sources
    .filter((s) => s.link.url !== undefined || s.rank === 0)
    .sort((a, b) => b.rank - a.rank)[0];
  const source = best ?? sources.find((s) => s.link.title !== undefined || s.link.name !== undefined);
  if (source !== undefined) {
    found.source = { ...source.link };
    rules.source = source.rule;
    // "原文标题：《…》" on one line and "原文链接：<url>" on the next are one source.
    const titled = sources.find((s) => s.link.url === undefined && s.link.title !== undefined);
    if (found.source.title === undefined && titled !== undefined) found.source.title = titled.link.title!;
  }
  markTrailingItalicBio(blocks, roles, [...knownAuthors, ...found.authors], found, rules);
  markTaglineBeforeCredits(blocks, roles, proseText);
  if (found.via === undefined) delete found.via;
  return found;
}

/** A tagline this short before the credits is an account's description, not the story. */
const MAX_TAGLINE = 40;
const SKIPPED_BEFORE_CREDITS = new Set<BlockRole>(["media", "caption", "other", "boilerplate"]);

/**
 * "关注城市与人的日常。" between a WeChat account card and the reprint line: the first prose line,
 * short, followed (past images and furniture) by a reprint or credit line, is furniture too.
 */
function markTaglineBeforeCredits(
  blocks: readonly Block[],
  roles: BlockRole[],
  proseText: Map<number, string>,
): void {
  const first = roles.indexOf("prose");
  if (first === -1 || blocks[first]!.text.length > MAX_TAGLINE || proseText.has(first)) return;
  for (let i = first + 1; i < roles.length; i++) {
    if (roles[i] === "via" || roles[i] === "credit") {
      roles[first] = "other";
      return;
    }
    if (!SKIPPED_BEFORE_CREDITS.has(roles[i]!)) return;
  }
}

/** An italic paragraph at the very end that names the author, or says "Jane Doe is a…", is a bio. */
function markTrailingItalicBio(
  blocks: readonly Block[],
  roles: BlockRole[],
  authors: readonly Person[],
  found: DetectedAttribution,
  rules: DetectedAttribution["rules"],
): void {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const role = roles[i];
    if (role !== "prose") {
      if (role === "media" || role === "caption" || role === "heading" || role === "editors-note") return;
      continue;
    }
    const b = blocks[i]!;
    if (!b.italic) return;
    if (authors.some((a) => b.text.includes(a.name))) {
      roles[i] = "bio";
      return;
    }
    const name = BIO_SENTENCE_NAME.exec(b.text)?.groups?.name;
    if (name !== undefined && found.authors.length === 0) {
      roles[i] = "bio";
      found.authors.push({ name });
      rules.authors ??= `italic author bio at the end (paragraph ${b.para + 1})`;
    }
    return;
  }
}

// Config and other modules know the patterns as part of attribution.
export { type AttributionPatternsConfig, DEFAULT_PATTERNS } from "./patterns.ts";
