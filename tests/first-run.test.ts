// A newcomer's first `herald serve`: site.url left unset, the port from PORT or server.port, a real
// child process and real HTTP on loopback. Every URL and id must name the port actually served.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./helpers/apbot.ts";
import { type HeraldProcess, HeraldProcesses, isServing } from "./helpers/herald-process.ts";

const root = resolve(import.meta.dirname, "..");
const processes = new HeraldProcesses();
afterEach(() => processes.stopAll());

/** The sample content and a config without site.url, as the repository ships it. */
function site(serverPort?: number): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-first-run-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    [
      "content:\n  dir: content\n  settleMs: 0",
      "data:\n  dir: data",
      `server:\n  host: 127.0.0.1\n  port: ${serverPort ?? 8080}`,
      "media:\n  mirror: false",
    ].join("\n"),
  );
  return dir;
}

const AP = { accept: "application/activity+json" };

async function expectServedOn(port: number): Promise<void> {
  const origin = `http://localhost:${port}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const rss = await (await get("/feed.xml")).text();
  expect(rss).toContain(`<link>${origin}/</link>`);
  expect(rss).toContain(`<guid isPermaLink="false">${origin}/objects/`);
  const json = (await (await get("/feed.json")).json()) as { feed_url: string; items: { id: string }[] };
  expect(json.feed_url).toBe(`${origin}/feed.json`);
  expect(json.items.length).toBeGreaterThan(0);
  for (const item of json.items) expect(item.id.startsWith(`${origin}/objects/`)).toBe(true);

  const finger = await get(`/.well-known/webfinger?resource=acct:news@localhost:${port}`);
  expect(finger.status).toBe(200);
  const links = ((await finger.json()) as { links: { rel: string; href?: string }[] }).links;
  expect(links.find((l) => l.rel === "self")?.href).toBe(`${origin}/users/news`);
  const actor = (await (await get("/users/news", AP)).json()) as { id: string; inbox: string };
  expect(actor.id).toBe(`${origin}/users/news`);
  expect(actor.inbox).toBe(`${origin}/users/news/inbox`);

  // The outbox holds the Create of every article: activity and object ids on the served port.
  const outbox = (await (await get("/users/news/outbox", AP)).json()) as { first?: string };
  expect(outbox.first?.startsWith(`${origin}/users/news/outbox`)).toBe(true);
  const page = (await (
    await get(new URL(outbox.first!).pathname + new URL(outbox.first!).search, AP)
  ).json()) as {
    orderedItems: { id: string; object: { id: string } | string }[];
  };
  expect(page.orderedItems.length).toBe(json.items.length);
  for (const activity of page.orderedItems) {
    expect(activity.id).toMatch(new RegExp(`^${origin}/objects/[^#]+#create$`));
    const object = typeof activity.object === "string" ? activity.object : activity.object.id;
    expect(object.startsWith(`${origin}/objects/`)).toBe(true);
  }
}

/** Waits for a text line on stdout (pretty mode writes no JSON, so the lines land in `stderr`). */
async function waitForText(p: HeraldProcess, text: string, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = p.stderr.join("\n").split("\n");
    if (lines.some((l) => l.includes(text))) return lines;
    if (p.exit || Date.now() > deadline)
      throw new Error(`no "${text}" (exit ${JSON.stringify(p.exit)}):\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the first run, with site.url left at its default", () => {
  it("PORT=N prints, mints and serves every URL on N, not on server.port", async () => {
    const dir = site(8080);
    const port = await freePort();
    const p = await processes.start({
      name: "first-run",
      args: ["serve", "--config", "herald.yaml"],
      cwd: dir,
      env: { PORT: String(port) },
    });
    const serving = await p.waitForLog(isServing);
    expect(serving).toMatchObject({
      port,
      rss: `http://localhost:${port}/feed.xml`,
      atom: `http://localhost:${port}/atom.xml`,
      json: `http://localhost:${port}/feed.json`,
      account: `@news@localhost:${port}`,
    });
    expect(JSON.stringify(p.logs)).not.toContain("localhost:8080");
    await expectServedOn(port);
  });

  it("server.port in the config names the port too; a terminal sees one line per event and a banner", async () => {
    const port = await freePort();
    const dir = site(port);
    const p = processes.spawn({
      name: "first-run-pretty",
      args: ["serve", "--config", "herald.yaml"],
      cwd: dir,
      env: { HERALD_LOG_FORMAT: "pretty" },
    });
    const lines = await waitForText(p, "Ctrl-C stops it.");
    const banner = lines.findIndex((l) => l.startsWith("Herald is serving"));
    expect(banner).toBeGreaterThan(0);
    // Before the banner, every non-empty line is one whole event: time, level, message, fields.
    const events = lines.slice(0, banner).filter((l) => l !== "");
    expect(events.length).toBeGreaterThan(2);
    for (const line of events)
      expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/);
    expect(events.find((l) => l.includes("herald is serving"))).toContain(
      `"account":"@news@localhost:${port}"`,
    );
    expect(events.find((l) => l.includes("scan: scan done"))).toMatch(/ \{"added":4,/);
    expect(lines.slice(banner, banner + 5).join("\n")).toBe(
      [
        `Herald is serving http://localhost:${port}/`,
        `  feeds      http://localhost:${port}/feed.xml  http://localhost:${port}/atom.xml  http://localhost:${port}/feed.json`,
        `  account    @news@localhost:${port} (only this machine can follow it: set site.url to a public https:// origin)`,
        "  dashboard  off; to turn it on, set HERALD_ADMIN_TOKEN (16+ characters) or admin.passwordHash (npx herald hash-password)",
        "Ctrl-C stops it.",
      ].join("\n"),
    );
    await expectServedOn(port);
  });

  it("server.port 0 mints URLs on the port the system picked; the banner shows the dashboard when on", async () => {
    const dir = site(0);
    const p = processes.spawn({
      name: "first-run-any-port",
      args: ["serve", "--config", "herald.yaml"],
      cwd: dir,
      env: { HERALD_LOG_FORMAT: "pretty", HERALD_ADMIN_TOKEN: "a-long-enough-admin-token" },
    });
    const lines = await waitForText(p, "Ctrl-C stops it.");
    const served = lines.find((l) => l.startsWith("Herald is serving "));
    const port = Number(/localhost:(\d+)\//.exec(served ?? "")?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(lines).toContain(`  dashboard  http://localhost:${port}/admin (signs in with HERALD_ADMIN_TOKEN)`);
    await expectServedOn(port);
  });
});
