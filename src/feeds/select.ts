import type { Article } from "../content/model.ts";
import { parseInstant } from "./dates.ts";

/**
 * Newest `published` first; equal instants are ordered by id so the output never depends on
 * the order articles were loaded in. Callers have already removed drafts and scheduled articles.
 */
export function selectFeedArticles(articles: readonly Article[], limit: number): Article[] {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`Feed limit must be a non-negative integer, got ${limit}.`);
  }
  const keyed = articles.map((article) => ({
    article,
    time: parseInstant(article.published, `article ${article.id} (published)`).getTime(),
  }));
  keyed.sort((a, b) => {
    if (a.time !== b.time) return b.time - a.time;
    if (a.article.id === b.article.id) return 0;
    return a.article.id < b.article.id ? -1 : 1;
  });
  return keyed.slice(0, limit).map((entry) => entry.article);
}
