// PostgreSQL going away and coming back under a running Herald (issue 12, item 11), on a throwaway
// PostgreSQL this test starts and stops itself: pages and feeds keep answering from memory, /healthz
// says 503 with the database down, and after the restart a new article is published and delivered
// exactly once, with nothing lost. Also: a start against a database that refuses connections prints
// one sentence and no stack trace, and `status` on an empty database creates nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../federation/setup.ts";
import { freePort } from "../helpers/apbot.ts";
import { HeraldProcesses } from "../helpers/herald-process.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import {
  createThrowawayPostgres,
  postgresBin,
  type ThrowawayPostgres,
} from "../helpers/throwaway-postgres.ts";

const bin = postgresBin();
const processes = new HeraldProcesses();
let pg: ThrowawayPostgres;
let inbox: VerifyingInbox;
const dirs: string[] = [];

beforeAll(async () => {
  pg = createThrowawayPostgres(await freePort(), bin);
  pg.start();
  inbox = await startVerifyingInbox();
}, 60_000);

afterAll(async () => {
  await processes.stopAll();
  await inbox?.close();
  pg?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await processes.stopAll();
  inbox.clear();
});

async function makeSite(extra: string[] = []): Promise<{ dir: string; config: string; origin: string }> {
  const dir = mkdtempSync(join(tmpdir(), "herald-outage-"));
  dirs.push(dir);
  mkdirSync(join(dir, "content"));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const config = join(dir, "herald.yaml");
  writeFileSync(
    config,
    [
      "site:",
      `  url: ${origin}/`,
      "  title: Outage test",
      "server:",
      `  port: ${port}`,
      "  host: 127.0.0.1",
      "bot:",
      "  username: news",
      "  name: Herald News",
      "federation:",
      "  allowPrivateAddress: true",
      "  concurrency: 4",
      "database:",
      "  leaseSeconds: 5",
      ...extra,
      "",
    ].join("\n"),
  );
  return { dir, config, origin };
}

const creates = () => inbox.accepted.filter((d) => d.activity.type === "Create").map((d) => d.activity.id);
const article = (title: string) => `---\ntitle: ${title}\n---\n\nThe tide came in at ${title}.\n`;

describe.skipIf(!bin)("a PostgreSQL that goes away and comes back", () => {
  it("keeps pages and feeds, reports 503 on /healthz, then publishes and delivers once after the restart", async () => {
    pg.createDatabase("outage");
    const site = await makeSite();
    const herald = await processes.start({
      name: "all",
      args: ["serve", "--config", site.config],
      cwd: site.dir,
      env: { DATABASE_URL: pg.url("outage") },
    });
    const actor = inbox.actor("reader");
    const follow = await inbox.signedPost(
      `${site.origin}/inbox`,
      { id: `${actor.id}#follow`, type: "Follow", object: `${site.origin}/users/news` },
      { scheme: "cavage", as: "reader" },
    );
    expect(follow.status).toBeLessThan(300);
    await inbox.waitFor((d) => d.activity.type === "Accept", 20_000);
    writeFileSync(join(site.dir, "content", "before.md"), article("before"));
    await until(() => creates().length === 1, 20_000);

    pg.stop();
    await until(async () => (await fetch(`${site.origin}/healthz`)).status === 503, 15_000);
    const health = await fetch(`${site.origin}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "database down", database: "down" });
    // What is cached still answers.
    const feed = await fetch(`${site.origin}/feed.xml`);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain("before");
    expect((await fetch(`${site.origin}/articles/before/`)).status).toBe(200);
    // An article written while the database is away waits for it.
    // The scan it starts fails (logged, not fatal; waitForLog fails if Herald exits meanwhile), and
    // Herald goes on answering after that.
    const earlier = new Set(herald.logs);
    writeFileSync(join(site.dir, "content", "during.md"), article("during"));
    await herald.waitForLog((l) => !earlier.has(l) && l.msg === "scan failed", 20_000);
    expect((await fetch(`${site.origin}/healthz`)).status).toBe(503);
    expect(herald.exit).toBeUndefined();

    pg.start();
    await until(async () => (await fetch(`${site.origin}/healthz`)).status === 200, 20_000);
    writeFileSync(join(site.dir, "content", "after.md"), article("after"));
    // Deliveries that failed while the database was away may wait out a retry backoff.
    await until(() => creates().length >= 3, 120_000);
    // A queue message is deleted only once its delivery finished: an empty queue means nothing more
    // is on its way, so a repeat would already be here.
    await until(
      () =>
        pg
          .query(
            "SELECT (SELECT count(*) FROM herald_queue) + (SELECT count(*) FROM herald_deliveries)",
            "outage",
          )
          .trim() === "0",
      60_000,
    );
    expect(creates().sort()).toEqual(
      ["after", "before", "during"].map((slug) => `${site.origin}/objects/${slug}#create`),
    );
    expect(herald.stderr.join("")).not.toMatch(/\n\s+at /);
    expect(herald.exit).toBeUndefined();
  }, 300_000);

  it("a start against a database that refuses connections: one sentence, exit 69, no stack trace", async () => {
    const site = await makeSite(["  waitSeconds: 2"]);
    const closed = await freePort();
    const herald = processes.spawn({
      name: "refused",
      args: ["serve", "--config", site.config],
      cwd: site.dir,
      env: { DATABASE_URL: `postgres://herald:s3cret-pw@127.0.0.1:${closed}/herald` },
    });
    const exit = await herald.exited;
    expect(exit.code).toBe(69);
    const stderr = herald.stderr.join("");
    expect(stderr).toContain(`PostgreSQL at 127.0.0.1:${closed}/herald is not available`);
    expect(stderr).toContain("ECONNREFUSED");
    expect(stderr).not.toMatch(/\n\s+at /);
    const everything = stderr + JSON.stringify(herald.logs);
    expect(everything).not.toContain("s3cret-pw");
    // One line per attempt, naming the database.
    const attempts = herald.logs.filter((l) => l.msg === "database not reachable yet, retrying");
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts[0]).toMatchObject({ database: `127.0.0.1:${closed}/herald` });
  }, 30_000);

  it("status and followers on an empty database say so, exit non-zero and create no table", async () => {
    pg.createDatabase("empty");
    const site = await makeSite();
    for (const args of [["status"], ["followers"], ["sync", "--once", "--dry-run"]]) {
      const p = processes.spawn({
        name: args[0]!,
        args: [...args, "--config", site.config],
        cwd: site.dir,
        env: { DATABASE_URL: pg.url("empty") },
      });
      const exit = await p.exited;
      expect(exit.code, args.join(" ")).toBe(1);
      expect(p.stderr.join("")).toContain(
        `No Herald store here: PostgreSQL database 127.0.0.1:${pg.port}/empty`,
      );
      expect(p.stderr.join("")).not.toMatch(/\n\s+at /);
    }
    expect(
      pg
        .query(
          "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
          "empty",
        )
        .trim(),
    ).toBe("0");
  }, 60_000);
});
