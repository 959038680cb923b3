// When front matter has no `lang`, the article's writing system decides between the site
// language and a sensible default for that script: an English article on a Chinese site is
// English, a Traditional Chinese one on a Simplified site stays Chinese (zh-Hant when the site
// says zh-Hant/TW/HK, else the site's own Chinese tag).

type Script = "han" | "kana" | "hangul" | "latin" | "cyrillic" | "arabic";

const SCRIPT_PATTERNS: [Script, RegExp][] = [
  ["han", /^\p{Script=Han}$/u],
  ["kana", /^[\p{Script=Hiragana}\p{Script=Katakana}]$/u],
  ["hangul", /^\p{Script=Hangul}$/u],
  ["latin", /^\p{Script=Latin}$/u],
  ["cyrillic", /^\p{Script=Cyrillic}$/u],
  ["arabic", /^\p{Script=Arabic}$/u],
];

const SCRIPTS: readonly Script[] = SCRIPT_PATTERNS.map(([script]) => script);
const NO_SCRIPT = SCRIPTS.length;

// Which script each character seen so far is in, as an index into SCRIPTS (NO_SCRIPT: none of
// ours). Matching the six script patterns over 4,000 characters built an array of every match, six
// times per article; a text uses a few thousand distinct characters at most, so each is classified
// once, by the same patterns. The BMP in a table (0: not seen yet), other planes in a bounded map.
const bmpScript = new Uint8Array(0x10000);
const astralScript = new Map<number, number>();
const MAX_REMEMBERED = 10_000;

function classify(codePoint: number): number {
  const c = String.fromCodePoint(codePoint);
  const at = SCRIPT_PATTERNS.findIndex(([, pattern]) => pattern.test(c));
  return at === -1 ? NO_SCRIPT : at;
}

function scriptIndex(codePoint: number): number {
  if (codePoint <= 0xffff) {
    const known = bmpScript[codePoint]!;
    if (known !== 0) return known - 1;
    const found = classify(codePoint);
    bmpScript[codePoint] = found + 1;
    return found;
  }
  let found = astralScript.get(codePoint);
  if (found === undefined) {
    found = classify(codePoint);
    // A watcher runs for months: stay bounded whatever the articles hold.
    if (astralScript.size >= MAX_REMEMBERED) astralScript.clear();
    astralScript.set(codePoint, found);
  }
  return found;
}

/** The writing system most of the letters are in; undefined for text with almost no letters. */
export function dominantScript(text: string): Script | undefined {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  const tally = new Array<number>(NO_SCRIPT + 1).fill(0);
  // By code point, as the `u` patterns match (a lone surrogate is a character of no script).
  for (let i = 0; i < sample.length; i++) {
    const cp = sample.codePointAt(i)!;
    if (cp > 0xffff) i++; // the second half of a surrogate pair
    tally[scriptIndex(cp)]!++;
  }
  const count = (script: Script): number => tally[SCRIPTS.indexOf(script)]!;
  const counts: [Script, number][] = [
    ["han", count("han")],
    ["kana", count("kana") * 3], // Japanese mixes kana with Han: kana decide
    ["hangul", count("hangul")],
    // Latin letters come in words: weigh them so one Han character ≈ one short word.
    ["latin", count("latin") / 4],
    ["cyrillic", count("cyrillic") / 4],
    ["arabic", count("arabic") / 4],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  const [best] = counts;
  return best && best[1] >= 5 ? best[0] : undefined;
}

function scriptOf(tag: string): Script | undefined {
  const lang = tag.toLowerCase().split("-")[0];
  switch (lang) {
    case "zh":
      return "han";
    case "ja":
      return "kana";
    case "ko":
      return "hangul";
    case "ru":
    case "uk":
    case "bg":
    case "sr":
      return "cyrillic";
    case "ar":
    case "fa":
    case "ur":
      return "arabic";
    default:
      return "latin";
  }
}

const DEFAULT_FOR: Record<Script, string> = {
  han: "zh",
  kana: "ja",
  hangul: "ko",
  latin: "en",
  cyrillic: "ru",
  arabic: "ar",
};

// Common characters written differently in Traditional and Simplified Chinese (pairs in order).
const TRADITIONAL =
  "們這來後裡說為會時國個與對過還開從關體門問電車長東風頭買賣動氣現經發見話聽覺學習書讀寫寫點線區處";
const SIMPLIFIED =
  "们这来后里说为会时国个与对过还开从关体门问电车长东风头买卖动气现经发见话听觉学习书读写写点线区处";
// By UTF-16 code unit (every one of these characters is a single unit), in a table: iterating a
// string by character allocates a string per character, and a table is cheaper than a Set lookup.
const TRADITIONAL_ONLY = 1;
const SIMPLIFIED_ONLY = 2;
const VARIANT = new Uint8Array(0x10000);
for (const [i, c] of [...TRADITIONAL].entries())
  if (c !== [...SIMPLIFIED][i]) VARIANT[c.charCodeAt(0)] = TRADITIONAL_ONLY;
for (const [i, c] of [...SIMPLIFIED].entries())
  if (c !== [...TRADITIONAL][i]) VARIANT[c.charCodeAt(0)] = SIMPLIFIED_ONLY;

function isTraditionalTag(tag: string): boolean {
  return /-(hant|tw|hk|mo)\b/i.test(tag);
}

/** Which Chinese script a text is written in, when it clearly is one of them. */
function chineseVariant(text: string): "hant" | "hans" | undefined {
  let traditional = 0;
  let simplified = 0;
  // A surrogate (half of a character outside the BMP) is in neither set, as the whole character is not.
  const end = Math.min(text.length, 4000);
  for (let i = 0; i < end; i++) {
    const variant = VARIANT[text.charCodeAt(i)];
    if (variant === TRADITIONAL_ONLY) traditional++;
    else if (variant === SIMPLIFIED_ONLY) simplified++;
  }
  if (traditional >= 3 && traditional > simplified * 3) return "hant";
  if (simplified >= 3 && simplified > traditional * 3) return "hans";
  return undefined;
}

/** The article language: the site's when the text is in the site language's script, else the script's default. */
export function inferLanguage(text: string, siteLanguage: string): string {
  const script = dominantScript(text);
  if (script === undefined) return siteLanguage;
  if (script === "han") {
    // A Traditional Chinese article on a Simplified site (or the reverse) says so.
    const site =
      scriptOf(siteLanguage) === "han" ? (isTraditionalTag(siteLanguage) ? "hant" : "hans") : undefined;
    const variant = chineseVariant(text);
    if (variant && site && variant !== site) return variant === "hant" ? "zh-Hant" : "zh-Hans";
    if (site) return siteLanguage;
    return variant === "hant" ? "zh-Hant" : "zh";
  }
  if (script === scriptOf(siteLanguage)) return siteLanguage;
  return DEFAULT_FOR[script];
}
