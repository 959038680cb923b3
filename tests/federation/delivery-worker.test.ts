// The delivery worker against real loopback servers, on a real SQLite outbox, with a clock the test
// moves: receipts per server, a dead server's circuit opening and holding its deliveries, a probe
// after the open period, and the held deliveries going out once it answers.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliveryPolicy } from "../../src/federation/circuit.ts";
import { DeliveryWorker } from "../../src/federation/delivery.ts";
import { generateRsa2048 } from "../../src/federation/keys.ts";
import { createLogger } from "../../src/log.ts";
import { deliveryAgent } from "../../src/net/outbound.ts";
import { signingKey } from "../../src/net/signing.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteOutbox } from "../../src/store/sqlite-outbox.ts";
import { freePort } from "../helpers/apbot.ts";
import { until } from "./setup.ts";

interface Sink {
  server: Server;
  origin: string;
  port: number;
  received: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[];
  close(): Promise<void>;
}

/** A loopback server that answers each POST with `status(path)`. */
async function sink(status: (path: string) => number, port = 0): Promise<Sink> {
  const received: Sink["received"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.statusCode = status(req.url ?? "");
      res.end(res.statusCode >= 300 ? "<html><body><h1>Gone away</h1></body></html>" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CREATE = {
  id: "https://news.example/objects/a#create",
  type: "Create",
  actor: "https://news.example/users/news",
};

/** One of Fedify's per-inbox messages of a fan-out: they share one activity object. */
function outboxMessage(inbox: string) {
  return {
    type: "outbox",
    activityId: CREATE.id,
    activityType: "https://www.w3.org/ns/activitystreams#Create",
    activity: CREATE,
    inbox,
    orderingKey: `https://news.example/objects/a\n${new URL(inbox).origin}`,
    // What Fedify puts in every message; the outbox must drop it.
    keys: [{ keyId: "https://news.example/users/news#main-key", privateKey: { kty: "RSA", d: "secret-d" } }],
  };
}

describe("delivery worker", () => {
  let dir: string;
  let store: SqliteStore;
  let clock: number;
  let outbox: SqliteOutbox;
  let abort: AbortController;
  let running: Promise<void> | undefined;
  const sinks: Sink[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "herald-worker-"));
    store = new SqliteStore(join(dir, "herald.sqlite"));
    clock = Date.parse("2026-12-01T00:00:00Z");
    outbox = new SqliteOutbox(store.database, { now: () => clock });
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await running;
    for (const s of sinks.splice(0)) await s.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorker(options: { perHost?: number; holdMs?: number } = {}): Promise<DeliveryWorker> {
    const pair = await generateRsa2048();
    const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    const worker = new DeliveryWorker({
      outbox,
      key: await signingKey(jwk, new URL("https://news.example/users/news")),
      followersUri: new URL("https://news.example/users/news/followers"),
      agent: deliveryAgent({ allowPrivateAddress: true }, { connections: 4 }),
      userAgent: "Herald/test",
      policy: deliveryPolicy(7),
      concurrency: 8,
      perHost: options.perHost ?? 2,
      holdMs: options.holdMs ?? outbox.maxHoldMs * 0.6,
      log: createLogger(process.env.HERALD_TEST_LOG ?? "silent"),
      now: () => clock,
      pollMs: 20,
    });
    running = worker.run(abort.signal);
    return worker;
  }

  it("keeps a receipt per server: delivered to N of M, failures with their reason", async () => {
    const ok = await sink(() => 202);
    const mixed = await sink((path) => (path === "/users/gone/inbox" ? 410 : 202));
    sinks.push(ok, mixed);
    await outbox.enqueueMany([
      outboxMessage(`${ok.origin}/inbox`),
      outboxMessage(`${mixed.origin}/users/a/inbox`),
      outboxMessage(`${mixed.origin}/users/b/inbox`),
      outboxMessage(`${mixed.origin}/users/gone/inbox`),
    ]);
    await startWorker();
    await until(
      async () =>
        (await outbox.exportOutbox()).deliveries.length === 0 &&
        ok.received.length + mixed.received.length === 4,
    );
    const receipts = await outbox.receipts(["https://news.example/objects/a#create"]);
    const byHost = new Map(receipts.map((r) => [r.host, r]));
    expect(byHost.get(`127.0.0.1:${ok.port}`)).toMatchObject({
      inbox: `${ok.origin}/inbox`,
      delivered: 1,
      failed: 0,
      inboxes: 4,
      lastStatus: 202,
    });
    const m = byHost.get(`127.0.0.1:${mixed.port}`)!;
    // Three inboxes on one server: aggregated, the failure kept with its status and the answer's start.
    expect(m).toMatchObject({ inbox: null, delivered: 2, failed: 1, waiting: 0 });
    expect(m.lastError).toMatch(/^HTTP 410: Gone away/);
    const [day] = await outbox.days("2026-01-01");
    expect(day).toMatchObject({ delivered: 3, failed: 1 });
    // Every delivery was signed (draft-cavage first) and carried the body once stored.
    for (const r of [...ok.received, ...mixed.received]) {
      expect(r.headers.signature).toMatch(
        /^keyId="https:\/\/news\.example\/users\/news#main-key",algorithm="rsa-sha256"/,
      );
      expect(JSON.parse(r.body)).toMatchObject({ type: "Create" });
      expect(r.body).not.toContain("secret-d");
    }
  });

  it("opens a dead server's circuit, holds its deliveries, probes once, and delivers them when it answers", async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${port}`;
    const messages = Array.from({ length: 8 }, (_, i) => outboxMessage(`${dead}/users/u${i}/inbox`));
    await outbox.enqueueMany(messages);
    await startWorker();
    const host = `127.0.0.1:${port}`;
    // Five refused connections in a row open the circuit; the rest wait for the probe.
    const open = await until(async () =>
      (await outbox.circuits()).find((c) => c.host === host && c.openUntilMs),
    );
    expect(open.failures).toBeGreaterThanOrEqual(5);
    expect(open.lastError).toMatch(/ECONNREFUSED/);
    expect(open.openUntilMs).toBe(clock + 60_000);
    const held = (await outbox.exportOutbox()).deliveries;
    expect(held).toHaveLength(8);
    expect(held.every((d) => d.dueMs >= open.openUntilMs!)).toBe(true);
    const [receipt] = await outbox.receipts(["https://news.example/objects/a#create"]);
    expect(receipt).toMatchObject({ host, delivered: 0, failed: 0, waiting: 8 });

    // The server comes back; nothing is tried before the open period ends. The worker asks the
    // outbox for due deliveries at every poll: once it has asked a few times since and was given
    // nothing, nothing can be on its way.
    const back = await sink(() => 202, port);
    sinks.push(back);
    const claims: number[] = [];
    const claim = outbox.claim.bind(outbox);
    outbox.claim = async (limit) => {
      const claimed = await claim(limit);
      claims.push(claimed.length);
      return claimed;
    };
    await until(() => claims.length >= 3);
    expect(claims.filter((n) => n > 0)).toEqual([]);
    expect(back.received).toHaveLength(0);
    clock = open.openUntilMs! + 1;
    await until(() => back.received.length === 8, 10_000);
    await until(async () => (await outbox.exportOutbox()).deliveries.length === 0);
    const closed = (await outbox.circuits()).find((c) => c.host === host)!;
    expect(closed).toMatchObject({ failures: 0, opens: 0, openUntilMs: null, unreachableSinceMs: null });
    const [after] = await outbox.receipts(["https://news.example/objects/a#create"]);
    expect(after).toMatchObject({ delivered: 8, failed: 0, waiting: 0 });
  });

  it("marks a server unreachable after federation.unreachableAfterDays of failures, and gives its deliveries up", async () => {
    const port = await freePort();
    await outbox.enqueueMany([outboxMessage(`http://127.0.0.1:${port}/inbox`)]);
    const host = `127.0.0.1:${port}`;
    // A server that failed for eight days already (as a long-running worker would have recorded it).
    await outbox.settle(
      [],
      [
        {
          host,
          failures: 40,
          opens: 30,
          openUntilMs: null,
          firstFailureMs: clock - 8 * 86_400_000,
          lastFailureMs: clock - 60_000,
          lastSuccessMs: null,
          unreachableSinceMs: null,
          lastError: "ECONNREFUSED",
        },
      ],
    );
    await startWorker();
    const marked = await until(async () =>
      (await outbox.circuits()).find((c) => c.host === host && c.unreachableSinceMs),
    );
    expect(marked.unreachableSinceMs).toBe(clock);
    // The delivery itself was queued now: it is retried (held), not given up, until it is 7 days old.
    expect((await outbox.exportOutbox()).deliveries).toHaveLength(1);
    clock += 8 * 86_400_000;
    await outbox.release(host);
    await until(async () => (await outbox.exportOutbox()).deliveries.length === 0, 10_000);
    const [receipt] = await outbox.receipts(["https://news.example/objects/a#create"]);
    expect(receipt).toMatchObject({ failed: 1, delivered: 0 });
    expect(receipt!.lastError).toMatch(/given up/);
  });

  it("lets go of a delivery that waited behind its server for most of its lease, and sends it once later", async () => {
    let release: (() => void) | undefined;
    const slow = await sink(() => 202);
    sinks.push(slow);
    // The first request is held until the test lets it go.
    slow.server.removeAllListeners("request");
    slow.server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        slow.received.push({
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        const answer = () => {
          res.statusCode = 202;
          res.end();
        };
        if (slow.received.length === 1) release = answer;
        else answer();
      });
    });
    await outbox.enqueueMany([
      outboxMessage(`${slow.origin}/users/a/inbox`),
      outboxMessage(`${slow.origin}/users/b/inbox`),
    ]);
    await startWorker({ perHost: 1, holdMs: 60_000 });
    await until(() => release !== undefined);
    // b waits behind a, past the hold limit: it is let go, not sent, when a finishes.
    clock += 61_000;
    release!();
    // a's outcome is recorded: b has been let go, or sent, by now.
    await until(async () => ((await outbox.receipts([CREATE.id]))[0]?.delivered ?? 0) >= 1);
    // A sentinel to another inbox on the same server: with one delivery at a time per server, it
    // goes out only after b, had b been sent when a finished.
    await outbox.enqueueMany([outboxMessage(`${slow.origin}/users/c/inbox`)]);
    await until(() => slow.received.some((r) => r.path === "/users/c/inbox"));
    expect(slow.received.map((r) => r.path)).toEqual(["/users/a/inbox", "/users/c/inbox"]);
    // Its lease (5 minutes) runs out: claimed again and sent, once.
    clock += outbox.maxHoldMs;
    await until(() => slow.received.length === 3);
    await until(async () => (await outbox.exportOutbox()).deliveries.length === 0);
    expect(slow.received.map((r) => r.path)).toEqual(["/users/a/inbox", "/users/c/inbox", "/users/b/inbox"]);
  });

  it("records a delivery once the database answers again, instead of sending it twice", async () => {
    const ok = await sink(() => 202);
    sinks.push(ok);
    const settle = outbox.settle.bind(outbox);
    let refusals = 2;
    outbox.settle = async (...args) => {
      if (refusals-- > 0) throw new Error("connection refused (the database is away)");
      return settle(...args);
    };
    await outbox.enqueueMany([outboxMessage(`${ok.origin}/inbox`)]);
    await startWorker();
    await until(async () => (await outbox.exportOutbox()).deliveries.length === 0, 10_000);
    expect(refusals).toBeLessThan(0);
    expect(ok.received).toHaveLength(1);
    const [receipt] = await outbox.receipts([CREATE.id]);
    expect(receipt).toMatchObject({ delivered: 1, attempts: 1 });
  });
});
