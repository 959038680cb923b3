// kill -9 in a loop during one fan-out: `herald serve` (a real process, SQLite) publishes one article
// to `followers` verifying inboxes that process every request they get, and is killed `kills` times
// mid-fan-out and restarted. Used by tests/federation/kill-loop.test.ts and `npm run bench` (kills).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import { until } from "../federation/setup.ts";
import { freePort, isAlive } from "./apbot.ts";
import { startVerifyingInbox, type VerifyingInbox } from "./inbox.ts";

const root = resolve(import.meta.dirname, "../..");

export interface KillLoopResult {
  followers: number;
  concurrency: number;
  kills: number;
  /** Creates the inboxes processed beyond one per follower: HTTP-level repeats. */
  repeats: number;
  /** Followers that ended with the Create (all of them, or something was lost). */
  reached: number;
}

export async function killLoop(options: {
  followers: number;
  concurrency: number;
  kills: number;
}): Promise<KillLoopResult> {
  const { followers, concurrency } = options;
  const inboxes: VerifyingInbox[] = await Promise.all(
    Array.from({ length: followers }, () => startVerifyingInbox()),
  );
  const dir = mkdtempSync(join(tmpdir(), "herald-killloop-"));
  const children = new Set<ChildProcess>();
  const start = async (config: string): Promise<ChildProcess> => {
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
  };
  const creates = () =>
    inboxes.reduce((n, i) => n + i.accepted.filter((d) => d.activity.type === "Create").length, 0);
  const reached = () => inboxes.filter((i) => i.accepted.some((d) => d.activity.type === "Create")).length;
  try {
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
        `federation: { allowPrivateAddress: true, concurrency: ${concurrency} }`,
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
    while (kills < options.kills && reached() < followers) {
      // Let a few deliveries land, then kill mid-fan-out.
      const before = reached();
      await until(() => reached() >= Math.min(followers, before + 3), 30_000);
      if (reached() >= followers) break;
      herald.kill("SIGKILL");
      await new Promise((r) => herald.once("exit", r));
      kills++;
      herald = await start(config);
    }
    await until(() => reached() === followers, 60_000);
    const storage = openSqliteStorage(join(dir, "data", "herald.sqlite"));
    try {
      // A delivery leaves the outbox only once it finished: empty means nothing is on its way.
      await until(
        async () =>
          (await storage.queue({ concurrency: 1 }).exportMessages()).length === 0 &&
          (await storage.outbox().exportOutbox()).deliveries.length === 0,
        30_000,
      );
    } finally {
      await storage.close();
    }
    return { followers, concurrency, kills, repeats: creates() - followers, reached: reached() };
  } finally {
    for (const c of children) if (c.pid !== undefined && isAlive(c.pid)) c.kill("SIGKILL");
    await Promise.all(inboxes.map((i) => i.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}
