// The cache of feeds built on request: bounded in bytes, least recently served dropped first, one
// build for readers asking at once, and a fresh build after content changed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLibrary } from "../../src/build.ts";
import { fromObject } from "../../src/config/load.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { createLazyFeeds } from "../../src/web/lazy-feeds.ts";
import { tagFeedSelector } from "../../src/web/tag-feeds.ts";
import { markdown } from "../helpers/served-site.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A library of `count` articles, each with its own tag `tag-<i>` and the shared tag `all`. */
async function tagged(count: number) {
  const dir = mkdtempSync(join(tmpdir(), "herald-lazy-feeds-"));
  const content = join(dir, "content");
  mkdirSync(content);
  for (let i = 0; i < count; i++) {
    const date = new Date(Date.UTC(2026, 0, 1, i)).toISOString();
    writeFileSync(
      join(content, `a-${i}.md`),
      markdown({ title: `Article ${i}`, date, tags: [`tag-${i}`, "all"] }, "Some text. ".repeat(200)),
    );
  }
  const config = fromObject({ site: { url: "https://news.example.org/" } }, { base: dir, env: {} });
  const store = new SqliteStore(":memory:");
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const library = await openLibrary(config, store);
  await library.refresh();
  return { config, library, content };
}

describe("feeds built on request", () => {
  it("keep at most maxBytes, dropping the least recently served, and build a dropped one again alike", async () => {
    const { config, library } = await tagged(60);
    const maxBytes = 40_000;
    const feeds = createLazyFeeds({ config, library, select: tagFeedSelector(config), maxBytes });
    const first = await feeds.find("/tags/tag-0/feed.xml");
    expect(first).toBeDefined();
    // Kept plain and gzipped: one feed of this size costs a few KB.
    const one = first!.body.length + (first!.gzip?.length ?? 0);
    expect(one).toBeGreaterThan(2_000);
    for (let i = 0; i < 60; i++) {
      const feed = await feeds.find(`/tags/tag-${i}/atom.xml`);
      expect(feed?.body.toString()).toContain(`<title type="text">Article ${i}</title>`);
      expect(feeds.kept.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(feeds.kept.feeds).toBeLessThan(60);
    expect(feeds.kept.feeds).toBeGreaterThan(3);
    // The first was dropped long ago: built again, to the same bytes.
    const again = await feeds.find("/tags/tag-0/feed.xml");
    expect(again).not.toBe(first);
    expect(again!.etag).toBe(first!.etag);
    // The most recently served is a hit.
    expect(await feeds.find("/tags/tag-0/feed.xml")).toBe(again);
  });

  it("build once for readers asking at once; after invalidate, build afresh", async () => {
    const { config, library } = await tagged(3);
    const feeds = createLazyFeeds({ config, library, select: tagFeedSelector(config) });
    const [a, b, c] = await Promise.all([
      feeds.find("/tags/all/feed.json"),
      feeds.find("/tags/ALL/feed.json"),
      feeds.find("/tags/all/feed.json"),
    ]);
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(feeds.kept.feeds).toBe(1);
    feeds.invalidate();
    expect(feeds.kept).toEqual({ feeds: 0, bytes: 0 });
    const rebuilt = await feeds.find("/tags/all/feed.json");
    expect(rebuilt).not.toBe(a);
    expect(rebuilt!.etag).toBe(a!.etag);
    expect(JSON.parse(rebuilt!.body.toString()).items).toHaveLength(3);
  });

  it("answer undefined for paths that are no feed, or no tag's", async () => {
    const { config, library } = await tagged(1);
    const feeds = createLazyFeeds({ config, library, select: tagFeedSelector(config) });
    for (const path of [
      "/feed.xml",
      "/tags/tag-0/",
      "/tags/tag-0/index.xml",
      "/tags/nope/feed.xml",
      "/x/feed.xml",
    ]) {
      expect(await feeds.find(path), path).toBeUndefined();
    }
    expect(feeds.kept.feeds).toBe(0);
  });
});
