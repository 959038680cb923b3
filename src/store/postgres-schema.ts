import type { Sql } from "postgres";

// Schema migrations, versioned per component (the articles table, the federation tables, the KV
// store, the queue, the leases), recorded in `herald_schema_versions` and applied at start.
//
// Several Herald processes (web ×2, workers, a scheduler) start at once against one database.
// `CREATE TABLE IF NOT EXISTS` alone is not safe under concurrency: two sessions can both see the
// table missing and one then fails on the catalog's unique index. A transaction-scoped advisory lock
// makes them take turns, and each reads the recorded version inside the lock, so a migration runs
// exactly once; the lock goes with the transaction, so a crash mid-migration holds nothing and
// leaves nothing half-done (PostgreSQL's DDL is transactional).
//
// A component's migrations only ever grow: a new one is appended, never edited. A database newer
// than this Herald refuses to start it rather than run old code on a new schema. The first
// migration of each component uses IF NOT EXISTS, so databases made before versions were recorded
// adopt version 1 without change.
const SCHEMA_LOCK = "herald:schema";
const VERSIONS = "herald_schema_versions";

/** One migration: statements applied together. */
export type Migration = readonly string[];

/** Brings `component` up to the last of `migrations`, serialised against every other Herald process. */
export async function applySchema(
  sql: Sql,
  component: string,
  migrations: readonly Migration[],
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${SCHEMA_LOCK}))`;
    // "relation already exists, skipping" notices are the normal case, not news.
    await tx`SET LOCAL client_min_messages = warning`;
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${VERSIONS} (
         component  text PRIMARY KEY,
         version    integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const [row] = await tx<{ version: number }[]>`
      SELECT version FROM ${tx(VERSIONS)} WHERE component = ${component}`;
    const current = row?.version ?? 0;
    if (current > migrations.length)
      throw new Error(
        `The database holds ${component} at schema version ${current}, newer than this Herald knows (${migrations.length}). Run the newer Herald, or restore a backup.`,
      );
    if (current === migrations.length) return;
    for (const migration of migrations.slice(current))
      for (const statement of migration) await tx.unsafe(statement);
    await tx`
      INSERT INTO ${tx(VERSIONS)} (component, version) VALUES (${component}, ${migrations.length})
      ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = now()`;
  });
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Table names end up in DDL and in the text of every statement, so only plain lower-case
 * identifiers are accepted (no quoting rules to get wrong). 48 characters leave room for the
 * suffixes of index names within PostgreSQL's 63.
 */
export function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new TypeError(
      `Invalid table name ${JSON.stringify(name)}: use [a-z_][a-z0-9_]*, at most 48 characters.`,
    );
  return name;
}

/** Runs `fn` once, remembers its promise, and forgets a failure so the next call tries again. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= fn().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** host:port/database of a PostgreSQL URL, without user or password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
}
