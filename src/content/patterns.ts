// Every phrase Herald recognises in an article body lives here, so adding a language or a
// newsroom's house style is a config change (`content.patterns`), not a code change.
//
// Each entry is a regex source for a LABEL, matched case-insensitively with the `u` flag:
// - line kinds (via, source, bio, caption, editorsNote) mark a paragraph that starts with the
//   label, optionally in brackets (【编者按】) and followed by a colon (： or :);
// - credit kinds (translator, editor, author) mark a name list, possibly several in one line:
//   `编译：张三 ｜ 编辑：李四`, `Translated by Jane Doe, edited by John Roe`.
// A label ending in a Latin letter must end a word ("via" does not match "viable").

export type PatternKind =
  | "via"
  | "source"
  | "translator"
  | "editor"
  | "author"
  | "bio"
  | "caption"
  | "editorsNote";

/** Extra label regex sources per kind from config, added to the defaults. */
export type AttributionPatternsConfig = Partial<Record<PatternKind, string[]>>;

export const DEFAULT_PATTERNS: Readonly<Record<PatternKind, readonly string[]>> = {
  via: [
    "本文转载自",
    "本文轉載自",
    "转载自",
    "轉載自",
    "转载于",
    "转自",
    "轉自",
    "via",
    "reprinted from",
    "republished from",
    "cross-?posted from",
    "originally published (?:at|in|on|by)",
    "first published (?:at|in|on|by)",
  ],
  source: [
    "信息来源",
    "資訊來源",
    "资料来源",
    "資料來源",
    "新闻来源",
    "新聞來源",
    "参考资料",
    "參考資料",
    "消息来源",
    "消息來源",
    "原文链接",
    "原文鏈接",
    "原文連結",
    "原文地址",
    "原文出处",
    "原文出處",
    "原文",
    "来源",
    "來源",
    "出处",
    "出處",
    "sources?",
    "original (?:article|story|link)",
  ],
  translator: [
    "编译",
    "編譯",
    "翻译",
    "翻譯",
    "译者",
    "譯者",
    "译",
    "譯",
    "translated by",
    "translation by",
    "translators?",
  ],
  editor: ["责任编辑", "責任編輯", "责编", "責編", "编辑", "編輯", "校对", "校對", "edited by", "editors?"],
  author: ["作者", "撰文", "记者", "記者", "written by", "words by", "story by", "by", "authors?"],
  bio: [
    "作者简介",
    "作者簡介",
    "作者介绍",
    "作者介紹",
    "关于作者",
    "關於作者",
    "[(（]作者(?:系|为|為|是)",
    "about the authors?",
    "author bio(?:graphy)?",
  ],
  caption: [
    "图片说明",
    "圖片說明",
    "图片来源",
    "圖片來源",
    "图注",
    "圖註",
    "图说",
    "圖說",
    "photo(?:graph)?",
    "caption",
    "image",
    "pictured",
  ],
  editorsNote: [
    "编者按",
    "編者按",
    "编按",
    "編按",
    "编者注",
    "編者註",
    "编者的话",
    "編者的話",
    "editor['’]?s['’]? note",
    "note from the editors?",
  ],
};

export const LINE_KINDS = ["via", "source", "bio", "caption", "editorsNote"] as const;
export type LineKind = (typeof LINE_KINDS)[number];
export const CREDIT_KINDS = ["translator", "editor", "author"] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

export interface CompiledPatterns {
  /**
   * Anchored at the start of a paragraph's text. Group `colon` is the colon, if any; the match
   * covers label, brackets, colon and following spaces, so `text.slice(m[0].length)` is the rest.
   */
  readonly line: Readonly<Record<LineKind, RegExp>>;
  /** Same labels, for a heading that is nothing but the label ("## 信息来源", "## Sources"). */
  readonly heading: Readonly<Record<"source" | "bio", RegExp>>;
  /** Global, for scanning a credit line; a label must follow a separator and precede `：` or a space. */
  readonly credit: Readonly<Record<CreditKind, RegExp>>;
}

const ENDS_IN_LATIN_LETTER = /[a-z][?)]*$/i;

function alternatives(sources: readonly string[]): string {
  // Longest first, so "原文链接" wins over "原文" and the colon after it is seen.
  return [...sources]
    .sort((a, b) => b.length - a.length)
    .map((s) => (ENDS_IN_LATIN_LETTER.test(s) ? `(?:${s})(?![\\p{L}\\p{N}])` : `(?:${s})`))
    .join("|");
}

const OPEN = "[【\\[〔(（]";
const CLOSE = "[】\\]〕)）]";
const SEPARATOR_BEFORE = "(?<=^|[\\s|｜、,，;；/／(（【\\[])";

function merged(kind: PatternKind, extra: AttributionPatternsConfig | undefined): string {
  return alternatives([...DEFAULT_PATTERNS[kind], ...(extra?.[kind] ?? [])]);
}

function compile(extra: AttributionPatternsConfig | undefined): CompiledPatterns {
  const lineRe = (kind: PatternKind): RegExp =>
    new RegExp(`^\\s*${OPEN}?\\s*(?:${merged(kind, extra)})\\s*${CLOSE}?\\s*(?<colon>[:：])?\\s*`, "iu");
  const headingRe = (kind: PatternKind): RegExp =>
    new RegExp(`^\\s*${OPEN}?\\s*(?:${merged(kind, extra)})\\s*${CLOSE}?\\s*[:：]?\\s*$`, "iu");
  const creditRe = (kind: PatternKind): RegExp =>
    new RegExp(`${SEPARATOR_BEFORE}(?:${merged(kind, extra)})(?:\\s*[:：]\\s*|\\s+)`, "giu");
  return {
    line: {
      via: lineRe("via"),
      source: lineRe("source"),
      bio: lineRe("bio"),
      caption: lineRe("caption"),
      editorsNote: lineRe("editorsNote"),
    },
    heading: { source: headingRe("source"), bio: headingRe("bio") },
    credit: { translator: creditRe("translator"), editor: creditRe("editor"), author: creditRe("author") },
  };
}

const DEFAULT_COMPILED = compile(undefined);
// Keyed by the config object: the loader passes the same frozen config for every article,
// so patterns are compiled once per config, never per article.
const compiledByConfig = new WeakMap<AttributionPatternsConfig, CompiledPatterns>();

/**
 * Defaults plus config extras, compiled. Throws a SyntaxError naming the kind for an invalid
 * regex source: that is a config error, reported once at startup by whoever validates config.
 */
export function compilePatterns(extra?: AttributionPatternsConfig): CompiledPatterns {
  if (extra === undefined || Object.values(extra).every((list) => list === undefined || list.length === 0)) {
    return DEFAULT_COMPILED;
  }
  let compiled = compiledByConfig.get(extra);
  if (compiled === undefined) {
    for (const [kind, list] of Object.entries(extra)) {
      for (const source of list ?? []) {
        try {
          new RegExp(source, "iu");
        } catch (e) {
          throw new SyntaxError(
            `content.patterns.${kind} has an invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}.`,
          );
        }
      }
    }
    compiled = compile(extra);
    compiledByConfig.set(extra, compiled);
  }
  return compiled;
}

/** Link text that says nothing about the target ("原文链接", "here"): never a title or a name. */
export const GENERIC_LINK_TEXT =
  /^(?:阅读原文|閱讀原文|原文链接|原文鏈接|原文連結|原文|链接|鏈接|連結|点击这里|點擊這裡|点此|點此|link|here|click here|original|read (?:more|the original|it here)|source)$/iu;
