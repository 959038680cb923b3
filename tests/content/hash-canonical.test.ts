import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalJsonFast } from "../../src/content/hash.ts";

// computeContentHash names Update activities: the fast canonical JSON must be the same text.
describe("canonicalJsonFast", () => {
  it.each([
    { b: 1, a: "x", c: undefined, d: null },
    { attribution: { via: { url: "u" }, translators: [{ name: "张三", url: undefined }], editors: [] } },
    { html: '<p>"quoted" \\ \u2028 \u0007 😀</p>', n: -0, f: 1.5, nan: Number.NaN, t: true },
    { arr: [1, undefined, "s", { z: 1, y: [null] }], empty: {}, emptyArr: [] },
    { "10": "a", "9": "b", x: 1 },
    { d: new Date(0), k: 1 },
    { f: () => 1, k: 1 },
    // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
    { sparse: [1, , 3] },
  ])("%#", (value) => {
    expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
  });
});
