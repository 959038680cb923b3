// JSON Feed 1.1 against the published schema (npm `jsonfeed-schema`), plus what a schema
// cannot say: unique ids, content present, extension keys prefixed with `_`.
import { describe, expect, it } from "vitest";
import { hostileArticle, makeSite, manyArticles, renderAllFeeds } from "./fixtures.ts";
import { checkJsonFeed as check, validate } from "./json-feed-check.ts";

describe("JSON Feed 1.1", () => {
  it("validates: golden articles", () => check(renderAllFeeds().json, 3));
  it("validates: hostile input alone", () => check(renderAllFeeds(makeSite(), [hostileArticle()]).json, 1));
  it("validates: 50 bulk articles", () => check(renderAllFeeds(makeSite(), manyArticles(50), 50).json, 50));
  it("validates: bare site, empty feed", () =>
    check(renderAllFeeds(makeSite({ hub: undefined, icon: undefined, author: undefined }), []).json, 0));

  it("the validator really rejects a broken feed", () => {
    const feed = JSON.parse(renderAllFeeds().json);
    delete feed.items[0].content_html;
    feed.items[1].attachments = [{ url: "https://x.example/a.png" }];
    feed.bogus = true;
    expect(validate(feed)).toBe(false);
    expect(validate.errors?.length).toBeGreaterThanOrEqual(3);
  });
});
