import type { Block, BlockLink } from "./blocks.ts";
import { isPublicationName, SEGMENT_SEPARATORS, trimName } from "./credits.ts";
import type { SourceLink } from "./model.ts";
import { type CompiledPatterns, GENERIC_LINK_TEXT } from "./patterns.ts";
import { hasCjk } from "./plain-text.ts";
import { absoluteUrl } from "./sanitize.ts";

// Where a reprint came from (`via`) and the original it reprints (`source`), read from a line:
// its labels, its links and the text around them.

export const QUOTED = /[《〈「『“"]([^》〉」』”"]+)[》〉」』”"]/u;
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i;
const TRAILING_PUNCTUATION = /[\s.。,，]+$/u;
const PUBLICATION_PREFIX = /^(?:微信)?(?:公众号|公眾號|微信号|微信號)\s*/u;
/** Lines longer than this are story text, whatever label they contain. */
export const MAX_LABEL_LINE = 400;
/** A CJK "reprinted from" phrase anywhere in a line this short is a via line. */
export const MAX_SHORT_LINE = 80;

function isMeaningfulLinkText(text: string): boolean {
  return text !== "" && !URL_LIKE.test(text) && !GENERIC_LINK_TEXT.test(text);
}

/** The first sensible segment of free text next to a link: "，南岸晚报，2026年11月19日。" → 南岸晚报. */
export function publicationNear(text: string): string | undefined {
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
export function sourceFrom(block: Block, rest: string, baseUrl: string): SourceLink | undefined {
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
export function originalLink(
  block: Block,
  patterns: CompiledPatterns,
  baseUrl: string,
): SourceLink | undefined {
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
export function labelAt(re: RegExp, b: Block): { match: RegExpExecArray; rest: string } | undefined {
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

export function viaFromLink(
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
export function findVia(b: Block, patterns: CompiledPatterns, baseUrl: string): ViaFinding | undefined {
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
