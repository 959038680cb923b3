import type { DetectedAttribution } from "./attribution.ts";
import type { Block } from "./blocks.ts";
import { plainTextOf } from "./blocks.ts";
import { parseInlineMarkdown } from "./markdown.ts";
import { cleanLine, collapseWhitespace, joinProse } from "./plain-text.ts";

// Summaries are measured in graphemes (what a reader sees as one character: 字, é, 👩‍👩‍👧)
// and cut at sentence boundaries, so CJK text gets the same treatment as English and no
// emoji or combining mark is ever split. Segmenters are costly to build: one per locale.

type Granularity = "grapheme" | "word" | "sentence";
const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: string, granularity: Granularity): Intl.Segmenter {
  const key = `${granularity}\u0000${locale}`;
  let s = segmenters.get(key);
  if (s === undefined) {
    s = new Intl.Segmenter(locale, { granularity });
    segmenters.set(key, s);
  }
  return s;
}

// Without marks, format characters (ZWJ), astral characters (emoji, flags), conjoining
// Hangul jamo or CR, every UTF-16 unit is its own grapheme: most CJK and Latin prose.
const MAY_CLUSTER = /[\p{M}\p{Cf}\uD800-\uDFFF\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF\r]/u;
const ELLIPSIS = "…";
const CUT_TRAILER = /[\s,，、;；:：\-—–]+$/u;

/** Graphemes in `text`, counting no further than `limit + 1`. */
export function countGraphemes(text: string, locale: string, limit = Number.POSITIVE_INFINITY): number {
  if (!MAY_CLUSTER.test(text)) return Math.min(text.length, limit + 1);
  let n = 0;
  for (const _ of segmenter(locale, "grapheme").segment(text)) {
    if (++n > limit) break;
  }
  return n;
}

/** The longest prefix of `text` of at most `budget` graphemes ending on a word boundary. */
function cutAtWord(text: string, budget: number, locale: string): string {
  let out = "";
  let used = 0;
  for (const { segment } of segmenter(locale, "word").segment(text)) {
    const n = countGraphemes(segment, locale, budget);
    if (used + n > budget) break;
    out += segment;
    used += n;
  }
  if (out.trim() === "") {
    // One "word" longer than the budget (a URL, an unspaced string): cut between graphemes.
    for (const { segment } of segmenter(locale, "grapheme").segment(text)) {
      if (used + 1 > budget) break;
      out += segment;
      used++;
    }
  }
  return out.replace(CUT_TRAILER, "");
}

/**
 * Whole sentences while they fit in `max` graphemes; no ellipsis when we stop at a sentence
 * end. When the first sentence alone is too long (or what fits is under half the budget),
 * the next sentence is cut at a word boundary and "…" added, counted within `max`.
 */
export function summarizeProse(paragraphs: readonly string[], locale: string, max: number): string {
  let out = "";
  let used = 0;
  for (const paragraph of paragraphs) {
    for (const { segment } of segmenter(locale, "sentence").segment(paragraph)) {
      const sentence = segment.trim();
      if (sentence === "") continue;
      const joined = joinProse(out, sentence);
      const separator = joined.length - out.length - sentence.length;
      const n = countGraphemes(sentence, locale, max) + separator;
      if (used + n <= max) {
        out = joined;
        used += n;
        continue;
      }
      if (used >= max / 2) return out;
      const cut = cutAtWord(sentence, max - used - separator - 1, locale);
      return cut === "" ? out : `${joinProse(out, cut)}${ELLIPSIS}`;
    }
  }
  return out;
}

/** The summary's paragraphs and, in words, where they come from. */
export function summarySource(
  blocks: readonly Block[],
  detected: DetectedAttribution,
): { paragraphs: string[]; rule?: string } {
  let rule: string | undefined;
  const notes: string[] = [];
  const prose: string[] = [];
  let lastPara = -1;
  for (let i = 0; i < detected.tailStart; i++) {
    const role = detected.roles[i];
    // An editor's note before the article proper is the best summary there is; one after
    // it ("编者注：本文有删节") is a footnote.
    if (role === "editors-note" && prose.length === 0 && detected.noteText.has(i)) {
      notes.push(detected.noteText.get(i)!);
      rule ??= `editor's note (paragraph ${blocks[i]!.para + 1})`;
    }
    if (role === "prose") {
      const b = blocks[i]!;
      const text = detected.proseText.get(i) ?? b.text;
      if (b.para === lastPara && prose.length > 0 && detected.roles[i - 1] === "prose") {
        prose[prose.length - 1] = joinProse(prose.at(-1)!, text);
      } else {
        prose.push(text);
      }
      lastPara = b.para;
      rule ??= `first story sentences (paragraph ${b.para + 1})`;
    }
  }
  const out = [...notes.map((n) => collapseWhitespace(n)), ...prose];
  if (out.length === 0) {
    // No paragraph prose at all (a list of bullet points): better than an empty summary.
    for (let i = 0; i < detected.tailStart; i++) {
      const b = blocks[i]!;
      if (b.kind === "list" || (b.kind === "blockquote" && detected.roles[i] === "other")) {
        out.push(b.text);
        rule ??= `a list or quote (paragraph ${b.para + 1})`;
      }
    }
  }
  const paragraphs = out.filter((p) => p !== "");
  return rule === undefined ? { paragraphs } : { paragraphs, rule };
}

/** An explicit front-matter summary: Markdown and HTML removed, whitespace collapsed, never cut. */
export function explicitSummary(text: string): string {
  return cleanLine(plainTextOf(parseInlineMarkdown(text)));
}
