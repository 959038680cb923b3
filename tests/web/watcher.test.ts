// The watcher is the fast path: a file written in several chunks is processed once, complete.
import { appendFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { until } from "../federation/setup.ts";

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

describe("content watcher", () => {
  it("waits until a file written in chunks has settled, then publishes it once", async () => {
    const root = mkdtempSync(join(tmpdir(), "herald-watch-"));
    mkdirSync(join(root, "content"));
    const seed = join(root, "content", "seed.md");
    writeFileSync(seed, "---\ntitle: Seed\n---\nAlready here.\n");
    // Long settled: on a fast start the scan below would otherwise defer it too (it is 400 ms old).
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(seed, minuteAgo, minuteAgo);
    const config = fromObject(
      {
        site: { url: "http://localhost:1/" },
        server: { port: 0, host: "127.0.0.1" },
        content: { settleMs: 400 },
      },
      { base: root, env: {} },
    );
    const server = await startServer(config, createLogger("silent"), { schedules: false });
    running.push(server);
    const file = join(root, "content", "chunked.md");
    writeFileSync(file, "---\ntitle: Written in chunks\n");
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(file, "---\n\nThe first paragraph arrives. ");
    // A scheduled scan that lands mid-write must leave the file alone.
    const midWrite = await server.tick();
    expect(midWrite.content.deferred).toBe(1);
    expect(await server.storage.federation.getObject("chunked")).toBeUndefined();
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(file, "The last sentence arrives at the end.\n");
    const fed = server.storage.federation;
    const activities = async () =>
      (await fed.listCreates({ offset: 0, limit: 100 })).filter((a) => a.articleId === "chunked");
    const [create] = await until(async () => {
      const found = await activities();
      return found.length > 0 && found;
    }, 10_000);
    expect(JSON.stringify(create!.activity)).toContain("The last sentence arrives at the end.");
    // A wrongly early version would show up as an Update once the settled file is scanned again.
    // Scans never overlap (one asked for during another waits for it), and this one reads the file
    // as it now stays: whatever a watcher scan still to come would record, this one records now.
    const again = await server.tick();
    expect(again.content.deferred).toBe(0);
    // The whole ledger, queued entries too (pendingActivities lists only those not yet queued).
    const ledger = (await fed.exportAll()).activities;
    expect(ledger.filter((a) => a.articleId === "chunked").map((a) => a.kind)).toEqual(["create"]);
    expect((await fed.getObject("chunked"))?.updated).toBeNull();
  });
});
