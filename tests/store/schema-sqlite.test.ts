// SQLite schema migrations: PRAGMA user_version records them; an older Herald refuses a newer file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { RECORD_COLUMNS } from "../../src/store/article-rows.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("SQLite schema migrations", () => {
  it("migrates a new file once, keeps data across opens, and refuses a file from a newer Herald", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-schema-"));
    dirs.push(dir);
    const file = join(dir, "herald.sqlite");
    const first = new SqliteStore(file);
    await first.federation.setMeta("kept", "yes");
    const version = (first.database.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version;
    expect(version).toBeGreaterThan(0);
    first.close();

    const again = new SqliteStore(file);
    expect(await again.federation.getMeta("kept")).toBe("yes");
    again.close();

    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${version + 1}`);
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/newer than this Herald/);
  });

  it("upgrades a file from before the queue's lease owner and the store-made kv table, keeping its rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-schema-"));
    dirs.push(dir);
    const file = join(dir, "herald.sqlite");
    // A version-6 file as an older Herald left it: the queue without lease_owner and the claim
    // index (added by SqliteQueue itself then), and no kv table (SqliteKv made it at open).
    new SqliteStore(file).close();
    const old = new DatabaseSync(file);
    old.exec(`DROP TABLE kv;
      DROP INDEX queue_claim;
      ALTER TABLE queue DROP COLUMN lease_owner;
      INSERT INTO queue (message, scheduled_ms) VALUES ('{"n":1}', 0);
      PRAGMA user_version = 6;`);
    old.close();

    const store = new SqliteStore(file);
    const db = store.database;
    const columns = (db.prepare("PRAGMA table_info(queue)").all() as { name: string }[]).map((c) => c.name);
    expect(columns).toContain("lease_owner");
    const indexes = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(["queue_claim", "kv_expires"]));
    expect(db.prepare("SELECT message FROM queue").all()).toEqual([{ message: '{"n":1}' }]);
    db.prepare("INSERT INTO kv (key, value) VALUES ('k', 'v')").run();
    store.close();

    // A file made fresh today ends with the same tables and indexes as the upgraded one.
    const fresh = new SqliteStore(join(dir, "fresh.sqlite"));
    const shape = (d: DatabaseSync) =>
      d
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .all();
    const upgraded = new SqliteStore(file);
    expect(shape(upgraded.database)).toEqual(shape(fresh.database));
    upgraded.close();
    fresh.close();
  });

  it("lets interactions be quotes on a file from before quote consent, keeping rows, order and indexes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-schema-"));
    dirs.push(dir);
    const file = join(dir, "herald.sqlite");
    const made = new SqliteStore(file);
    made.close();
    // Migration 12 brought quotes; later ones are appended after it and run again here.
    const beforeQuotes = 11;
    // The file as the Herald before the quote migration left it: no stamps or moves, and an
    // interactions table whose kinds stop at 'mention', with rows in an order no key gives.
    const old = new DatabaseSync(file);
    old.exec(`DROP TABLE quote_stamps; DROP TABLE moves; DROP TABLE interactions;
      CREATE TABLE interactions (
        id TEXT PRIMARY KEY, article_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('like', 'announce', 'reply', 'mention')),
        actor_id TEXT NOT NULL, url TEXT, content TEXT, created_at TEXT NOT NULL);
      CREATE INDEX interactions_article ON interactions(article_id, kind);
      INSERT INTO interactions VALUES ('z', 'a', 'like', 'x', NULL, NULL, '2026-01-01T00:00:00.000Z');
      INSERT INTO interactions VALUES ('b', 'a', 'reply', 'x', NULL, '<p>hi</p>', '2026-01-01T00:00:00.000Z');
      PRAGMA user_version = ${beforeQuotes};`);
    expect(() =>
      old.exec(
        "INSERT INTO interactions VALUES ('q', 'a', 'quote', 'x', NULL, NULL, '2026-01-02T00:00:00.000Z')",
      ),
    ).toThrow(/CHECK/);
    old.close();

    const store = new SqliteStore(file);
    expect((await store.federation.listInteractions("a")).map((i) => i.id)).toEqual(["z", "b"]);
    const quote = {
      id: "q",
      articleId: "a",
      kind: "quote" as const,
      actorId: "x",
      url: "https://social.example/notes/1",
      content: null,
      createdAt: "2026-01-02T00:00:00.000Z",
    };
    expect(await store.federation.recordInteraction(quote)).toBe(true);
    expect(await store.quotes.liveStamps()).toEqual([]);
    expect(await store.moves.current()).toBeUndefined();
    const fresh = new SqliteStore(join(dir, "fresh.sqlite"));
    const shape = (d: DatabaseSync) =>
      d
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .all();
    expect(shape(store.database)).toEqual(shape(fresh.database));
    fresh.close();
    store.close();
  });

  it("lists article records from an index, without reading the article JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-schema-"));
    dirs.push(dir);
    const store = new SqliteStore(join(dir, "herald.sqlite"));
    const plan = store.database
      .prepare(`EXPLAIN QUERY PLAN SELECT ${RECORD_COLUMNS.join(", ")} FROM articles`)
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual(["SCAN articles USING COVERING INDEX articles_records"]);
    store.close();
  });
});
