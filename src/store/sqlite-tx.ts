import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` transaction (the write lock taken up front, so two processes
 * never deadlock upgrading read locks). `fn` must be synchronous: nothing else may run on this
 * connection between BEGIN and COMMIT.
 */
export function immediateTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const value = fn();
    db.exec("COMMIT");
    return value;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
