import type { Token } from "markdown-it";
import type { SiteUrls } from "../urls.ts";
import { assetResolver, displayRef, isLocalRef } from "./assets.ts";
import { type DetectedAttribution, detectAttribution } from "./attribution.ts";
import { classifyBlocks, imageSources, plainTextOf } from "./blocks.ts";
import { chooseCover, describeCover } from "./cover.ts";
import { decodeArticle } from "./decode.ts";
import { type FrontMatter, readFrontMatter } from "./fields.ts";
import { splitFrontMatter } from "./frontmatter.ts";
import { sha256Hex } from "./hash.ts";
import { inferLanguage } from "./language.ts";
import { parseMarkdown, renderArticleHtml } from "./markdown.ts";
import type {
  ArticleError,
  Derivation,
  DerivedFieldName,
  ImageInfo,
  Person,
  Result,
  SourceLink,
} from "./model.ts";
import type { ParsedArticle } from "./parsed.ts";
import { type AttributionPatternsConfig, type CompiledPatterns, compilePatterns } from "./patterns.ts";
import { cleanLine, stripXmlInvalid } from "./plain-text.ts";
import { type ArticleProblem, problem } from "./problem.ts";
import { slugify, slugSourceFromPath } from "./slug.ts";
import { explicitSummary, summarizeProse, summarySource } from "./summary.ts";

// One file's bytes → everything Herald can know about the article without the store.
// Pure except for reading images beside the article (cover facts, missing-image warnings).

export { computeContentHash } from "./hash.ts";
export type { AttributionPatternsConfig } from "./patterns.ts";

export interface ParseContext {
  urls: SiteUrls;
  /** Absolute path of the content root. */
  contentDir: string;
  /** IANA zone for front-matter dates without an offset, e.g. "Asia/Shanghai". */
  timezone: string;
  /** BCP 47 language when front matter has no `lang`. */
  language: string;
  /** Max graphemes of a derived summary. */
  summaryLength: number;
  /** File size limit in bytes. */
  maxBytes: number;
  /** Extra label patterns from config, added to DEFAULT_PATTERNS. */
  patterns?: AttributionPatternsConfig;
}

/** Index of the heading that gives an untitled article its title: the first H1, else a leading H2. */
function titleHeadingIndex(tokens: readonly Token[], patterns: CompiledPatterns): number | undefined {
  let leading = true;
  let firstH1: number | undefined;
  let leadingH2: number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.level !== 0 || t.nesting === -1) continue;
    if (t.type === "heading_open") {
      const text = plainTextOf(tokens[i + 1]?.children ?? []);
      // "## Source" at the top of a stub is not a title.
      const isSection = patterns.heading.source.test(text) || patterns.heading.bio.test(text);
      if (text !== "" && !isSection) {
        if (t.tag === "h1") {
          firstH1 = i;
          break;
        }
        if (t.tag === "h2" && leading) leadingH2 = i;
      }
    }
    leading = false;
  }
  return firstH1 ?? leadingH2;
}

function leadingH1Text(tokens: readonly Token[]): string | undefined {
  const first = tokens[0];
  return first?.type === "heading_open" && first.tag === "h1"
    ? plainTextOf(tokens[1]?.children ?? [])
    : undefined;
}

/** Front matter wins; a detected link with the same URL (or when front matter has none) fills the gaps. */
function mergeLink(
  fromFrontMatter: SourceLink | undefined,
  detected: SourceLink | undefined,
): SourceLink | undefined {
  if (fromFrontMatter === undefined) return detected;
  if (detected === undefined) return fromFrontMatter;
  const compatible =
    fromFrontMatter.url === undefined || detected.url === undefined || fromFrontMatter.url === detected.url;
  return compatible ? { ...detected, ...fromFrontMatter } : fromFrontMatter;
}

interface DerivationFacts {
  frontMatter: FrontMatter;
  detected: DetectedAttribution;
  summaryRule: string | undefined;
  coverRule: string | undefined;
  cover: ImageInfo | undefined;
  langRule: string;
}

/** Which rule found each field (front matter first), and which fields nothing found. */
function describeDerivation(f: DerivationFacts): Derivation {
  const found: Derivation["found"] = {};
  const missing: DerivedFieldName[] = [];
  const note = (field: DerivedFieldName, rule: string | undefined): void => {
    if (rule === undefined) missing.push(field);
    else found[field] = rule;
  };
  const fm = f.frontMatter;
  const rules = f.detected.rules;
  const fromFrontMatter = (given: boolean, detectedRule: string | undefined): string | undefined =>
    given ? "front matter" : detectedRule;
  note("summary", f.summaryRule);
  note("cover", f.coverRule);
  if (f.cover !== undefined) {
    note(
      "alt",
      f.cover.alt === undefined
        ? undefined
        : fm.cover?.alt !== undefined
          ? "front matter"
          : "the image's alt text or caption",
    );
    if (f.cover.credit !== undefined) found.credit = "the caption";
  }
  note("via", fromFrontMatter(fm.via !== undefined, rules.via));
  note("source", fromFrontMatter(fm.source !== undefined, rules.source));
  note("authors", fromFrontMatter(fm.authors.length > 0, rules.authors));
  const optional: Array<[DerivedFieldName, boolean, string | undefined]> = [
    ["translators", fm.translators.length > 0, rules.translators],
    ["editors", fm.editors.length > 0, rules.editors],
    ["publishers", false, rules.publishers],
  ];
  // Many articles are not translated and name no editor: only say what was found.
  for (const [field, given, rule] of optional) {
    const how = fromFrontMatter(given, rule);
    if (how !== undefined) found[field] = how;
  }
  found.lang = f.langRule;
  return { found, missing };
}

function chosen(fromFrontMatter: Person[], detected: Person[]): Person[] {
  return fromFrontMatter.length > 0 ? fromFrontMatter : detected;
}

export function parseArticle(
  path: string,
  bytes: Buffer,
  ctx: ParseContext,
): Result<ParsedArticle, ArticleError> {
  const failed = (error: ArticleProblem): Result<ParsedArticle, ArticleError> => ({
    ok: false,
    error: { ...error, path },
  });

  const decoded = decodeArticle(bytes, ctx.maxBytes);
  if (!decoded.ok) return failed(decoded.error);
  const split = splitFrontMatter(stripXmlInvalid(decoded.value));
  if (!split.ok) return failed(split.error);
  const read = readFrontMatter(split.value.data, ctx.timezone);
  if (!read.ok) return failed(read.error);
  const fm = read.value;
  const body = split.value.body;
  const patterns = compilePatterns(ctx.patterns);
  const warnings: string[] = [];
  if (fm.droppedExtra.length > 0) {
    warnings.push(
      `Front-matter keys ${fm.droppedExtra.map((k) => `\`${k}\``).join(", ")} are not Herald's and too large to keep; they were left out.`,
    );
  }

  const markdown = parseMarkdown(body);
  const tokens = markdown.tokens;
  let title = fm.title;
  if (title === undefined) {
    const at = titleHeadingIndex(tokens, patterns);
    if (at === undefined) {
      return failed(
        problem(
          "missing-title",
          "Article has no `title` in its front matter and no # heading to take it from.",
        ),
      );
    }
    title = cleanLine(plainTextOf(tokens[at + 1]?.children ?? []));
    tokens.splice(at, 3); // heading_open, inline, heading_close
  } else if (leadingH1Text(tokens) === title) {
    tokens.splice(0, 3); // pages and feeds show the title themselves
  }

  const slugSource = fm.slug ?? slugSourceFromPath(path);
  const slug = slugify(slugSource);
  if (slug === "") {
    const from = fm.slug === undefined ? `file name "${slugSource}"` : `"slug" value "${slugSource}"`;
    return failed(
      problem("invalid-field", `The ${from} has no letters or digits to build a slug from; set \`slug\`.`),
    );
  }
  const url = ctx.urls.article(slug);
  const lang = fm.lang ?? inferLanguage(`${title}\n${body}`, ctx.language);

  const blocks = classifyBlocks(tokens, patterns);
  const detected = detectAttribution(blocks, patterns, fm.authors, url);
  const summarySourced = fm.summary === undefined ? summarySource(blocks, detected) : undefined;
  const summary =
    summarySourced === undefined
      ? explicitSummary(fm.summary ?? "")
      : summarizeProse(summarySourced.paragraphs, lang, ctx.summaryLength);
  if (summary === "") warnings.push("Article has no prose to derive a summary from; add `summary`.");

  const contentHtml = renderArticleHtml(markdown, url);

  const coverChoice = chooseCover(fm.cover, blocks, detected.roles, patterns);
  const resolveLocal = assetResolver(ctx.contentDir, path);
  const assetStamps: string[] = [];
  const coverCtx = { articleUrl: url, resolveAsset: resolveLocal, assets: assetStamps };
  const cover = coverChoice === undefined ? undefined : describeCover(coverChoice, coverCtx, warnings);
  for (const src of new Set(imageSources(tokens))) {
    if (isLocalRef(src) && resolveLocal(src) === undefined) {
      warnings.push(`Image "${displayRef(src)}" was not found in the article folder.`);
    }
  }
  if (fm.date !== undefined && fm.updated !== undefined && fm.updated < fm.date) {
    warnings.push("Front-matter `updated` is earlier than `date`; `date` is used for both.");
  }

  const source = mergeLink(fm.source, detected.source);
  const via = mergeLink(fm.via, detected.via);
  const article: ParsedArticle = {
    slug,
    explicitSlug: fm.slug !== undefined,
    path,
    url,
    title,
    summary,
    contentHtml,
    lang,
    tags: fm.tags,
    authors: chosen(fm.authors, detected.authors),
    attribution: {
      ...(source === undefined ? {} : { source }),
      ...(via === undefined ? {} : { via }),
      translators: chosen(fm.translators, detected.translators),
      editors: chosen(fm.editors, detected.editors),
      ...(detected.publishers.length > 0 ? { publishers: detected.publishers } : {}),
    },
    draft: fm.draft,
    federate: fm.federate,
    sensitive: fm.sensitive ?? fm.contentWarning !== undefined,
    pinned: fm.pinned,
    extra: fm.extra,
    warnings,
    bodyHash: sha256Hex(body),
  };
  if (cover !== undefined) article.cover = cover;
  if (assetStamps.length > 0) article.assetStamps = assetStamps;
  article.derivation = describeDerivation({
    frontMatter: fm,
    detected,
    summaryRule: summary === "" ? undefined : (summarySourced?.rule ?? "front matter"),
    coverRule: cover === undefined ? undefined : coverChoice?.rule,
    cover,
    langRule:
      fm.lang !== undefined ? "front matter" : `the script of the text (site language ${ctx.language})`,
  });
  if (fm.publishAt !== undefined) article.publishAt = fm.publishAt;
  if (fm.contentWarning !== undefined) article.contentWarning = fm.contentWarning;
  if (fm.visibility !== undefined) article.visibility = fm.visibility;
  if (fm.quotes !== undefined) article.quotes = fm.quotes;
  if (fm.id !== undefined) article.frontMatterId = fm.id;
  if (fm.date !== undefined) article.date = fm.date;
  if (fm.updated !== undefined) article.updatedAt = fm.updated;
  return { ok: true, value: article };
}
