// Pure mapping from an Article to the ActivityPub objects Herald federates. No I/O, no clock:
// every time and id comes in as an argument, so the same inputs give the same JSON-LD.

import {
  Announce,
  Article as ApArticle,
  Create,
  Delete,
  Hashtag,
  Image,
  InteractionPolicy,
  InteractionRule,
  Note,
  PUBLIC_COLLECTION,
  Tombstone,
  Update,
} from "@fedify/vocab";
import { LanguageString } from "@fedify/vocab-runtime";
import { Temporal } from "@js-temporal/polyfill";
import type { Config } from "../config/load.ts";
import type { Article, QuotePolicy } from "../content/model.ts";
import { attributionLines } from "../render/attribution.ts";
import { escapeHtml, escapeHtmlAttribute } from "../render/html.ts";
import { actorUrls, type SiteUrls, siteUrls } from "../urls.ts";
import { blurhashesOf, withBlurhashes } from "./blurhash.ts";

export type ObjectType = "note" | "article";

export interface ObjectContext {
  urls: SiteUrls;
  /** The account whose posts these are: '' or absent for the main account, else a section account's. */
  account?: string;
  actorId: URL;
  followersId: URL;
  objectType: ObjectType;
  /** Default visibility; an article's own `visibility` wins. */
  visibility: "public" | "unlisted";
  /** Default quote policy (FEP-044f); an article's own `quotes` wins. Absent: everyone. */
  quotes?: QuotePolicy;
}

/** The context every article object of this site is mapped with. */
export function objectContextOf(config: Pick<Config, "site" | "bot" | "federation">): ObjectContext {
  const urls = siteUrls(config.site.url);
  const actor = actorUrls(urls, config.bot.username);
  return {
    urls,
    account: "",
    actorId: actor.actor,
    followersId: actor.followers,
    objectType: config.federation.objectType,
    visibility: config.federation.visibility,
    quotes: config.federation.quotes,
  };
}

export interface ObjectTimes {
  /** Federation time of the Create: what Mastodon sees as the post's date. */
  published: Date;
  /** Set on updates; must grow with every edit for Mastodon to apply it. */
  updated?: Date;
}

/** A section account's context: its actor, its object ids, its objectType and visibility. */
export function accountObjectContext(
  config: Pick<Config, "site">,
  spec: { account: string; username: string; objectType: ObjectType; visibility: "public" | "unlisted" },
): ObjectContext {
  const urls = siteUrls(config.site.url);
  const actor = actorUrls(urls, spec.username);
  return {
    urls,
    account: spec.account,
    actorId: actor.actor,
    followersId: actor.followers,
    objectType: spec.objectType,
    visibility: spec.visibility,
  };
}

/**
 * The stable object id: for the main account the same URL as the feeds' item id; a section
 * account's carries the account, so one article federated by two accounts is two posts.
 */
export function objectId(ctx: ObjectContext, article: Pick<Article, "id">): URL {
  return new URL(ctx.account ? ctx.urls.accountObject(ctx.account, article.id) : ctx.urls.object(article.id));
}

export function toPost(article: Article, ctx: ObjectContext, times: ObjectTimes): Note | ApArticle {
  const id = objectId(ctx, article);
  const lang = article.lang;
  const tags = hashtags(article, ctx);
  const cover = coverAttachment(article);
  const noteHtml = noteContent(article, tags);
  const audience = addressing(article, ctx);
  const common = {
    id,
    attribution: ctx.actorId,
    url: new URL(article.url),
    published: instant(times.published),
    updated: times.updated ? instant(times.updated) : null,
    tags: tags.map((t) => new Hashtag({ name: `#${t.name}`, href: new URL(t.href) })),
    attachments: cover ? [cover] : [],
    sensitive: article.sensitive || article.contentWarning !== undefined,
    // Quote consent is the main account's (quotes.ts): a section account's post lets only its
    // author quote it, so servers do not offer quoting that would be refused.
    interactionPolicy: quotePolicy(
      ctx.account ? "nobody" : (article.quotes ?? ctx.quotes ?? "everyone"),
      ctx,
    ),
    ...audience,
  };
  // Fedify's Image has no `blurhash`: the post carries it (blurhash.ts).
  const blurhashes = new Map(
    cover && article.cover?.blurhash ? [[article.cover.url, article.cover.blurhash]] : [],
  );
  if (ctx.objectType === "note") {
    const note = new Note({
      ...common,
      // On a Note, `summary` is a content warning: only a real one goes there.
      summary: article.contentWarning ?? null,
      contents: localized(noteHtml, lang),
    });
    return withBlurhashes(note, blurhashes);
  }
  const fullHtml = `${article.contentHtml}${attributionParagraph(article)}`;
  const post = new ApArticle({
    ...common,
    name: article.title,
    summary: article.contentWarning ?? article.summary,
    contents: localized(fullHtml, lang),
    image: cover ?? null,
    // FEP-b2b8: a Note preview for servers that do not render Article content.
    preview: new Note({
      attribution: ctx.actorId,
      content: noteHtml,
      attachments: cover ? [cover] : [],
      tags: tags.map((t) => new Hashtag({ name: `#${t.name}`, href: new URL(t.href) })),
    }),
  });
  return withBlurhashes(post, blurhashes);
}

export function createActivity(post: Note | ApArticle, ctx: ObjectContext): Create {
  const create = new Create({
    id: new URL("#create", post.id!),
    actor: ctx.actorId,
    object: post,
    published: post.published,
    tos: post.toIds,
    ccs: post.ccIds,
  });
  return withBlurhashes(create, blurhashesOf(post));
}

export function updateActivity(
  post: Note | ApArticle,
  ctx: ObjectContext,
  contentHash: string,
  n = 1,
): Update {
  const suffix = n > 1 ? `-${n}` : "";
  const update = new Update({
    id: new URL(`#update-${contentHash.slice(0, 16)}${suffix}`, post.id!),
    actor: ctx.actorId,
    object: post,
    published: post.updated,
    tos: post.toIds,
    ccs: post.ccIds,
  });
  return withBlurhashes(update, blurhashesOf(post));
}

export function deleteActivity(id: URL, ctx: ObjectContext, deletedAt: Date): Delete {
  return new Delete({
    id: new URL("#delete", id),
    actor: ctx.actorId,
    object: tombstone(id, deletedAt),
    published: instant(deletedAt),
    to: PUBLIC_COLLECTION,
    cc: ctx.followersId,
  });
}

/**
 * The main account's boost of a section account's post (`bot.mode: announce`): one per post, its id
 * the post's own with `#announce`, addressed as the main account's posts are.
 */
export function announceActivity(post: URL, ctx: ObjectContext, at: Date): Announce {
  const unlisted = ctx.visibility === "unlisted";
  return new Announce({
    id: new URL("#announce", post),
    actor: ctx.actorId,
    object: post,
    published: instant(at),
    ...(unlisted
      ? { tos: [ctx.followersId], ccs: [PUBLIC_COLLECTION] }
      : { tos: [PUBLIC_COLLECTION], ccs: [ctx.followersId] }),
  });
}

export function tombstone(id: URL, deletedAt: Date): Tombstone {
  return new Tombstone({ id, deleted: instant(deletedAt) });
}

// --- pieces -------------------------------------------------------------------------------

/**
 * FEP-044f `canQuote`: Mastodon 4.5+ treats a post without it as not quotable. Whoever is in
 * `automaticApproval` gets an Accept to a QuoteRequest (federation/quotes.ts); the author is always
 * in it, as Mastodon does for "nobody".
 */
export function quotePolicy(policy: QuotePolicy, ctx: Pick<ObjectContext, "actorId" | "followersId">) {
  const approved =
    policy === "everyone" ? [PUBLIC_COLLECTION] : policy === "followers" ? [ctx.followersId] : [ctx.actorId];
  return new InteractionPolicy({ canQuote: new InteractionRule({ automaticApprovals: approved }) });
}

/** `content` plus `contentMap` keyed by the article language (Mastodon reads the post language from it). */
function localized(html: string, lang: string): (string | LanguageString)[] {
  try {
    return [html, new LanguageString(html, lang)];
  } catch {
    return [html];
  }
}

function instant(date: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime());
}

function addressing(article: Article, ctx: ObjectContext) {
  const unlisted = (article.visibility ?? ctx.visibility) === "unlisted";
  // Public in `to` = public; Public in `cc` = unlisted ("quiet public").
  return unlisted
    ? { tos: [ctx.followersId], ccs: [PUBLIC_COLLECTION] }
    : { tos: [PUBLIC_COLLECTION], ccs: [ctx.followersId] };
}

interface Tag {
  name: string;
  href: string;
}

/** Mastodon hashtags are letters, digits and underscores (any script); other characters are dropped. */
export function hashtags(article: Pick<Article, "tags">, ctx: Pick<ObjectContext, "urls">): Tag[] {
  const seen = new Set<string>();
  const tags: Tag[] = [];
  for (const raw of article.tags) {
    const name = raw.normalize("NFC").replace(/[^\p{L}\p{N}\p{M}_]/gu, "");
    if (!name || /^\p{N}+$/u.test(name) || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    tags.push({ name, href: ctx.urls.tag(raw) });
  }
  return tags;
}

function coverAttachment(article: Article): Image | undefined {
  const cover = article.cover;
  // Mastodon needs a real media type; without one, no attachment and the link card shows instead.
  if (!cover?.mediaType?.startsWith("image/")) return undefined;
  return new Image({
    url: new URL(cover.url),
    mediaType: cover.mediaType,
    name: cover.alt ? truncate(cover.alt, 1500) : null,
    width: cover.width ?? null,
    height: cover.height ?? null,
  });
}

/** The credits as one line: "Reprinted from … · Original: … · Translated by …". */
function attributionLine(article: Article): string {
  return attributionLines(article, { short: true }).join(" · ");
}

function attributionParagraph(article: Article): string {
  const line = attributionLine(article);
  return line ? `<p>${line}</p>` : "";
}

function noteContent(article: Article, tags: readonly Tag[]): string {
  const paragraphs = [`<p><strong>${escapeHtml(article.title)}</strong></p>`];
  if (article.summary) paragraphs.push(`<p>${escapeHtml(article.summary)}</p>`);
  paragraphs.push(`<p><a href="${escapeHtmlAttribute(article.url)}">${escapeHtml(article.url)}</a></p>`);
  const line = attributionLine(article);
  if (line) paragraphs.push(`<p>${line}</p>`);
  if (tags.length > 0) {
    // A trailing paragraph of hashtags only becomes Mastodon's hashtag bar.
    paragraphs.push(
      `<p>${tags
        .map(
          (t) =>
            `<a href="${escapeHtmlAttribute(t.href)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(t.name)}</span></a>`,
        )
        .join(" ")}</p>`,
    );
  }
  return paragraphs.join("");
}

function truncate(text: string, max: number): string {
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)];
  return graphemes.length <= max
    ? text
    : `${graphemes
        .slice(0, max - 1)
        .map((g) => g.segment)
        .join("")}…`;
}

/**
 * Compact JSON-LD writes the public audience as `as:Public`; Fedify expands it when sending, and
 * what we store and serve must match what we sent (stricter servers only know the full IRI).
 */
export async function toStoredJson(object: { toJsonLd(options: { format: "compact" }): Promise<unknown> }) {
  const json = await object.toJsonLd({ format: "compact" });
  return expandPublic(json) as Record<string, unknown>;
}

const AUDIENCE = new Set(["to", "cc", "bto", "bcc", "audience"]);

function expandPublic(value: unknown, key = ""): unknown {
  if (AUDIENCE.has(key) && (value === "as:Public" || value === "Public")) return PUBLIC_COLLECTION.href;
  if (Array.isArray(value)) return value.map((v) => expandPublic(v, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === "@context" ? v : expandPublic(v, k)]),
    );
  }
  return value;
}
