// Changing config/herald.yaml while `serve` runs: real files, a real server on loopback, and a real
// `herald serve` process for SIGHUP.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { HeraldProcesses, type LogLine } from "../helpers/herald-process.ts";

const root = resolve(import.meta.dirname, "../..");
const running: RunningServer[] = [];
const processes = new HeraldProcesses();
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  await processes.stopAll();
});

/** A site with the repository's sample articles and a config file written from `yaml`. */
function site(yaml: string): { dir: string; file: string; write(yaml: string): void } {
  const dir = mkdtempSync(join(tmpdir(), "herald-live-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  const file = join(dir, "herald.yaml");
  writeFileSync(file, yaml);
  return { dir, file, write: (text) => writeFileSync(file, text) };
}

const config = (extra: string) =>
  `site:\n  url: http://localhost:1/\nserver:\n  port: 0\n  host: 127.0.0.1\nschedule:\n  scan: "0 0 1 1 *"\n${extra}`;

async function serve(yaml: string) {
  const s = site(yaml);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const server = await startServer(loadConfig({ file: s.file, env: {} }), createLogger("info", sink), {
    federation: false,
    settleMs: 0,
    configDebounceMs: 50,
    loadConfig: () => loadConfig({ file: s.file, env: {} }),
  });
  running.push(server);
  const items = async () =>
    ((await (await fetch(new URL("/feed.json", server.url))).json()) as { items: unknown[] }).items.length;
  return { ...s, server, logs, items };
}

async function eventually<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("live configuration", () => {
  it("applies a saved feeds.limit and scan schedule without a restart", async () => {
    const { server, write, items, logs } = await serve(config("feeds:\n  limit: 3\n"));
    expect(await items()).toBe(3);
    const before = server.scheduler.nextRuns().scan;
    // An editor's save: the file truncated, then written in two pieces.
    write("");
    write(config("feeds:\n  limit: 1\n").replace('"0 0 1 1 *"', '"0 0 1 6 *"').slice(0, 40));
    write(config("feeds:\n  limit: 1\n").replace('"0 0 1 1 *"', '"0 0 1 6 *"'));
    expect(await eventually(items, (n) => n === 1)).toBe(1);
    const after = server.scheduler.nextRuns().scan;
    expect(after?.getUTCMonth()).toBe(5);
    expect(after?.getTime()).not.toBe(before?.getTime());
    expect(server.herald.config.feeds.limit).toBe(1);
    const reloaded = logs.filter((l) => l.msg === "configuration reloaded");
    expect(reloaded.at(-1)).toMatchObject({ reason: "file", changed: ["feeds.limit", "schedule.scan"] });
    // The debounced save was read once it was whole: no half file was ever refused.
    expect(logs.filter((l) => l.msg === "configuration invalid; the running configuration stays")).toEqual(
      [],
    );
  });

  it("keeps everything on an invalid edit, says why in the log and in status, and applies the next valid save", async () => {
    const { server, write, items, logs, file } = await serve(config("feeds:\n  limit: 2\n"));
    write(config("feeds:\n  limit: 0\n"));
    const outcome = await server.reload("signal");
    expect(outcome.status).toBe("invalid");
    expect(outcome.problems.join(" ")).toMatch(/feeds\.limit/);
    expect(await items()).toBe(2);
    expect(server.herald.config.feeds.limit).toBe(2);
    const line = logs.find((l) => l.msg === "configuration invalid; the running configuration stays");
    expect(line).toMatchObject({ level: 50, module: "config", file, reason: "signal" });
    expect(String(line?.problems)).toMatch(/feeds\.limit/);
    const events = await server.storage.federation.recentEvents(10, "warn");
    expect(events[0]).toMatchObject({ kind: "config", level: "error" });
    expect(events[0]!.message).toContain(file);
    expect(events[0]!.message).toMatch(/feeds\.limit/);

    write(config("feeds:\n  limit: 1\n"));
    expect((await server.reload("signal")).status).toBe("applied");
    expect(await items()).toBe(1);
  });

  it("keeps serving on the old port when server.port changes, and says it needs a restart", async () => {
    const { server, write, items, logs } = await serve(config("feeds:\n  limit: 2\n"));
    write(config("feeds:\n  limit: 2\n").replace("port: 0", "port: 1"));
    const outcome = await server.reload("signal");
    expect(outcome).toMatchObject({ status: "unchanged", needsRestart: ["server.port"] });
    expect(
      logs.find((l) => l.msg === "configuration change needs a restart; the running value stays"),
    ).toMatchObject({ level: 40, keys: ["server.port"] });
    expect(await items()).toBe(2);
    const events = await server.storage.federation.recentEvents(10, "warn");
    expect(events[0]).toMatchObject({ kind: "config", level: "warn" });
    expect(events[0]!.message).toMatch(/server\.port.*needs a restart/);
  });

  it("reloads on SIGHUP in a running herald serve", async () => {
    // settleMs 0: the articles were copied a moment ago, and would otherwise wait to settle.
    const s = site(config("feeds:\n  limit: 3\ncontent:\n  settleMs: 0\n"));
    const herald = await processes.start({ name: "serve", args: ["serve", "--config", s.file], cwd: s.dir });
    const port = Number(herald.logs.find((l) => l.msg === "herald is serving")?.port);
    const count = async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/feed.json`)).json()) as { items: unknown[] }).items
        .length;
    expect(await count()).toBe(3);
    s.write(config("feeds:\n  limit: 1\ncontent:\n  settleMs: 0\n"));
    herald.child.kill("SIGHUP");
    const line = await herald.waitForLog(
      (l) => l.msg === "configuration reloaded" && l.reason === "signal",
      15_000,
    );
    expect(line).toMatchObject({ changed: ["feeds.limit"] });
    expect(await count()).toBe(1);
    expect(herald.exit).toBeUndefined();
  });
});
