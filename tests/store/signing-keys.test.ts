// herald doctor reads the account's signing key from the server's store, SQLite or PostgreSQL, without
// creating, migrating or generating anything: a missing store or key is reported as absent.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadOrCreateKeys } from "../../src/federation/keys.ts";
import { openPostgresStorage } from "../../src/store/postgres-storage.ts";
import { signingKeyReader } from "../../src/store/signing-keys.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";

const dirs: string[] = [];
const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const schema of schemas) await schema.drop();
});

const config = (dir: string, url?: string) => ({
  data: { dir },
  database: { url, poolSize: 1, leaseSeconds: 30, waitSeconds: 5 },
});

describe("signingKeyReader", () => {
  it("SQLite: absent without a store or a key, the RSA key once Herald made one; creates nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-keys-"));
    dirs.push(dir);
    const reader = await signingKeyReader(config(dir));
    expect(reader.location).toBe(join(dir, "herald.sqlite"));
    expect(await reader.read()).toBeUndefined();
    expect(existsSync(join(dir, "herald.sqlite"))).toBe(false);

    const storage = openSqliteStorage(join(dir, "herald.sqlite"));
    expect(await reader.read()).toBeUndefined();
    await loadOrCreateKeys(storage.federation);
    const stored = (await storage.federation.getKeys()).find((k) => k.kind === "rsa");
    await storage.close();
    expect(await reader.read()).toEqual(stored);
  });

  it("PostgreSQL: absent in a database without Herald's tables, the RSA key once Herald made one", async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    const url = `${schema.url}?search_path=${schema.name}`;
    const reader = await signingKeyReader(config("/nonexistent", url));
    // Where, never who: no user or password.
    expect(reader.location).toBe(`PostgreSQL at ${new URL(url).host}${new URL(url).pathname}`);
    expect(await reader.read()).toBeUndefined();

    const storage = openPostgresStorage(url, { poolSize: 1 });
    await storage.initialize();
    await loadOrCreateKeys(storage.federation);
    const stored = (await storage.federation.getKeys()).find((k) => k.kind === "rsa");
    await storage.close();
    expect(stored).toBeDefined();
    expect(await reader.read()).toEqual(stored);
  });
});
