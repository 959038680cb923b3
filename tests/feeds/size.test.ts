import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeSite, manyArticles, renderAllFeeds } from "./fixtures.ts";
import { requireExecutable, run, XMLLINT } from "./tools.ts";

const ONE_MB = 1024 * 1024;

describe("size and limit", () => {
  it("renders 50 items of ~5 KB well under 1 MB per feed, and well-formed", () => {
    const feeds = renderAllFeeds(makeSite(), manyArticles(50), 50);
    const dir = mkdtempSync(join(tmpdir(), "herald-size-"));
    for (const [name, text] of Object.entries(feeds)) {
      expect(Buffer.byteLength(text), name).toBeLessThan(ONE_MB / 2);
    }
    requireExecutable(XMLLINT, "libxml2-utils");
    for (const name of ["rss", "atom"] as const) {
      writeFileSync(join(dir, name), feeds[name]);
      const result = run(XMLLINT, ["--noout", join(dir, name)]);
      expect(result.status, result.stderr).toBe(0);
    }
  });

  it("keeps only the newest `limit` items in every format", () => {
    const feeds = renderAllFeeds(makeSite(), manyArticles(60), 10);
    const newest = Array.from({ length: 10 }, (_, i) => `https://herald.example/objects/bulk-0${59 - i}`);
    expect([...feeds.rss.matchAll(/<guid [^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(newest);
    expect([...feeds.atom.matchAll(/<entry>\n\s*<id>([^<]*)</g)].map((m) => m[1])).toEqual(newest);
    expect(JSON.parse(feeds.json).items.map((i: { id: string }) => i.id)).toEqual(newest);
    // The feed date is the newest item's `updated` (published + 1 minute).
    expect(feeds.atom).toContain("<updated>2024-01-03T11:01:00Z</updated>");
  });
});
