// SQLite schema migrations: PRAGMA user_version records them; an older Herald refuses a newer file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
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
});
