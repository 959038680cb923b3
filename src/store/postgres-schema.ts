import type { Sql } from "postgres";

// Several Herald processes (web ×2, workers, a scheduler) start at once against one database.
// `CREATE TABLE IF NOT EXISTS` is not safe under concurrency: two sessions can both see the table
// missing and one then fails on the catalog's unique index. A transaction-scoped advisory lock makes
// them take turns; the lock goes with the transaction, so a crash mid-migration holds nothing.
const SCHEMA_LOCK = "herald:schema";

/** Runs DDL statements in one transaction, serialised against every other Herald process. */
export async function applySchema(sql: Sql, statements: readonly string[]): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${SCHEMA_LOCK}))`;
    // "relation already exists, skipping" notices are the normal case, not news.
    await tx`SET LOCAL client_min_messages = warning`;
    for (const statement of statements) await tx.unsafe(statement);
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

/** 32-bit FNV-1a: a stable, well-spread hash for bucketing and channel names. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
