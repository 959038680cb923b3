// The outbox contract: what the publisher and the delivery worker rely on from Herald's outbox,
// written once and run against SQLite and PostgreSQL (outbox.contract.test.ts). Each target opens a
// fresh, empty store; "another process" is another outbox on the same data.

import { generateKeyPairSync, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { closedCircuit } from "../../src/federation/circuit.ts";
import { spreadOffset } from "../../src/store/outbox-messages.ts";
import type {
  ClaimedDelivery,
  DeliveryResult,
  FederationStore,
  HostCircuit,
  Outbox,
  OutboxDump,
} from "../../src/store/types.ts";
import { openedWorlds } from "./contract.ts";
import { follower } from "./federation-contract.ts";

export interface OutboxOptions {
  spreadMs?: number;
  leaseMs?: number;
}

export interface OutboxWorld<Tx> {
  /** An outbox on the shared store, as one more process would open it. */
  outbox(options?: OutboxOptions): Promise<Outbox<Tx>>;
  /** The federation store on the same data (followers). */
  federation: FederationStore<Tx>;
  /** A ledger write through the outbox's transaction: inserts `mark`, throws when it exists. */
  mark(tx: Tx, mark: string): unknown;
  marks(): Promise<string[]>;
  /** Every value of every row of every table in the store, as text: for the key-material check. */
  everything(): Promise<string>;
  /** A second, empty outbox of the same backend: where a dump is imported. */
  fresh(): Promise<Outbox<Tx>>;
  close(): Promise<void>;
}

export interface OutboxTarget<Tx> {
  name: string;
  open(): Promise<OutboxWorld<Tx>>;
}

const CREATE = "https://www.w3.org/ns/activitystreams#Create";
const UPDATE = "https://www.w3.org/ns/activitystreams#Update";

// ---------------------------------------------------------------- Fedify-shaped messages

/** A real RSA key, as Fedify puts it into every outbox message (JWK), and its PEM. */
export const privateKey = (() => {
  const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    jwk: key.export({ format: "jwk" }) as Record<string, string>,
    pem: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
})();

/**
 * Text that must never be stored: the JWK's private members as JSON, and fragments (24 characters,
 * every 16) of each private member and of the PEM's base64.
 */
export function keyMaterialIn(text: string): string[] {
  const found = ['"d":', '"p":', '"q":', '"dp":', '"dq":', '"qi":'].filter((s) => text.includes(s));
  const secrets = [
    ...["d", "p", "q", "dp", "dq", "qi"].map((m) => privateKey.jwk[m]!),
    privateKey.pem.replace(/-----[^-]+-----|\s/g, ""),
  ];
  for (const secret of secrets)
    for (let i = 0; i + 24 <= secret.length; i += 16) {
      const fragment = secret.slice(i, i + 24);
      if (text.includes(fragment)) found.push(fragment);
    }
  return found;
}

export const activity = (name: string, kind = "create") => ({
  "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"],
  id: `https://herald.example/objects/${name}#${kind}`,
  type: kind === "create" ? "Create" : "Update",
  actor: "https://herald.example/users/news",
  object: { id: `https://herald.example/objects/${name}`, type: "Note", content: `<p>${name} é ✓ "q"</p>` },
  proof: { type: "DataIntegrityProof", proofValue: "z3abc" },
});

export interface MessageOptions {
  /** The article's object id: Fedify's ordering key is it, a newline, and the inbox's origin. */
  orderKey?: string;
  /** Sent to followers with FEP-8fcf: Fedify adds a Collection-Synchronization header per inbox. */
  followers?: boolean;
}

/** What Fedify's sendActivity hands the outbox queue: one message per inbox, sharing the activity and keys. */
export function fedifyMessages(
  act: ReturnType<typeof activity>,
  inboxes: readonly string[],
  options: MessageOptions = {},
) {
  const keys = [{ keyId: "https://herald.example/users/news#main-key", privateKey: privateKey.jwk }];
  return inboxes.map((inbox) => ({
    type: "outbox" as const,
    id: randomUUID(),
    baseUrl: "https://herald.example",
    keys,
    activity: act,
    activityId: act.id,
    activityType: act.type === "Create" ? CREATE : UPDATE,
    inbox,
    sharedInbox: inbox.endsWith("/inbox") && !inbox.includes("/users/"),
    actorIds: [`${new URL(inbox).origin}/users/someone`],
    started: new Date().toISOString(),
    attempt: 0,
    headers: options.followers
      ? {
          "Collection-Synchronization": `collectionId="https://herald.example/users/news/followers", digest="ab"`,
        }
      : {},
    orderingKey: options.orderKey ? `${options.orderKey}\n${new URL(inbox).origin}` : undefined,
    traceContext: {},
  }));
}

/** As Fedify enqueues a fan-out with an ordering key: one enqueue per message, all at once. */
export async function enqueueAll(outbox: Outbox<unknown>, messages: ReturnType<typeof fedifyMessages>) {
  await Promise.all(
    messages.map((m) => outbox.enqueue(m, m.orderingKey ? { orderingKey: m.orderingKey } : undefined)),
  );
}

const inboxesOf = (host: string, n: number) =>
  Array.from({ length: n }, (_, i) => `https://${host}/users/u${i}/inbox`);

const settlement = (delivery: ClaimedDelivery, result: DeliveryResult, atMs = Date.now()) => ({
  delivery,
  result,
  atMs,
});

const circuit = (host: string, overrides: Partial<HostCircuit> = {}): HostCircuit => ({
  ...closedCircuit(host),
  ...overrides,
});

/** A dump with fan-out ids replaced by their rank: ids differ between stores, the order does not. */
function normalized(dump: OutboxDump) {
  const rank = new Map(dump.fanouts.map((f, i) => [f.id, i]));
  return {
    fanouts: dump.fanouts.map((f) => ({ ...f, id: rank.get(f.id) })),
    deliveries: dump.deliveries.map((d) => ({ ...d, fanoutId: rank.get(d.fanoutId) })),
  };
}

// ---------------------------------------------------------------- the contract

export function outboxContract<Tx>(target: OutboxTarget<Tx>): void {
  describe(`Outbox contract: ${target.name}`, () => {
    const worlds = openedWorlds<OutboxWorld<Tx>>();
    const open = () => worlds.track(target.open());
    afterEach(() => worlds.closeAll());

    it("writes a batch's fan-outs and its ledger mark in one transaction, or neither", async () => {
      const w = await open();
      const o = await w.outbox();
      const a = activity("harbor");
      const value = await o.atomically(
        async () => {
          await enqueueAll(o, fedifyMessages(a, inboxesOf("a.example", 2), { orderKey: "k" }));
          // Not written yet: it commits with the mark, after send.
          expect((await o.getDepth()).queued).toBe(0);
          return "sent";
        },
        (_value, tx) => w.mark(tx, "ok"),
      );
      expect(value).toBe("sent");
      expect(await o.getDepth()).toEqual({ queued: 2, ready: 2, delayed: 0 });
      expect(await w.marks()).toEqual(["ok"]);

      // The ledger write fails (the mark exists): the fan-out is rolled back.
      await expect(
        o.atomically(
          () => o.enqueueMany!(fedifyMessages(activity("b"), inboxesOf("b.example", 3))),
          (_value, tx) => w.mark(tx, "ok"),
        ),
      ).rejects.toThrow();
      // The send fails: nothing is written, not even the mark.
      await expect(
        o.atomically(
          async () => {
            await o.enqueueMany!(fedifyMessages(activity("c"), inboxesOf("c.example", 3)));
            throw new Error("send failed");
          },
          (_value, tx) => w.mark(tx, "x"),
        ),
      ).rejects.toThrow("send failed");
      expect(await o.getDepth()).toEqual({ queued: 2, ready: 2, delayed: 0 });
      expect(await w.marks()).toEqual(["ok"]);
      const dump = await o.exportOutbox();
      expect(dump.fanouts).toHaveLength(1);
      expect(dump.deliveries.map((d) => d.inbox)).toEqual(inboxesOf("a.example", 2));

      // Outside a batch, what Fedify enqueues is written at once; anything else is refused.
      await o.enqueueMany!(fedifyMessages(activity("d"), inboxesOf("d.example", 1)));
      expect((await o.getDepth()).queued).toBe(3);
      await expect(o.enqueue({ type: "inbox", id: "x" })).rejects.toThrow(/outbox messages only/);
    });

    it("keeps the body once per fan-out, with its type and followers flag", async () => {
      const w = await open();
      const o = await w.outbox();
      const a = activity("harbor");
      const before = Date.now();
      await o.atomically(
        () => enqueueAll(o, fedifyMessages(a, inboxesOf("a.example", 3), { orderKey: "k", followers: true })),
        (_v, tx) => w.mark(tx, "m"),
      );
      const claimed = await o.claim(10);
      expect(claimed).toHaveLength(3);
      expect(new Set(claimed.map((d) => d.fanoutId)).size).toBe(1);
      const body = await o.fanout(claimed[0]!.fanoutId);
      expect(body).toEqual({
        id: claimed[0]!.fanoutId,
        // The actor whose key Fedify chose (`/users/news#main-key`) signs it.
        account: "news",
        activityId: a.id,
        activityType: CREATE,
        followers: true,
        body: JSON.stringify(a),
        createdMs: expect.any(Number),
      });
      // Two clocks (the test's and the database's): a second of slack.
      expect(Math.abs(body!.createdMs - before)).toBeLessThan(1_000);
      expect(await o.fanout(claimed[0]!.fanoutId + 1_000)).toBeUndefined();
    });

    it("leases what it claims: nothing is claimed twice, by this process or another", async () => {
      const w = await open();
      const a = await w.outbox();
      const b = await w.outbox();
      await a.enqueueMany!(fedifyMessages(activity("harbor"), inboxesOf("a.example", 30)));
      const first = await a.claim(10);
      expect(first).toHaveLength(10);
      expect(first[0]).toEqual({
        id: expect.any(Number),
        fanoutId: expect.any(Number),
        inbox: "https://a.example/users/u0/inbox",
        host: "a.example",
        attempt: 0,
      });
      expect(first.map((d) => d.id)).toEqual([...first.map((d) => d.id)].sort((x, y) => x - y));
      const rest = await a.claim(100);
      expect(rest).toHaveLength(20);
      expect(await b.claim(100)).toEqual([]);
      expect(await a.claim(100)).toEqual([]);
      // Leased deliveries are not in the depth; they are in the export (they are still queued).
      expect(await b.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });
      expect((await b.exportOutbox()).deliveries).toHaveLength(30);
      expect(new Set([...first, ...rest].map((d) => d.inbox)).size).toBe(30);
    });

    it("hands each delivery to one of many concurrent claimers", async () => {
      const w = await open();
      const outboxes = await Promise.all([w.outbox(), w.outbox(), w.outbox(), w.outbox()]);
      const hosts = Array.from({ length: 10 }, (_, i) => `h${i}.example`);
      await outboxes[0]!.enqueueMany!(
        fedifyMessages(
          activity("harbor"),
          hosts.flatMap((h) => inboxesOf(h, 20)),
        ),
      );
      const seen: number[] = [];
      await Promise.all(
        outboxes.map(async (o) => {
          for (;;) {
            const claimed = await o.claim(7);
            if (claimed.length === 0 && (await o.getDepth()).ready === 0) return;
            seen.push(...claimed.map((d) => d.id));
          }
        }),
      );
      expect(seen).toHaveLength(200);
      expect(new Set(seen).size).toBe(200);
    });

    it("delivers one order key's fan-outs to each inbox in the order queued", async () => {
      const w = await open();
      const o = await w.outbox();
      const inboxA = "https://a.example/inbox";
      const inboxB = "https://b.example/inbox";
      const key = "https://herald.example/objects/harbor";
      await o.atomically(
        () => enqueueAll(o, fedifyMessages(activity("harbor"), [inboxA, inboxB], { orderKey: key })),
        (_v, tx) => w.mark(tx, "1"),
      );
      await o.atomically(
        () =>
          enqueueAll(o, fedifyMessages(activity("harbor", "update"), [inboxA, inboxB], { orderKey: key })),
        (_v, tx) => w.mark(tx, "2"),
      );
      // Another key, and no key: not held back by harbor's deliveries.
      await enqueueAll(
        o,
        fedifyMessages(activity("other"), [inboxA], { orderKey: "https://herald.example/objects/other" }),
      );
      await o.enqueueMany!(fedifyMessages(activity("profile"), [inboxA]));

      const bodyOf = async (d: ClaimedDelivery) => (await o.fanout(d.fanoutId))!.activityId;
      const first = await o.claim(10);
      expect(await Promise.all(first.map(async (d) => `${await bodyOf(d)} → ${d.inbox}`))).toEqual([
        `https://herald.example/objects/harbor#create → ${inboxA}`,
        `https://herald.example/objects/harbor#create → ${inboxB}`,
        `https://herald.example/objects/other#create → ${inboxA}`,
        `https://herald.example/objects/profile#create → ${inboxA}`,
      ]);
      // A's Create is delivered: its Update may go. B's is to be retried: its Update waits for it.
      await o.settle(
        [
          settlement(first[0]!, { kind: "delivered", status: 202 }),
          settlement(first[1]!, { kind: "retry", status: 503, error: "HTTP 503", dueMs: Date.now() - 1 }),
        ],
        [],
      );
      const second = await o.claim(10);
      expect(await Promise.all(second.map(async (d) => `${await bodyOf(d)} → ${d.inbox}`))).toEqual([
        `https://herald.example/objects/harbor#create → ${inboxB}`,
        `https://herald.example/objects/harbor#update → ${inboxA}`,
      ]);
      expect(second.map((d) => d.attempt)).toEqual([1, 0]);
      // B's Create fails for good: its Update goes after all.
      await o.settle([settlement(second[0]!, { kind: "failed", status: 410, error: "HTTP 410" })], []);
      const third = await o.claim(10);
      expect(await Promise.all(third.map(async (d) => `${await bodyOf(d)} → ${d.inbox}`))).toEqual([
        `https://herald.example/objects/harbor#update → ${inboxB}`,
      ]);
    });

    it("settles: delivered and failed deliveries leave, retried ones wait; receipts per server; daily counts", async () => {
      const w = await open();
      const o = await w.outbox();
      const a = activity("harbor");
      const inboxes = [
        ...inboxesOf("a.example", 2),
        "https://b.example/inbox",
        "https://c.example:8443/inbox",
      ];
      await o.atomically(
        () => enqueueAll(o, fedifyMessages(a, inboxes, { orderKey: "k" })),
        (_v, tx) => w.mark(tx, "m"),
      );
      const [a0, a1, b, c] = await o.claim(10);
      expect(c!.host).toBe("c.example:8443");
      const at = Date.now();
      const day = new Date(at).toISOString().slice(0, 10);
      // In two batches: a server's receipt adds up across them as within one.
      await o.settle(
        [
          settlement(a0!, { kind: "delivered", status: 202 }, at),
          settlement(b!, { kind: "failed", status: 410, error: "HTTP 410: Gone" }, at),
        ],
        [],
      );
      await o.settle(
        [
          settlement(a1!, { kind: "retry", status: 503, error: "HTTP 503", dueMs: at + 3_600_000 }, at + 1),
          settlement(
            c!,
            { kind: "retry", status: null, error: "ECONNREFUSED", dueMs: at + 3_600_000 },
            at + 1,
          ),
        ],
        [],
      );
      await o.settle([], []);
      expect(await o.getDepth()).toEqual({ queued: 2, ready: 0, delayed: 2 });
      expect(await o.claim(10)).toEqual([]);
      const dump = await o.exportOutbox();
      expect(dump.deliveries.map((d) => [d.inbox, d.attempt])).toEqual([
        [a1!.inbox, 1],
        [c!.inbox, 1],
      ]);
      for (const d of dump.deliveries) expect(Math.abs(d.dueMs - (at + 3_600_000))).toBeLessThan(1_000);

      const receipts = await o.receipts([a.id]);
      const common = { fanoutId: a0!.fanoutId, activityId: a.id, activityType: CREATE, inboxes: 4 };
      expect(receipts).toEqual([
        {
          ...common,
          host: "a.example",
          // Two inboxes on this server: aggregated.
          inbox: null,
          delivered: 1,
          failed: 0,
          waiting: 1,
          attempts: 2,
          lastStatus: 503,
          lastError: "HTTP 503",
          at: new Date(at + 1).toISOString(),
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
        {
          ...common,
          host: "b.example",
          inbox: "https://b.example/inbox",
          delivered: 0,
          failed: 1,
          waiting: 0,
          attempts: 1,
          lastStatus: 410,
          lastError: "HTTP 410: Gone",
          at: new Date(at).toISOString(),
          createdAt: receipts[0]!.createdAt,
        },
        {
          ...common,
          host: "c.example:8443",
          inbox: "https://c.example:8443/inbox",
          delivered: 0,
          failed: 0,
          waiting: 1,
          attempts: 1,
          lastStatus: null,
          lastError: "ECONNREFUSED",
          at: new Date(at + 1).toISOString(),
          createdAt: receipts[0]!.createdAt,
        },
      ]);
      expect(await o.days(day)).toEqual([{ day, delivered: 1, failed: 1, followers: null }]);

      // The retries come due and go: a.example's receipt keeps its error only until it delivers.
      const later = at + 3_600_000;
      await o.settle(
        [
          settlement({ ...a1!, attempt: 1 }, { kind: "delivered", status: 200 }, later),
          settlement(
            { ...c!, attempt: 1 },
            { kind: "failed", status: 500, error: "HTTP 500 (given up)" },
            later,
          ),
        ],
        [],
      );
      const after = await o.receipts([a.id]);
      expect(
        after.map((r) => [
          r.host,
          r.inbox,
          r.delivered,
          r.failed,
          r.waiting,
          r.attempts,
          r.lastStatus,
          r.lastError,
        ]),
      ).toEqual([
        ["a.example", null, 2, 0, 0, 3, 200, "HTTP 503"],
        ["b.example", "https://b.example/inbox", 0, 1, 0, 1, 410, "HTTP 410: Gone"],
        ["c.example:8443", "https://c.example:8443/inbox", 0, 1, 0, 2, 500, "HTTP 500 (given up)"],
      ]);
      const laterDay = new Date(later).toISOString().slice(0, 10);
      const days = await o.days(day);
      const total = days.reduce(
        (n, d) => ({ delivered: n.delivered + d.delivered, failed: n.failed + d.failed }),
        {
          delivered: 0,
          failed: 0,
        },
      );
      expect(total).toEqual({ delivered: 2, failed: 2 });
      expect(days.at(-1)!.day).toBe(laterDay);
      expect(await o.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });

      // The follower count joins the day's counts without touching them.
      await o.snapshotFollowers(day, 42);
      await o.snapshotFollowers("2020-01-01", 7);
      expect((await o.days(day))[0]).toMatchObject({ day, followers: 42 });
      expect((await o.days("2020-01-01"))[0]).toEqual({
        day: "2020-01-01",
        delivered: 0,
        failed: 0,
        followers: 7,
      });
      expect(await o.days("2999-01-01")).toEqual([]);
    });

    it("answers receipts before any attempt, per activity, newest fan-out first", async () => {
      const w = await open();
      const o = await w.outbox();
      const first = activity("one");
      const second = activity("two");
      await o.enqueueMany!(fedifyMessages(first, ["https://a.example/inbox", ...inboxesOf("b.example", 2)]));
      await o.enqueueMany!(fedifyMessages(second, ["https://a.example/inbox"]));
      const receipts = await o.receipts([first.id, second.id, "https://nowhere.example/x"]);
      expect(
        receipts.map((r) => [r.activityId, r.host, r.inbox, r.waiting, r.attempts, r.delivered, r.at]),
      ).toEqual([
        [second.id, "a.example", "https://a.example/inbox", 1, 0, 0, null],
        [first.id, "a.example", "https://a.example/inbox", 1, 0, 0, null],
        // Nothing attempted, two inboxes: no single inbox to name.
        [first.id, "b.example", null, 2, 0, 0, null],
      ]);
      expect(receipts[0]!.fanoutId).toBeGreaterThan(receipts[1]!.fanoutId);
      expect(await o.receipts([])).toEqual([]);
      expect(await o.receipts(["https://nowhere.example/x"])).toEqual([]);
    });

    it("holds a server's deliveries while its circuit is open, new ones too, and releases them", async () => {
      const w = await open();
      const a = await w.outbox();
      const b = await w.outbox();
      await a.enqueueMany!(
        fedifyMessages(activity("one"), [...inboxesOf("down.example", 2), "https://up.example/inbox"]),
      );
      // a claims everything, then down.example's circuit opens: its leases are given up, its deliveries wait.
      expect(await a.claim(10)).toHaveLength(3);
      const until = Date.now() + 3_600_000;
      await a.settle([], [circuit("down.example", { failures: 5, opens: 1, openUntilMs: until })]);
      await a.hold("down.example", until);
      expect(await a.getDepth()).toEqual({ queued: 2, ready: 0, delayed: 2 });
      expect(await b.claim(10)).toEqual([]);
      // Fan-outs queued while it is open are held from the start.
      await b.enqueueMany!(
        fedifyMessages(activity("two"), ["https://down.example/inbox", "https://up2.example/inbox"]),
      );
      expect((await b.claim(10)).map((d) => d.inbox)).toEqual(["https://up2.example/inbox"]);
      expect(await b.getDepth()).toEqual({ queued: 3, ready: 0, delayed: 3 });
      for (const d of (await b.exportOutbox()).deliveries.filter((x) => x.host === "down.example"))
        expect(Math.abs(d.dueMs - until)).toBeLessThan(1_000);
      // Another server's hold leaves these alone; the release makes them due at once.
      await b.hold("elsewhere.example", until);
      await b.release("down.example");
      expect(await b.getDepth()).toEqual({ queued: 3, ready: 3, delayed: 0 });
      expect((await b.claim(10)).map((d) => d.inbox)).toEqual([
        ...inboxesOf("down.example", 2),
        "https://down.example/inbox",
      ]);
    });

    it("keeps circuits per server, replacing each with its newest state", async () => {
      const w = await open();
      const a = await w.outbox();
      const b = await w.outbox();
      expect(await a.circuits()).toEqual([]);
      const t0 = 1_767_225_600_000;
      const down = circuit("down.example", {
        failures: 7,
        opens: 2,
        openUntilMs: t0 + 120_000,
        firstFailureMs: t0 - 86_400_000 * 8,
        lastFailureMs: t0,
        unreachableSinceMs: t0 - 86_400_000,
        lastError: "ECONNREFUSED: connect ECONNREFUSED 192.0.2.1:443",
      });
      const up = circuit("b.example:8443", { lastSuccessMs: t0 });
      await a.settle([], [down, up]);
      expect(await b.circuits()).toEqual([up, down]);
      const closed = circuit("down.example", { lastSuccessMs: t0 + 200_000 });
      await b.settle([], [closed]);
      expect(await a.circuits()).toEqual([up, closed]);
    });

    it("lists accepted followers on exactly one origin", async () => {
      const w = await open();
      const o = await w.outbox();
      const add = (actorId: string, state: "accepted" | "pending" = "accepted") =>
        w.federation.upsertFollower(follower(actorId, { actorId, state }));
      await add("https://a.example/users/zoe");
      await add("https://a.example/users/ann");
      await add("https://a.example/users/pat", "pending");
      await add("https://a.example.evil/users/eve");
      await add("https://a.example:8443/users/pia");
      await add("https://a.examplf/users/x");
      await add("https://b.example/users/bob");
      await add("http://a.example/users/old");
      expect(await o.followerIdsAt("https://a.example")).toEqual([
        "https://a.example/users/ann",
        "https://a.example/users/zoe",
      ]);
      expect(await o.followerIdsAt("https://a.example:8443")).toEqual(["https://a.example:8443/users/pia"]);
      expect(await o.followerIdsAt("https://a.example.evil")).toEqual(["https://a.example.evil/users/eve"]);
      expect(await o.followerIdsAt("https://c.example")).toEqual([]);
      const each = await o.followerIdsByOrigin([
        "https://a.example",
        "https://c.example",
        "https://a.example.evil",
        "https://a.example",
      ]);
      expect(each).toEqual(
        new Map([
          ["https://a.example", ["https://a.example/users/ann", "https://a.example/users/zoe"]],
          ["https://c.example", []],
          ["https://a.example.evil", ["https://a.example.evil/users/eve"]],
        ]),
      );
      expect(await o.followerIdsByOrigin([])).toEqual(new Map());
      // A section account's followers are its own: digests per account never mix.
      await w.federation
        .forAccount("tech")
        .upsertFollower(follower("https://a.example/users/tim", { actorId: "https://a.example/users/tim" }));
      expect(await o.followerIdsAt("https://a.example", "tech")).toEqual(["https://a.example/users/tim"]);
      expect(await o.followerIdsByOrigin(["https://a.example", "https://b.example"], "tech")).toEqual(
        new Map([
          ["https://a.example", ["https://a.example/users/tim"]],
          ["https://b.example", []],
        ]),
      );
      expect((await o.followerIdsByOrigin(["https://a.example"])).get("https://a.example")).toEqual([
        "https://a.example/users/ann",
        "https://a.example/users/zoe",
      ]);
    });

    it("prunes settled fan-outs and their receipts, keeping any with deliveries queued", async () => {
      const w = await open();
      const o = await w.outbox();
      const done = activity("done");
      const waiting = activity("waiting");
      await o.enqueueMany!(fedifyMessages(done, ["https://a.example/inbox"]));
      await o.enqueueMany!(fedifyMessages(waiting, ["https://a.example/inbox", "https://b.example/inbox"]));
      const claimed = await o.claim(10);
      await o.settle(
        claimed
          .filter((d) => d.inbox === "https://a.example/inbox")
          .map((d) => settlement(d, { kind: "delivered", status: 202 })),
        [],
      );
      expect(await o.prune(Date.now() - 3_600_000)).toBe(0);
      expect((await o.receipts([done.id])).length).toBe(1);
      const old = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
      await o.snapshotFollowers(old, 3);
      expect(await o.prune(Date.now() + 60_000)).toBe(1);
      expect(await o.receipts([done.id])).toEqual([]);
      expect((await o.receipts([waiting.id])).map((r) => [r.host, r.delivered, r.waiting])).toEqual([
        ["a.example", 1, 0],
        ["b.example", 0, 1],
      ]);
      expect((await o.days(old)).map((d) => d.day)).not.toContain(old);
      expect(await o.prune(Date.now() + 60_000)).toBe(0);
    });

    it("exports what is queued, leased or not, and imports it elsewhere in order", async () => {
      const w = await open();
      const o = await w.outbox();
      const key = "https://herald.example/objects/harbor";
      const inboxes = [
        "https://a.example/inbox",
        "https://b.example/users/1/inbox",
        "https://b.example/users/2/inbox",
      ];
      await o.atomically(
        () => enqueueAll(o, fedifyMessages(activity("harbor"), inboxes, { orderKey: key, followers: true })),
        (_v, tx) => w.mark(tx, "1"),
      );
      await o.atomically(
        () =>
          enqueueAll(
            o,
            fedifyMessages(activity("harbor", "update"), inboxes, { orderKey: key, followers: true }),
          ),
        (_v, tx) => w.mark(tx, "2"),
      );
      await o.enqueueMany!(fedifyMessages(activity("done"), ["https://c.example/inbox"]));
      const claimed = await o.claim(10);
      expect(claimed.map((d) => d.inbox)).toEqual([...inboxes, "https://c.example/inbox"]);
      // One retried later, one gone; the others stay leased while exported.
      await o.settle(
        [
          settlement(claimed[0]!, {
            kind: "retry",
            status: 502,
            error: "HTTP 502",
            dueMs: Date.now() + 3_600_000,
          }),
          settlement(claimed[3]!, { kind: "delivered", status: 202 }),
        ],
        [],
      );
      const exported = await o.exportOutbox();
      expect(exported.fanouts.map((f) => [f.activityId, f.activityType, f.orderKey, f.followers])).toEqual([
        ["https://herald.example/objects/harbor#create", CREATE, key, true],
        ["https://herald.example/objects/harbor#update", UPDATE, key, true],
      ]);
      expect(exported.fanouts[0]!.body).toBe(JSON.stringify(activity("harbor")));
      expect(exported.deliveries.map((d) => [d.inbox, d.host, d.attempt])).toEqual([
        ["https://a.example/inbox", "a.example", 1],
        ["https://b.example/users/1/inbox", "b.example", 0],
        ["https://b.example/users/2/inbox", "b.example", 0],
        ["https://a.example/inbox", "a.example", 0],
        ["https://b.example/users/1/inbox", "b.example", 0],
        ["https://b.example/users/2/inbox", "b.example", 0],
      ]);

      const fresh = await w.fresh();
      await fresh.importOutbox(exported);
      expect(normalized(await fresh.exportOutbox())).toEqual(normalized(exported));
      // Nothing imported is leased: what was claimed is ready again; the retry still waits.
      expect(await fresh.getDepth()).toEqual({ queued: 6, ready: 5, delayed: 1 });
      // And the order per inbox came along: a.example's Update waits for its Create.
      expect((await fresh.claim(10)).map((d) => d.inbox)).toEqual([
        "https://b.example/users/1/inbox",
        "https://b.example/users/2/inbox",
      ]);
      const imported = (await fresh.exportOutbox()).fanouts;
      expect((await fresh.receipts(imported.map((f) => f.activityId))).map((r) => r.inboxes)).toEqual([
        3, 3, 3, 3,
      ]);
      await fresh.importOutbox({ fanouts: [], deliveries: [] });
    });

    it("spreads a fan-out to followers over the window, one moment per server", async () => {
      const w = await open();
      const spreadMs = 60_000;
      const o = await w.outbox({ spreadMs });
      const hosts = Array.from({ length: 20 }, (_, i) => `s${i}.example`);
      const inboxes = hosts.flatMap((h) => inboxesOf(h, 2));
      await o.enqueueMany!(fedifyMessages(activity("spread"), inboxes, { followers: true }));
      // Not to followers (a direct delivery: an Accept, a backfill): at once.
      await o.enqueueMany!(fedifyMessages(activity("direct"), inboxes.slice(0, 4)));
      const { fanouts, deliveries } = await o.exportOutbox();
      const created = new Map(fanouts.map((f) => [f.id, f]));
      const offsets = new Map<string, number>();
      for (const d of deliveries) {
        const fanout = created.get(d.fanoutId)!;
        const offset = d.dueMs - fanout.createdMs;
        if (!fanout.followers) {
          expect(Math.abs(offset)).toBeLessThan(5);
          continue;
        }
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(spreadMs);
        // The same moment for every inbox of a server, as spreadOffset places it.
        expect(Math.abs(offset - spreadOffset(d.host, spreadMs))).toBeLessThan(5);
        if (offsets.has(d.host)) expect(offsets.get(d.host)).toBe(offset);
        offsets.set(d.host, offset);
      }
      expect(offsets.size).toBe(20);
      expect(new Set(offsets.values()).size).toBeGreaterThan(10);
      expect((await o.getDepth()).ready).toBeLessThan(inboxes.length);
    });

    it("stores no key material anywhere, however Fedify's messages carry the keys", async () => {
      const w = await open();
      const o = await w.outbox({ spreadMs: 1_000 });
      // The test's own check finds what it looks for.
      expect(
        keyMaterialIn(JSON.stringify(fedifyMessages(activity("x"), ["https://a.example/inbox"]))),
      ).not.toEqual([]);
      const inboxes = Array.from({ length: 100 }, (_, i) => `https://h${i % 10}.example/users/u${i}/inbox`);
      await o.atomically(
        () =>
          enqueueAll(
            o,
            fedifyMessages(activity("harbor"), inboxes, {
              orderKey: "https://herald.example/objects/harbor",
              followers: true,
            }),
          ),
        (_v, tx) => w.mark(tx, "1"),
      );
      await o.enqueueMany!(
        fedifyMessages(activity("profile", "update"), inboxes.slice(0, 10), { followers: true }),
      );
      const claimed = await o.claim(20);
      await o.settle(
        claimed.map((d, i) =>
          settlement(
            d,
            i % 2
              ? { kind: "delivered", status: 202 }
              : { kind: "retry", status: 401, error: "HTTP 401: bad signature", dueMs: Date.now() + 60_000 },
          ),
        ),
        [circuit("h1.example", { failures: 1, lastError: "HTTP 503", lastFailureMs: Date.now() })],
      );
      const text = await w.everything();
      expect(text).toContain("https://h9.example/users/u99/inbox");
      expect(text).toContain("https://herald.example/objects/harbor#create");
      expect(keyMaterialIn(text)).toEqual([]);
    });

    it("returns nothing to resume at start that another live process holds", async () => {
      const w = await open();
      const a = await w.outbox();
      await a.enqueueMany!(fedifyMessages(activity("x"), inboxesOf("a.example", 2)));
      expect(await a.claim(1)).toHaveLength(1);
      // This process is alive: its lease stands.
      expect(await (await w.outbox()).resumeStopped()).toBe(0);
      expect(await a.getDepth()).toEqual({ queued: 1, ready: 1, delayed: 0 });
    });

    it("tells listeners of deliveries queued", async () => {
      const w = await open();
      const a = await w.outbox();
      let told = 0;
      const unsubscribe = await a.onQueued(() => told++);
      await a.enqueueMany!(fedifyMessages(activity("x"), inboxesOf("a.example", 2)));
      const deadline = Date.now() + 5_000;
      while (told === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(told).toBeGreaterThan(0);
      await unsubscribe();
    });
  });
}
