// kill -9 again and again during a fan-out, against peers that process every request they receive
// (no waiting to see whether the sender is still there): every follower ends up with the Create,
// and what is repeated at the HTTP level is at most the deliveries in flight at each kill
// (federation.concurrency), because each success is recorded the moment it is answered.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import { freePort, isAlive } from "../helpers/apbot.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { until } from "./setup.ts";

const FOLLOWERS = 60;
const CONCURRENCY = 4;
const KILLS = 6;
const root = resolve(import.meta.dirname, "../..");

let inboxes: VerifyingInbox[] = [];
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  inboxes = await Promise.all(Array.from({ length: FOLLOWERS }, () => startVerifyingInbox()));
  dir = mkdtempSync(join(tmpdir(), "herald-killloop-"));
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.pid !== undefined && isAlive(c.pid)) c.kill("SIGKILL");
  await Promise.all(inboxes.map((i) => i.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(config: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info", DATABASE_URL: "" };
  for (const name of ["HERALD_CONFIG", "PORT", "HERALD_DATA_DIR", "HERALD_SITE_URL"]) delete env[name];
  const child = spawn(process.execPath, [join(root, "bin", "herald.js"), "serve", "--config", config], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr!.resume();
  await until(() => out.includes('"herald is serving"'), 30_000);
  return child;
}

const creates = () =>
  inboxes.reduce((n, i) => n + i.accepted.filter((d) => d.activity.type === "Create").length, 0);
const reached = () => inboxes.filter((i) => i.accepted.some((d) => d.activity.type === "Create")).length;

describe("kill -9 in a loop during a fan-out (SQLite)", () => {
  it("delivers to every follower and repeats at most the deliveries in flight at each kill", async () => {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    mkdirSync(join(dir, "content"));
    const config = join(dir, "herald.yaml");
    writeFileSync(
      config,
      [
        `site: { url: "${origin}/" }`,
        `server: { port: ${port}, host: 127.0.0.1 }`,
        "content: { dir: content }",
        "data: { dir: data }",
        "bot: { username: news }",
        `federation: { allowPrivateAddress: true, concurrency: ${CONCURRENCY} }`,
        "",
      ].join("\n"),
    );
    let herald = await start(config);
    await Promise.all(
      inboxes.map((inbox) =>
        inbox.signedPost(
          `${origin}/inbox`,
          { id: `${inbox.actorUrl("reader")}#follow`, type: "Follow", object: `${origin}/users/news` },
          { scheme: "cavage", as: "reader" },
        ),
      ),
    );
    await until(() => inboxes.every((i) => i.accepted.some((d) => d.activity.type === "Accept")), 60_000);

    writeFileSync(join(dir, "content", "harbour.md"), "---\ntitle: Harbour\n---\n\nThe boats came home.\n");
    let kills = 0;
    while (kills < KILLS && reached() < FOLLOWERS) {
      const before = reached();
      // Let a few deliveries land, then kill mid-fan-out.
      await until(() => reached() >= Math.min(FOLLOWERS, before + 3), 30_000);
      if (reached() >= FOLLOWERS) break;
      herald.kill("SIGKILL");
      await new Promise((r) => herald.once("exit", r));
      kills++;
      herald = await start(config);
    }
    await until(() => reached() === FOLLOWERS, 60_000);
    const storage = openSqliteStorage(join(dir, "data", "herald.sqlite"));
    try {
      await until(
        async () => (await storage.queue({ concurrency: 1 }).exportMessages()).length === 0,
        30_000,
      );
    } finally {
      await storage.close();
    }
    const repeats = creates() - FOLLOWERS;
    console.log(
      `kill loop: ${kills} kills, ${repeats} repeated deliveries (${(repeats / Math.max(kills, 1)).toFixed(2)} per kill)`,
    );
    expect(kills).toBeGreaterThan(0);
    expect(repeats).toBeGreaterThanOrEqual(0);
    expect(repeats).toBeLessThanOrEqual(kills * CONCURRENCY);
    herald.kill("SIGTERM");
  }, 300_000);
});
