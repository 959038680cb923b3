// A second process for the queue contract (tests/store/queue.contract.test.ts): claims a message,
// says so on stdout, and never finishes it, until the test kills it with SIGKILL.
import postgres from "postgres";
import { PostgresQueue } from "../../src/store/postgres-queue.ts";

const [url, schema, leaseMs] = process.argv.slice(2);
if (!url || !schema || !leaseMs) throw new Error("Usage: contract-worker.ts URL SCHEMA LEASE_MS.");
const sql = postgres(url, { connection: { search_path: schema }, onnotice: () => {} });
const queue = new PostgresQueue(sql, { leaseMs: Number(leaseMs), pollMs: 20 });
void queue.listen((message) => {
  process.stdout.write(`claimed ${JSON.stringify(message)}\n`);
  return new Promise<void>(() => {});
});
