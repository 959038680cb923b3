import type { Block, BlockLink } from "./blocks.ts";
import type { Person, SourceLink } from "./model.ts";
import { type CompiledPatterns, CREDIT_KINDS, type CreditKind, GENERIC_LINK_TEXT } from "./patterns.ts";
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

const NAME_FORBIDDEN = /[\p{Nd}。！？!?；;…"“”《》@]/u;
const PUBLICATION_FORBIDDEN = /[。！？!?；;…]|[,，](?=.)/u;
const LOWERCASE_START = /^\p{Ll}/u;
const NAME_EDGES =
  /^[\s:：,，、。.;；()（）【】[\]「」『』'"‘’“”\-—–]+|[\s:：,，、。.;；()（）【】[\]「」『』'"‘’“”\-—–]+$/gu;
const NAME_SEPARATORS = /\s*(?:[、,，&＆;；|｜·•]|\band\b|\s和\s)\s*/u;
/** "アストリッド・ベリ（Astrid Berg）": a transliteration, then the name as the person writes it. */
const TRANSLITERATED =
  /^[^（(]{1,20}[（(]\s*(?<latin>[A-Z][\p{L}.'’-]*(?:\s+[A-Z][\p{L}.'’-]*){0,4})\s*[)）]?$/u;
const ORG_SEPARATOR = /\s*[/／]\s*/u;
const WHITESPACE_RUN = /\s+/u;
const TRAILING_PUNCTUATION = /[\s.。,，]+$/u;
const QUOTED = /[《〈「『“"]([^》〉」』”"]+)[》〉」』”"]/u;
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i;
const SEGMENT_SEPARATORS = /[,，、;；。]|\.(?:\s|$)/u;
const CREDIT_WRAPPER_START = /^(?:[(（【[]|[-—–]{1,2})\s*/u;
/** "Posted by Mark Delaney on May 2, 2025": the date is not part of the name. */
const TRAILING_DATE =
  /\s+(?:on\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*\.?$/iu;
const CREDIT_WRAPPER_END = /\s*[)）】\]]\s*[。.]?$/u;
const MAX_CREDIT_LINE = 200;
/** Lines longer than this are story text, whatever label they contain. */
const MAX_LABEL_LINE = 400;
/** A CJK "reprinted from" phrase anywhere in a line this short is a via line. */
const MAX_SHORT_LINE = 80;
const SENTENCE_END = /[。！？!?.…」』”"）)]\s*$/u;
const PUBLICATION_PREFIX = /^(?:微信)?(?:公众号|公眾號|微信号|微信號)\s*/u;
const DOMAIN_NAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/iu;
/** Dates and times in a byline: "March 18, 2025", "2025年03月02日", "07:30". */
const DATE_LIKE =
  /^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s*\d{4})?|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}:\d{2}|(?:updated|published)\b.*)$/iu;
const READ_TIME = /^\d+\s*(?:min(?:ute)?s?(?: read)?|分钟阅读|分鐘閱讀|分で読める)$/iu;
/** An affiliation after a byline's name: "By Jane Doe, University of Northfield". */
const ORGANISATION =
  /\b(?:university|college|institute|press|news|times|post|agency|foundation|cent(?:er|re)|school|journal|magazine|daily|herald|tribune|review|media|group|lab|society|council|ministry|bureau|reuters|bloomberg)\b|(?:大学|大學|研究所|研究院|研究中心|报社|報社|日报|日報|新闻|新聞|电视台|電視台)/iu;
/** Words that name a role, never a person: "作者为…" is not an author called 作者. */
const NOT_A_NAME = /^(?:作者|笔者|筆者|本文|记者|記者|编者|編者|译者|譯者|the author|author)$/iu;
/** A profile page: Medium's /@user, /author/jane-doe, /profile/… */
const PROFILE_URL =
  /\/@[\w.-]+\/?(?:[?#]|$)|\/(?:authors?|profiles?|people|staff|writers?|contributors?)\/[^/?#]+\/?(?:[?#]|$)/iu;
/** WeChat's article header: "原创 林夏 城事研究所 2025年03月02日". */
const WECHAT_HEADER = /^原创\s+(?<name>[^\s]{1,12})\s/u;
/** A user name as newsroom CMSs credit it: "yuxingcao01". */
const HANDLE = /^[a-z][a-z0-9_.-]{1,30}[0-9][a-z0-9_]*$/iu;
const BYLINE =
  /^\s*[【〔[(（]\s*(?:記者|记者|文|撰文|文／|文\/)\s*(?<name>[^／/】〕\])）|｜\s]{1,20})\s*(?:[／/|｜][^】〕\])）]{0,20})?[】〕\])）]\s*/u;
const BIO_LATIN_NAME =
  /^[^（(]{1,20}[（(]\s*(?<latin>[A-Z][\p{L}.'’-]*(?:\s+[A-Z][\p{L}.'’-]*){0,4})\s*[)）]/u;
/** "浜田 亮（はまだ・りょう）フリーライター": a name, then its reading in brackets. */
const BIO_NAME_WITH_READING =
  /^(?<name>[^（(，,。、\s]{1,10}(?:[ 　][^（(，,。、\s]{1,10})?)\s*[（(][\p{Script=Hiragana}\p{Script=Katakana}・ー\s]+[)）]/u;
const BIO_SENTENCE_NAME =
  /^(?<name>[\p{Lu}][\p{L}.'’-]+(?:\s+[\p{Lu}][\p{L}.'’-]+){1,3})\s+(?:is|was|writes|covers|has|teaches|works|reports|lives)\b/u;
const BIO_CJK_NAME = /^(?<name>[\p{Script=Han}‧·・]{2,8}?)(?:[，,、]|是|为|為|系|曾|现|現|任|，)/u;

function trimName(text: string): string {
  return text.replace(NAME_EDGES, "");
}

/** A person's name: short, no digits or sentence punctuation, capitalised if the script has case. */
function isPersonName(name: string): boolean {
  if (HANDLE.test(name)) return true;
  if (name === "" || name.length > 40 || NAME_FORBIDDEN.test(name)) return false;
  if (hasCjk(name)) return name.length <= 20;
  const words = name.split(" ");
  return words.length <= 6 && !LOWERCASE_START.test(words[0]!) && !LOWERCASE_START.test(words.at(-1)!);
}

/** A publication's name: like a person's, but longer and digits allowed ("36氪", "The 19th", "janepark.blog"). */
function isPublicationName(name: string): boolean {
  if (DOMAIN_NAME.test(name)) return true;
  return name !== "" && name.length <= 60 && !PUBLICATION_FORBIDDEN.test(name) && !LOWERCASE_START.test(name);
}

/** "东京樱花团/Hopkins" → Hopkins of 东京樱花团; "张三、李四" → two people. */
function splitPeople(value: string, spacedNames: boolean): Person[] | undefined {
  const trimmed = trimName(value);
  if (trimmed === "") return undefined;
  const people: Person[] = [];
  for (const part of trimmed.split(NAME_SEPARATORS)) {
    const entry = trimName(part);
    if (entry === "" || DATE_LIKE.test(entry) || READ_TIME.test(entry)) continue;
    const latin = TRANSLITERATED.exec(entry)?.groups?.latin;
    if (latin !== undefined) {
      people.push({ name: latin });
      continue;
    }
    // "By Jane Doe, University of Northfield": the affiliation is not a second author.
    if (people.length > 0 && !hasCjk(entry) && ORGANISATION.test(entry)) continue;
    const pair = entry.split(ORG_SEPARATOR);
    if (pair.length === 2 && pair[0] !== "" && pair[1] !== "") {
      const org = trimName(pair[0]!);
      const name = trimName(pair[1]!);
      if (!isPublicationName(org) || !isPersonName(name)) return undefined;
      people.push({ name, org });
      continue;
    }
    // "记者 张三 李四": Chinese names listed with spaces; "山田 花子" is one Japanese name.
    const names =
      !spacedNames && hasCjk(entry) && !/\p{Script=Latin}/u.test(entry)
        ? entry.split(WHITESPACE_RUN)
        : [entry];
    for (const name of names) {
      if (!isPersonName(name)) return undefined;
      people.push({ name });
    }
  }
  return people.length > 0 ? people : undefined;
}

type CreditLabelKind = CreditKind | "photographer" | "via";
const CREDIT_LABEL_KINDS: readonly CreditLabelKind[] = [...CREDIT_KINDS, "photographer", "via"];

interface CreditMatch {
  kind: CreditLabelKind;
  start: number;
  end: number;
}

export interface CreditEntry {
  kind: CreditLabelKind;
  names: string[];
  people: Person[];
  /** The text after the label, as written (for a `via` entry: the publication). */
  text: string;
}

/**
 * `编译：张三 ｜ 编辑：李四`, `Translated by A, edited by B`, `作者：何远　转自：[X](url)` → people per
 * role (and the photographer and reprint segments, which end a name); undefined if not a credit line.
 */
export function parseCreditLine(
  text: string,
  patterns: CompiledPatterns,
  { spacedNames = false }: { spacedNames?: boolean } = {},
): CreditEntry[] | undefined {
  // "（编辑：张三）" is wrapped; "原著者：アストリッド・ベリ（Astrid Berg）" only ends in a bracket.
  const opening = CREDIT_WRAPPER_START.exec(text)?.[0] ?? "";
  const inner = text.slice(opening.length);
  const line = (/^[(（【[]/u.test(opening) ? inner.replace(CREDIT_WRAPPER_END, "") : inner).replace(
    TRAILING_DATE,
    "",
  );
  if (line.length > MAX_CREDIT_LINE) return undefined;
  const found: CreditMatch[] = [];
  for (const kind of CREDIT_LABEL_KINDS) {
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
  if (labels[0]!.start !== 0 || labels.every((l) => l.kind === "via" || l.kind === "photographer")) {
    return undefined;
  }
  const credits: CreditEntry[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const value = line.slice(label.end, labels[i + 1]?.start ?? line.length);
    if (label.kind === "via") {
      credits.push({ kind: "via", names: [], people: [], text: value.trim() });
      continue;
    }
    const people = splitPeople(value, spacedNames);
    if (people === undefined) return undefined;
    credits.push({ kind: label.kind, names: people.map((p) => p.name), people, text: value.trim() });
  }
  return credits;
}

function isMeaningfulLinkText(text: string): boolean {
  return text !== "" && !URL_LIKE.test(text) && !GENERIC_LINK_TEXT.test(text);
}

/** The first sensible segment of free text next to a link: "，南岸晚报，2026年11月19日。" → 南岸晚报. */
function publicationNear(text: string): string | undefined {
  const quoted = QUOTED.exec(text);
  if (quoted !== null && quoted.index <= 8 && isPublicationName(quoted[1]!.trim())) return quoted[1]!.trim();
  for (const segment of text.split(SEGMENT_SEPARATORS)) {
    const candidate = trimName(segment.replace(PUBLICATION_PREFIX, ""));
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
      // "《标题》南岸晚报" → title and publication; "花蓮縣文化局「東部職人」調查計畫" is one title.
      const quoted = QUOTED.exec(link.text);
      const quotedAtEdge =
        quoted !== null &&
        (quoted.index === 0 ||
          quoted.index + quoted[0].length >= link.text.replace(TRAILING_PUNCTUATION, "").length);
      if (quoted !== null && quotedAtEdge) {
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
  const quoted = QUOTED.exec(rest);
  if (quoted !== null) return { title: quoted[1]!.trim() };
  const name = trimName(rest);
  return isPublicationName(name) ? { name } : undefined;
}

/** A link a reader follows to the original: "Read the original article", "原文链接". */
function originalLink(block: Block, patterns: CompiledPatterns, baseUrl: string): SourceLink | undefined {
  for (const link of block.links) {
    if (!patterns.anywhere.source.test(link.text) && !GENERIC_LINK_TEXT.test(link.text)) continue;
    const url = absoluteUrl(link.href, baseUrl);
    if (url !== undefined) return { url };
  }
  return undefined;
}

interface ViaFinding {
  via: SourceLink;
  rule: string;
  /** A link to the original in the same sentence ("Read the original article"). */
  original?: SourceLink;
}

/** A label at the very start of the line, or right after its decoration ("`Group` 编者按：…"). */
function labelAt(re: RegExp, b: Block): { match: RegExpExecArray; rest: string } | undefined {
  const atStart = re.exec(b.text);
  if (atStart !== null) return { match: atStart, rest: b.text.slice(atStart[0].length) };
  if (b.decoration === 0) return undefined;
  const decorated = b.text.slice(b.decoration);
  const after = re.exec(decorated);
  return after === null ? undefined : { match: after, rest: decorated.slice(after[0].length) };
}

function linkAfter(block: Block, at: number): BlockLink | undefined {
  return block.links.find((l) => l.at + l.text.length > at);
}

function viaFromLink(
  link: BlockLink,
  label: RegExpExecArray | null,
  baseUrl: string,
): SourceLink | undefined {
  const url = absoluteUrl(link.href, baseUrl);
  if (url === undefined) return undefined;
  let name = link.text;
  if (label !== null && label.index >= link.at && label.index < link.at + link.text.length) {
    const offset = label.index - link.at;
    name = trimName(name.slice(0, offset) + name.slice(offset + label[0].length));
  }
  name = trimName(name.replace(PUBLICATION_PREFIX, ""));
  return isMeaningfulLinkText(name) && isPublicationName(name) ? { url, name } : { url };
}

/**
 * "转载自[X](url)", "`Group` [轉載自GNews](url)", "This story was originally published by [X](url)
 * and is republished here with permission.", "本文经授权转载自公众号「X」". The label starts the
 * line (after decoration), or sits in a link's text, or (a whole phrase) anywhere in a short line
 * or before a link.
 */
function findVia(b: Block, patterns: CompiledPatterns, baseUrl: string): ViaFinding | undefined {
  if (b.text.length > MAX_LABEL_LINE) return undefined;
  const where = `paragraph ${b.para + 1}`;
  const atStart = patterns.line.via.exec(b.text.slice(b.decoration));
  const label = patterns.anywhere.via.exec(b.text);
  if (label === null) return undefined;
  const labelEnd = label.index + label[0].length;
  const inLink = b.links.find((l) => label.index >= l.at && label.index < l.at + Math.max(1, l.text.length));
  let result: ViaFinding | undefined;
  if (inLink !== undefined && (label.index - inLink.at <= 2 || b.text.length <= MAX_SHORT_LINE)) {
    const via = viaFromLink(inLink, label, baseUrl);
    if (via !== undefined) result = { via, rule: `“${label[0]}” in a link's text (${where})` };
  } else if (atStart !== null) {
    const rest = b.text.slice(b.decoration + atStart[0].length);
    const link = linkAfter(b, b.decoration);
    const via = link === undefined ? undefined : viaFromLink(link, null, baseUrl);
    if (via !== undefined) {
      if (via.name === undefined) {
        const before = trimName(rest.slice(0, Math.max(0, rest.indexOf(link!.text))));
        if (isPublicationName(before)) via.name = before;
      }
      result = { via, rule: `line starting “${label[0]}” (${where})` };
    } else {
      // No link: only a bare publication name counts, so "Via the new bridge, commuters…" is prose.
      const name = publicationNear(rest);
      if (name !== undefined && (hasCjk(label[0]) || trimName(rest).length <= 60)) {
        result = { via: { name }, rule: `line starting “${label[0]}” (${where})` };
      }
    }
  } else if (label[0].length >= 3 || hasCjk(label[0])) {
    // A phrase mid-sentence: "…was originally published by [X](url) and is republished…".
    const link = linkAfter(b, labelEnd);
    const via = link === undefined ? undefined : viaFromLink(link, null, baseUrl);
    if (via !== undefined && link!.at - labelEnd <= 30) {
      result = { via, rule: `“${label[0]}” before a link (${where})` };
    } else if (hasCjk(label[0]) && b.text.length <= MAX_SHORT_LINE * 1.5) {
      // Japanese puts the source first: "「[X](url)」から転載しています".
      const before = b.links.findLast((l) => l.at + l.text.length <= label.index);
      const linked = before === undefined ? undefined : viaFromLink(before, null, baseUrl);
      if (linked !== undefined) {
        result = { via: linked, rule: `a link before “${label[0]}” (${where})` };
      } else {
        const name = publicationNear(b.text.slice(labelEnd));
        if (name !== undefined) result = { via: { name }, rule: `“${label[0]}” in a short line (${where})` };
      }
    }
  }
  if (result === undefined) return undefined;
  const link = originalLink(b, patterns, baseUrl);
  if (link?.url !== undefined && link.url !== result.via.url) result.original = link;
  return result;
}

/** "作者简介：周晓宁，南岸晚报记者…", "安德斯‧科尔（Anders Corr）拥有…", "Jane Doe is a reporter…" → the name. */
function bioName(text: string): string | undefined {
  const name = bioNameCandidate(text);
  return name === undefined || NOT_A_NAME.test(name) ? undefined : name;
}

function bioNameCandidate(text: string): string | undefined {
  const latin = BIO_LATIN_NAME.exec(text);
  if (latin?.groups?.latin !== undefined) return latin.groups.latin;
  const reading = BIO_NAME_WITH_READING.exec(text);
  if (reading?.groups?.name !== undefined) return reading.groups.name;
  const sentence = BIO_SENTENCE_NAME.exec(text);
  if (sentence?.groups?.name !== undefined) return sentence.groups.name;
  const cjk = BIO_CJK_NAME.exec(text);
  if (cjk?.groups?.name !== undefined) return cjk.groups.name;
  const first = trimName(text.split(SEGMENT_SEPARATORS, 1)[0] ?? "");
  return isPersonName(first) ? first : undefined;
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
