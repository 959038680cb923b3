// WebSub: with feeds.hub set, feeds carry hub/self links and the hub is pinged when a feed changes.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { until } from "../federation/setup.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
});

async function hub(): Promise<{ url: string; pings: URLSearchParams[] }> {
  const pings: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      pings.push(new URLSearchParams(body));
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  closers.push(() => new Promise((ok) => server.close(() => ok())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, pings };
}

describe("WebSub", () => {
  it("links the hub in feeds and headers, and pings it once per change", async () => {
    const h = await hub();
    const root = mkdtempSync(join(tmpdir(), "herald-websub-"));
    mkdirSync(join(root, "content"));
    writeFileSync(join(root, "content", "a.md"), "---\ntitle: A\n---\nFirst.\n");
    const config = fromObject(
      { site: { url: "http://localhost:1/" }, server: { port: 0, host: "127.0.0.1" }, feeds: { hub: h.url } },
      { base: root, env: {} },
    );
    const server: RunningServer = await startServer(config, createLogger("silent"), {
      federation: false,
      schedules: false,
      settleMs: 0,
    });
    closers.push(() => server.close());
    const res = await fetch(new URL("/feed.xml", server.url));
    expect(res.headers.get("link")).toBe(`<${h.url}>; rel="hub", <http://localhost:1/feed.xml>; rel="self"`);
    expect(await res.text()).toContain(`<atom:link href="${h.url}" rel="hub"/>`);
    await until(() => h.pings.length === 3);
    expect(h.pings.map((p) => [p.get("hub.mode"), p.get("hub.url")])).toEqual([
      ["publish", "http://localhost:1/feed.xml"],
      ["publish", "http://localhost:1/atom.xml"],
      ["publish", "http://localhost:1/feed.json"],
    ]);
    // Nothing changed: no ping. A new article: one ping per feed.
    // Pings go out in the background, so the hub alone cannot say none is coming; but a scan that
    // decides to ping starts the first request before it returns (the pings of one change follow
    // one another). Watching fetch, the pings a tick started are known when it returns.
    const fetches = vi.spyOn(globalThis, "fetch");
    const pingsStarted = () => fetches.mock.calls.filter(([url]) => String(url) === h.url).length;
    await server.tick();
    expect(pingsStarted()).toBe(0);
    expect(h.pings).toHaveLength(3);
    writeFileSync(join(root, "content", "b.md"), "---\ntitle: B\n---\nSecond.\n");
    await server.tick();
    expect(pingsStarted()).toBe(1);
    await until(() => h.pings.length >= 6);
    expect(h.pings.slice(3).map((p) => p.get("hub.url"))).toEqual([
      "http://localhost:1/feed.xml",
      "http://localhost:1/atom.xml",
      "http://localhost:1/feed.json",
    ]);
    // The hub got everything Herald started: the last ping came from the third request.
    expect(pingsStarted()).toBe(3);
  });
});
