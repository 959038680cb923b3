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

/**
 * A component's name (its row in `herald_schema_versions`) and every migration it has, in order: the
 * version this Herald expects is the number of migrations. Each store module exports its own.
 */
export interface SchemaComponent {
  readonly component: string;
  readonly migrations: readonly Migration[];
}

/**
 * Brings `component` up to the last of `migrations`, serialised against every other Herald process.
 * A component already at that version is only read (no lock, no DDL): so a store opened read-only
 * (`default_transaction_read_only`) works as long as it needs no migration.
 */
export async function applySchema(
  sql: Sql,
  component: string,
  migrations: readonly Migration[],
): Promise<void> {
  const recorded = (await recordedVersions(sql, [component])).get(component) ?? 0;
  if (recorded > migrations.length) throw newerSchema(component, recorded, migrations.length);
  if (recorded === migrations.length) return;
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
    if (current > migrations.length) throw newerSchema(component, current, migrations.length);
    if (current === migrations.length) return;
    for (const migration of migrations.slice(current))
      for (const statement of migration) await tx.unsafe(statement);
    await tx`
      INSERT INTO ${tx(VERSIONS)} (component, version) VALUES (${component}, ${migrations.length})
      ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = now()`;
  });
}

function newerSchema(component: string, found: number, known: number): Error {
  return new Error(
    `The database holds ${component} at schema version ${found}, newer than this Herald knows (${known}). Run the newer Herald, or restore a backup.`,
  );
}

/**
 * The versions recorded for `components` (absent: never created). Only reads: no lock, and nothing
 * is created, not even the versions table.
 */
async function recordedVersions(sql: Sql, components: readonly string[]): Promise<Map<string, number>> {
  try {
    const rows = await sql<{ component: string; version: number }[]>`
      SELECT component, version FROM ${sql(VERSIONS)} WHERE component IN ${sql(components)}`;
    return new Map(rows.map((r) => [r.component, r.version]));
  } catch (error) {
    // undefined_table: no Herald process has recorded anything here yet.
    if ((error as { code?: unknown }).code === "42P01") return new Map();
    throw error;
  }
}

/** Where a component stands against this Herald: behind it (to migrate), at it, or ahead of it. */
export type SchemaStanding = "older" | "current" | "newer";

export interface ComponentState {
  component: string;
  /** The version recorded in the database; 0 when the component was never created. */
  found: number;
  /** The version this Herald expects (its number of migrations). */
  expected: number;
  state: SchemaStanding;
}

/** Each component's recorded version against this Herald's, read without changing anything. */
export async function readSchemaState(
  sql: Sql,
  components: readonly SchemaComponent[],
): Promise<ComponentState[]> {
  const recorded = await recordedVersions(
    sql,
    components.map((c) => c.component),
  );
  return components.map(({ component, migrations }) => {
    const found = recorded.get(component) ?? 0;
    const expected = migrations.length;
    const state = found < expected ? "older" : found > expected ? "newer" : "current";
    return { component, found, expected, state };
  });
}

/**
 * A read-only command against a database whose Herald schema is not this Herald's: migrating it
 * would change the schema under the server still running on it, and reading it as it is could fail.
 */
export class SchemaVersionError extends Error {
  override readonly name = "SchemaVersionError";
}

/**
 * Throws SchemaVersionError, one sentence naming the database (`location`: host:port/database,
 * never a password), the versions found and expected and what to do, unless every component is current.
 */
export function requireCurrentSchema(location: string, states: readonly ComponentState[]): void {
  const describe = (c: ComponentState) =>
    `${c.component} ${c.found === 0 ? "absent" : `at version ${c.found}`}, this Herald expects ${c.expected}`;
  const newer = states.filter((c) => c.state === "newer");
  if (newer.length > 0)
    throw new SchemaVersionError(
      `PostgreSQL database ${location} holds a newer Herald schema than this Herald knows (${newer.map(describe).join("; ")}). Run the newer Herald, or restore a backup.`,
    );
  const older = states.filter((c) => c.state === "older");
  if (older.length > 0)
    throw new SchemaVersionError(
      `PostgreSQL database ${location} holds an older Herald schema (${older.map(describe).join("; ")}), and read-only commands never upgrade it. To upgrade it, stop the older server and run this version's \`herald serve\` once; or use the Herald version that matches the server.`,
    );
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
