// Whether the database answers, for /healthz: a load balancer takes a process whose database is gone
// out of rotation, while the process keeps serving what it has cached to whoever still asks.
// Checked in the background (not per request), so a flood of health checks costs no queries and a
// database that hangs never makes /healthz hang.
import type { Logger } from "../log.ts";

export interface DatabaseHealth {
  /** False from the first failed check until one succeeds again. */
  readonly up: boolean;
  stop(): void;
}

export interface WatchOptions {
  intervalMs?: number;
  /** A check that takes longer counts as failed. */
  timeoutMs?: number;
  log: Logger;
}

/** Calls `ping` every `intervalMs`; logs once when the database goes away and once when it is back. */
export function watchDatabase(ping: () => Promise<void>, options: WatchOptions): DatabaseHealth {
  const intervalMs = options.intervalMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let up = true;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (!up) options.log.info("database reachable again");
      up = true;
    } catch (error) {
      if (up)
        options.log.warn(
          { reason: (error as { code?: string }).code ?? (error as Error).message },
          "database unreachable; serving what is cached",
        );
      up = false;
    } finally {
      clearTimeout(timer);
      checking = false;
    }
  };
  const interval = setInterval(() => void check(), intervalMs);
  interval.unref();
  return {
    get up() {
      return up;
    },
    stop: () => clearInterval(interval),
  };
}
