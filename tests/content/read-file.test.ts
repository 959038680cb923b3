import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotARegularFile, readFileNoFollow } from "../../src/content/read-file.ts";

// The read after the scan: a file swapped for a symlink in between must not be read through it.
describe("readFileNoFollow", () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-read-"));
  writeFileSync(join(dir, "outside.md"), "secret");
  writeFileSync(join(dir, "article.md"), "story");
  symlinkSync(join(dir, "outside.md"), join(dir, "swapped.md"));

  it("reads a regular file, up to a limit", () => {
    expect(readFileNoFollow(join(dir, "article.md")).toString()).toBe("story");
    expect(readFileNoFollow(join(dir, "article.md"), 3).toString()).toBe("sto");
  });

  it("refuses a symlink and a folder, naming them", () => {
    expect(() => readFileNoFollow(join(dir, "swapped.md"))).toThrow(NotARegularFile);
    expect(() => readFileNoFollow(dir)).toThrow(/is not a regular file/);
  });
});
