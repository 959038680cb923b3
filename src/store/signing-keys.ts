// The account's RSA signing key, read for `herald doctor`'s test delivery without opening the store as
// Herald does: nothing is created, migrated or locked, and a missing store or key is simply absent (it
// is never generated here: keys are forever, and only the server makes them).
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import type { Config } from "../config/load.ts";
import { type FederationRow, toKey } from "./federation-rows.ts";
import { describePostgresUrl } from "./postgres-schema.ts";
import { sqliteStoreFile } from "./storage.ts";
import type { StoredKey } from "./types.ts";

export interface SigningKeyReader {
  /** The file or database (host:port/name, never a password), for messages. */
  location: string;
  read(): Promise<StoredKey | undefined>;
}

export async function signingKeyReader(config: Pick<Config, "data" | "database">): Promise<SigningKeyReader> {
  if (config.database.url) {
    const { openPostgresStorage } = await import("./postgres-storage.ts");
    const { hasHeraldStore, waitForPostgres } = await import("./postgres-wait.ts");
    const url = config.database.url;
    return {
      location: `PostgreSQL at ${describePostgresUrl(url)}`,
      async read() {
        const storage = openPostgresStorage(url, { poolSize: 1, readOnly: true });
        try {
          await waitForPostgres(storage.sql, storage.location, {
            waitMs: config.database.waitSeconds * 1000,
          });
          if (!(await hasHeraldStore(storage.sql))) return undefined;
          // Refuses (SchemaVersionError) a schema of another Herald version rather than migrate it.
          await storage.initialize();
          return (await storage.federation.getKeys()).find((k) => k.kind === "rsa");
        } finally {
          await storage.close();
        }
      },
    };
  }
  const file = sqliteStoreFile(config);
  return {
    location: file,
    async read() {
      if (!existsSync(file)) return undefined;
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        const row = db.prepare("SELECT * FROM keys WHERE kind = 'rsa'").get() as FederationRow | undefined;
        return row === undefined ? undefined : toKey(row);
      } catch {
        // Not a Herald store (no keys table): nothing to sign with.
        return undefined;
      } finally {
        db.close();
      }
    },
  };
}
