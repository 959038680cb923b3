import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare, loadKey, parseCorpusFile } from "./evaluate.ts";

// One row per article of the corpus (tests/fixtures/corpus: reprints in the layouts real exports
// produce, written for the project): every derived field must match its answer key.
// `npm run eval` prints the same comparison as an accuracy table.
const DIR = join(import.meta.dirname, "../fixtures/corpus");
const key = loadKey(DIR);

describe("derivation on the corpus", () => {
  it("has at least 40 articles in every family the issue names", () => {
    const families = new Set(Object.values(key).map((e) => e.family));
    expect(Object.keys(key).length).toBeGreaterThanOrEqual(40);
    for (const family of [
      "wordpress",
      "wechat",
      "traditional",
      "japanese",
      "cc-english",
      "wire",
      "medium",
      "figure",
      "refstyle",
      "linkedimg",
      "headings",
    ]) {
      expect(families).toContain(family);
    }
  });

  it.each(Object.entries(key))("%s", (file, expected) => {
    const parsed = parseCorpusFile(DIR, file);
    if (!parsed.ok) throw new Error(`${file} was rejected: ${parsed.error.message}`);
    const fields = compare(expected, parsed.value);
    const misses = fields
      .filter((f) => !f.ok)
      .map(({ field, expected, actual }) => ({ field, expected, actual }));
    expect(misses).toEqual([]);
  });
});
