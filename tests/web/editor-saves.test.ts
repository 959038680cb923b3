// A running Herald sees every way an editor saves: with scheduled scans off, only the watcher can
// bring each change to the feed. A save by rename (sed -i), then a deletion after it, must both
// arrive; raw recursive fs.watch lost the deletion of a file once it had been replaced by rename.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

describe("editor saves reach the feed through the watcher alone", () => {
  it("a new file, a sed -i edit, an rsync-style replace and a deletion", async () => {
    const root = mkdtempSync(join(tmpdir(), "herald-saves-"));
    const content = join(root, "content");
    mkdirSync(content);
    const config = fromObject(
      {
        site: { url: "http://localhost:1/" },
        server: { port: 0, host: "127.0.0.1" },
        content: { settleMs: 200 },
      },
      { base: root, env: {} },
    );
    const server = await startServer(config, createLogger("silent"), { schedules: false, federation: false });
    running.push(server);
    const titles = async () => {
      const feed = (await (await fetch(new URL("/feed.json", server.url))).json()) as {
        items: { title: string }[];
      };
      return feed.items.map((i) => i.title);
    };
    const file = join(content, "post.md");
    writeFileSync(file, "---\ntitle: First title\n---\n\nBody.\n");
    expect(await until(async () => (await titles()).includes("First title"), 10_000)).toBe(true);

    execFileSync("sed", ["-i", "s/First title/Edited by sed/", file]);
    expect(await until(async () => (await titles()).includes("Edited by sed"), 10_000)).toBe(true);

    writeFileSync(join(content, ".post.md.Xy12"), "---\ntitle: Synced by rsync\n---\n\nBody.\n");
    renameSync(join(content, ".post.md.Xy12"), file);
    expect(await until(async () => (await titles()).includes("Synced by rsync"), 10_000)).toBe(true);

    rmSync(file);
    expect(await until(async () => (await titles()).length === 0, 10_000)).toBe(true);
  });
});
