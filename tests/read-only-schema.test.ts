// Read-only commands (status, dry runs, listings) never change a store's schema: an operator may run
// a newer Herald binary while an older `herald serve` still runs on the same database. On PostgreSQL
// an older (or newer) schema is refused in one sentence, writing nothing; on SQLite the command reads
// a `VACUUM INTO` copy, and only the copy is migrated. Real child processes, as tests/cli.test.ts.
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "../src/commands/exit.ts";
import { runHerald } from "./helpers/herald-process.ts";
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from "./store/contract-postgres.ts";

const root = resolve(import.meta.dirname, "..");
const dirs: string[] = [];
let schema: TestSchema | undefined;
afterEach(async () => {
  await schema?.drop();
  schema = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The test database with a password in the URL: trust auth ignores it, and no message may show it. */
function databaseUrl(s: TestSchema): string {
  const url = new URL(TEST_DATABASE_URL);
  url.password = "s3cret-pw";
  url.searchParams.set("search_path", s.name);
  return url.toString();
}

function herald(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runHerald([...args, "--config", "herald.yaml"], cwd, {
    env: { HERALD_CONFIG: "", PORT: "", LOG_LEVEL: "", DATABASE_URL: "", ...env },
  });
}

function site(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-roschema-"));
  dirs.push(dir);
  cpSync(content, join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    "site:\n  url: https://news.example/\ncontent:\n  dir: content\ndata:\n  dir: data\nbot:\n  username: news\n",
  );
  return dir;
}

/** What a migration would change: the recorded versions, and every table's columns. */
async function catalog(s: TestSchema) {
  const sql = s.client({ max: 1 });
  const versions = await sql<{ component: string; version: number }[]>`
    SELECT component, version FROM herald_schema_versions ORDER BY component`;
  const columns = await sql<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = ${s.name} ORDER BY table_name, column_name`;
  await sql.end();
  return {
    versions: Object.fromEntries(versions.map((v) => [v.component, v.version])),
    tables: [...new Set(columns.map((c) => c.table_name))],
    columns: columns.map((c) => `${c.table_name}.${c.column_name}`),
  };
}

/** A store made by this Herald, then taken back to what an older one wrote. */
async function olderStore(s: TestSchema, dir: string, env: Record<string, string>): Promise<void> {
  const sync = herald(["sync", "--once"], dir, env);
  expect(sync.stderr).toBe("");
  expect(sync.code).toBe(0);
  const sql = s.client({ max: 1 });
  await sql.begin(async (tx) => {
    // Articles before their second migration (title and tags beside the record)…
    await tx`ALTER TABLE herald_articles DROP COLUMN title, DROP COLUMN tags`;
    await tx`UPDATE herald_schema_versions SET version = 1 WHERE component = 'herald_articles'`;
    // …and before quote stamps and moves existed at all.
    await tx`DROP TABLE herald_quote_stamps, herald_moves`;
    await tx`DELETE FROM herald_schema_versions WHERE component = 'herald_quotes'`;
  });
  await sql.end();
}

const READ_ONLY = [
  ["status"],
  ["status", "--json"],
  ["sync", "--once", "--dry-run"],
  ["followers"],
  ["accounts"],
  ["blocks"],
  ["deliveries", "tidal-energy"],
];

describe("read-only commands on a PostgreSQL store of another Herald version", () => {
  it("refuse an older schema in one sentence, exit 1, and leave versions and tables as they were", async () => {
    schema = await createTestSchema();
    const dir = site(join(root, "content"));
    const env = { DATABASE_URL: databaseUrl(schema) };
    await olderStore(schema, dir, env);
    const before = await catalog(schema);
    expect(before.versions).toMatchObject({ herald_articles: 1, herald_federation: 5 });
    expect(before.versions).not.toHaveProperty("herald_quotes");
    expect(before.tables).not.toContain("herald_moves");

    const location = new URL(TEST_DATABASE_URL).host + new URL(TEST_DATABASE_URL).pathname;
    for (const args of READ_ONLY) {
      const r = herald(args, dir, env);
      expect(r.code, args.join(" ")).toBe(EXIT.rejected);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr).toBe(
        `herald ${args[0]}: PostgreSQL database ${location} holds an older Herald schema ` +
          "(herald_articles at version 1, this Herald expects 2; herald_quotes absent, this Herald expects 1), " +
          "and read-only commands never upgrade it. To upgrade it, stop the older server and run this " +
          "version's `herald serve` once; or use the Herald version that matches the server.\n",
      );
      expect(r.stderr).not.toContain("s3cret-pw");
    }
    expect(await catalog(schema)).toEqual(before);
  }, 120_000);

  it("refuse a newer schema in one sentence, changing nothing", async () => {
    schema = await createTestSchema();
    const dir = site(join(root, "content"));
    const env = { DATABASE_URL: databaseUrl(schema) };
    expect(herald(["sync", "--once"], dir, env).code).toBe(0);
    const sql = schema.client({ max: 1 });
    await sql`UPDATE herald_schema_versions SET version = 99 WHERE component = 'herald_federation'`;
    await sql.end();
    const before = await catalog(schema);

    const r = herald(["status"], dir, env);
    expect(r.code).toBe(EXIT.rejected);
    expect(r.stderr).toMatch(
      /^herald status: PostgreSQL database \S+ holds a newer Herald schema than this Herald knows \(herald_federation at version 99, this Herald expects 5\)\. Run the newer Herald, or restore a backup\.\n$/,
    );
    expect(await catalog(schema)).toEqual(before);
  }, 60_000);

  it("work as before on a current schema, and change nothing either", async () => {
    schema = await createTestSchema();
    const dir = site(join(root, "content"));
    const env = { DATABASE_URL: databaseUrl(schema) };
    expect(herald(["sync", "--once"], dir, env).code).toBe(0);
    const before = await catalog(schema);
    expect(before.versions).toMatchObject({ herald_articles: 2, herald_quotes: 1 });

    const r = herald(["status", "--json"], dir, env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.ok);
    const status = JSON.parse(r.stdout);
    expect(status.store.kind).toBe("postgres");
    expect(status.articles.find((a: { id: string }) => a.id === "tidal-energy")).toBeDefined();
    const dry = herald(["sync", "--once", "--dry-run"], dir, env);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect(await catalog(schema)).toEqual(before);
  }, 60_000);
});

describe("read-only commands on a SQLite store of an older Herald version", () => {
  it("migrate only their snapshot: the store file keeps its user_version and its bytes", () => {
    const dir = site(join(root, "tests", "fixtures", "stores", "pre-accounts-content"));
    mkdirSync(join(dir, "data"));
    const file = join(dir, "data", "herald.sqlite");
    copyFileSync(join(root, "tests", "fixtures", "stores", "pre-accounts.sqlite"), file);
    const userVersion = () => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
      } finally {
        db.close();
      }
    };
    const digest = () => createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(userVersion()).toBe(11);
    const bytes = digest();

    const r = herald(["status", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.ok);
    // It read the old store (through the migrated copy): its follower and articles are there.
    const status = JSON.parse(r.stdout);
    expect(status.store).toMatchObject({ kind: "sqlite" });
    expect(status.followers).toEqual({ accepted: 1, pending: 0 });
    expect(status.articles.map((a: { id: string }) => a.id).sort()).toEqual(["chips", "first"]);
    for (const args of [["followers"], ["accounts"], ["sync", "--once", "--dry-run"]])
      expect(herald(args, dir).code, args.join(" ")).toBe(EXIT.ok);
    // The fixture predates delivery receipts: nothing to list, but the command ran on the copy.
    const deliveries = herald(["deliveries", "chips"], dir);
    expect(deliveries.stdout).toBe("chips: nothing was sent to the fediverse for it.\n");
    expect(deliveries.code).toBe(EXIT.rejected);

    expect(userVersion()).toBe(11);
    expect(digest()).toBe(bytes);
  }, 60_000);
});
