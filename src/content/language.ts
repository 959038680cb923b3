// When front matter has no `lang`, the article's writing system decides between the site
// language and a sensible default for that script: an English article on a Chinese site is
// English, a Traditional Chinese one on a Simplified site stays Chinese (zh-Hant when the site
// says zh-Hant/TW/HK, else the site's own Chinese tag).

const HAN = /\p{Script=Han}/gu;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const HANGUL = /\p{Script=Hangul}/gu;
const LATIN = /\p{Script=Latin}/gu;
const CYRILLIC = /\p{Script=Cyrillic}/gu;
const ARABIC = /\p{Script=Arabic}/gu;

type Script = "han" | "kana" | "hangul" | "latin" | "cyrillic" | "arabic";

/** The writing system most of the letters are in; undefined for text with almost no letters. */
export function dominantScript(text: string): Script | undefined {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  const counts: [Script, number][] = [
    ["han", sample.match(HAN)?.length ?? 0],
    ["kana", (sample.match(KANA)?.length ?? 0) * 3], // Japanese mixes kana with Han: kana decide
    ["hangul", sample.match(HANGUL)?.length ?? 0],
    // Latin letters come in words: weigh them so one Han character ≈ one short word.
    ["latin", (sample.match(LATIN)?.length ?? 0) / 4],
    ["cyrillic", (sample.match(CYRILLIC)?.length ?? 0) / 4],
    ["arabic", (sample.match(ARABIC)?.length ?? 0) / 4],
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
const ONLY_TRADITIONAL = new Set([...TRADITIONAL].filter((c, i) => c !== [...SIMPLIFIED][i]));
const ONLY_SIMPLIFIED = new Set([...SIMPLIFIED].filter((c, i) => c !== [...TRADITIONAL][i]));

function isTraditionalTag(tag: string): boolean {
  return /-(hant|tw|hk|mo)\b/i.test(tag);
}

/** Which Chinese script a text is written in, when it clearly is one of them. */
function chineseVariant(text: string): "hant" | "hans" | undefined {
  let traditional = 0;
  let simplified = 0;
  for (const c of text.length > 4000 ? text.slice(0, 4000) : text) {
    if (ONLY_TRADITIONAL.has(c)) traditional++;
    else if (ONLY_SIMPLIFIED.has(c)) simplified++;
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
