// A real reader's view: newsboat fetches a feed over HTTP and stores what it understood in its SQLite
// cache, which is read back here. newsboat ignores JSON Feed.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { NEWSBOAT, requireExecutable } from "./tools.ts";

const execFileAsync = promisify(execFile);

export interface StoredFeed {
  rssurl: string;
  url: string;
  title: string;
}

export interface StoredItem {
  guid: string;
  title: string;
  author: string;
  url: string;
  pubDate: number;
  content: string;
}

/**
 * One newsboat run per feed, each with its own cache: newsboat keys items by guid across all
 * feeds, and our RSS guid and Atom id are deliberately the same URL, so a shared cache would
 * keep only one copy of each item.
 */
export async function readWithNewsboat(url: string): Promise<{ feeds: StoredFeed[]; items: StoredItem[] }> {
  requireExecutable(NEWSBOAT, "newsboat");
  const home = mkdtempSync(join(tmpdir(), "herald-newsboat-"));
  const urls = join(home, "urls");
  const cache = join(home, "cache.db");
  const config = join(home, "config");
  writeFileSync(urls, `${url}\n`);
  writeFileSync(config, "");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
  };
  await execFileAsync(NEWSBOAT, ["-u", urls, "-c", cache, "-C", config, "-x", "reload"], {
    env,
    timeout: 30_000,
  });
  const db = new DatabaseSync(cache, { readOnly: true });
  try {
    const feeds = db.prepare("SELECT rssurl, url, title FROM rss_feed").all() as unknown as StoredFeed[];
    const items = db
      .prepare("SELECT guid, title, author, url, pubDate, content FROM rss_item ORDER BY pubDate DESC, guid")
      .all() as unknown as StoredItem[];
    return { feeds, items };
  } finally {
    db.close();
  }
}
