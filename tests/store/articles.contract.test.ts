import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresArticleStore } from "../../src/store/postgres-articles.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { articleStoreContract } from "./articles-contract.ts";
import { createTestSchema } from "./contract-postgres.ts";

articleStoreContract({
  name: "SqliteStore",
  async open() {
    const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), "herald-art-")), "herald.sqlite"));
    return { store, close: async () => store.close() };
  },
});

articleStoreContract({
  name: "PostgresArticleStore",
  async open() {
    const schema = await createTestSchema();
    return { store: new PostgresArticleStore(schema.client()), close: () => schema.drop() };
  },
});
