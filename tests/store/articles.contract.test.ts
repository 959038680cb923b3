import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { PostgresArticleStore } from "../../src/store/postgres-articles.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { articleStoreContract, type LegacyRow, legacyColumns } from "./articles-contract.ts";
import { createTestSchema } from "./contract-postgres.ts";

// The old schema is today's with the last articles migration taken back: the columns it added
// dropped, the recorded version lowered to before it (on SQLite, whose versions are one sequence,
// the later media table goes too). Then the rows go in as the old code wrote them.

articleStoreContract({
  name: "SqliteStore",
  async open() {
    const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), "herald-art-")), "herald.sqlite"));
    return { store, close: async () => store.close() };
  },
  async openLegacy(rows: readonly LegacyRow[]) {
    const file = join(mkdtempSync(join(tmpdir(), "herald-art-")), "herald.sqlite");
    new SqliteStore(file).close();
    const db = new DatabaseSync(file);
    // Migration 9's index covers title and tags: it goes first, as it came after them.
    db.exec("DROP INDEX articles_records");
    db.exec("ALTER TABLE articles DROP COLUMN title; ALTER TABLE articles DROP COLUMN tags;");
    db.exec("DROP TABLE media");
    // Version 4: before migration 5 (title and tags) and 6 (media); the later ones re-run harmlessly.
    db.exec("PRAGMA user_version = 4");
    for (const row of rows) {
      const values = legacyColumns(row);
      const columns = Object.keys(values);
      db.prepare(
        `INSERT INTO articles (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      ).run(...Object.values(values).map((v) => (typeof v === "boolean" ? Number(v) : v)));
    }
    db.close();
    const store = new SqliteStore(file);
    return { store, close: async () => store.close() };
  },
});

articleStoreContract({
  name: "PostgresArticleStore",
  async open() {
    const schema = await createTestSchema();
    return { store: new PostgresArticleStore(schema.client()), close: () => schema.drop() };
  },
  async openLegacy(rows: readonly LegacyRow[]) {
    const schema = await createTestSchema();
    const sql = schema.client();
    await new PostgresArticleStore(sql).initialize();
    await sql`ALTER TABLE herald_articles DROP COLUMN title, DROP COLUMN tags`;
    await sql`UPDATE herald_schema_versions SET version = version - 1 WHERE component = 'herald_articles'`;
    for (const row of rows) await sql`INSERT INTO herald_articles ${sql(legacyColumns(row))}`;
    return { store: new PostgresArticleStore(schema.client()), close: () => schema.drop() };
  },
});
