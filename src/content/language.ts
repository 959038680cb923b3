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

/** The article language: the site's when the text is in the site language's script, else the script's default. */
export function inferLanguage(text: string, siteLanguage: string): string {
  const script = dominantScript(text);
  if (script === undefined || script === scriptOf(siteLanguage)) return siteLanguage;
  return DEFAULT_FOR[script];
}
