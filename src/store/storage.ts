// One place that knows which backend holds Herald's state. Everything above it (the app, the
// federation runtime, the CLI, the dashboard) talks to a `Storage` (store/types.ts): article records,
// the federation store, Fedify's KV store, the delivery queue, the scheduler's leadership and the
// signals between processes. SQLite is the default, for one process; PostgreSQL, for several processes
// on one or many hosts, is chosen by `database.url` or DATABASE_URL. Each backend loads only when named.
import { join } from "node:path";
import type { Config } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { Storage } from "./types.ts";

/**
 * Opens the backend the configuration names: PostgreSQL when database.url is set, else SQLite in
 * data.dir. PostgreSQL is waited for (database.waitSeconds, one line per attempt on `log`, or on
 * stderr without it); DatabaseUnavailableError when it never answers.
 */
export async function openStorage(config: Config, log?: Logger): Promise<Storage> {
  if (config.database.url) {
    const { openPostgresStorage } = await import("./postgres-storage.ts");
    const { waitForPostgres } = await import("./postgres-wait.ts");
    const storage = openPostgresStorage(config.database.url, {
      poolSize: config.database.poolSize,
      leaseMs: config.database.leaseSeconds * 1000,
    });
    try {
      await waitForPostgres(storage.sql, storage.location, {
        waitMs: config.database.waitSeconds * 1000,
        log,
      });
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }
  const { openSqliteStorage } = await import("./sqlite-storage.ts");
  return openSqliteStorage(sqliteStoreFile(config));
}

/** Where the SQLite store lives: data.dir/herald.sqlite (also when PostgreSQL is used, for the move check). */
export function sqliteStoreFile(config: Pick<Config, "data">): string {
  return join(config.data.dir, "herald.sqlite");
}
