// Reloading the configuration while `serve` runs (SIGHUP, or a save of the config file). The whole file
// is validated by the same loader as at start; an invalid one changes nothing and says why (one log
// line and a "config" event, which `status` and the dashboard list), and the next valid save applies.
// Keys only a restart may change (config/reload.ts) keep their running value and say so.
import { type Config, ConfigError } from "./config/load.ts";
import { planReload } from "./config/reload.ts";
import type { Logger } from "./log.ts";
import type { StoreEvent } from "./store/types.ts";

export type ReloadReason = "file" | "signal";

export interface ReloadOutcome {
  status: "applied" | "unchanged" | "invalid" | "failed";
  /** Keys applied now. */
  changed: readonly string[];
  /** Keys that differ in the file and wait for a restart. */
  needsRestart: readonly string[];
  /** Why the file was refused, or why applying it failed. */
  problems: readonly string[];
}

export interface LiveConfigDeps {
  /** The configuration as loaded at start. */
  configured: Config;
  log: Logger;
  /** Loads and validates the file as at start; throws ConfigError. */
  load: () => Config;
  /** Keeps an event for `status` and the dashboard. */
  record: (event: StoreEvent) => Promise<void>;
  /** Runs `next`; when it throws, the previous configuration must be running again. */
  apply: (next: Config) => Promise<void>;
}

export interface LiveConfig {
  /** Reloads now, or once the reload under way is done (requests meanwhile coalesce into one). */
  reload(reason: ReloadReason): Promise<ReloadOutcome>;
  /** Resolves when no reload is under way. */
  settled(): Promise<void>;
}

export function liveConfig(deps: LiveConfigDeps): LiveConfig {
  const { log } = deps;
  const file = deps.configured.file;
  let current = deps.configured;
  let running: Promise<unknown> = Promise.resolve();
  let queued: Promise<ReloadOutcome> | undefined;

  const note = (level: StoreEvent["level"], message: string) =>
    deps
      .record({ at: new Date().toISOString(), level, kind: "config", message })
      .catch((error: unknown) => log.error({ err: error }, "recording the config event failed"));

  const once = async (reason: ReloadReason): Promise<ReloadOutcome> => {
    let next: Config;
    try {
      next = deps.load();
    } catch (error) {
      const problems = error instanceof ConfigError ? [...error.problems] : [(error as Error).message];
      log.error({ file, reason, problems }, "configuration invalid; the running configuration stays");
      await note(
        "error",
        `${file ?? "configuration"}: ${problems.join(" ")} The running configuration stays.`,
      );
      return { status: "invalid", changed: [], needsRestart: [], problems };
    }
    const plan = planReload(current, next);
    if (plan.needsRestart.length > 0) {
      log.warn(
        { file, reason, keys: plan.needsRestart },
        "configuration change needs a restart; the running value stays",
      );
      await note(
        "warn",
        `${plan.needsRestart.join(", ")} changed in ${file ?? "the configuration"}: needs a restart; the running value stays.`,
      );
    }
    if (plan.changed.length === 0) {
      log.info({ file, reason }, "configuration unchanged");
      return { status: "unchanged", changed: [], needsRestart: plan.needsRestart, problems: [] };
    }
    try {
      await deps.apply(plan.config);
    } catch (error) {
      const message = (error as Error).message;
      log.error({ file, reason, err: error }, "applying the configuration failed; the previous one runs");
      await note(
        "error",
        `${file ?? "configuration"}: applying it failed: ${message} The previous configuration runs.`,
      );
      return { status: "failed", changed: [], needsRestart: plan.needsRestart, problems: [message] };
    }
    current = plan.config;
    log.info({ file, reason, changed: plan.changed }, "configuration reloaded");
    return { status: "applied", changed: plan.changed, needsRestart: plan.needsRestart, problems: [] };
  };

  return {
    reload(reason) {
      // A save during a reload is read once that reload is done; several such saves, once.
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return once(reason);
        });
      running = queued;
      return queued;
    },
    async settled() {
      await running.catch(() => undefined);
    },
  };
}
