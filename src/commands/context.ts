// Shared set-up for operator commands: the same app the server runs, without delivering.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Herald, openHerald } from "../app.ts";
import type { Config } from "../config/load.ts";
import type { Logger } from "../log.ts";
import { sqliteStoreFile } from "../store/storage.ts";

/** Opens Herald on the real store, for commands that change things (sync, publish, retract…). */
export async function openForCommand(config: Config): Promise<Herald> {
  return openHerald(config, await commandLogger(config), { federation: true, deliver: false });
}

/** The store a snapshot was taken of (the snapshot itself is always a temporary SQLite file). */
export interface SnapshotOrigin {
  store: { kind: "sqlite" | "postgres"; location: string };
  /** PostgreSQL: the process acting as the scheduler when the snapshot was taken. */
  scheduler?: string | null;
}

/**
 * Opens Herald on a snapshot of the store (SQLite `VACUUM INTO`, consistent even while `serve`
 * writes), for commands that must change nothing: dry runs and status.
 */
export async function openSnapshot(
  config: Config,
  { federation = true }: { federation?: boolean } = {},
): Promise<Herald & { dispose(): Promise<void>; origin: SnapshotOrigin }> {
  const dir = mkdtempSync(join(tmpdir(), "herald-snapshot-"));
  const source = sqliteStoreFile(config);
  let origin: SnapshotOrigin = { store: { kind: "sqlite", location: source } };
  try {
    if (config.database.url) origin = await copyPostgres(config, sqliteStoreFile({ data: { dir } }));
    else if (existsSync(source)) {
      const { snapshotSqliteFile } = await import("../store/sqlite-file.ts");
      snapshotSqliteFile(source, sqliteStoreFile({ data: { dir } }));
    }
  } catch (error) {
    // A refused store (none, another version's schema, unreachable) leaves no temporary copy behind.
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const herald = await openHerald(
    { ...config, data: { dir }, database: { ...config.database, url: undefined } },
    await commandLogger(config),
    { federation, deliver: false },
  );
  return Object.assign(herald, {
    origin,
    async dispose() {
      await herald.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * PostgreSQL has no VACUUM INTO: the store is copied row by row into a temporary SQLite file. A
 * read-only command never creates or migrates a schema: a database without Herald's tables is
 * refused (NoStoreError), and so is one whose schema is older or newer than this Herald's
 * (SchemaVersionError: migrating it would change the schema under the server running on it). The
 * connection is read-only besides, so PostgreSQL itself refuses any write.
 */
async function copyPostgres(config: Config, file: string): Promise<SnapshotOrigin> {
  const { copyStore } = await import("./migrate-store.ts");
  const { openPostgresStorage } = await import("../store/postgres-storage.ts");
  const { hasHeraldStore, NoStoreError, waitForPostgres } = await import("../store/postgres-wait.ts");
  const { openSqliteStorage } = await import("../store/sqlite-storage.ts");
  const from = openPostgresStorage(config.database.url!, { poolSize: 2, readOnly: true });
  let to: ReturnType<typeof openSqliteStorage> | undefined;
  try {
    await waitForPostgres(from.sql, from.location, { waitMs: config.database.waitSeconds * 1000 });
    if (!(await hasHeraldStore(from.sql)))
      throw new NoStoreError(
        `No Herald store here: PostgreSQL database ${from.location} has no Herald tables. Start \`herald serve\` once to create them, or check DATABASE_URL (and its search_path).`,
      );
    // Read-only: checks that every component is at this Herald's version, and migrates nothing.
    await from.initialize();
    to = openSqliteStorage(file);
    await copyStore(from, to);
    return {
      store: { kind: "postgres", location: from.location },
      scheduler: (await from.schedulerHolder()) ?? null,
    };
  } finally {
    await Promise.all([from.close(), to?.close()]);
  }
}

/** Commands talk to people on stdout/stderr; structured logs only when asked for (LOG_LEVEL). */
async function commandLogger(config: Config): Promise<Logger> {
  const level = process.env.LOG_LEVEL ? config.log.level : "silent";
  if (level === "silent") return SILENT;
  const { createLogger } = await import("../log.ts");
  return createLogger(level, undefined, { fd: 2 });
}

const ignore = (): void => {};

/**
 * What a silent pino logger does, without loading pino (~20 ms of a command's start-up): nothing.
 * The methods Herald calls on a logger, and a child that is this one.
 */
const SILENT = {
  level: "silent",
  isLevelEnabled: () => false,
  child: () => SILENT,
  flush: ignore,
  fatal: ignore,
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
  trace: ignore,
  silent: ignore,
} as unknown as Logger;
