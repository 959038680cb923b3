// A site folder for the kill -9 suites (tests/federation/crash.test.ts, accounts-crash.test.ts): a
// config file for `herald serve` on a free loopback port, on SQLite or on a PostgreSQL schema of its
// own, and the site's store opened from outside the process as Herald opens it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStorage } from "../../src/store/postgres-storage.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import type { Storage } from "../../src/store/types.ts";
import type { TestStore } from "../federation/setup.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";
import { freePort } from "./apbot.ts";

export interface CrashSite {
  dir: string;
  config: string;
  content: string;
  origin: string;
  /** The SQLite file (unused on PostgreSQL). */
  db: string;
  store: TestStore;
  /** PostgreSQL: the URL of the site's own schema. */
  databaseUrl?: string;
}

/** Sites and schemas made, removed by `cleanUp` (afterAll). */
export class CrashSites {
  readonly #dirs: string[] = [];
  readonly #schemas: TestSchema[] = [];

  /**
   * A site whose `herald serve` delivers with `concurrency` and (PostgreSQL) leases claims for
   * `leaseSeconds`; `yaml` adds top-level lines (`bot:` is `news`, "Herald News").
   */
  async make(
    store: TestStore,
    options: { concurrency: number; leaseSeconds: number; yaml?: readonly string[] },
  ): Promise<CrashSite> {
    const schema = store === "postgres" ? await createTestSchema() : undefined;
    if (schema) this.#schemas.push(schema);
    const dir = mkdtempSync(join(tmpdir(), "herald-crash-"));
    this.#dirs.push(dir);
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const content = join(dir, "content");
    mkdirSync(content);
    const config = join(dir, "herald.yaml");
    writeFileSync(
      config,
      [
        "site:",
        `  url: ${origin}/`,
        "  title: Crash test",
        "server:",
        `  port: ${port}`,
        "  host: 127.0.0.1",
        "content:",
        "  dir: content",
        "data:",
        "  dir: data",
        "bot:",
        "  username: news",
        "  name: Herald News",
        ...(options.yaml ?? []),
        "federation:",
        "  allowPrivateAddress: true",
        `  concurrency: ${options.concurrency}`,
        "database:",
        `  leaseSeconds: ${options.leaseSeconds}`,
        "",
      ].join("\n"),
    );
    return {
      dir,
      config,
      content,
      origin,
      db: join(dir, "data", "herald.sqlite"),
      store,
      databaseUrl: schema ? `${schema.url}?search_path=${schema.name}` : undefined,
    };
  }

  async cleanUp(): Promise<void> {
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    await Promise.all(this.#schemas.map((s) => s.drop()));
  }
}

/** The site's store, read from outside the process as Herald reads it. */
export async function withSiteStore<T>(site: CrashSite, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = site.databaseUrl
    ? openPostgresStorage(site.databaseUrl, { poolSize: 1 })
    : openSqliteStorage(site.db);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
