// The article model shared by feeds, federation and pages. Everything here is plain data:
// derived once per article version, cached in the store, never mutated afterwards.

/** A person credited on an article (author, translator, editor). */
export interface Person {
  name: string;
  /** The group the person credits with their name ("东京樱花团/Hopkins" → Hopkins of 东京樱花团). */
  org?: string;
  url?: string;
  email?: string;
}

/** A link to another publication: the original (`source`) or where it was reprinted from (`via`). */
export interface SourceLink {
  url?: string;
  /** Title of the original piece. */
  title?: string;
  /** Name of the publication. */
  name?: string;
}

/** An image with everything feeds and ActivityPub attachments need. */
export interface ImageInfo {
  /** Absolute URL. */
  url: string;
  alt?: string;
  /** Who took or supplied the picture, from its caption ("Greg Baker/AFP via Getty Images"). */
  credit?: string;
  /** Sniffed from the bytes for local files; `undefined` when unknown (remote). */
  mediaType?: string;
  width?: number;
  height?: number;
  /** Size in bytes, when local. */
  length?: number;
  /**
   * The original URL of a remote image when `url` is Herald's own copy of it (`/media/…`): kept as
   * the image's source. Set when the copy is served, never at parse time.
   */
  source?: string;
  /** Mastodon's placeholder (https://blurha.sh), computed from the pixels once they were read. */
  blurhash?: string;
}

export interface Attribution {
  source?: SourceLink;
  via?: SourceLink;
  translators: Person[];
  editors: Person[];
  /** Who published the reprint (发布：group/person); absent when nobody is named. */
  publishers?: Person[];
}

export type Visibility = "public" | "unlisted";

/** Who may quote a post without asking (FEP-044f). */
export type QuotePolicy = "everyone" | "followers" | "nobody";

/** The fields Herald derives from an article's body when front matter does not give them. */
export type DerivedFieldName =
  | "summary"
  | "cover"
  | "alt"
  | "credit"
  | "via"
  | "source"
  | "authors"
  | "translators"
  | "editors"
  | "publishers"
  | "lang";

/**
 * How each field was found, for editors checking what Herald read (`herald preview`, the
 * dashboard's article view). Never federated, never part of the content hash.
 */
export interface Derivation {
  /** Field → the rule that found it: "front matter", "“轉載自” in a link's text (paragraph 1)". */
  found: Partial<Record<DerivedFieldName, string>>;
  /** Fields Herald looked for in the body and did not find. */
  missing: DerivedFieldName[];
}

export interface Article {
  /** Stable identity: front-matter `id`, or assigned at first sight and recorded in the store. */
  id: string;
  /** URL-safe slug (CJK allowed), used in the page URL. */
  slug: string;
  /** Source file, relative to the content dir, POSIX separators. */
  path: string;
  /** Absolute URL of the article page (ends with `/`). */
  url: string;
  title: string;
  /** Plain-text summary: explicit front matter, else derived from the prose. */
  summary: string;
  /** Sanitized HTML of the body, every URL absolute. No attribution block (renderers add it). */
  contentHtml: string;
  /** BCP 47 language tag. */
  lang: string;
  tags: string[];
  authors: Person[];
  cover?: ImageInfo;
  attribution: Attribution;
  /** ISO 8601 instants. `published` <= `updated`. */
  published: string;
  updated: string;
  draft: boolean;
  /** ISO instant before which the article stays out of feeds and the fediverse. */
  publishAt?: string;
  federate: boolean;
  contentWarning?: string;
  sensitive: boolean;
  pinned: boolean;
  visibility?: Visibility;
  /** Front matter `quotes`; federation.quotes when absent. */
  quotes?: QuotePolicy;
  /** sha256 of everything that federates; an edit changes it, a touch does not. */
  contentHash: string;
  /** Front-matter keys Herald does not know; kept, never interpreted. */
  extra: Record<string, unknown>;
  /** Non-fatal observations (e.g. "cover has no alt text"). */
  warnings: string[];
  /** How the derived fields were found; absent on records stored before Herald kept it. */
  derivation?: Derivation;
}

/** Why one file could not become an article. The run goes on without it. */
export interface ArticleError {
  type:
    | "yaml"
    | "missing-title"
    | "binary"
    | "encoding"
    | "too-large"
    | "duplicate-id"
    | "duplicate-slug"
    | "invalid-date"
    | "invalid-field"
    | "io"
    | "failed";
  /** Path relative to the content dir. */
  path: string;
  /** One sentence, ends with a period. */
  message: string;
}

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
