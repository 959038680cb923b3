import type { Article } from "./model.ts";

/**
 * What the pure parser can know from one file's bytes. The loader then resolves identity and
 * dates against the store (first-seen time, assigned id, last content change) to get an Article.
 */
export interface ParsedArticle extends Omit<Article, "id" | "published" | "updated" | "contentHash"> {
  /** Front-matter `id`, if given. */
  frontMatterId?: string;
  /** Front-matter `date` as an ISO instant (site timezone applied when it had no offset). */
  date?: string;
  /** Front-matter `updated` as an ISO instant. */
  updatedAt?: string;
  /** True when `slug` came from front matter (else from the file name, and only at first sight). */
  explicitSlug: boolean;
  /** sha256 hex of the Markdown body alone, used to recognise a renamed file with no `id`. */
  bodyHash: string;
  /** Files beside the article that were read (a local cover), stamped (`assetStamp`); kept on the record. */
  assetStamps?: string[];
}
