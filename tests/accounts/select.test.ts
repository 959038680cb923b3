import { describe, expect, it } from "vitest";
import { accountsOf, compileSelector, globPattern } from "../../src/accounts/select.ts";

const selectors = () => [
  compileSelector({ username: "tech", tags: ["Tech", "science"], folders: ["tech/**"] }),
  compileSelector({ username: "city", tags: ["城市生活"], folders: ["local/*.md"] }),
  compileSelector({ username: "world", tags: [], folders: ["world"] }),
];

describe("account selection", () => {
  it("picks accounts by tag (any case or width), folder glob, or front matter, in config order", () => {
    const s = selectors();
    expect(accountsOf({ tags: ["TECH"], path: "a.md" }, s)).toEqual(["tech"]);
    expect(accountsOf({ tags: ["ｓｃｉｅｎｃｅ"], path: "a.md" }, s)).toEqual(["tech"]);
    expect(accountsOf({ tags: [], path: "tech/deep/chip.md" }, s)).toEqual(["tech"]);
    expect(accountsOf({ tags: ["城市生活", "tech"], path: "a.md" }, s)).toEqual(["tech", "city"]);
    expect(accountsOf({ tags: [], path: "local/a.md" }, s)).toEqual(["city"]);
    expect(accountsOf({ tags: [], path: "local/deeper/a.md" }, s)).toEqual([]);
    expect(accountsOf({ tags: [], path: "world/x/y.md" }, s)).toEqual(["world"]);
    expect(accountsOf({ tags: [], path: "worldwide.md" }, s)).toEqual([]);
    expect(accountsOf({ tags: [], path: "a.md", accounts: ["world", "nobody"] }, s)).toEqual(["world"]);
    expect(accountsOf({ tags: ["sport"], path: null }, s)).toEqual([]);
  });

  it("reads globs literally apart from * ** and ?", () => {
    expect(globPattern("a.b/*.md").test("a.b/x.md")).toBe(true);
    expect(globPattern("a.b/*.md").test("aXb/x.md")).toBe(false);
    expect(globPattern("**/draft?.md").test("x/y/drafts.md")).toBe(true);
    expect(globPattern("**/draft?.md").test("drafts.md")).toBe(true);
    expect(globPattern("(a)[b]/**").test("(a)[b]/c.md")).toBe(true);
  });
});
