// Wire formats pinned byte for byte. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx vitest run tests/feeds/golden.test.ts
// and review the diff like code.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderAllFeeds } from "./fixtures.ts";

const GOLDEN_DIR = new URL("../golden/", import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function matchGolden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN_DIR);
  if (UPDATE) writeFileSync(file, actual);
  let expected: string;
  try {
    expected = readFileSync(file, "utf8");
  } catch {
    throw new Error(`Golden file tests/golden/${name} is missing; run with UPDATE_GOLDEN=1 to create it.`);
  }
  expect(actual, `tests/golden/${name} differs; run with UPDATE_GOLDEN=1 if the change is intended.`).toBe(
    expected,
  );
}

describe("golden feeds", () => {
  const feeds = renderAllFeeds();

  it("RSS 2.0 matches tests/golden/feed.xml", () => matchGolden("feed.xml", feeds.rss));
  it("Atom 1.0 matches tests/golden/atom.xml", () => matchGolden("atom.xml", feeds.atom));
  it("JSON Feed 1.1 matches tests/golden/feed.json", () => matchGolden("feed.json", feeds.json));
});
