import type { Person } from "./model.ts";
import { type CompiledPatterns, CREDIT_KINDS, type CreditKind } from "./patterns.ts";
import { hasCjk } from "./plain-text.ts";

// Who is credited, read from the lines editors write: names (a person, a publication, a
// group/person pair), credit lines with several roles, and author bios.

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
export const SEGMENT_SEPARATORS = /[,，、;；。]|\.(?:\s|$)/u;
const CREDIT_WRAPPER_START = /^(?:[(（【[]|[-—–]{1,2})\s*/u;
/** "Posted by Mark Delaney on May 2, 2025": the date is not part of the name. */
const TRAILING_DATE =
  /\s+(?:on\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*\.?$/iu;
const CREDIT_WRAPPER_END = /\s*[)）】\]]\s*[。.]?$/u;
const MAX_CREDIT_LINE = 200;
const DOMAIN_NAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/iu;
/** Dates and times in a byline: "March 18, 2025", "2025年03月02日", "07:30". */
export const DATE_LIKE =
  /^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s*\d{4})?|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}:\d{2}|(?:updated|published)\b.*)$/iu;
export const READ_TIME = /^\d+\s*(?:min(?:ute)?s?(?: read)?|分钟阅读|分鐘閱讀|分で読める)$/iu;
/** An affiliation after a byline's name: "By Jane Doe, University of Northfield". */
export const ORGANISATION =
  /\b(?:university|college|institute|press|news|times|post|agency|foundation|cent(?:er|re)|school|journal|magazine|daily|herald|tribune|review|media|group|lab|society|council|ministry|bureau|reuters|bloomberg)\b|(?:大学|大學|研究所|研究院|研究中心|报社|報社|日报|日報|新闻|新聞|电视台|電視台)/iu;
/** Words that name a role, never a person: "作者为…" is not an author called 作者. */
const NOT_A_NAME = /^(?:作者|笔者|筆者|本文|记者|記者|编者|編者|译者|譯者|the author|author)$/iu;
/** A profile page: Medium's /@user, /author/jane-doe, /profile/… */
export const PROFILE_URL =
  /\/@[\w.-]+\/?(?:[?#]|$)|\/(?:authors?|profiles?|people|staff|writers?|contributors?)\/[^/?#]+\/?(?:[?#]|$)/iu;
/** WeChat's article header: "原创 林夏 城事研究所 2025年03月02日". */
export const WECHAT_HEADER = /^原创\s+(?<name>[^\s]{1,12})\s/u;
/** A user name as newsroom CMSs credit it: "yuxingcao01". */
const HANDLE = /^[a-z][a-z0-9_.-]{1,30}[0-9][a-z0-9_]*$/iu;
export const BYLINE =
  /^\s*[【〔[(（]\s*(?:記者|记者|文|撰文|文／|文\/)\s*(?<name>[^／/】〕\])）|｜\s]{1,20})\s*(?:[／/|｜][^】〕\])）]{0,20})?[】〕\])）]\s*/u;
const BIO_LATIN_NAME =
  /^[^（(]{1,20}[（(]\s*(?<latin>[A-Z][\p{L}.'’-]*(?:\s+[A-Z][\p{L}.'’-]*){0,4})\s*[)）]/u;
/** "浜田 亮（はまだ・りょう）フリーライター": a name, then its reading in brackets. */
const BIO_NAME_WITH_READING =
  /^(?<name>[^（(，,。、\s]{1,10}(?:[ 　][^（(，,。、\s]{1,10})?)\s*[（(][\p{Script=Hiragana}\p{Script=Katakana}・ー\s]+[)）]/u;
export const BIO_SENTENCE_NAME =
  /^(?<name>[\p{Lu}][\p{L}.'’-]+(?:\s+[\p{Lu}][\p{L}.'’-]+){1,3})\s+(?:is|was|writes|covers|has|teaches|works|reports|lives)\b/u;
const BIO_CJK_NAME = /^(?<name>[\p{Script=Han}‧·・]{2,8}?)(?:[，,、]|是|为|為|系|曾|现|現|任|，)/u;

export function trimName(text: string): string {
  return text.replace(NAME_EDGES, "");
}

/** A person's name: short, no digits or sentence punctuation, capitalised if the script has case. */
export function isPersonName(name: string): boolean {
  if (HANDLE.test(name)) return true;
  if (name === "" || name.length > 40 || NAME_FORBIDDEN.test(name)) return false;
  if (hasCjk(name)) return name.length <= 20;
  const words = name.split(" ");
  return words.length <= 6 && !LOWERCASE_START.test(words[0]!) && !LOWERCASE_START.test(words.at(-1)!);
}

/** A publication's name: like a person's, but longer and digits allowed ("36氪", "The 19th", "janepark.blog"). */
export function isPublicationName(name: string): boolean {
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

const SPACE = /\s/u;

/**
 * Whether TRAILING_DATE can match: it ends in a digit, then spaces, then at most one `.`. Checked
 * from the end: the pattern itself is tried at every whitespace of a paragraph (~170 ms of a cold
 * build of 10,000 articles), and most lines end in a letter or a full stop after one.
 */
function mayEndInDate(text: string): boolean {
  let end = text.length;
  if (text[end - 1] === ".") end--;
  while (end > 0 && SPACE.test(text[end - 1]!)) end--;
  const c = text.charCodeAt(end - 1);
  return c >= 0x30 && c <= 0x39;
}

// Each global credit-label pattern as a sticky one, made once per pattern object.
const stickyLabels = new WeakMap<RegExp, RegExp>();

/** Whether `label` (a global pattern) matches at the start of `line`: where its global scan finds its first match. */
function startsWithLabel(label: RegExp, line: string): boolean {
  let sticky = stickyLabels.get(label);
  if (sticky === undefined) {
    sticky = new RegExp(label.source, `${label.flags.replace("g", "")}y`);
    stickyLabels.set(label, sticky);
  }
  sticky.lastIndex = 0;
  return sticky.test(line);
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
  const unwrapped = /^[(（【[]/u.test(opening) ? inner.replace(CREDIT_WRAPPER_END, "") : inner;
  const line = mayEndInDate(unwrapped) ? unwrapped.replace(TRAILING_DATE, "") : unwrapped;
  if (line.length > MAX_CREDIT_LINE) return undefined;
  // A credit line starts with a label. Most paragraphs do not: trying each label only where the line
  // starts rules them out without scanning the whole line with every label pattern.
  if (!CREDIT_LABEL_KINDS.some((kind) => startsWithLabel(patterns.credit[kind], line))) return undefined;
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

/** "作者简介：周晓宁，南岸晚报记者…", "安德斯‧科尔（Anders Corr）拥有…", "Jane Doe is a reporter…" → the name. */
export function bioName(text: string): string | undefined {
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
