import type { DatabaseSync, StatementSync } from "node:sqlite";

/** Statements prepared once per connection and reused: preparing costs more than running. */
export function statementCache(db: DatabaseSync): (sql: string) => StatementSync {
  const statements = new Map<string, StatementSync>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

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

/**
 * Runs synchronous reads in one deferred transaction: they all see one snapshot (WAL), and no write
 * lock is taken, so writers in other processes carry on.
 */
export function readTransaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN");
  try {
    return fn();
  } finally {
    db.exec("COMMIT");
  }
}
