import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { TransactionSql } from "postgres";
import { PostgresFederationStore } from "../../src/store/postgres-federation.ts";
import { PostgresQueue } from "../../src/store/postgres-queue.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteQueue } from "../../src/store/sqlite-queue.ts";
import { createTestSchema } from "./contract-postgres.ts";
import { federationStoreContract } from "./federation-contract.ts";

federationStoreContract<DatabaseSync>({
  name: "SqliteFederationStore",
  async open() {
    const file = join(mkdtempSync(join(tmpdir(), "herald-fed-")), "herald.sqlite");
    const stores = [new SqliteStore(file)];
    return {
      store: stores[0]!.federation,
      queue: new SqliteQueue(stores[0]!.database),
      async other() {
        const store = new SqliteStore(file);
        stores.push(store);
        return store.federation;
      },
      async fresh() {
        const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), "herald-fed-")), "herald.sqlite"));
        stores.push(store);
        return store.federation;
      },
      async close() {
        for (const store of stores) store.close();
      },
    };
  },
});

federationStoreContract<TransactionSql>({
  name: "PostgresFederationStore",
  async open() {
    const schema = await createTestSchema();
    const sql = schema.client();
    return {
      store: new PostgresFederationStore(sql),
      queue: new PostgresQueue(sql),
      other: async () => new PostgresFederationStore(schema.client()),
      // Same schema, other tables: also checks that nothing is written outside the prefix.
      fresh: async () => new PostgresFederationStore(schema.client(), { prefix: "fresh_" }),
      close: () => schema.drop(),
    };
  },
});
