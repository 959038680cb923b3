import { afterEach, describe, expect, it } from "vitest";
import { LeaseLostError, PostgresLeases } from "../../src/store/postgres-lease.ts";
import { createTestSchema, type TestSchema } from "./contract-postgres.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PostgresLeases: exactly one scheduler acts at a time", () => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    await schema?.drop();
    schema = undefined;
  });
  /** Two "processes", each with its own connection pool. */
  const twoProcesses = async () => {
    schema = await createTestSchema();
    return [new PostgresLeases(schema.client()), new PostgresLeases(schema.client())] as const;
  };

  it("lets one holder at a time take the lease; renew, release, and a larger token for the next", async () => {
    const [a, b] = await twoProcesses();
    const first = await a.tryAcquire("scheduler", "a", 10_000);
    expect(first).toMatchObject({ name: "scheduler", holder: "a", token: 1 });
    expect(await b.tryAcquire("scheduler", "b", 10_000)).toBeUndefined();
    // Acquiring again while holding it renews, same tenure.
    expect((await a.tryAcquire("scheduler", "a", 10_000))?.token).toBe(1);
    expect((await a.renew("scheduler", "a", 10_000))?.token).toBe(1);
    expect(await b.renew("scheduler", "b", 10_000)).toBeUndefined();
    expect((await b.current("scheduler"))?.holder).toBe("a");
    // Other names are other leases.
    expect(await b.tryAcquire("other", "b", 10_000)).toMatchObject({ token: 1 });

    expect(await b.release("scheduler", "b")).toBe(false);
    expect(await a.release("scheduler", "a")).toBe(true);
    expect(await b.current("scheduler")).toBeUndefined();
    const second = await b.tryAcquire("scheduler", "b", 10_000);
    expect(second?.token).toBe(2);
    expect(await a.renew("scheduler", "a", 10_000)).toBeUndefined();
  });

  it("passes an expired lease to another holder, and the old holder learns it lost it", async () => {
    const [a, b] = await twoProcesses();
    const held = await a.tryAcquire("scheduler", "a", 300);
    expect(held!.validUntil).toBeLessThanOrEqual(Date.now() + 300);
    expect(await b.tryAcquire("scheduler", "b", 300)).toBeUndefined();
    await sleep(400);
    expect((await b.tryAcquire("scheduler", "b", 10_000))?.token).toBe(2);
    expect(await a.renew("scheduler", "a", 10_000)).toBeUndefined();
    expect(await a.tryAcquire("scheduler", "a", 10_000)).toBeUndefined();
  });

  it("gives the lease to exactly one of many candidates racing for it", async () => {
    schema = await createTestSchema();
    const s = schema;
    const candidates = Array.from({ length: 8 }, () => new PostgresLeases(s.client({ max: 1 })));
    await candidates[0]!.initialize();
    const results = await Promise.all(candidates.map((l, i) => l.tryAcquire("scheduler", `c${i}`, 10_000)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it("takes over from a crashed holder once its lease runs out", async () => {
    schema = await createTestSchema();
    const crashed = schema.client();
    const a = new PostgresLeases(crashed);
    const b = new PostgresLeases(schema.client());
    expect(await a.tryAcquire("scheduler", "a", 500)).toBeDefined();
    await crashed.end({ timeout: 0 });
    expect(await b.tryAcquire("scheduler", "b", 500)).toBeUndefined();
    await sleep(600);
    expect(await b.tryAcquire("scheduler", "b", 500)).toMatchObject({ holder: "b", token: 2 });
  });

  it("assertHeld fences a ledger write: it commits under the lease or not at all", async () => {
    schema = await createTestSchema();
    const sqlA = schema.client();
    const a = new PostgresLeases(sqlA);
    const b = new PostgresLeases(schema.client());
    await sqlA`CREATE TABLE ledger (id text PRIMARY KEY)`;
    await a.tryAcquire("scheduler", "a", 500);
    await sqlA.begin(async (tx) => {
      await a.assertHeld(tx, "scheduler", "a");
      await tx`INSERT INTO ledger VALUES ('while held')`;
    });

    // While A's transaction holds the check, B cannot take over, even after expiry.
    let bTook: unknown;
    const observer = schema.client({ max: 1 });
    await sqlA.begin(async (tx) => {
      await a.assertHeld(tx, "scheduler", "a");
      await sleep(600);
      const [self] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      const pending = b.tryAcquire("scheduler", "b", 10_000).then((r) => {
        bTook = r;
      });
      // B's attempt has reached the lease row and waits for A's lock (the database says so): it has
      // not taken the lease, and cannot until A's transaction ends.
      const deadline = Date.now() + 10_000;
      const blocked = async () =>
        (
          await observer<{ n: number }[]>`
            SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${self!.pid}::int = ANY(pg_blocking_pids(pid))`
        )[0]!.n > 0;
      while (!(await blocked()) && bTook === undefined && Date.now() < deadline) await sleep(10);
      expect(bTook).toBeUndefined();
      expect(await blocked()).toBe(true);
      await tx`INSERT INTO ledger VALUES ('late but fenced')`;
      void pending;
    });
    while (bTook === undefined) await sleep(10);
    expect(bTook).toMatchObject({ holder: "b", token: 2 });

    // Now A has lost it: its write is refused and rolled back.
    await expect(
      sqlA.begin(async (tx) => {
        await tx`INSERT INTO ledger VALUES ('after losing')`;
        await a.assertHeld(tx, "scheduler", "a");
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    const rows = await sqlA<{ id: string }[]>`SELECT id FROM ledger ORDER BY id`;
    expect(rows.map((r) => r.id)).toEqual(["late but fenced", "while held"]);
  });
});
