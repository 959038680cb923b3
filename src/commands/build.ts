// `herald build` and `herald check`: the content pipeline without the server.
import { resolve } from "node:path";
import { exportFeeds, openLibrary } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { ArticleError } from "../content/model.ts";
import { SqliteStore } from "../store/sqlite.ts";
import { openStorage } from "../store/storage.ts";
import { EXIT } from "./exit.ts";

function printRejections(rejected: readonly ArticleError[]): void {
  for (const e of rejected) console.error(`rejected ${e.path}: ${e.message} [${e.type}]`);
}

export async function buildCommand(config: Config, outDir: string): Promise<number> {
  const out = resolve(outDir);
  const storage = await openStorage(config);
  try {
    await storage.initialize();
    const library = await openLibrary(config, storage.articles);
    const result = await library.refresh();
    printRejections(result.rejected);
    // A rebuild renders only the feeds whose articles or settings changed.
    const { tags, unwritable } = await exportFeeds(out, config, library, { reuse: true });
    const count = library.visibleCount();
    console.log(
      `Wrote feed.xml, atom.xml, feed.json and the feeds of ${tags} tags to ${out} (${count} articles, ${result.rejected.length} rejected).`,
    );
    // Not an error: `herald serve` still serves these tags' feeds; a folder just cannot be named after them.
    for (const tag of unwritable)
      console.log(`No static feed for tag ${JSON.stringify(tag)}: no folder can carry its name.`);
    return result.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    await storage.close();
  }
}

export async function checkCommand(config: Config): Promise<number> {
  // An in-memory store: checking must not record identities or write anything.
  const store = new SqliteStore(":memory:");
  try {
    const library = await openLibrary(config, store);
    const result = await library.refresh();
    printRejections(result.rejected);
    console.log(
      `Checked ${result.added.length + result.rejected.length} files: ${result.added.length} articles, ${result.rejected.length} rejected.`,
    );
    return result.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    store.close();
  }
}
