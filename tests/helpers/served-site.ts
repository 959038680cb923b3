// `herald serve` in this process (no fediverse side) over a throwaway content/ folder of the given
// articles: what readers fetch, over real HTTP on loopback, with real files to edit and remove.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";

export const SITE_URL = "http://localhost:1/";

export interface ServedSite {
  server: RunningServer;
  dir: string;
  /** A GET (or `method`) without following redirects. */
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Response>;
  /** Writes `content/<name>` and runs one scan, as the watcher would once the file settled. */
  write(name: string, markdown: string): Promise<void>;
  /** Removes `content/<name>` and runs one scan. */
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/** An article's Markdown: front matter from `fields` (as YAML flow values), then `body`. */
export function markdown(fields: Record<string, unknown>, body: string): string {
  const yaml = Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join("\n");
  return `---\n${yaml}\n---\n${body}\n`;
}

export async function serveSite(
  articles: Record<string, string>,
  config: Record<string, unknown> = {},
): Promise<ServedSite> {
  const dir = mkdtempSync(join(tmpdir(), "herald-site-"));
  const content = join(dir, "content");
  const write = (name: string, text: string) => writeFileSync(join(content, name), text);
  mkdirSync(content);
  for (const [name, text] of Object.entries(articles)) write(name, text);
  const server = await startServer(
    fromObject(
      {
        site: { url: SITE_URL, timezone: "Asia/Shanghai", language: "zh-CN", title: "Herald 新闻" },
        server: { port: 0, host: "127.0.0.1" },
        ...config,
      },
      { base: dir, env: {} },
    ),
    createLogger("silent"),
    { federation: false, settleMs: 0, schedules: false },
  );
  return {
    server,
    dir,
    get: (path, headers = {}, method = "GET") =>
      fetch(new URL(path, server.url), { headers, method, redirect: "manual" }),
    async write(name, text) {
      write(name, text);
      await server.tick();
    },
    async remove(name) {
      rmSync(join(content, name));
      await server.tick();
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
