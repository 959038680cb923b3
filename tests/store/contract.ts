// The store contract: what Herald relies on from a Fedify KV store and from its delivery queue,
// written once and run against every implementation (SQLite and PostgreSQL). Each suite takes a
// target that opens fresh, empty stores; "another process" is another connection to the same data.
import type { KvKey, KvStore, MessageQueue } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryQueue } from "../../src/store/types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- KV store

export interface KvWorld {
  kv: KvStore;
  /** Another handle on the same data, as another process has. */
  other(): Promise<KvStore>;
  close(): Promise<void>;
}

export interface KvTarget {
  name: string;
  open(): Promise<KvWorld>;
  /** Cases this implementation is known to fail: run with it.fails, so a fix shows up. */
  knownFailures?: Readonly<Record<string, string>>;
}

async function listed(kv: KvStore, prefix?: KvKey): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of kv.list(prefix)) keys.push(JSON.stringify(entry.key));
  return keys.sort();
}

/** The worlds one test opened, however it opened them: `closeAll` in the suite's afterEach. */
export function openedWorlds<W extends { close(): Promise<void> }>() {
  const opened: W[] = [];
  return {
    async track(world: Promise<W>): Promise<W> {
      const w = await world;
      opened.push(w);
      return w;
    },
    latest: (): W | undefined => opened.at(-1),
    async closeAll(): Promise<void> {
      for (const w of opened.splice(0)) await w.close();
    },
  };
}

const keysOf = (...keys: KvKey[]) => keys.map((k) => JSON.stringify(k)).sort();

export function kvContract(target: KvTarget): void {
  describe(`KvStore contract: ${target.name}`, () => {
    const worlds = openedWorlds<KvWorld>();
    const open = () => worlds.track(target.open());
    afterEach(() => worlds.closeAll());
    const test = (name: string, fn: () => Promise<void>) =>
      target.knownFailures?.[name]
        ? it.fails(`${name} (known: ${target.knownFailures[name]})`, fn)
        : it(name, fn);

    test("returns undefined for a missing key", async () => {
      const { kv } = await open();
      expect(await kv.get(["missing"])).toBeUndefined();
    });

    test("sets, gets and overwrites JSON values", async () => {
      const { kv } = await open();
      const values: unknown[] = [
        { a: 1, nested: { list: [1, "two", null, true] } },
        ["x", 2],
        'text with \u0000, "quotes", \\, 日本語 and 😀',
        42.5,
        false,
        null,
      ];
      for (const [i, value] of values.entries()) {
        await kv.set(["v", String(i)], value);
        expect(await kv.get(["v", String(i)])).toEqual(value);
      }
      await kv.set(["v", "0"], { replaced: true });
      expect(await kv.get(["v", "0"])).toEqual({ replaced: true });
    });

    test("treats a key as the whole array of its parts", async () => {
      const { kv } = await open();
      await kv.set(["a", "b"], 1);
      await kv.set(["a,b"], 2);
      await kv.set(["a", "b", ""], 3);
      await kv.set(['a","b'], 4);
      expect(await kv.get(["a", "b"])).toBe(1);
      expect(await kv.get(["a,b"])).toBe(2);
      expect(await kv.get(["a", "b", ""])).toBe(3);
      expect(await kv.get(['a","b'])).toBe(4);
      expect(await kv.get(["a"])).toBeUndefined();
    });

    test("deletes a key; deleting a missing key is no error", async () => {
      const { kv } = await open();
      await kv.set(["d"], "x");
      await kv.delete(["d"]);
      await kv.delete(["never"]);
      expect(await kv.get(["d"])).toBeUndefined();
      expect(await listed(kv)).toEqual([]);
    });

    test("forgets a value after its ttl, and a later set without ttl keeps it", async () => {
      const { kv } = await open();
      const ttl = Temporal.Duration.from({ milliseconds: 400 });
      await kv.set(["t", "short"], "soon gone", { ttl });
      expect(await kv.get(["t", "short"])).toBe("soon gone");
      await kv.set(["t", "kept"], "first with ttl", { ttl });
      await kv.set(["t", "kept"], "then without");
      await kv.set(["t", "long"], "stays", { ttl: Temporal.Duration.from({ hours: 1 }) });
      await sleep(800);
      expect(await kv.get(["t", "short"])).toBeUndefined();
      expect(await kv.get(["t", "kept"])).toBe("then without");
      expect(await kv.get(["t", "long"])).toBe("stays");
      expect(await listed(kv, ["t"])).toEqual(keysOf(["t", "kept"], ["t", "long"]));
    });

    test("cas swaps only when the current value matches", async () => {
      const { kv } = await open();
      await kv.set(["c"], { n: 1 });
      expect(await kv.cas!(["c"], { n: 2 }, { n: 3 })).toBe(false);
      expect(await kv.get(["c"])).toEqual({ n: 1 });
      expect(await kv.cas!(["c"], { n: 1 }, { n: 2 })).toBe(true);
      expect(await kv.get(["c"])).toEqual({ n: 2 });
      // Structural equality: object key order does not matter.
      await kv.set(["o"], { a: 1, b: [1, 2] });
      expect(await kv.cas!(["o"], { b: [1, 2], a: 1 }, "swapped")).toBe(true);
      expect(await kv.get(["o"])).toBe("swapped");
    });

    test("cas with undefined: expects an absent key, or deletes", async () => {
      const { kv } = await open();
      expect(await kv.cas!(["n"], undefined, "created")).toBe(true);
      expect(await kv.cas!(["n"], undefined, "again")).toBe(false);
      expect(await kv.get(["n"])).toBe("created");
      // Fedify consumes a signature nonce with cas(key, true, undefined).
      await kv.set(["nonce"], true);
      expect(await kv.cas!(["nonce"], true, undefined)).toBe(true);
      expect(await kv.cas!(["nonce"], true, undefined)).toBe(false);
      expect(await kv.get(["nonce"])).toBeUndefined();
    });

    test("cas treats an expired value as absent", async () => {
      const { kv } = await open();
      await kv.set(["e"], "old", { ttl: Temporal.Duration.from({ milliseconds: 200 }) });
      await sleep(400);
      expect(await kv.cas!(["e"], "old", "new")).toBe(false);
      expect(await kv.cas!(["e"], undefined, "new")).toBe(true);
      expect(await kv.get(["e"])).toBe("new");
    });

    test("cas from two processes at once loses no update", async () => {
      const { kv } = await open();
      const other = await worlds.latest()!.other();
      await kv.set(["counter"], 0);
      const increment = async (store: KvStore) => {
        for (;;) {
          const n = (await store.get<number>(["counter"])) ?? 0;
          if (await store.cas!(["counter"], n, n + 1)) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 ? kv : other)));
      expect(await kv.get(["counter"])).toBe(20);
      expect(await other.get(["counter"])).toBe(20);
    });

    test("lists every entry without a prefix", async () => {
      const { kv } = await open();
      await kv.set(["a"], 1);
      await kv.set(["b", "c"], 2);
      await kv.set(["日本"], 3);
      const entries: { key: KvKey; value: unknown }[] = [];
      for await (const entry of kv.list()) entries.push(entry);
      expect(entries.sort((x, y) => JSON.stringify(x.key).localeCompare(JSON.stringify(y.key)))).toEqual([
        { key: ["a"], value: 1 },
        { key: ["b", "c"], value: 2 },
        { key: ["日本"], value: 3 },
      ]);
    });

    test("lists by prefix: the prefix key itself and keys under it, nothing else", async () => {
      const { kv } = await open();
      for (const key of [
        ["a"],
        ["a", "b"],
        ["a", "b", "c"],
        ["a", ""],
        ["ab"],
        ["ab", "c"],
        ["b", "a"],
      ] as KvKey[])
        await kv.set(key, key.join("/"));
      expect(await listed(kv, ["a"])).toEqual(keysOf(["a"], ["a", "b"], ["a", "b", "c"], ["a", ""]));
      expect(await listed(kv, ["a", "b"])).toEqual(keysOf(["a", "b"], ["a", "b", "c"]));
      expect(await listed(kv, ["a", "x"])).toEqual([]);
      const values: unknown[] = [];
      for await (const entry of kv.list(["a", "b"])) values.push(entry.value);
      expect(values.sort()).toEqual(["a/b", "a/b/c"]);
    });

    test("lists by prefix when keys contain LIKE wildcards (% and _)", async () => {
      const { kv } = await open();
      for (const key of [
        ["a%"],
        ["a%", "1"],
        ["ab", "1"],
        ["a_", "1"],
        ["a_b", "1"],
        ["axb", "1"],
        ["%"],
      ] as KvKey[])
        await kv.set(key, true);
      expect(await listed(kv, ["a%"])).toEqual(keysOf(["a%"], ["a%", "1"]));
      expect(await listed(kv, ["a_"])).toEqual(keysOf(["a_", "1"]));
      expect(await listed(kv, ["a_b"])).toEqual(keysOf(["a_b", "1"]));
      expect(await listed(kv, ["%"])).toEqual(keysOf(["%"]));
    });

    test("lists by prefix when keys contain slashes, backslashes and quotes", async () => {
      const { kv } = await open();
      for (const key of [
        ["a/b", "1"],
        ["a", "b/1"],
        ["a\\b", "1"],
        ["a\\", "1"],
        ['q"', "1"],
        ["q", '"1'],
      ] as KvKey[])
        await kv.set(key, true);
      expect(await listed(kv, ["a/b"])).toEqual(keysOf(["a/b", "1"]));
      expect(await listed(kv, ["a\\b"])).toEqual(keysOf(["a\\b", "1"]));
      expect(await listed(kv, ["a\\"])).toEqual(keysOf(["a\\", "1"]));
      expect(await listed(kv, ['q"'])).toEqual(keysOf(['q"', "1"]));
    });

    test("lists by prefix with Unicode and case exactly", async () => {
      const { kv } = await open();
      for (const key of [
        ["ü", "1"],
        ["u", "1"],
        ["日本", "語"],
        ["日", "本"],
        ["😀", "x"],
        ["A", "1"],
        ["a", "1"],
      ] as KvKey[])
        await kv.set(key, true);
      expect(await listed(kv, ["ü"])).toEqual(keysOf(["ü", "1"]));
      expect(await listed(kv, ["日本"])).toEqual(keysOf(["日本", "語"]));
      expect(await listed(kv, ["😀"])).toEqual(keysOf(["😀", "x"]));
      expect(await listed(kv, ["a"])).toEqual(keysOf(["a", "1"]));
    });

    test("lists more entries than one page, and tolerates writes while listing", async () => {
      const { kv } = await open();
      for (let i = 0; i < 300; i++) await kv.set(["many", String(i).padStart(4, "0")], i);
      await kv.set(["other"], true);
      let count = 0;
      for await (const entry of kv.list(["many"])) {
        count++;
        // Fedify's circuit-breaker sweep rewrites entries while it lists them.
        await kv.cas!(entry.key, entry.value, { was: entry.value });
      }
      expect(count).toBe(300);
      expect(await kv.get(["many", "0299"])).toEqual({ was: 299 });
    });
  });
}

// ---------------------------------------------------------------- Message queue

export interface QueueInstanceOptions {
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
}

export interface QueueInstance {
  queue: MessageQueue & Pick<DeliveryQueue, "getDepth" | "exportMessages" | "importMessages">;
  /** `queue.atomically(send, record)` where record inserts `mark` into a ledger table. */
  atomicallyMark<T>(send: () => Promise<T>, mark: string): Promise<T>;
  marks(): Promise<string[]>;
  /** Ends this instance as a killed process ends: nothing it holds is released. */
  crash(): Promise<void>;
}

export interface QueueWorld {
  /** A queue on the shared store, as one more process would open it. */
  instance(options?: QueueInstanceOptions): Promise<QueueInstance>;
  /** A second, empty queue of the same backend: where exported messages are imported. */
  fresh(options?: QueueInstanceOptions): Promise<QueueInstance["queue"]>;
  close(): Promise<void>;
}

export interface QueueTarget {
  name: string;
  open(): Promise<QueueWorld>;
  /** Whether a handler running longer than its lease keeps its message (lease renewal). */
  renewsLeases: boolean;
}

interface Msg {
  n: number;
  key?: string;
}

/** Messages of a queue's store that are due or being handled (what is delayed still waits). */
async function dueOrHandled(queue: QueueInstance["queue"]): Promise<number> {
  const now = Date.now();
  return (await queue.exportMessages()).filter((m) => m.scheduledMs <= now).length;
}

/**
 * Listens on every queue (all on one store) until `until()` holds, then until the store holds no
 * message that is due or being handled (15 s in all at most), then stops them all, letting running
 * handlers finish. A message is deleted only once handled, and a copy is only ever handed out from
 * its row: when none is left, no duplicate can still come.
 */
async function drain(
  queues: readonly QueueInstance["queue"][],
  handler: (m: Msg, worker: number) => Promise<void> | void,
  until: () => boolean,
): Promise<void> {
  const abort = new AbortController();
  const done = queues.map((q, i) => q.listen((m: Msg) => handler(m, i), { signal: abort.signal }));
  const deadline = Date.now() + 15_000;
  while (!until() && Date.now() < deadline) await sleep(10);
  while ((await dueOrHandled(queues[0]!)) > 0 && Date.now() < deadline) await sleep(10);
  abort.abort();
  await Promise.all(done);
  // A handled message left in the store (leased, so the depth does not count it) comes back later.
  expect(await dueOrHandled(queues[0]!), "messages still due or being handled").toBe(0);
}

function counts(seen: readonly Msg[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const m of seen) map.set(m.n, (map.get(m.n) ?? 0) + 1);
  return map;
}

function expectEachOnce(seen: readonly Msg[], total: number): void {
  const c = counts(seen);
  expect([...c.keys()].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
  expect([...c.values()].filter((n) => n !== 1)).toEqual([]);
}

export function queueContract(target: QueueTarget): void {
  describe(`MessageQueue contract: ${target.name}`, () => {
    const worlds = openedWorlds<QueueWorld>();
    const open = () => worlds.track(target.open());
    const gates: (() => void)[] = [];
    afterEach(async () => {
      for (const release of gates.splice(0)) release();
      await worlds.closeAll();
    });

    it("delivers every message exactly once", async () => {
      const a = await (await open()).instance({ concurrency: 8, pollMs: 50 });
      for (let n = 0; n < 30; n++) await a.queue.enqueue({ n });
      await a.queue.enqueueMany!(Array.from({ length: 20 }, (_, i) => ({ n: 30 + i })));
      const seen: Msg[] = [];
      await drain(
        [a.queue],
        (m) => void seen.push(m),
        () => seen.length >= 50,
      );
      expectEachOnce(seen, 50);
      expect(await a.queue.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });
    });

    const orderedRun = async (instances: QueueInstance[]) => {
      const keys = ["a", "b", "c"];
      let n = 0;
      for (let round = 0; round < 10; round++)
        for (const key of keys) {
          await instances[0]!.queue.enqueue({ n: n, key }, { orderingKey: key });
          n++;
          await instances[0]!.queue.enqueue({ n: n });
          n++;
        }
      const seen: Msg[] = [];
      const active = new Map<string, number>();
      let overlaps = 0;
      await drain(
        instances.map((i) => i.queue),
        async (m) => {
          if (m.key) {
            if (active.get(m.key)) overlaps++;
            active.set(m.key, (active.get(m.key) ?? 0) + 1);
          }
          await sleep(Math.random() * 6);
          if (m.key) active.set(m.key, active.get(m.key)! - 1);
          seen.push(m);
        },
        () => seen.length >= n,
      );
      expectEachOnce(seen, n);
      expect(overlaps).toBe(0);
      for (const key of keys) {
        const order = seen.filter((m) => m.key === key).map((m) => m.n);
        expect(order).toHaveLength(10);
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
    };

    it("keeps order per ordering key under concurrency, one at a time per key", async () => {
      const w = await open();
      await orderedRun([await w.instance({ concurrency: 8, pollMs: 20 })]);
    });

    it("keeps order per ordering key across two processes", async () => {
      const w = await open();
      await orderedRun([
        await w.instance({ concurrency: 4, pollMs: 20 }),
        await w.instance({ concurrency: 4, pollMs: 20 }),
      ]);
    });

    it("holds a delayed message until it is due, and counts it as delayed", async () => {
      const a = await (await open()).instance({ pollMs: 20 });
      const start = Date.now();
      await a.queue.enqueue({ n: 1 }, { delay: Temporal.Duration.from({ milliseconds: 600 }) });
      await a.queue.enqueue({ n: 0 });
      expect(await a.queue.getDepth()).toEqual({ queued: 2, ready: 1, delayed: 1 });
      const seen: { n: number; at: number }[] = [];
      await drain(
        [a.queue],
        (m) => void seen.push({ n: m.n, at: Date.now() - start }),
        () => seen.length >= 2,
      );
      expect(seen.map((s) => s.n)).toEqual([0, 1]);
      expect(seen[0]!.at).toBeLessThan(500);
      // Both clocks are this machine's; 50 ms for rounding between them.
      expect(seen[1]!.at).toBeGreaterThanOrEqual(550);
    });

    it("does not count messages being handled in the depth", async () => {
      const a = await (await open()).instance({ concurrency: 1, pollMs: 20 });
      await a.queue.enqueue({ n: 0 });
      await a.queue.enqueue({ n: 1 });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      gates.push(release);
      const seen: Msg[] = [];
      const abort = new AbortController();
      const done = a.queue.listen(
        async (m: Msg) => {
          seen.push(m);
          if (m.n === 0) await gate;
        },
        { signal: abort.signal },
      );
      while (seen.length === 0) await sleep(5);
      expect(await a.queue.getDepth()).toEqual({ queued: 1, ready: 1, delayed: 0 });
      release();
      while (seen.length < 2) await sleep(5);
      abort.abort();
      await done;
      expect(seen.map((m) => m.n)).toEqual([0, 1]);
      expect((await a.queue.getDepth()).queued).toBe(0);
    });

    it("stops when aborted: running handlers finish, unclaimed messages stay queued", async () => {
      const a = await (await open()).instance({ concurrency: 1, pollMs: 20 });
      await a.queue.enqueue({ n: 0 });
      await a.queue.enqueue({ n: 1 });
      const abort = new AbortController();
      const seen: Msg[] = [];
      let finished = false;
      const done = a.queue.listen(
        async (m: Msg) => {
          seen.push(m);
          abort.abort();
          await sleep(100);
          finished = true;
        },
        { signal: abort.signal },
      );
      await done;
      expect(finished).toBe(true);
      expect(seen).toEqual([{ n: 0 }]);
      expect((await a.queue.getDepth()).queued).toBe(1);
    });

    it("gives a crashed worker's message to another after its lease, and not before", async () => {
      const w = await open();
      const first = await w.instance({ leaseMs: 1_000, pollMs: 20 });
      await first.queue.enqueue({ n: 7 });
      let claimed = false;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      gates.push(release);
      const abort1 = new AbortController();
      // A dead process's loop: when the gate opens at teardown its store may be closed already, and
      // what it then fails at is nobody's concern (unawaited, it would be an unhandled rejection).
      first.queue
        .listen(
          () => {
            claimed = true;
            return gate; // The "process" dies mid-delivery: this never finishes before the crash.
          },
          { signal: abort1.signal },
        )
        .catch(() => undefined);
      while (!claimed) await sleep(5);
      const claimedAt = Date.now();
      await first.crash();
      abort1.abort();

      const second = await w.instance({ leaseMs: 1_000, pollMs: 20 });
      const seen: { m: Msg; at: number }[] = [];
      const abort2 = new AbortController();
      const done = second.queue.listen((m: Msg) => void seen.push({ m, at: Date.now() - claimedAt }), {
        signal: abort2.signal,
      });
      // Handed out only once the lease has run out: `at` below says when it was.
      const deadline = Date.now() + 5_000;
      while (seen.length === 0 && Date.now() < deadline) await sleep(10);
      // Deleted once handled: no second copy can follow.
      while ((await second.queue.exportMessages()).length > 0 && Date.now() < deadline) await sleep(10);
      abort2.abort();
      await done;
      expect(seen.map((s) => s.m)).toEqual([{ n: 7 }]);
      // Not before the lease (1 s from the claim, which came a little before claimedAt) ran out.
      expect(seen[0]!.at).toBeGreaterThanOrEqual(600);
      expect(await second.queue.exportMessages()).toEqual([]);
    });

    // SqliteQueue does not renew: its lease (5 minutes) outlasts any delivery, and releaseLeases() frees a
    // dead pid's leases at start-up. Across hosts neither works, so the PostgreSQL queue renews.
    if (target.renewsLeases)
      it("keeps a slow handler's message from other workers by renewing its lease", async () => {
        const w = await open();
        const a = await w.instance({ leaseMs: 300, pollMs: 20 });
        const b = await w.instance({ leaseMs: 300, pollMs: 20 });
        await a.queue.enqueue({ n: 0 });
        const seen: { m: Msg; worker: number }[] = [];
        let finished = false;
        await drain(
          [a.queue, b.queue],
          async (m, worker) => {
            seen.push({ m, worker });
            await sleep(1_800); // Three leases long.
            finished = true;
          },
          () => finished,
        );
        expect(seen).toHaveLength(1);
        expect((await a.queue.getDepth()).queued).toBe(0);
      });

    it("writes a batch and its ledger mark in one transaction, or neither", async () => {
      const a = await (await open()).instance({ pollMs: 20 });
      const value = await a.atomicallyMark(async () => {
        await a.queue.enqueue({ n: 0 }, { orderingKey: "k\nhttps://a.example" });
        await a.queue.enqueueMany!([{ n: 1 }, { n: 2 }], {
          delay: Temporal.Duration.from({ milliseconds: 10 }),
        });
        // Not written yet: it commits with the mark, after send.
        expect((await a.queue.getDepth()).queued).toBe(0);
        return "sent";
      }, "ok");
      expect(value).toBe("sent");
      expect((await a.queue.getDepth()).queued).toBe(3);
      expect(await a.marks()).toEqual(["ok"]);

      // The ledger write fails: the whole batch is rolled back.
      await expect(a.atomicallyMark(() => a.queue.enqueue({ n: 3 }), "ok")).rejects.toThrow();
      // The send fails: nothing is written, not even the mark.
      await expect(
        a.atomicallyMark(async () => {
          await a.queue.enqueue({ n: 4 });
          throw new Error("send failed");
        }, "x"),
      ).rejects.toThrow("send failed");
      expect((await a.queue.getDepth()).queued).toBe(3);
      expect(await a.marks()).toEqual(["ok"]);

      const seen: Msg[] = [];
      await drain(
        [a.queue],
        (m) => void seen.push(m),
        () => seen.length >= 3,
      );
      expectEachOnce(seen, 3);
    });

    it("exports every waiting message, leased ones too, and imports them elsewhere in order", async () => {
      const w = await open();
      const a = await w.instance({ concurrency: 1, pollMs: 20 });
      const hour = Temporal.Duration.from({ hours: 1 });
      await a.queue.enqueue({ n: 0, key: "k" }, { orderingKey: "k" });
      await a.queue.enqueue({ n: 1 }, { delay: hour });
      await a.queue.enqueue({ n: 2, key: "k" }, { orderingKey: "k" });
      await a.queue.enqueue({ n: 3, key: "é ✓" }, { orderingKey: "é ✓" });
      // n 0 is claimed (a lease, one attempt) and stays in the handler while the queue is exported.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      gates.push(release);
      const seenByA: Msg[] = [];
      const abortA = new AbortController();
      const doneA = a.queue.listen(
        (m: Msg) => {
          seenByA.push(m);
          return gate;
        },
        { signal: abortA.signal },
      );
      while (seenByA.length === 0) await sleep(5);
      const exported = await a.queue.exportMessages();
      abortA.abort();
      release();
      await doneA;

      const due = Date.now();
      expect(exported.map((m) => [m.message, m.orderingKey, m.attempts])).toEqual([
        ['{"n":0,"key":"k"}', "k", 1],
        ['{"n":1}', null, 0],
        ['{"n":2,"key":"k"}', "k", 0],
        ['{"n":3,"key":"é ✓"}', "é ✓", 0],
      ]);
      expect(Math.abs(exported[0]!.scheduledMs - due)).toBeLessThan(5_000);
      expect(Math.abs(exported[1]!.scheduledMs - (due + 3_600_000))).toBeLessThan(5_000);

      const b = await w.fresh({ concurrency: 4, pollMs: 20 });
      // Stored text travels byte for byte, whatever its spacing or escapes.
      const odd = { message: '{ "n": 4,  "z": "\\u00e9" }', orderingKey: "k", scheduledMs: 0, attempts: 7 };
      await b.importMessages([...exported, odd]);
      expect(await b.exportMessages()).toEqual([...exported, odd]);
      // Nothing imported is leased: the claimed message is ready again, the delayed one still waits.
      expect(await b.getDepth()).toEqual({ queued: 5, ready: 4, delayed: 1 });
      const seen: Msg[] = [];
      await drain(
        [b],
        async (m) => {
          await sleep(Math.random() * 5);
          seen.push(m);
        },
        () => seen.length >= 4,
      );
      expect(seen.map((m) => m.n).sort()).toEqual([0, 2, 3, 4]);
      // One ordering key: in the exported order (id order), one at a time.
      expect(seen.filter((m) => m.n !== 3).map((m) => m.n)).toEqual([0, 2, 4]);
      expect(await b.exportMessages()).toEqual([exported[1]]);
    });

    it("lets many workers compete without duplicates (3 processes × concurrency 8, 300 messages)", async () => {
      const w = await open();
      const workers = [
        await w.instance({ concurrency: 8, pollMs: 20 }),
        await w.instance({ concurrency: 8, pollMs: 20 }),
        await w.instance({ concurrency: 8, pollMs: 20 }),
      ];
      await workers[0]!.queue.enqueueMany!(Array.from({ length: 300 }, (_, n) => ({ n })));
      const seen: Msg[] = [];
      const perWorker = [0, 0, 0];
      await drain(
        workers.map((x) => x.queue),
        async (m, worker) => {
          perWorker[worker]!++;
          await sleep(Math.random() * 3);
          seen.push(m);
        },
        () => seen.length >= 300,
      );
      expectEachOnce(seen, 300);
      expect(perWorker.reduce((a, b) => a + b)).toBe(300);
      expect((await workers[1]!.queue.getDepth()).queued).toBe(0);
    });
  });
}
