import type { ArticleError } from "./model.ts";

/** An ArticleError before the loader knows which file it belongs to. */
export type ArticleProblem = Omit<ArticleError, "path">;

export function problem(type: ArticleError["type"], message: string): ArticleProblem {
  return { type, message: /[.!?。]$/.test(message) ? message : `${message}.` };
}
