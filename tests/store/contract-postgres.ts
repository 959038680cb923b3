// The real PostgreSQL the store contract runs against: one throwaway schema per test, so test files
// run in parallel and leave nothing behind. Unreachable means FAIL, never skip: CI starts the server.
import { randomBytes } from "node:crypto";
import postgres, { type Sql } from "postgres";

export const TEST_DATABASE_URL =
  process.env.HERALD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestSchema {
  readonly url: string;
  readonly name: string;
  /**
   * A new client whose search_path is this schema: one per simulated process. `application` names its
   * connections in pg_stat_activity (application_name), where a test can see what they are doing.
   */
  client(options?: { max?: number; application?: string }): Sql;
  /** Ends every client and drops the schema. */
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`SELECT 1`;
  } catch (error) {
    await admin.end({ timeout: 0 });
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(error as Error).message}). The PostgreSQL store ` +
        "tests need it: start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, " +
        "as .ci/run does) or point HERALD_TEST_DATABASE_URL at one.",
    );
  }
  const name = `herald_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin`CREATE SCHEMA ${admin(name)}`;
  const clients: Sql[] = [];
  return {
    url: TEST_DATABASE_URL,
    name,
    client(options = {}) {
      const sql = postgres(TEST_DATABASE_URL, {
        max: options.max ?? 4,
        onnotice: () => {},
        connection: {
          search_path: name,
          ...(options.application ? { application_name: options.application } : {}),
        },
      });
      clients.push(sql);
      return sql;
    },
    async drop() {
      await Promise.allSettled(clients.map((c) => c.end({ timeout: 1 })));
      await admin`DROP SCHEMA ${admin(name)} CASCADE`;
      await admin.end();
    },
  };
}
