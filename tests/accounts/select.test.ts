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

describe("front matter accounts", () => {
  it("routes to the named accounts it knows and reports the others once per version of the article", async () => {
    const { AccountRouter } = await import("../../src/accounts/routes.ts");
    const { accountSpecs } = await import("../../src/accounts/specs.ts");
    const { fromObject } = await import("../../src/config/load.ts");
    const { markdown, parseOk } = await import("../content/factories.ts");
    const config = fromObject(
      {
        site: { url: "https://news.example.org/" },
        bot: { username: "news" },
        accounts: [{ username: "tech", name: "Tech", tags: ["tech"] }],
      },
      { base: "/tmp", env: {} },
    );
    const parsed = parseOk(markdown({ title: "T", accounts: '[tech, tehc, {x: 1}, "<b>"]' }, "Body."));
    let hash = "h1";
    const article = () =>
      Promise.resolve({ ...parsed, id: "a", published: parsed.date ?? "", contentHash: hash } as never);
    const heard: string[][] = [];
    const router = new AccountRouter(accountSpecs(config), "all", article, (_record, names) =>
      heard.push(names),
    );
    const record = () => ({ id: "a", path: "a.md", tags: [], contentHash: hash }) as never;
    expect(await router.route(record())).toEqual({ sections: ["tech"], main: true });
    await router.route(record());
    expect(heard).toEqual([["tehc", '{"x":1}', "<b>"]]);
    hash = "h2";
    await router.route(record());
    expect(heard.length).toBe(2);
  });
});
