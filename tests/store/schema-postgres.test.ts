// Schema migrations on PostgreSQL: applied once however many processes start at once, recorded per
// component, additive, and refused by an older Herald.
import { afterEach, describe, expect, it } from "vitest";
import { applySchema, SchemaVersionError } from "../../src/store/postgres-schema.ts";
import { openPostgresStorage, schemaComponents } from "../../src/store/postgres-storage.ts";
import { signingKeyReader } from "../../src/store/signing-keys.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";

const schemas: TestSchema[] = [];
afterEach(async () => {
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
});

async function schema(): Promise<TestSchema> {
  const s = await createTestSchema();
  schemas.push(s);
  return s;
}

describe("PostgreSQL schema migrations", () => {
  it("creates every table once when six processes start at the same moment", async () => {
    const s = await schema();
    const url = `${s.url}?search_path=${s.name}`;
    // Six storages, each with its own connection pool: as six processes.
    const storages = Array.from({ length: 6 }, () => openPostgresStorage(url, { poolSize: 2 }));
    try {
      const results = await Promise.allSettled(storages.map((st) => st.initialize()));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const sql = s.client();
      const versions = await sql<{ component: string; version: number }[]>`
        SELECT component, version FROM herald_schema_versions ORDER BY component`;
      // Each component at its latest version: the queue gained a column default in its second, the
      // federation tables the activities' queued_at, blocks, quotes and accounts, the articles their
      // title and tags, the outbox the fan-outs' account; cover images have one, as do relays and reply
      // moderation.
      expect(Object.fromEntries(versions.map((v) => [v.component, v.version]))).toEqual({
        herald_articles: 2,
        herald_federation: 5,
        herald_kv: 1,
        herald_leases: 1,
        herald_media: 1,
        herald_moderation: 1,
        herald_outbox: 2,
        herald_quotes: 1,
        herald_queue: 2,
        herald_relays: 1,
      });
      // And the stores work on what was created.
      await storages[0]!.federation.setMeta("k", "v");
      expect(await storages[5]!.federation.getMeta("k")).toBe("v");
    } finally {
      await Promise.all(storages.map((st) => st.close()));
    }
  });

  it("applies only the migrations not yet recorded, and each once", async () => {
    const s = await schema();
    const sql = s.client();
    const first = ["CREATE TABLE demo (id int PRIMARY KEY)"];
    const second = ["ALTER TABLE demo ADD COLUMN name text", "INSERT INTO demo (id, name) VALUES (1, 'one')"];
    await applySchema(sql, "demo", [first]);
    await Promise.all([applySchema(sql, "demo", [first, second]), applySchema(sql, "demo", [first, second])]);
    await applySchema(sql, "demo", [first, second]);
    expect(await sql`SELECT id, name FROM demo`).toEqual([{ id: 1, name: "one" }]);
    const [row] = await sql`SELECT version FROM herald_schema_versions WHERE component = 'demo'`;
    expect(row?.version).toBe(2);
  });

  it("rolls a failing migration back whole, and an older Herald refuses a newer schema", async () => {
    const s = await schema();
    const sql = s.client();
    const first = ["CREATE TABLE demo (id int PRIMARY KEY)"];
    await applySchema(sql, "demo", [first]);
    await expect(
      applySchema(sql, "demo", [
        first,
        ["ALTER TABLE demo ADD COLUMN a text", "SELECT nonsense FROM nowhere"],
      ]),
    ).rejects.toThrow(/nowhere/);
    const columns = await sql`SELECT column_name FROM information_schema.columns
                               WHERE table_schema = ${s.name} AND table_name = 'demo'`;
    expect(columns.map((c) => c.column_name)).toEqual(["id"]);
    await applySchema(sql, "demo", [first, ["ALTER TABLE demo ADD COLUMN a text"]]);
    await expect(applySchema(sql, "demo", [first])).rejects.toThrow(
      /schema version 2, newer than this Herald/,
    );
  });

  it("schemaState reads each component's version against this Herald's, creating nothing", async () => {
    const s = await schema();
    const url = `${s.url}?search_path=${s.name}`;
    const sql = s.client();
    const storage = openPostgresStorage(url, { poolSize: 1 });
    try {
      const empty = await storage.schemaState();
      expect(empty.every((c) => c.state === "older" && c.found === 0 && c.expected > 0)).toBe(true);
      const [none] = await sql`SELECT to_regclass('herald_schema_versions') AS t`;
      expect(none?.t).toBeNull();

      await storage.initialize();
      const current = await storage.schemaState();
      expect(current.every((c) => c.state === "current" && c.found === c.expected)).toBe(true);
      // Every component initialize() records, and no other: the list the check reads is complete.
      const recorded = await sql<{ component: string; version: number }[]>`
        SELECT component, version FROM herald_schema_versions ORDER BY component`;
      expect(Object.fromEntries(current.map((c) => [c.component, c.expected]))).toEqual(
        Object.fromEntries(recorded.map((r) => [r.component, r.version])),
      );
      expect(schemaComponents().map((c) => c.component)).toEqual(current.map((c) => c.component));

      await sql`UPDATE herald_schema_versions SET version = 1 WHERE component = 'herald_articles'`;
      await sql`UPDATE herald_schema_versions SET version = 99 WHERE component = 'herald_kv'`;
      const mixed = Object.fromEntries((await storage.schemaState()).map((c) => [c.component, c]));
      expect(mixed.herald_articles).toEqual({
        component: "herald_articles",
        found: 1,
        expected: 2,
        state: "older",
      });
      expect(mixed.herald_kv).toEqual({ component: "herald_kv", found: 99, expected: 1, state: "newer" });
      expect(mixed.herald_federation?.state).toBe("current");
    } finally {
      await storage.close();
    }
  });

  it("a read-only storage refuses another version's schema without migrating it, and cannot write", async () => {
    const s = await schema();
    const url = `${s.url}?search_path=${s.name}`;
    const sql = s.client();
    const writer = openPostgresStorage(url, { poolSize: 1 });
    await writer.initialize();
    await writer.federation.setMeta("k", "v");
    await writer.close();

    const readOnly = openPostgresStorage(url, { poolSize: 1, readOnly: true });
    try {
      await readOnly.initialize();
      expect(await readOnly.federation.getMeta("k")).toBe("v");
      // PostgreSQL itself refuses: read_only_sql_transaction.
      await expect(readOnly.federation.setMeta("k", "w")).rejects.toMatchObject({ code: "25006" });

      // Back to before the quote stamps and moves: refused by name and version, nothing created.
      await sql`DROP TABLE herald_quote_stamps, herald_moves`;
      await sql`DELETE FROM herald_schema_versions WHERE component = 'herald_quotes'`;
      const refused = await readOnly.initialize().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SchemaVersionError);
      expect((refused as Error).message).toMatch(
        /^PostgreSQL database [^ ]+\/test holds an older Herald schema \(herald_quotes absent, this Herald expects 1\), and read-only commands never upgrade it\./,
      );
      // Even a store used without initialize() cannot migrate: the read-only session refuses DDL.
      await expect(readOnly.quotes.exportStamps()).rejects.toMatchObject({ code: "25006" });
      const [quotes] = await sql`SELECT to_regclass('herald_quote_stamps') AS t`;
      expect(quotes?.t).toBeNull();
      const [row] =
        await sql`SELECT count(*)::int AS n FROM herald_schema_versions WHERE component = 'herald_quotes'`;
      expect(row?.n).toBe(0);
    } finally {
      await readOnly.close();
    }
  });

  it("doctor's key reader reads a current store and refuses an older one, migrating nothing", async () => {
    const s = await schema();
    const url = `${s.url}?search_path=${s.name}`;
    const sql = s.client();
    const writer = openPostgresStorage(url, { poolSize: 1 });
    await writer.initialize();
    await writer.federation.addKeys([
      {
        kind: "rsa",
        privateJwk: { k: "private" },
        publicJwk: { k: "public" },
        createdAt: "2026-01-01T00:00:00.000Z",
      },
    ]);
    await writer.close();
    const reader = await signingKeyReader({
      data: { dir: "unused" },
      database: { url, waitSeconds: 0 },
    } as never);
    expect((await reader.read())?.publicJwk).toEqual({ k: "public" });

    await sql`UPDATE herald_schema_versions SET version = 4 WHERE component = 'herald_federation'`;
    await expect(reader.read()).rejects.toBeInstanceOf(SchemaVersionError);
    const [row] = await sql`SELECT version FROM herald_schema_versions WHERE component = 'herald_federation'`;
    expect(row?.version).toBe(4);
  });
});
