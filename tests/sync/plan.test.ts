import { describe, expect, it } from "vitest";
import { type PlanArticle, type PlanObject, planFederation } from "../../src/sync/plan.ts";

const article = (id: string, overrides: Partial<PlanArticle> = {}): PlanArticle => ({
  id,
  contentHash: `h-${id}`,
  eligible: true,
  published: `2026-01-0${id.length}T00:00:00Z`,
  ...overrides,
});
const object = (articleId: string, overrides: Partial<PlanObject> = {}): PlanObject => ({
  articleId,
  contentHash: `h-${articleId}`,
  deleted: false,
  ...overrides,
});
const plan = (articles: PlanArticle[], objects: PlanObject[] = [], firstRun = false, push = 0) =>
  planFederation({ articles, objects, firstRun, pushNewestOnFirstRun: push });

describe("planFederation", () => {
  it("creates new eligible articles oldest first", () => {
    expect(
      plan([
        article("b", { published: "2026-02-01T00:00:00Z" }),
        article("a", { published: "2026-01-01T00:00:00Z" }),
      ]),
    ).toEqual([
      { kind: "create", articleId: "a", silent: false },
      { kind: "create", articleId: "b", silent: false },
    ]);
  });

  it("sends nothing for unchanged articles, an update for a changed hash", () => {
    expect(plan([article("a")], [object("a")])).toEqual([]);
    expect(plan([article("a", { contentHash: "new" })], [object("a")])).toEqual([
      { kind: "update", articleId: "a" },
    ]);
  });

  it("deletes objects whose article is gone, a draft again, or federate: false", () => {
    expect(plan([article("b", { eligible: false })], [object("a"), object("b")])).toEqual([
      { kind: "delete", articleId: "a" },
      { kind: "delete", articleId: "b" },
    ]);
  });

  it("never recreates or deletes twice a deleted object", () => {
    expect(plan([article("a")], [object("a", { deleted: true })])).toEqual([]);
    expect(plan([], [object("a", { deleted: true })])).toEqual([]);
  });

  it("on the first run puts existing articles in the outbox silently, except the newest N", () => {
    const articles = [
      article("a", { published: "2026-01-01T00:00:00Z" }),
      article("b", { published: "2026-01-02T00:00:00Z" }),
      article("c", { published: "2026-01-03T00:00:00Z" }),
    ];
    expect(plan(articles, [], true, 0)).toEqual([
      { kind: "create", articleId: "a", silent: true },
      { kind: "create", articleId: "b", silent: true },
      { kind: "create", articleId: "c", silent: true },
    ]);
    expect(plan(articles, [], true, 2)).toEqual([
      { kind: "create", articleId: "a", silent: true },
      { kind: "create", articleId: "b", silent: false },
      { kind: "create", articleId: "c", silent: false },
    ]);
  });

  it("ignores ineligible articles that were never federated", () => {
    expect(plan([article("a", { eligible: false })])).toEqual([]);
  });
});
