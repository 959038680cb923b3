// `herald` commands meeting an environment they cannot work in: reported in one sentence each.
import { EXIT } from "./exit.ts";

/**
 * A database that is not there, holds no Herald store, or (for a read-only command) holds another
 * Herald version's schema is the environment's problem, not a bug: one sentence naming the database
 * (never its password) and an exit code, no stack trace.
 */
export async function reportEnvironmentError(command: string, error: unknown): Promise<number> {
  const name = (error as Error | null)?.name;
  if (name === "DatabaseUnavailableError" || name === "NoStoreError" || name === "SchemaVersionError") {
    console.error(`herald ${command}: ${(error as Error).message}`);
    return name === "DatabaseUnavailableError" ? EXIT.unavailable : EXIT.rejected;
  }
  const { explainDatabaseError, isConnectionError } = await import("../store/postgres-wait.ts");
  if (isConnectionError(error)) {
    console.error(`herald ${command}: lost the database: ${explainDatabaseError(error, "the database")}`);
    return EXIT.unavailable;
  }
  throw error;
}
