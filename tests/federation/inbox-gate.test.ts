// The inbox door: cheap refusals before any JSON-LD work, rate limits, load shedding, and pages,
// feeds and /healthz that keep answering during a flood of 1,000 unsigned requests per second.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefusalLog, TokenBuckets } from "../../src/web/load.ts";
import { flood, probe } from "../helpers/flood.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { type HeraldUnderTest, startHerald } from "./setup.ts";

type Json = Record<string, unknown>;

/** JSON text nested `depth` levels deep (built as text: JSON.stringify would overflow the stack). */
const nested = (depth: number) => `${'{"a":['.repeat(depth)}{}${"]}".repeat(depth)}`;

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/activity+json", ...headers },
    body,
  });

describe("the inbox door", () => {
  let herald: HeraldUnderTest;
  let peers: VerifyingInbox;
  beforeAll(async () => {
    peers = await startVerifyingInbox();
    herald = await startHerald();
    herald.write("hello.md", "---\ntitle: Hello\nlang: en\n---\n\nHello.\n");
    await herald.server.tick();
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
  });

  it("answers an unsigned request 401, whatever its size or nesting", async () => {
    const big = JSON.stringify({ type: "Follow", padding: "x".repeat(900 * 1024) });
    for (const body of [big, nested(5_000), "{not json"]) {
      const res = await post(`${herald.origin}/inbox`, body);
      expect(res.status).toBe(401);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("answers 400, not 500, to a signed body nested deeper than 64 levels", async () => {
    const actor = peers.actorUrl("deep");
    const like = `{"@context":"https://www.w3.org/ns/activitystreams","id":"${actor}#like","type":"Like","actor":"${actor}","object":"${herald.origin}/objects/hello","extra":${nested(5_000)}}`;
    const res = await peers.signedPost(
      `${herald.origin}/inbox`,
      {},
      { scheme: "cavage", as: "deep", rawBody: like },
    );
    expect(res.status).toBe(400);
    expect(await herald.server.storage.federation.listInteractions()).toEqual([]);
  });

  it("answers 401 to a signature whose keyId is not an http(s) URL", async () => {
    const res = await post(`${herald.origin}/inbox`, "{}", {
      Signature: 'keyId="file:///etc/passwd",algorithm="rsa-sha256",headers="date",signature="AAAA"',
    });
    expect(res.status).toBe(401);
  });

  it("puts X-Content-Type-Options: nosniff on feeds and /healthz", async () => {
    for (const path of ["/feed.xml", "/atom.xml", "/feed.json", "/healthz"]) {
      const res = await fetch(`${herald.origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  // Last in this Herald: it spends this client's tokens.
  it("answers 429 with Retry-After to a client over its rate", async () => {
    // In batches: 700 at once from this very process would lag its event loop into shedding (503).
    const statuses: (readonly [number, string | null])[] = [];
    for (let batch = 0; batch < 14; batch++)
      statuses.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () =>
            post(`${herald.origin}/inbox`, "{}").then(
              (res) => [res.status, res.headers.get("retry-after")] as const,
            ),
          ),
        )),
      );
    const limited = statuses.filter(([status]) => status === 429);
    expect(limited.length, JSON.stringify([...new Set(statuses.map(([s]) => s))])).toBeGreaterThan(0);
    expect(limited.every(([, retry]) => Number(retry) >= 1)).toBe(true);
    expect(
      statuses.every(([status]) => status === 401 || status === 429),
      JSON.stringify(statuses.slice(0, 5)),
    ).toBe(true);
  });
});

describe("token buckets and the refusal log", () => {
  it("gives a burst, then one token per 1/rate seconds, and says how long to wait", () => {
    const buckets = new TokenBuckets(10, 3);
    expect([0, 1, 2].map(() => buckets.take("a", 0))).toEqual([0, 0, 0]);
    expect(buckets.take("a", 0)).toBe(1);
    expect(buckets.take("b", 0)).toBe(0);
    expect(buckets.take("a", 100)).toBe(0);
  });

  it("logs one line per refusal, at most 20 per window, then one summary without stack traces", () => {
    const lines: Json[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Json);
        done();
      },
    });
    const log = new RefusalLog(pino({ level: "info" }, sink), 20, 10_000);
    for (let i = 0; i < 1_000; i++) log.refused(401, "unsigned", { client: "127.0.0.1" }, 1_000 + i);
    log.refused(401, "unsigned", {}, 20_000);
    log.flush();
    const summaries = lines.filter((l) => l.msg === "more inbox requests refused");
    expect(lines.length).toBe(21 + summaries.length);
    expect(summaries[0]).toMatchObject({ suppressed: 980, reasons: { unsigned: 980 } });
    expect(lines.some((l) => "stack" in l || "err" in l)).toBe(false);
  });
});

describe("a flood of 1,000 unsigned requests per second for 20 s", () => {
  let herald: HeraldUnderTest;
  beforeAll(async () => {
    herald = await startHerald();
    herald.write("hello.md", "---\ntitle: Hello\nlang: en\n---\n\nHello.\n");
    await herald.server.tick();
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("leaves /healthz and pages answering", { timeout: 90_000 }, async () => {
    const page = `${herald.origin}/articles/hello/`;
    const quietFor = new Promise((r) => setTimeout(r, 3_000));
    const [quietHealth, quietPage] = await Promise.all([
      probe(`${herald.origin}/healthz`, quietFor),
      probe(page, quietFor),
    ]);
    const flooding = flood(`${herald.origin}/inbox`, 1_000, 20);
    const [result, health, pages] = await Promise.all([
      flooding,
      probe(`${herald.origin}/healthz`, flooding),
      probe(page, flooding),
    ]);
    console.log(
      JSON.stringify({
        flood: result,
        quiet: { healthP99: quietHealth.p99, pageP99: quietPage.p99 },
        flooded: { healthP99: health.p99, pageP99: pages.p99, healthMax: health.max, pageMax: pages.max },
      }),
    );
    expect(result.sent).toBeGreaterThan(15_000);
    // Every answer was a refusal: there were answers (a flood that reached nothing has none).
    expect(Object.values(result.statuses).reduce((n, count) => n + count, 0)).toBeGreaterThan(0);
    expect(Object.keys(result.statuses).every((s) => ["401", "429", "503"].includes(s))).toBe(true);
    for (const stats of [health, pages]) {
      expect(stats.failures).toEqual([]);
      expect(stats.ok).toBeGreaterThan(150);
    }
  });
});
