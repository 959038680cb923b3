// What a reloaded configuration changes, and what of it can apply while Herald runs. Pure: serve.ts
// loads the file (the same loader as at start) and acts on the plan.
import type { Config } from "./load.ts";

/**
 * Keys that only a restart may change; a reload keeps their running value and says so.
 * - server.port, server.host: the socket is bound once, and other processes and proxies point at it;
 * - site.url, bot.username: every object, activity and actor id is minted from them; changing them
 *   under running deliveries and followers would mix two identities;
 * - database.url, data.dir: where followers, keys and the ledger live (moving them is `migrate-store`);
 * - log.level: the logger and its children are made once, at start.
 */
export const NEEDS_RESTART = [
  "server.port",
  "server.host",
  "site.url",
  "database.url",
  "data.dir",
  "bot.username",
  "log.level",
] as const;

export interface ReloadPlan {
  /** The configuration to run: the new file's, with every needs-restart key at its running value. */
  readonly config: Config;
  /** Dotted keys whose value differs and applies now. */
  readonly changed: readonly string[];
  /** Dotted keys whose value differs and waits for a restart. */
  readonly needsRestart: readonly string[];
}

/** `running` and `next` as loaded (before `servedOn`): a site.url left unset follows the port in both. */
export function planReload(running: Config, next: Config): ReloadPlan {
  const kept: Config = {
    ...next,
    server: { ...next.server, port: running.server.port, host: running.server.host },
    site: { ...next.site, url: running.site.url, urlFollowsPort: running.site.urlFollowsPort },
    database: { ...next.database, url: running.database.url },
    data: running.data,
    bot: { ...next.bot, username: running.bot.username },
    log: running.log,
  };
  const before = flatten(running);
  const after = flatten(next);
  const differing = [...new Set([...before.keys(), ...after.keys()])].filter(
    (key) => before.get(key) !== after.get(key),
  );
  const restartOnly = (key: string) =>
    (NEEDS_RESTART as readonly string[]).includes(key) || key === "site.urlFollowsPort";
  const needsRestart = differing
    .filter(restartOnly)
    .map((key) => (key === "site.urlFollowsPort" ? "site.url" : key));
  return {
    config: Object.freeze(kept),
    changed: differing.filter((key) => !restartOnly(key)),
    needsRestart: [...new Set(needsRestart)],
  };
}

/**
 * Dotted key → JSON of its value, down to the sections' keys (a list or a pattern set compares whole).
 * Secrets are compared but never shown: only key names leave this module.
 */
function flatten(config: Config): Map<string, string> {
  const out = new Map<string, string>();
  for (const [section, value] of Object.entries(config)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) out.set(`${section}.${key}`, JSON.stringify(v) ?? "");
    } else out.set(section, JSON.stringify(value) ?? "");
  }
  return out;
}
