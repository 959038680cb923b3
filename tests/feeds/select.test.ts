import { describe, expect, it } from "vitest";
import { selectFeedArticles } from "../../src/feeds/index.ts";
import { makeArticle } from "./fixtures.ts";

describe("selectFeedArticles", () => {
  it("puts the newest published first, ties broken by id, whatever the input order", () => {
    const articles = [
      makeArticle({ id: "b", published: "2024-03-01T00:00:00Z" }),
      makeArticle({ id: "old", published: "2023-01-01T00:00:00Z", updated: "2024-12-01T00:00:00Z" }),
      makeArticle({ id: "a", published: "2024-03-01T08:00:00+08:00" }),
      makeArticle({ id: "new", published: "2024-06-01T00:00:00Z" }),
    ];
    const expected = ["new", "a", "b", "old"];
    expect(selectFeedArticles(articles, 10).map((a) => a.id)).toEqual(expected);
    expect(selectFeedArticles([...articles].reverse(), 10).map((a) => a.id)).toEqual(expected);
  });

  it("respects the limit and does not mutate its input", () => {
    const articles = [
      makeArticle({ id: "1", published: "2024-01-01T00:00:00Z" }),
      makeArticle({ id: "2", published: "2024-01-02T00:00:00Z" }),
      makeArticle({ id: "3", published: "2024-01-03T00:00:00Z" }),
    ];
    expect(selectFeedArticles(articles, 2).map((a) => a.id)).toEqual(["3", "2"]);
    expect(selectFeedArticles(articles, 0)).toEqual([]);
    expect(articles.map((a) => a.id)).toEqual(["1", "2", "3"]);
  });

  it("rejects a nonsensical limit and an invalid date instead of writing garbage", () => {
    expect(() => selectFeedArticles([], -1)).toThrow(RangeError);
    expect(() => selectFeedArticles([], 1.5)).toThrow(RangeError);
    expect(() => selectFeedArticles([makeArticle({ id: "x", published: "not a date" })], 5)).toThrow(
      /Invalid date in article x/,
    );
  });
});
