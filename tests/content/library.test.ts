import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLibrary } from "../../src/build.ts";
import { fromObject } from "../../src/config/load.ts";
import type { ArticleStore } from "../../src/content/records.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";

const open: SqliteStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function setup() {
  const root = mkdtempSync(join(tmpdir(), "herald-lib-"));
  const content = join(root, "content");
  mkdirSync(content);
  const config = fromObject(
    { site: { url: "https://news.example.org/", timezone: "Asia/Shanghai", language: "zh-CN" } },
    { base: root, env: {} },
  );
  let now = new Date("2026-01-10T00:00:00Z");
  const clock = {
    set: (iso: string) => {
      now = new Date(iso);
    },
    now: () => now,
  };
  const dbFile = join(root, "data", "herald.sqlite");
  const library = () => {
    const store = new SqliteStore(dbFile);
    open.push(store);
    return openLibrary(config, store, clock.now);
  };
  const write = (rel: string, text: string) => {
    mkdirSync(join(content, rel, ".."), { recursive: true });
    writeFileSync(join(content, rel), text);
  };
  return { root, content, clock, library, write };
}

const article = (title: string, body = "First sentence here. Second one follows.") =>
  `---\ntitle: ${title}\n---\n\n${body}\n`;

describe("Library", () => {
  it("orders undated articles dropped together by path, the last path newest", async () => {
    const t = setup();
    for (const name of ["03-c", "01-a", "02-b"]) t.write(`${name}.md`, article(name));
    const lib = await t.library();
    await lib.refresh();
    const visible = await lib.visible(10);
    expect(visible.map((a) => a.id)).toEqual(["03-c", "02-b", "01-a"]);
    expect(visible.map((a) => a.published)).toEqual([
      "2026-01-10T00:00:00.000Z",
      "2026-01-09T23:59:59.999Z",
      "2026-01-09T23:59:59.998Z",
    ]);
  });

  it("assigns an id at first sight and keeps it and its date across restarts", async () => {
    const t = setup();
    t.write("hello.md", article("Hello"));
    const first = await t.library();
    const r1 = await first.refresh();
    expect(r1.added).toEqual(["hello"]);
    const a = (await first.get("hello"))!;
    expect(a.published).toBe("2026-01-10T00:00:00.000Z");
    expect(a.url).toBe("https://news.example.org/articles/hello/");

    t.clock.set("2026-02-01T00:00:00Z");
    const second = await t.library();
    const r2 = await second.refresh();
    expect(r2).toMatchObject({ added: [], changed: [], removed: [], unchanged: 1 });
    expect((await second.get("hello"))!.published).toBe("2026-01-10T00:00:00.000Z");
  });

  it("keeps id, slug and URL when a file without front-matter id is renamed or moved", async () => {
    const t = setup();
    t.write("hello.md", article("Hello"));
    const lib = await t.library();
    await lib.refresh();
    const before = (await lib.get("hello"))!;
    t.clock.set("2026-01-11T00:00:00Z");
    mkdirSync(join(t.content, "2026"));
    renameSync(join(t.content, "hello.md"), join(t.content, "2026", "renamed.md"));
    const r = await lib.refresh();
    expect(r).toMatchObject({ added: [], removed: [], changed: [] });
    const after = (await lib.get("hello"))!;
    expect(after.path).toBe("2026/renamed.md");
    expect(after.url).toBe(before.url);
    expect(after.contentHash).toBe(before.contentHash);
    expect(after.published).toBe(before.published);
  });

  it("treats a touch as nothing and an edit as a change with a new updated time", async () => {
    const t = setup();
    t.write("a.md", article("A"));
    const lib = await t.library();
    await lib.refresh();
    utimesSync(join(t.content, "a.md"), new Date(), new Date("2030-01-01"));
    t.clock.set("2026-01-12T00:00:00Z");
    expect(await lib.refresh()).toMatchObject({ added: [], changed: [], unchanged: 0 });
    expect((await lib.get("a"))!.updated).toBe("2026-01-10T00:00:00.000Z");

    t.clock.set("2026-01-13T00:00:00Z");
    t.write("a.md", article("A", "A different body now. With two sentences."));
    expect((await lib.refresh()).changed).toEqual(["a"]);
    const edited = (await lib.get("a"))!;
    expect(edited.published).toBe("2026-01-10T00:00:00.000Z");
    expect(edited.updated).toBe("2026-01-13T00:00:00.000Z");
  });

  it("records removals and leaves the rest alone", async () => {
    const t = setup();
    t.write("a.md", article("A"));
    t.write("b.md", article("B", "Another body entirely. Nothing like A."));
    const lib = await t.library();
    await lib.refresh();
    rmSync(join(t.content, "a.md"));
    const r = await lib.refresh();
    expect(r.removed).toEqual(["a"]);
    expect((await lib.visible(10)).map((x) => x.id)).toEqual(["b"]);
  });

  it("rejects the second of two files with the same id or slug, naming both", async () => {
    const t = setup();
    t.write("one.md", "---\ntitle: One\nid: same\n---\nBody one.\n");
    t.write("two.md", "---\ntitle: Two\nid: same\n---\nBody two.\n");
    t.write("three.md", "---\ntitle: Three\nslug: one\n---\nBody three.\n");
    const lib = await t.library();
    const r = await lib.refresh();
    expect(r.rejected).toEqual([
      expect.objectContaining({
        type: "duplicate-slug",
        path: "three.md",
        message: expect.stringContaining("one.md"),
      }),
      expect.objectContaining({
        type: "duplicate-id",
        path: "two.md",
        message: expect.stringContaining("one.md"),
      }),
    ]);
    expect((await lib.visible(10)).map((x) => x.title)).toEqual(["One"]);
  });

  it("keeps the last good version when an edit breaks a known article", async () => {
    const t = setup();
    t.write("a.md", article("A"));
    const lib = await t.library();
    await lib.refresh();
    t.write("a.md", "---\ntitle: 'unterminated\n---\nBody\n");
    const r = await lib.refresh();
    expect(r.rejected.map((e) => e.path)).toEqual(["a.md"]);
    expect(r.removed).toEqual([]);
    expect((await lib.visible(10)).map((x) => x.title)).toEqual(["A"]);
  });

  it("holds articles with a future date or publish_at until they are due", async () => {
    const t = setup();
    t.write("later.md", "---\ntitle: Later\ndate: 2026-01-20 08:00\n---\nBody.\n");
    t.write("scheduled.md", "---\ntitle: Scheduled\npublish_at: 2026-01-15T00:00:00Z\n---\nBody two.\n");
    t.write("draft.md", "---\ntitle: Draft\ndraft: true\n---\nBody three.\n");
    const lib = await t.library();
    const r = await lib.refresh();
    expect(r.rejected).toEqual([]);
    expect(await lib.visible(10)).toEqual([]);
    expect(lib.nextVisibleChange()?.toISOString()).toBe("2026-01-15T00:00:00.000Z");
    // 08:00 in Asia/Shanghai is 00:00 UTC.
    expect((await lib.visible(10, new Date("2026-01-20T00:00:00Z"))).map((x) => x.title)).toEqual([
      "Later",
      "Scheduled",
    ]);
    expect((await lib.get("later"))!.published).toBe("2026-01-20T00:00:00.000Z");
  });

  it("re-derives every article when derivation settings change", async () => {
    const t = setup();
    t.write("a.md", article("A"));
    (await t.library()).refresh();
    const config = fromObject(
      { site: { url: "https://other.example/", timezone: "Asia/Shanghai" } },
      { base: t.root, env: {} },
    );
    const store = new SqliteStore(join(t.root, "data", "herald.sqlite"));
    open.push(store);
    const lib = await openLibrary(config, store, t.clock.now);
    const r = await lib.refresh();
    expect(r.unchanged).toBe(0);
    expect((await lib.get("a"))!.url).toBe("https://other.example/articles/a/");
  });

  it("lists visible records without loading articles, by the rule visible() follows", async () => {
    const t = setup();
    t.write("old.md", "---\ntitle: Old\ndate: 2026-01-01\ntags: [Sea, Harbour]\n---\n\nBody.\n");
    t.write("new.md", "---\ntitle: New\ndate: 2026-01-05\n---\n\nBody.\n");
    t.write("later.md", "---\ntitle: Later\ndate: 2026-03-01\n---\n\nBody.\n");
    t.write("draft.md", "---\ntitle: Draft\ndraft: true\n---\n\nBody.\n");
    t.write("hidden.md", "---\ntitle: Hidden\ndate: 2026-01-03\n---\n\nBody.\n");
    const store = new SqliteStore(join(t.root, "data", "herald.sqlite"));
    open.push(store);
    let loads = 0;
    const counting: ArticleStore = {
      listRecords: () => store.listRecords(),
      getArticle: (id) => {
        loads++;
        return store.getArticle(id);
      },
      saveRecords: (c) => store.saveRecords(c),
      saveBatches: (b) => store.saveBatches(b),
    };
    const lib = await openLibrary(
      fromObject({ site: { url: "https://news.example.org/" } }, { base: t.root, env: {} }),
      counting,
      t.clock.now,
    );
    await lib.refresh();
    lib.hide(new Set(["hidden"]));
    const records = await lib.visibleRecords();
    expect(records.map((r) => [r.id, r.title, r.tags])).toEqual([
      ["new", "New", []],
      ["old", "Old", ["Sea", "Harbour"]],
    ]);
    expect(loads).toBe(0);
    expect((await lib.visible(10)).map((a) => a.id)).toEqual(records.map((r) => r.id));
    expect((await lib.visibleRecords(new Date("2026-03-02T00:00:00Z"))).map((r) => r.id)).toEqual([
      "later",
      "new",
      "old",
    ]);
  });

  it("keeps at most maxCachedArticles loaded, dropping the least recently used", async () => {
    const t = setup();
    for (const name of ["a", "b", "c"]) t.write(`${name}.md`, article(name.toUpperCase()));
    const store = new SqliteStore(join(t.root, "data", "herald.sqlite"));
    open.push(store);
    const loaded: string[] = [];
    const counting: ArticleStore = {
      listRecords: () => store.listRecords(),
      getArticle: (id) => {
        loaded.push(id);
        return store.getArticle(id);
      },
      saveRecords: (c) => store.saveRecords(c),
      saveBatches: (b) => store.saveBatches(b),
    };
    const config = fromObject({ site: { url: "https://news.example.org/" } }, { base: t.root, env: {} });
    const lib = await openLibrary(config, counting, t.clock.now, { maxCachedArticles: 2 });
    await lib.refresh();
    const a = await lib.get("a");
    await lib.get("b");
    expect(await lib.get("a")).toBe(a); // cached, and now the most recent
    await lib.get("c"); // drops b
    await lib.get("a");
    await lib.get("b");
    expect(loaded).toEqual(["a", "b", "c", "b"]);
  });

  it("fills in the title and tags of a record stored without them at the next refresh, and a reload sees it", async () => {
    const t = setup();
    t.write("tide.md", "---\ntitle: Tide\ntags: [Sea]\n---\n\nBody.\n");
    const store = new SqliteStore(join(t.root, "data", "herald.sqlite"));
    open.push(store);
    const config = fromObject({ site: { url: "https://news.example.org/" } }, { base: t.root, env: {} });
    await (await openLibrary(config, store, t.clock.now)).refresh();
    // What the migration leaves of a row that had no article JSON, or what an older Herald writes:
    // no title or tags, the file fingerprint unchanged.
    const [stored] = await store.listRecords();
    await store.saveRecords([{ record: { ...stored!, title: "", tags: [] } }]);

    const web = await openLibrary(config, store, t.clock.now);
    expect([...web.records()]).toMatchObject([{ title: "", tags: [] }]);
    const scanned = await openLibrary(config, store, t.clock.now);
    // Re-read, not changed: nothing to federate.
    expect(await scanned.refresh()).toMatchObject({ added: [], changed: [], moved: [], unchanged: 0 });
    expect(await web.reload()).toBe(true);
    expect([...web.records()]).toMatchObject([{ title: "Tide", tags: ["Sea"] }]);
    // Filled in once: the next refresh skips the file again.
    expect(await scanned.refresh()).toMatchObject({ unchanged: 1 });
  });
});
