// Reading a SQLite store file without opening it as Herald's store: a consistent copy for the
// commands that must change nothing, and a look at what an old file holds before it is abandoned.
import { DatabaseSync } from "node:sqlite";

/** Copies the store with `VACUUM INTO`: consistent even while `serve` writes to it. */
export function snapshotSqliteFile(source: string, target: string): void {
  const db = new DatabaseSync(source, { readOnly: true });
  try {
    db.prepare("VACUUM INTO ?").run(target);
  } finally {
    db.close();
  }
}

/** The signing keys and followers a store file holds; undefined when it is not a Herald store. */
export function sqliteInstanceHolds(file: string): { keys: number; followers: number } | undefined {
  try {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return db
        .prepare("SELECT (SELECT COUNT(*) FROM keys) AS keys, (SELECT COUNT(*) FROM followers) AS followers")
        .get() as { keys: number; followers: number };
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}
