// Schema migrations on PostgreSQL: applied once however many processes start at once, recorded per
// component, additive, and refused by an older Herald.
import { afterEach, describe, expect, it } from "vitest";
import { applySchema } from "../../src/store/postgres-schema.ts";
import { openPostgresStorage } from "../../src/store/postgres-storage.ts";
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
});
