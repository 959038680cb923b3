// The visible attribution block for reprints and translations. Feeds append it to the full
// content; web pages reuse it. Labels follow the article's language (Chinese or English).
import type { Article, Person, SourceLink } from "../content/model.ts";
import { escapeHtml, escapeHtmlAttribute, httpUrl } from "./html.ts";

interface Labels {
  via: string;
  source: string;
  translators: string;
  editors: string;
  publishers: string;
  listSeparator: string;
  nameInParens: (name: string) => string;
}

const ZH: Labels = {
  via: "转载自：",
  source: "原文：",
  translators: "翻译：",
  editors: "编辑：",
  publishers: "发布：",
  listSeparator: "、",
  nameInParens: (name) => `（${name}）`,
};

const EN: Labels = {
  via: "Reprinted from ",
  source: "Original: ",
  translators: "Translated by ",
  editors: "Edited by ",
  publishers: "Published by ",
  listSeparator: ", ",
  nameInParens: (name) => ` (${name})`,
};

const ZH_HANT: Labels = {
  ...ZH,
  via: "轉載自：",
  translators: "翻譯：",
  editors: "編輯：",
  publishers: "發布：",
};

function labelsFor(lang: string): Labels {
  const tag = lang.toLowerCase();
  if (!tag.startsWith("zh")) return EN;
  return /-(hant|tw|hk|mo)\b/.test(tag) ? ZH_HANT : ZH;
}

function link(href: string | undefined, textHtml: string): string {
  return href === undefined ? textHtml : `<a href="${escapeHtmlAttribute(href)}">${textHtml}</a>`;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/** "Reprinted from X": the publication's name is the link text. */
function viaLine(via: SourceLink, base: string, labels: Labels): string | undefined {
  const href = httpUrl(via.url, base);
  const text = clean(via.name) ?? clean(via.title) ?? href;
  if (text === undefined) return undefined;
  return `${escapeHtml(labels.via)}${link(href, escapeHtml(text))}`;
}

/** "Original: Title (Publication)": the title is the link text when known, else the name. */
function sourceLine(source: SourceLink, base: string, labels: Labels): string | undefined {
  const href = httpUrl(source.url, base);
  const title = clean(source.title);
  const name = clean(source.name);
  const text = title ?? name ?? href;
  if (text === undefined) return undefined;
  const suffix = title !== undefined && name !== undefined ? escapeHtml(labels.nameInParens(name)) : "";
  return `${escapeHtml(labels.source)}${link(href, escapeHtml(text))}${suffix}`;
}

function peopleLine(
  label: string,
  people: readonly Person[],
  base: string,
  labels: Labels,
): string | undefined {
  const names = people.flatMap((person) => {
    const name = clean(person.name);
    if (name === undefined) return [];
    // "Hopkins（东京樱花团）": the group a credit names stays with the person.
    const org = clean(person.org);
    const suffix = org === undefined ? "" : escapeHtml(labels.nameInParens(org));
    return [`${link(httpUrl(person.url, base), escapeHtml(name))}${suffix}`];
  });
  return names.length === 0
    ? undefined
    : `${escapeHtml(label)}${names.join(escapeHtml(labels.listSeparator))}`;
}

/**
 * Each credit as one escaped HTML line (reprinted from, original, translators, and editors unless
 * `short`), in the article's language. Feeds and pages show them as a block; posts join them.
 */
export function attributionLines(
  article: Article,
  { short = false, besideBody = false }: { short?: boolean; besideBody?: boolean } = {},
): string[] {
  const { source, via, translators, editors, publishers = [] } = article.attribution;
  const labels = labelsFor(article.lang);
  const base = article.url;
  // Shown under the body, a link the body already gives (its "转载自…" line, its source section)
  // would only repeat it.
  const inBody = (link: SourceLink | undefined): boolean => {
    const href = httpUrl(link?.url, base);
    return (
      besideBody && href !== undefined && article.contentHtml.includes(`href="${escapeHtmlAttribute(href)}"`)
    );
  };
  // Likewise people the body already credits by name ("编辑：小禾 发布：潮声编译组/阿岚").
  const credited = (people: readonly Person[]): boolean =>
    besideBody && people.length > 0 && people.every((p) => article.contentHtml.includes(escapeHtml(p.name)));
  return [
    via === undefined || inBody(via) ? undefined : viaLine(via, base, labels),
    source === undefined || inBody(source) ? undefined : sourceLine(source, base, labels),
    credited(translators) ? undefined : peopleLine(labels.translators, translators, base, labels),
    short || credited(editors) ? undefined : peopleLine(labels.editors, editors, base, labels),
    short || credited(publishers) ? undefined : peopleLine(labels.publishers, publishers, base, labels),
  ].filter((line) => line !== undefined);
}

/** The attribution block as escaped HTML, or `""` when there is nothing to credit. */
export function renderAttributionHtml(article: Article): string {
  const lines = attributionLines(article, { besideBody: true });
  if (lines.length === 0) return "";
  return `<div class="attribution">${lines.map((line) => `<p>${line}</p>`).join("")}</div>`;
}
