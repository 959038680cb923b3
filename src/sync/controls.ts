// Pure publishing controls: quiet hours and the drip feed decide which planned actions go out
// now and which wait. Feeds are not affected; only pushes to the fediverse are.
import type { FederationAction } from "./plan.ts";

export interface PublishingControls {
  /** New posts per rolling hour; 0 = no limit. */
  maxPerHour: number;
  /** Minimum time between two new posts; 0 = none. */
  minIntervalMs: number;
  quietHours?: { start: string; end: string };
  timezone: string;
}

export interface DripState {
  /** Creation times (ISO) of posts pushed in the last hour. */
  recentCreates: readonly string[];
}

/** `moved`: the account moved to another (`herald move`); it posts nothing new. */
export type HoldReason = "quiet-hours" | "drip" | "moved";

export interface Controlled {
  send: FederationAction[];
  held: { action: FederationAction; reason: HoldReason }[];
}

/** Minutes since local midnight in `timezone`. */
function localMinutes(now: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value("hour") * 60 + value("minute");
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `now` falls in the quiet window; a window may span midnight (23:00–07:00). */
export function inQuietHours(
  now: Date,
  controls: Pick<PublishingControls, "quietHours" | "timezone">,
): boolean {
  const q = controls.quietHours;
  if (!q) return false;
  const t = localMinutes(now, controls.timezone);
  const start = minutes(q.start);
  const end = minutes(q.end);
  if (start === end) return false;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/** How many new posts may go out now. */
export function createBudget(now: Date, controls: PublishingControls, state: DripState): number {
  const hourAgo = now.getTime() - 3_600_000;
  const recent = state.recentCreates.map((iso) => Date.parse(iso)).filter((t) => t > hourAgo);
  let budget =
    controls.maxPerHour > 0 ? Math.max(0, controls.maxPerHour - recent.length) : Number.POSITIVE_INFINITY;
  if (controls.minIntervalMs > 0) {
    const last = recent.length > 0 ? Math.max(...recent) : Number.NEGATIVE_INFINITY;
    budget = now.getTime() - last >= controls.minIntervalMs ? Math.min(budget, 1) : 0;
  }
  return budget;
}

/**
 * Splits a plan into what goes out now and what waits. Silent creates (the first-start outbox)
 * are never held; `force` lets an operator's "publish now" through once.
 */
export function applyControls(
  plan: readonly FederationAction[],
  now: Date,
  controls: PublishingControls,
  state: DripState,
  force: ReadonlySet<string> = new Set(),
): Controlled {
  const quiet = inQuietHours(now, controls);
  let budget = createBudget(now, controls, state);
  const result: Controlled = { send: [], held: [] };
  for (const action of plan) {
    const silent = action.kind === "create" && action.silent;
    if (silent || force.has(action.articleId)) {
      result.send.push(action);
    } else if (quiet) {
      result.held.push({ action, reason: "quiet-hours" });
    } else if (action.kind === "create") {
      if (budget > 0) {
        budget--;
        result.send.push(action);
      } else result.held.push({ action, reason: "drip" });
    } else result.send.push(action);
  }
  return result;
}
