import type { CompiledPatterns } from "./patterns.ts";

// A caption often ends with whoever took the picture: "阿里巴巴在北京办公室的外墙。（Greg Baker/AFP
// via Getty Images）", "市民在公园散步（攝影／王小明）", "Crowds at the pier. Photo: Jane Roe".
// That credit belongs beside the image, not in its alt text (a screen reader would read it as
// part of the picture), so captions are split into what the image shows and who made it.

const TRAILING_PARENS = /\s*[（(]([^（）()]{1,100})[)）]\s*[。.]?\s*$/u;
const SENTENCE_PUNCTUATION = /[。！？!?；;（()）]|[^A-Z]\.(?:\s|$)/u;
const MAX_CREDIT = 100;
const JAPANESE_CREDIT = /＝([^＝。]{1,30}(?:提供|撮影))\s*$/u;
const EDGES = /^[\s:：,，、;；/／|｜\-—–]+|[\s:：,，、;；|｜\-—–]+$/gu;
const ON_SITE = /\s+on\s+(?:Unsplash|Pexels|Pixabay|Flickr|Wikimedia Commons)\s*$/iu;

export interface CaptionParts {
  /** What the image shows; "" when the caption was only a credit. */
  caption: string;
  credit?: string;
}

function clean(text: string): string {
  return text.replace(EDGES, "");
}

/** A credit's text without its label: "攝影／王小明" → 王小明, "Photo by Jane Roe on Unsplash" → Jane Roe. */
function creditValue(text: string, patterns: CompiledPatterns): string | undefined {
  const label = patterns.photoCreditLabel.exec(text);
  const value = clean((label === null ? text : text.slice(label[0].length)).replace(ON_SITE, ""));
  return value === "" || value.length > MAX_CREDIT ? undefined : value;
}

const CJK_RUN = /\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana}/gu;

/** Looks like a name or an agency rather than a description: short, no sentence punctuation. */
function nameLike(text: string): boolean {
  if (text === "" || text.length > 60 || SENTENCE_PUNCTUATION.test(text)) return false;
  if (/[/／]/u.test(text)) return true; // "新华社/张三", "Reuters/Jane Roe"
  const cjk = text.match(CJK_RUN)?.length ?? 0;
  return cjk > 0 ? cjk <= 8 : text.split(/\s+/u).length <= 5;
}

/** Splits a caption line (label and all) into what the image shows and who made it. */
export function splitCaptionCredit(text: string, patterns: CompiledPatterns): CaptionParts {
  let whole = text.trim();
  // The whole caption is a credit: "Photo by Jane Roe on Unsplash", "摄影：王小明", "图：刘书航".
  if (patterns.photoCreditLine.test(whole)) {
    const rest = whole.replace(patterns.photoCreditLabel, "");
    if (nameLike(rest.replace(ON_SITE, ""))) {
      const credit = creditValue(whole, patterns);
      if (credit !== undefined) return { caption: "", credit };
    }
  }
  const label = patterns.line.caption.exec(whole);
  if (label !== null) whole = whole.slice(label[0].length).trim();
  const parens = TRAILING_PARENS.exec(whole);
  if (parens !== null) {
    const inner = parens[1]!.trim();
    if (patterns.photoCreditLabel.test(inner) || (patterns.agency.test(inner) && nameLike(inner))) {
      const credit = creditValue(inner, patterns);
      if (credit !== undefined) return { caption: clean(whole.slice(0, parens.index)), credit };
    }
  }
  // Japanese papers end a caption with "＝観測チーム提供" or "＝山田太郎撮影".
  const equals = JAPANESE_CREDIT.exec(whole);
  if (equals !== null) return { caption: clean(whole.slice(0, equals.index)), credit: equals[1]! };
  // "Crowds at the pier. Photo: Jane Roe" / "市民在公园散步。图片来源：新华社"
  const sentences = whole.split(/(?<=[。！？.!?])\s*/u);
  if (sentences.length > 1) {
    const last = sentences.at(-1)!;
    if (patterns.photoCreditLine.test(last) && nameLike(last.replace(patterns.photoCreditLabel, ""))) {
      const credit = creditValue(last, patterns);
      if (credit !== undefined) return { caption: clean(sentences.slice(0, -1).join(" ")), credit };
    }
  }
  return { caption: whole };
}
