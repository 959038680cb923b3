// The article store contract: what the Library relies on from its store, written once and run
// against SQLite and PostgreSQL, down to a Library refresh over a real temp content folder.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLibrary } from "../../src/build.ts";
import { fromObject } from "../../src/config/load.ts";
import type { Article } from "../../src/content/model.ts";
import type { ArticleChange, ArticleRecord, ArticleStore } from "../../src/content/records.ts";
import { toArticleRow } from "../../src/store/article-rows.ts";
import { openedWorlds } from "./contract.ts";

export interface ArticleWorld {
  store: ArticleStore;
  close(): Promise<void>;
}

export interface ArticleTarget {
  name: string;
  open(): Promise<ArticleWorld>;
  /**
   * A store left by a Herald from before records kept title and tags (articles table one migration
   * behind, without those columns), holding `rows`, then opened by this code.
   */
  openLegacy(rows: readonly LegacyRow[]): Promise<ArticleWorld>;
}

/** A row of the old articles table: the record's columns then known, and the article JSON text. */
export interface LegacyRow {
  record: ArticleRecord;
  article: string | null;
}

/** Columns and values of a legacy row, in the order both backends' test inserts use. */
export function legacyColumns(row: LegacyRow): Record<string, string | number | boolean | null> {
  // The old schema had neither title nor tags.
  const { title: _title, tags: _tags, ...old } = toArticleRow(row.record);
  return { ...old, article: row.article };
}

const record = (id: string, overrides: Partial<ArticleRecord> = {}): ArticleRecord => ({
  id,
  path: `${id}.md`,
  slug: id,
  bodyHash: `body-${id}`,
  firstSeen: "2026-01-01T00:00:00.000Z",
  contentHash: `hash-${id}`,
  changedAt: null,
  removedAt: null,
  file: { size: 120, mtimeMs: 1767225600123.5, ino: 2 ** 40 + 7, fingerprint: "f1" },
  published: "2026-01-01T00:00:00.000Z",
  visibleFrom: "2026-01-01T00:00:00.000Z",
  federate: true,
  title: "Harbor",
  tags: ["港口"],
  ...overrides,
});

const article = (id: string, overrides: Partial<Article> = {}): Article => ({
  id,
  slug: id,
  path: `${id}.md`,
  url: `https://herald.example/articles/${id}/`,
  title: `港口 ${id} ✓`,
  summary: "First sentence.",
  contentHtml: "<p>é ✓ 中</p>",
  lang: "zh-CN",
  tags: ["港口"],
  authors: [{ name: "Ana" }],
  attribution: { translators: [], editors: [] },
  published: "2026-01-01T00:00:00.000Z",
  updated: "2026-01-01T00:00:00.000Z",
  draft: false,
  federate: true,
  sensitive: false,
  pinned: false,
  contentHash: `hash-${id}`,
  // Key order is part of what is stored: articles come back exactly as saved.
  extra: { z: 1, a: [true, null] },
  warnings: [],
  ...overrides,
});

const byId = (records: ArticleRecord[]) => [...records].sort((a, b) => (a.id < b.id ? -1 : 1));

export function articleStoreContract(target: ArticleTarget): void {
  describe(`ArticleStore contract: ${target.name}`, () => {
    const worlds = openedWorlds<ArticleWorld>();
    const dirs: string[] = [];
    const open = () => worlds.track(target.open());
    afterEach(async () => {
      await worlds.closeAll();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    it("saves, lists and gets records and articles, keeping an article a later save leaves out", async () => {
      const { store } = await open();
      expect(await store.listRecords()).toEqual([]);
      expect(await store.getArticle("a")).toBeUndefined();
      const removed = record("b", { path: null, removedAt: "2026-01-02T00:00:00.000Z", file: null });
      await store.saveRecords([{ record: record("a"), article: article("a") }, { record: removed }]);
      expect(byId(await store.listRecords())).toEqual([record("a"), removed]);
      const stored = await store.getArticle("a");
      expect(stored).toEqual(article("a"));
      expect(Object.keys(stored!.extra)).toEqual(["z", "a"]);
      expect(await store.getArticle("b")).toBeUndefined();

      // A save without an article (a removal) keeps the article last saved.
      await store.saveRecords([
        { record: record("a", { path: null, removedAt: "2026-01-03T00:00:00.000Z" }) },
      ]);
      expect((await store.listRecords())[0]?.path ?? null).toBeNull();
      expect(await store.getArticle("a")).toEqual(article("a"));
    });

    it("keeps title and tags on the record: a save without an article still updates them", async () => {
      const { store } = await open();
      const tagged = record("a", { title: "Ünïcode “标题” & <b>", tags: ["港口", "a/b", "Energy"] });
      await store.saveRecords([
        { record: tagged, article: article("a") },
        { record: record("b", { tags: [] }) },
      ]);
      expect(byId(await store.listRecords())).toEqual([tagged, record("b", { tags: [] })]);
      const retitled = record("a", { title: "New", tags: ["energy"] });
      await store.saveRecords([{ record: retitled }]);
      expect(byId(await store.listRecords())[0]).toEqual(retitled);
    });

    it("migrates an old row: title and tags from its article JSON, or empty without one", async () => {
      const withJson = record("old", { title: "", tags: [] });
      const noJson = record("bare", { title: "", tags: [] });
      const removed = record("gone", { path: null, removedAt: "2026-01-02T00:00:00.000Z", file: null });
      const world = await worlds.track(
        target.openLegacy([
          {
            record: withJson,
            article: JSON.stringify(article("old", { title: "旧标题", tags: ["港口", "Tide"] })),
          },
          { record: noJson, article: null },
          { record: removed, article: JSON.stringify(article("gone", { tags: [] })) },
        ]),
      );
      const records = Object.fromEntries((await world.store.listRecords()).map((r) => [r.id, r]));
      expect(records.old).toEqual({ ...withJson, title: "旧标题", tags: ["港口", "Tide"] });
      expect(records.gone).toEqual({ ...removed, title: "港口 gone ✓", tags: [] });
      // No JSON to fill from: an empty title, which makes the next refresh read the file again.
      expect(records.bare).toEqual(noJson);
      expect(await world.store.getArticle("old")).toMatchObject({ title: "旧标题" });
    });

    it("moves a path between ids within one batch, and swaps two paths", async () => {
      const { store } = await open();
      await store.saveRecords([{ record: record("a") }, { record: record("b") }]);
      // The new id is written before the old one gives its path up, in the same batch.
      await store.saveRecords([
        { record: record("c", { path: "a.md" }) },
        { record: record("a", { path: null, removedAt: "2026-01-02T00:00:00.000Z", file: null }) },
      ]);
      await store.saveRecords([
        { record: record("b", { path: "a.md" }) },
        { record: record("c", { path: "b.md" }) },
      ]);
      const paths = Object.fromEntries((await store.listRecords()).map((r) => [r.id, r.path]));
      expect(paths).toEqual({ a: null, b: "a.md", c: "b.md" });
    });

    it("writes every batch in one transaction: a failure halfway leaves nothing", async () => {
      const { store } = await open();
      await store.saveRecords([{ record: record("kept") }]);
      function* failing(): Generator<ArticleChange[]> {
        yield [{ record: record("a"), article: article("a") }];
        yield [{ record: record("kept", { slug: "changed" }) }];
        throw new Error("parse loop broke.");
      }
      await expect(store.saveBatches(failing())).rejects.toThrow("parse loop broke.");
      expect(await store.listRecords()).toEqual([record("kept")]);
      expect(await store.getArticle("a")).toBeUndefined();

      // A write the database refuses (two ids claiming one path in one batch) rolls back the same way.
      await expect(
        store.saveBatches([
          [{ record: record("b") }],
          [{ record: record("c", { path: "kept.md" }) }, { record: record("d", { path: "kept.md" }) }],
        ]),
      ).rejects.toThrow();
      expect(await store.listRecords()).toEqual([record("kept")]);
    });

    it("round-trips 1,000 records in one batch, and pulls batches lazily", async () => {
      const { store } = await open();
      const ids = Array.from({ length: 1000 }, (_, i) => `n-${String(i).padStart(4, "0")}`);
      let pulled = 0;
      function* batches(): Generator<ArticleChange[]> {
        pulled++;
        yield ids.map((id) => ({ record: record(id), article: article(id) }));
        pulled++;
        yield [];
      }
      await store.saveBatches(batches());
      expect(pulled).toBe(2);
      const records = byId(await store.listRecords());
      expect(records).toHaveLength(1000);
      expect(records).toEqual(ids.map((id) => record(id)));
      expect(await store.getArticle("n-0999")).toEqual(article("n-0999"));
    });

    it("backs a Library: ids, slugs and dates survive a rename and a restart; a removal is recorded", async () => {
      const { store } = await open();
      const root = mkdtempSync(join(tmpdir(), "herald-articles-"));
      dirs.push(root);
      const content = join(root, "content");
      mkdirSync(content);
      const config = fromObject(
        {
          site: { url: "https://news.example.org/", timezone: "Asia/Shanghai", language: "zh-CN" },
          content: { dir: content },
        },
        { base: root, env: {} },
      );
      let now = new Date("2026-01-10T00:00:00Z");
      const clock = () => now;
      writeFileSync(join(content, "hello.md"), "---\ntitle: Hello\n---\n\nFirst sentence here.\n");
      writeFileSync(join(content, "gone.md"), "---\ntitle: Gone\n---\n\nNot for long.\n");
      writeFileSync(join(content, "港口.md"), "---\ntitle: 港口\nid: harbor\n---\n\n天还没亮。\n");

      const first = await openLibrary(config, store, clock);
      expect(await first.refresh()).toMatchObject({ added: ["gone", "hello", "harbor"], rejected: [] });

      now = new Date("2026-01-11T00:00:00Z");
      renameSync(join(content, "hello.md"), join(content, "renamed.md"));
      rmSync(join(content, "gone.md"));
      const second = await openLibrary(config, store, clock);
      expect(await second.refresh()).toMatchObject({ added: [], moved: ["hello"], removed: ["gone"] });

      const restarted = await openLibrary(config, store, clock);
      const records = Object.fromEntries(
        [...restarted.records()].map((r) => [r.id, [r.path, r.slug, r.firstSeen, r.removedAt]]),
      );
      // Dropped together, undated: first seen a millisecond apart in path order, the last path newest.
      expect(records).toEqual({
        hello: ["renamed.md", "hello", "2026-01-09T23:59:59.999Z", null],
        gone: [null, "gone", "2026-01-09T23:59:59.998Z", "2026-01-11T00:00:00.000Z"],
        harbor: ["港口.md", "港口", "2026-01-10T00:00:00.000Z", null],
      });
      const hello = await restarted.get("hello");
      expect(hello).toMatchObject({
        url: "https://news.example.org/articles/hello/",
        published: "2026-01-09T23:59:59.999Z",
      });
      expect((await restarted.visible(10)).map((a) => a.id)).toEqual(["harbor", "hello"]);
      expect(await restarted.refresh()).toMatchObject({ added: [], changed: [], unchanged: 2 });
    });

    it("backs a Library: title and tags on the records follow the file, across a restart", async () => {
      const { store } = await open();
      const root = mkdtempSync(join(tmpdir(), "herald-articles-"));
      dirs.push(root);
      const content = join(root, "content");
      mkdirSync(content);
      const config = fromObject(
        { site: { url: "https://news.example.org/", language: "en" }, content: { dir: content } },
        { base: root, env: {} },
      );
      const file = join(content, "tide.md");
      writeFileSync(file, "---\ntitle: Tide\ntags: [Energy, Sea]\n---\n\nBody.\n");
      const library = await openLibrary(config, store);
      await library.refresh();
      expect([...library.records()]).toMatchObject([{ id: "tide", title: "Tide", tags: ["Energy", "Sea"] }]);

      writeFileSync(file, "---\ntitle: Tide, revised\ntags: [Sea]\n---\n\nBody.\n");
      expect(await library.refresh()).toMatchObject({ changed: ["tide"] });
      const restarted = await openLibrary(config, store);
      expect([...restarted.records()]).toMatchObject([{ title: "Tide, revised", tags: ["Sea"] }]);
    });
  });
}
