// The shared-fixtures helper: a fixture beside the clone is found; an absent one skips, saying which.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requireSharedFixture, sharedFixture, sharedFixtureMissing } from "./shared-fixtures.ts";

describe("shared fixtures", () => {
  it("has no path for a fixture that is not there, and a message naming it", () => {
    expect(sharedFixture("no-such-fixture.md")).toBeUndefined();
    expect(sharedFixtureMissing("no-such-fixture.md")).toMatch(
      /^skipped: \.\.\/shared\/fixtures\/no-such-fixture\.md is not beside this clone \(it is only in the workplace/,
    );
  });

  it("reads the reference article when ../shared is beside the clone, else skips", (ctx) => {
    const path = requireSharedFixture(ctx, "reference-article.md");
    expect(readFileSync(path, "utf8")).toMatch(/^---\ntitle: /);
  });
});
