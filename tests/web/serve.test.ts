import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";

const root = resolve(import.meta.dirname, "../..");
const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function serve(options: { federation?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "herald-serve-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  const config = fromObject(
    {
      site: { url: "http://localhost:1/", timezone: "Asia/Shanghai", language: "zh-CN" },
      server: { port: 0, host: "127.0.0.1" },
    },
    { base: dir, env: {} },
  );
  const server = await startServer(config, createLogger("silent"), {
    ...options,
    settleMs: 0,
    schedules: false,
  });
  running.push(server);
  return {
    server,
    dir,
    get: (path: string, headers: Record<string, string> = {}) =>
      fetch(new URL(path, server.url), { headers, redirect: "manual" }),
  };
}

describe("herald serve", () => {
  it("serves the three feeds with their content types and conditional GET", async () => {
    const { get } = await serve({ federation: false });
    for (const [path, type] of [
      ["/feed.xml", "application/rss+xml; charset=utf-8"],
      ["/atom.xml", "application/atom+xml; charset=utf-8"],
      ["/feed.json", "application/feed+json; charset=utf-8"],
    ] as const) {
      const first = await get(path);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe(type);
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(etag).toMatch(/^".+"$/);
      expect((await first.text()).length).toBeGreaterThan(500);
      expect((await get(path, { "If-None-Match": etag })).status).toBe(304);
      expect((await get(path, { "If-Modified-Since": lastModified })).status).toBe(304);
      expect((await get(path, { "If-None-Match": '"other"' })).status).toBe(200);
    }
    const health = await get("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
  });

  it("serves an article's local images and nothing outside the content dir", async () => {
    const { get } = await serve({ federation: false });
    const cover = await get("/articles/tidal-energy/cover.jpg");
    expect(cover.status).toBe(200);
    expect(cover.headers.get("content-type")).toBe("image/jpeg");
    expect((await get("/articles/tidal-energy/index.md")).status).toBe(404);
    expect((await get("/articles/tidal-energy/..%2F..%2Fpackage.json")).status).toBe(404);
    expect((await get("/articles/no-such-article/cover.jpg")).status).toBe(404);
  });

  it("picks up a new article dropped into the content folder", async () => {
    const { get, dir, server } = await serve({ federation: false });
    const before = (await (await get("/feed.json")).json()) as { items: unknown[] };
    writeFileSync(
      join(dir, "content", "new.md"),
      "---\ntitle: Brand new\n---\nA fresh article. It arrived just now.\n",
    );
    await server.tick();
    const after = (await (await get("/feed.json")).json()) as { items: { title: string }[] };
    expect(after.items.length).toBe(before.items.length + 1);
    expect(after.items.map((i) => i.title)).toContain("Brand new");
  });

  it("answers WebFinger and serves the actor to ActivityPub clients, the home page to browsers", async () => {
    const { get } = await serve();
    const wf = await get("/.well-known/webfinger?resource=acct:news@localhost:1");
    expect(wf.status).toBe(200);
    const actor = await get("/users/news", { Accept: "application/activity+json" });
    expect(actor.status).toBe(200);
    const doc = (await actor.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      type: "Service",
      preferredUsername: "news",
      discoverable: true,
      indexable: true,
      attributionDomains: ["localhost:1"],
    });
    const browser = await get("/users/news", { Accept: "text/html" });
    expect(browser.status).toBe(200);
    expect(browser.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });
});
