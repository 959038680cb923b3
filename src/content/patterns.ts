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
  | "publisher"
  | "bio"
  | "caption"
  | "captionAbove"
  | "photoCredit"
  | "editorsNote"
  | "boilerplate"
  | "decorativeImage"
  | "wire";

/** Extra label regex sources per kind from config, added to the defaults. */
export type AttributionPatternsConfig = Partial<Record<PatternKind, string[]>>;

export const DEFAULT_PATTERNS: Readonly<Record<PatternKind, readonly string[]>> = {
  via: [
    "本文来源于(?:微信)?公众号",
    "来源于(?:微信)?公众号",
    "來源於(?:微信)?公眾號",
    "[经經獲获]?授[权權][转轉][载載]",
    "以下文章来源于",
    "以下文章來源於",
    "原[载載]",
    "本文经授权转载自",
    "本文經授權轉載自",
    "经授权转载自",
    "經授權轉載自",
    "本文转载自",
    "本文轉載自",
    "转载自",
    "轉載自",
    "[转轉][载載](?:自|于|於)",
    "转载于",
    "轉載於",
    "转自",
    "轉自",
    "原载于",
    "原載於",
    "原刊于",
    "原刊於",
    "本文首发于",
    "本文首發於",
    "首发于",
    "首發於",
    "転載元",
    "転載",
    "via",
    "reprinted (?:with permission )?from",
    "republished (?:here )?(?:with permission )?from",
    "cross-?posted from",
    "(?:this (?:story|article|post|piece) )?(?:was |is )?(?:originally|first) (?:published|posted|appeared)(?: (?:at|in|on|by))?",
  ],
  source: [
    "信息来源",
    "資訊來源",
    "資料来源",
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
    "出典",
    "引用元",
    "元記事",
    "原文标题",
    "原文標題",
    "原标题",
    "原標題",
    "原題",
    "英文原文",
    "英文标题",
    "英文標題",
    "sources?",
    "original (?:article|story|link|post)",
    "read the original(?: article| story| post)?",
  ],
  translator: [
    "编译",
    "編譯",
    "翻译",
    "翻譯",
    "翻訳",
    "译者",
    "譯者",
    "訳",
    "译",
    "譯",
    "translated by",
    "translation by",
    "translators?",
  ],
  editor: [
    "责任编辑",
    "責任編輯",
    "责编",
    "責編",
    "编辑",
    "編輯",
    "編集",
    "校对",
    "校對",
    "审校",
    "審校",
    "核稿",
    "校订",
    "校訂",
    "edited by",
    "editing by",
    "editing",
    "editors?",
  ],
  author: [
    "原著者",
    "原作者",
    "原文作者",
    "作者",
    "撰文",
    "记者",
    "記者",
    "取材・文",
    "文[・/／]写真",
    "文",
    "written by",
    "words by",
    "story by",
    "additional reporting by",
    "with (?:additional )?assistance from",
    "posted by",
    "reporting by",
    "words",
    "by",
    "authors?",
  ],
  publisher: ["发布", "發布", "發佈", "发布人", "發布人", "published by"],
  bio: [
    "作者简介",
    "作者簡介",
    "作者介绍",
    "作者介紹",
    "作者プロフィール",
    "著者プロフィール",
    "筆者紹介",
    "著者紹介",
    "筆者プロフィール",
    "关于作者",
    "關於作者",
    "[(（]作者(?:系|为|為|是)",
    "about the authors?",
    "author bio(?:graphy)?",
  ],
  caption: [
    "▲",
    "△",
    "↑",
    "上图",
    "上圖",
    "图为",
    "圖為",
    "图片说明",
    "圖片說明",
    "图片来源",
    "圖片來源",
    "图注",
    "圖註",
    "图说",
    "圖說",
    "图",
    "圖",
    "写真説明",
    "写真",
    "画像",
    "photo(?:graph)?",
    "caption",
    "image",
    "pictured",
  ],
  // A caption written above its image: "▼ 钱医生正在为居民测量血压（摄影：孔维）".
  captionAbove: ["▼", "↓", "下图", "下圖", "下方图片", "下方圖片"],
  photoCredit: [
    "图",
    "圖",
    "摄影",
    "攝影",
    "撮影",
    "图片来源",
    "圖片來源",
    "图源",
    "圖源",
    "图片提供",
    "圖片提供",
    "写真提供",
    "写真",
    "photo(?:graph)?s? by",
    "photo(?:graph)? credit",
    "photo(?:graph)?",
    "image credit",
    "credit",
    "courtesy of",
    "courtesy",
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
    "編集部注",
    "編集部より",
    "編注",
    "导读",
    "導讀",
    "导语",
    "導語",
    "内容提要",
    "內容提要",
    "editor['’]?s['’]? note",
    "note from the editors?",
  ],
  boilerplate: [
    "免责声明",
    "免責聲明",
    "版权声明",
    "版權聲明",
    "点击上方",
    "點擊上方",
    "点击蓝字",
    "關注我們",
    "关注我们",
    "长按识别",
    "長按識別",
    "长按二维码",
    "長按二維碼",
    "扫码关注",
    "掃碼關注",
    "扫描二维码",
    "掃描二維碼",
    "往期推荐",
    "往期推薦",
    "往期回顾",
    "往期回顧",
    "往期精选",
    "推荐阅读",
    "推薦閱讀",
    "未完待续",
    "未完待續",
    "全文完",
    "disclaimer",
    "thanks for reading",
    "subscribe (?:now|for free|to)",
    "share this",
    "sign up for",
    "follow us",
    "to be continued",
  ],
  // Matched against an image's file name and alt text: never a cover.
  decorativeImage: [
    "qr",
    "qr-?codes?",
    "gravatar",
    "track(?:ing)?",
    "二维码",
    "二維碼",
    "logos?",
    "avatars?",
    "banners?",
    "subscribe",
    "pixel",
    "spacer",
    "icons?",
    "badges?",
    "buttons?",
    "divider",
    "emoji",
    "follow",
    "关注",
    "關注",
    "wechat",
    "placeholder",
  ],
  wire: [
    "Reuters",
    "AP",
    "AFP",
    "Bloomberg",
    "Xinhua",
    "Kyodo",
    "EPA",
    "Getty Images",
    "Shutterstock",
    "Unsplash",
    "新华社",
    "新華社",
    "中新社",
    "中央社",
    "路透社?",
    "美联社",
    "美聯社",
    "法新社",
    "共同通信",
    "時事通信",
    "视觉中国",
    "視覺中國",
  ],
};

const LINE_KINDS = ["via", "source", "bio", "caption", "captionAbove", "editorsNote", "boilerplate"] as const;
export type LineKind = (typeof LINE_KINDS)[number];
export const CREDIT_KINDS = ["translator", "editor", "author", "publisher"] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

export interface CompiledPatterns {
  /**
   * Anchored at the start of a line's text. Group `colon` is the colon, if any; the match
   * covers label, brackets, colon and following spaces, so `text.slice(m[0].length)` is the rest.
   */
  readonly line: Readonly<Record<LineKind, RegExp>>;
  /** Same labels, unanchored: a label inside a short line or inside a link's text. */
  readonly anywhere: Readonly<Record<"via" | "source" | "bio" | "editorsNote", RegExp>>;
  /** Same labels, for a heading that is nothing but the label ("## 信息来源", "## Sources"). */
  readonly heading: Readonly<Record<"via" | "source" | "bio" | "editorsNote", RegExp>>;
  /**
   * Global, for scanning a credit line; a label must follow a separator and precede `：` or a
   * space. `photographer` and `via` labels only end the name before them ("文｜A　攝影｜B", "作者：A　转自：B").
   */
  readonly credit: Readonly<Record<CreditKind | "photographer" | "via", RegExp>>;
  /** A line that is nothing but a photo credit: "Photo by Jane Roe on Unsplash", "摄影：王小明". */
  readonly photoCreditLine: RegExp;
  /** A photo-credit label at the start of a parenthesised credit: "攝影／", "Photo: ". */
  readonly photoCreditLabel: RegExp;
  /** A wire service or photo agency named anywhere ("AFP via Getty Images", "新华社"). */
  readonly agency: RegExp;
  /** An image that decorates (QR code, logo, banner, tracking pixel), by file name or alt. */
  readonly decorativeImage: RegExp;
  /** A wire dateline before the first sentence: "WASHINGTON (Reuters) -", "東京（共同）". */
  readonly dateline: RegExp;
}

const ENDS_IN_LATIN_LETTER = /[a-z][?)]*$/i;
const STARTS_WITH_LATIN_LETTER = /^[a-z(]/i;

function alternatives(sources: readonly string[]): string {
  // Longest first, so "原文链接" wins over "原文" and the colon after it is seen.
  return [...sources]
    .sort((a, b) => b.length - a.length)
    .map((s) => {
      const before = STARTS_WITH_LATIN_LETTER.test(s) ? "(?<![\\p{L}\\p{N}])" : "";
      const after = ENDS_IN_LATIN_LETTER.test(s) ? "(?![\\p{L}\\p{N}])" : "";
      return `${before}(?:${s})${after}`;
    })
    .join("|");
}

const OPEN = "[【\\[〔(（「＜〈<]";
const CLOSE = "[】\\]〕)）」＞〉>]";
const SEPARATOR_BEFORE = "(?<=^|[\\s|｜、,，;；/／(（【\\[])";

function merged(kind: PatternKind, extra: AttributionPatternsConfig | undefined): string {
  return alternatives([...DEFAULT_PATTERNS[kind], ...(extra?.[kind] ?? [])]);
}

function compile(extra: AttributionPatternsConfig | undefined): CompiledPatterns {
  const lineRe = (kind: PatternKind, colon = "[:：]"): RegExp =>
    new RegExp(`^\\s*${OPEN}?\\s*(?:${merged(kind, extra)})\\s*${CLOSE}?\\s*(?<colon>${colon})?\\s*`, "iu");
  const anywhereRe = (kind: PatternKind): RegExp => new RegExp(`(?:${merged(kind, extra)})`, "iu");
  const headingRe = (kind: PatternKind): RegExp =>
    new RegExp(`^\\s*${OPEN}?\\s*(?:${merged(kind, extra)})\\s*${CLOSE}?\\s*[:：]?\\s*$`, "iu");
  const creditRe = (kind: PatternKind): RegExp =>
    new RegExp(`${SEPARATOR_BEFORE}(?:${merged(kind, extra)})(?:\\s*[:：／|｜＝=]\\s*|\\s+)`, "giu");
  const photoCredit = merged("photoCredit", extra);
  return {
    line: {
      via: lineRe("via"),
      source: lineRe("source"),
      bio: lineRe("bio"),
      caption: lineRe("caption", "[:：／/|｜＝]"),
      captionAbove: lineRe("captionAbove", "[:：／/|｜＝]"),
      editorsNote: lineRe("editorsNote"),
      // Boilerplate may follow an emoji or an arrow: "👆点击上方蓝字关注我们".
      boilerplate: new RegExp(`^[^\\p{L}\\p{N}]{0,6}(?:${merged("boilerplate", extra)})`, "iu"),
    },
    anywhere: {
      via: anywhereRe("via"),
      source: anywhereRe("source"),
      bio: anywhereRe("bio"),
      editorsNote: anywhereRe("editorsNote"),
    },
    heading: {
      via: headingRe("via"),
      source: headingRe("source"),
      bio: headingRe("bio"),
      editorsNote: headingRe("editorsNote"),
    },
    credit: {
      translator: creditRe("translator"),
      editor: creditRe("editor"),
      author: creditRe("author"),
      publisher: creditRe("publisher"),
      photographer: creditRe("photoCredit"),
      via: creditRe("via"),
    },
    photoCreditLine: new RegExp(
      `^\\s*${OPEN}?\\s*(?:${photoCredit})\\s*(?:[:：／/＝=|｜]\\s*|\\s+)\\S`,
      "iu",
    ),
    photoCreditLabel: new RegExp(`^\\s*(?:${photoCredit})\\s*(?:[:：／/＝=|｜]\\s*|\\s+)`, "iu"),
    decorativeImage: new RegExp(
      merged("decorativeImage", extra)
        .replaceAll("(?<![\\p{L}\\p{N}])", "(?<![\\p{L}])")
        .replaceAll("(?![\\p{L}\\p{N}])", "(?![\\p{L}])"),
      "iu",
    ),
    agency: new RegExp(`(?:${merged("wire", extra)})|\\bvia\\b|[/／]`, "iu"),
    dateline: new RegExp(
      `^(?:(?:[\\p{Lu}][\\p{Lu}\\p{M} .'’-]{1,40}(?:,\\s*[\\p{L}\\p{N}. ]{2,30})?\\s*)?\\((?:${merged("wire", extra)})\\)\\s*[-—–]+\\s*|[\\p{Script=Han}\\p{Script=Katakana}]{1,8}[(（](?:${merged("wire", extra)})[)）]\\s*[-—–]*\\s*|[【〔[]\\s*[^】〕\\]]{0,30}(?:訊|讯|報導|报道|報道|電|电|特派員|特派员|支局|総局)\\s*[】〕\\]]\\s*|(?:${merged("wire", extra)})[^，。,]{0,20}(?:电|電)\\s*(?:[（(][^）)]{0,20}[)）])?\\s*)`,
      "u",
    ),
  };
}
/**
 * The defaults alone, compiled on first use: only when an article is derived. Config validation
 * compiles nothing unless the config adds patterns, so commands that read no article (status, a
 * build where nothing changed) never pay for the ~200 Unicode-aware regexes.
 */
let defaultCompiled: CompiledPatterns | undefined;
// Keyed by the config object: the loader passes the same frozen config for every article,
// so patterns are compiled once per config, never per article.
const compiledByConfig = new WeakMap<AttributionPatternsConfig, CompiledPatterns>();

/**
 * Defaults plus config extras, compiled. Throws a SyntaxError naming the kind for an invalid
 * regex source: that is a config error, reported once at startup by whoever validates config.
 */
export function compilePatterns(extra?: AttributionPatternsConfig): CompiledPatterns {
  if (!addsPatterns(extra)) {
    defaultCompiled ??= compile(undefined);
    return defaultCompiled;
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

/**
 * Config validation: compiles the config's extras with the defaults, throwing as `compilePatterns`
 * does. Without extras there is nothing to check (the defaults are Herald's own), and nothing is
 * compiled until an article is derived.
 */
export function checkPatterns(extra?: AttributionPatternsConfig): void {
  if (addsPatterns(extra)) compilePatterns(extra);
}

function addsPatterns(extra: AttributionPatternsConfig | undefined): extra is AttributionPatternsConfig {
  return extra !== undefined && Object.values(extra).some((list) => list !== undefined && list.length > 0);
}

/** Link text that says nothing about the target ("原文链接", "here"): never a title or a name. */
export const GENERIC_LINK_TEXT =
  /^(?:阅读原文|閱讀原文|阅读全文|閱讀全文|查看原文|原文链接|原文鏈接|原文連結|原文を読む|元記事|原文|链接|鏈接|連結|点击这里|點擊這裡|点此|點此|link|here|click here|original(?: (?:article|story|post|link))?|read (?:more|the original(?: article| story| post)?|it here)|source)$/iu;
