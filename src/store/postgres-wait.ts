// A PostgreSQL that is not there yet (a first `docker compose up`, a database restarting): Herald waits
// for it with bounded backoff instead of dying with a stack trace, and says why in words.
import type { Sql } from "postgres";
import type { Logger } from "../log.ts";

/** The database did not accept connections within the wait; the message says where and why. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
}

/** `status` and other read-only commands against a database that holds no Herald store. */
export class NoStoreError extends Error {
  override readonly name = "NoStoreError";
}

export interface WaitOptions {
  /** Give up after this long (0: one attempt). */
  waitMs: number;
  /** One line per failed attempt; without it, lines go to stderr. */
  log?: Logger;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Resolves once `SELECT 1` succeeds on `sql`; throws DatabaseUnavailableError after `waitMs`.
 * `location` is host:port/database (never a user or password), for the log and the error.
 */
export async function waitForPostgres(sql: Sql, location: string, options: WaitOptions): Promise<void> {
  const started = Date.now();
  let delay = options.firstDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`SELECT 1`;
      return;
    } catch (error) {
      const reason = explainDatabaseError(error, location);
      // Not a connection problem (a wrong password, a missing database): waiting will not help.
      if (!isConnectionError(error) || Date.now() - started + delay > options.waitMs)
        throw new DatabaseUnavailableError(
          `PostgreSQL at ${location} is not available${attempt > 1 ? ` after ${attempt} attempts over ${Math.round((Date.now() - started) / 1000)} s` : ""}: ${reason}`,
        );
      const fields = { database: location, attempt, retryInMs: delay, reason };
      if (options.log) options.log.warn(fields, "database not reachable yet, retrying");
      else
        process.stderr.write(
          `herald: PostgreSQL at ${location} not reachable yet (attempt ${attempt}), retrying in ${delay} ms: ${reason}\n`,
        );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // PostgreSQL starting up or shutting down.
  "57P03",
  "57P01",
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Errors that mean "nobody answers there (yet)", as opposed to "it answered no". */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  // Node reports a refused dual-stack connect as an AggregateError of the per-address errors.
  const inner = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(inner) && inner.some(isConnectionError);
}

/** One sentence on what went wrong connecting to `location`, for people. */
export function explainDatabaseError(error: unknown, location: string): string {
  const code = codeOf(error) ?? codeOf((error as { errors?: unknown[] } | null)?.errors?.[0]);
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused (ECONNREFUSED): nothing accepts connections at ${location.split("/")[0]}. Is PostgreSQL running, and listening on that address and port?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host name does not resolve (${code}). Check the host in DATABASE_URL.`;
    case "ETIMEDOUT":
    case "CONNECT_TIMEOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no answer from the host (${code}). Check the address, and any firewall between.`;
    case "57P03":
      return "PostgreSQL is starting up and not accepting connections yet (57P03).";
    case "28P01":
    case "28000":
      return `PostgreSQL refused the credentials (${code}). Check the user and password in DATABASE_URL.`;
    case "3D000":
      return `the database does not exist (${code}). Create it, or fix the name in DATABASE_URL.`;
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return `${message}${code && !message.includes(code) ? ` (${code})` : ""}.`;
    }
  }
}

/** True when the connected schema holds Herald's tables (created by the first `serve`). */
export async function hasHeraldStore(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`
    SELECT to_regclass('herald_schema_versions') IS NOT NULL AS found`;
  return row?.found ?? false;
}
