// How the processes of one Herald share the work (see serve.ts for the roles): which one is the
// scheduler now (a lease), how the others learn that content changed (a signal, and a poll as a
// safety net), and how a scheduler standing by takes over. On SQLite there is one process, which
// always leads; nothing here then touches the store beyond the lease it always holds.
import { hostname } from "node:os";
import type { FederationRuntime } from "./federation/runtime.ts";
import type { Logger } from "./log.ts";
import type { Role } from "./roles.ts";
import type { Storage } from "./store/types.ts";

/** How often processes that do not scan look for content saved by the scheduler (besides the signal). */
const RELOAD_POLL_MS = 15_000;
const CONTENT_VERSION_KEY = "content.version";

export interface CoordinationDeps {
  storage: Storage;
  federation: FederationRuntime | undefined;
  role: Role;
  /** Whether this process may act as the scheduler (roles all and scheduler). */
  schedules: boolean;
  leaseSeconds: number;
  log: Logger;
}

export interface Coordination {
  /** Whether this process held the scheduler's lease when last asked. */
  readonly leading: boolean;
  /** Leads when this process may schedule and holds the lease; the first time, takes over the scheduler's duties. */
  lead(): Promise<boolean>;
  /** After a scan that changed what readers see: other processes reload (signal now, poll as a fallback). */
  announceContent(): Promise<void>;
  /**
   * Starts following the others: `reload` when the scheduler saved new content (for processes
   * that do not scan), `takeOver` when a standing-by scheduler got the lease.
   */
  start(handlers: { reload(): void; takeOver(): void }): Promise<void>;
  /** Stops the timers and the subscription. */
  stop(): Promise<void>;
  /** Hands the scheduler's lease on at once instead of after it runs out (a clean stop). */
  release(): Promise<void>;
}

export function coordinate(deps: CoordinationDeps): Coordination {
  const { storage, federation, role, schedules, log } = deps;
  const leadership = storage.leadership(`${hostname()}/${process.pid}/${role}`);
  let leading = false;
  let contentVersion: string | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let poll: NodeJS.Timeout | undefined;
  let standby: NodeJS.Timeout | undefined;

  const lead = async (): Promise<boolean> => {
    if (!schedules) return false;
    const holds = await leadership.hold();
    if (holds && !leading) {
      leading = true;
      if (storage.kind !== "sqlite")
        log.info({ module: "scheduler", role }, "this process is the scheduler now");
      // What a scheduler that stopped mid-publish recorded but never queued, then the profile.
      await federation?.recover();
      await federation?.announceProfile();
    } else if (!holds && leading) {
      leading = false;
      log.warn({ module: "scheduler", role }, "scheduler lease lost; standing by");
    }
    return holds;
  };

  return {
    get leading() {
      return leading;
    },
    lead,
    async announceContent() {
      if (storage.kind === "sqlite") return;
      contentVersion = new Date().toISOString();
      await storage.federation.setMeta(CONTENT_VERSION_KEY, contentVersion);
      await storage.notify("content");
    },
    async start({ reload, takeOver }) {
      // Processes that do not scan follow the scheduler: told at once, and checked now and then in
      // case a signal was missed (a reconnecting LISTEN connection drops what was sent meanwhile).
      if (storage.kind !== "sqlite" && role !== "worker") {
        unsubscribe = await storage.subscribe("content", () => {
          if (!leading) reload();
        });
        contentVersion = await storage.federation.getMeta(CONTENT_VERSION_KEY);
        poll = setInterval(() => {
          if (leading) return;
          storage.federation
            .getMeta(CONTENT_VERSION_KEY)
            .then((version) => {
              if (version === contentVersion) return;
              contentVersion = version;
              reload();
            })
            .catch((error: unknown) => log.warn({ err: error }, "checking for new content failed"));
        }, RELOAD_POLL_MS);
      }
      // A scheduler standing by asks for the lease a few times per lease length, and scans as soon
      // as it gets it: a takeover (or a restart after a crash, whose old lease must run out) happens
      // within about one lease, not at the next scheduled scan minutes later.
      if (schedules && storage.kind !== "sqlite") {
        standby = setInterval(
          () => {
            if (leading) return;
            lead()
              .then((holds) => {
                if (holds) takeOver();
              })
              .catch((error: unknown) => log.warn({ err: error }, "asking for the scheduler lease failed"));
          },
          (deps.leaseSeconds * 1000) / 3,
        );
      }
    },
    async stop() {
      clearInterval(poll);
      clearInterval(standby);
      await unsubscribe?.().catch(() => {});
    },
    release: () => leadership.release().catch(() => {}),
  };
}
