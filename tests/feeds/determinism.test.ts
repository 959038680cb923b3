import { afterEach, describe, expect, it, vi } from "vitest";
import { goldenArticles, makeArticle, makeSite, renderAllFeeds } from "./fixtures.ts";

describe("deterministic output", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives identical bytes for the same input, at any wall-clock time and input order", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const first = renderAllFeeds();
    vi.setSystemTime(new Date("2031-06-15T12:34:56Z"));
    const second = renderAllFeeds(makeSite(), goldenArticles().reverse());
    expect(second).toEqual(first);
    for (const text of Object.values(first)) expect(text).not.toMatch(/2030|2031/);
  });

  it("dates the feed with the newest item's updated, not its published and not now", () => {
    const articles = [
      makeArticle({ id: "a", published: "2024-05-01T00:00:00Z", updated: "2024-05-01T00:00:00Z" }),
      // Older publication, newer edit: its edit dates the feed.
      makeArticle({ id: "b", published: "2024-04-01T00:00:00Z", updated: "2024-05-03T04:05:06Z" }),
    ];
    const { rss, atom, json } = renderAllFeeds(makeSite(), articles);
    expect(rss).toContain("<lastBuildDate>Fri, 03 May 2024 04:05:06 GMT</lastBuildDate>");
    expect(atom).toMatch(/<\/subtitle>\n {2}<updated>2024-05-03T04:05:06Z<\/updated>/);
    // JSON Feed has no feed-level date; items keep published and modified apart.
    const items = JSON.parse(json).items as { id: string; date_published: string; date_modified: string }[];
    expect(items.find((i) => i.id.endsWith("/b"))).toMatchObject({
      date_published: "2024-04-01T00:00:00Z",
      date_modified: "2024-05-03T04:05:06Z",
    });
  });

  it("keeps an empty feed deterministic too", () => {
    const a = renderAllFeeds(makeSite(), []);
    const b = renderAllFeeds(makeSite(), []);
    expect(b).toEqual(a);
    expect(a.rss).not.toContain("lastBuildDate");
    expect(a.atom).toContain("<updated>1970-01-01T00:00:00Z</updated>");
    expect(JSON.parse(a.json).items).toEqual([]);
  });
});
