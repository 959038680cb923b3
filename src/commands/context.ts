// Shared set-up for operator commands: the same app the server runs, without delivering.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Herald, openHerald } from "../app.ts";
import type { Config } from "../config/load.ts";
import { createLogger } from "../log.ts";

/** Opens Herald on the real store, for commands that change things (sync, publish, retract…). */
export function openForCommand(config: Config): Promise<Herald> {
  return openHerald(config, commandLogger(config), { federation: true, deliver: false });
}

/**
 * Opens Herald on a snapshot of the store (SQLite `VACUUM INTO`, consistent even while `serve`
 * writes), for commands that must change nothing: dry runs and status.
 */
export async function openSnapshot(config: Config): Promise<Herald & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "herald-snapshot-"));
  const source = join(config.data.dir, "herald.sqlite");
  if (existsSync(source)) {
    const db = new DatabaseSync(source, { readOnly: true });
    try {
      db.prepare("VACUUM INTO ?").run(join(dir, "herald.sqlite"));
    } finally {
      db.close();
    }
  }
  const herald = await openHerald({ ...config, data: { dir } }, commandLogger(config), {
    federation: true,
    deliver: false,
  });
  return Object.assign(herald, {
    async dispose() {
      await herald.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Commands talk to people on stdout/stderr; structured logs only when asked for (LOG_LEVEL). */
function commandLogger(config: Config) {
  return createLogger(process.env.LOG_LEVEL ? config.log.level : "silent", undefined, { fd: 2 });
}
