// The delivery policy, pure: how an attempt's outcome is classified, when it is tried again, and how
// a server's circuit moves. The worker (delivery.ts) applies it; tests drive it with a clock.
import type { DeliveryResult, HostCircuit } from "../store/types.ts";

export interface DeliveryPolicy {
  /** Failed attempts in a row that open a server's circuit. */
  openAfter: number;
  /** First open period; it doubles with each reopening, up to `maxOpenMs`. */
  openMs: number;
  maxOpenMs: number;
  /** First retry delay; it triples with each attempt, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** Attempts after which a delivery is given up. */
  maxAttempts: number;
  /** Age after which a queued delivery is given up, and a failing server is marked unreachable. */
  giveUpMs: number;
}

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

export function deliveryPolicy(unreachableAfterDays: number): DeliveryPolicy {
  return {
    openAfter: 5,
    openMs: MINUTE,
    maxOpenMs: DAY / 4,
    retryMs: MINUTE,
    maxRetryMs: DAY / 2,
    maxAttempts: 12,
    giveUpMs: unreachableAfterDays * DAY,
  };
}

/** What an attempt that got an HTTP status (or none: a network error) means. */
export type Outcome =
  /** 2xx. */
  | "delivered"
  /** The server is there and refused this one (4xx but 408/429): trying again will not help. */
  | "refused"
  /** The server said slow down (429): try later; it is alive, so its circuit is untouched. */
  | "throttled"
  /** Unreachable, timed out, 5xx, 408: the server may be down; counts towards its circuit. */
  | "unavailable";

export function classify(status: number | null): Outcome {
  if (status === null) return "unavailable";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 429) return "throttled";
  if (status === 408 || status >= 500) return "unavailable";
  return "refused";
}

/** The delay before attempt `attempt + 1` (attempt counts those made): 1, 3, 9, 27 … minutes, capped. */
export function retryDelay(policy: DeliveryPolicy, attempt: number, retryAfterMs?: number): number {
  const base = Math.min(policy.retryMs * 3 ** Math.min(attempt, 20), policy.maxRetryMs);
  // Up to 10% later, so a server's deliveries do not all return in the same instant.
  const jittered = base + Math.floor(Math.random() * base * 0.1);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxRetryMs));
}

/** A circuit nobody has recorded anything for: closed. */
export function closedCircuit(host: string): HostCircuit {
  return {
    host,
    failures: 0,
    opens: 0,
    openUntilMs: null,
    firstFailureMs: null,
    lastFailureMs: null,
    lastSuccessMs: null,
    unreachableSinceMs: null,
    lastError: null,
  };
}

/** Open and not yet due for its probe. */
export function isOpen(c: HostCircuit | undefined, nowMs: number): boolean {
  return c?.openUntilMs != null && c.openUntilMs > nowMs;
}

/** Past its open period, waiting for a probe: one delivery at a time decides. */
export function isHalfOpen(c: HostCircuit | undefined, nowMs: number): boolean {
  return c?.openUntilMs != null && c.openUntilMs <= nowMs;
}

/** The circuit after a success: closed, failures forgotten. */
export function afterSuccess(c: HostCircuit, nowMs: number): HostCircuit {
  return { ...closedCircuit(c.host), lastSuccessMs: nowMs };
}

/**
 * The circuit after a failure that may mean the server is down. Opens after `openAfter` failures in
 * a row (at once again after a failed probe), for a period that doubles with each reopening. Marks the
 * server unreachable once it has failed for `giveUpMs`.
 */
export function afterFailure(
  policy: DeliveryPolicy,
  c: HostCircuit,
  nowMs: number,
  error: string,
): HostCircuit {
  const failures = c.failures + 1;
  const firstFailureMs = c.firstFailureMs ?? nowMs;
  const next: HostCircuit = { ...c, failures, firstFailureMs, lastFailureMs: nowMs, lastError: error };
  if (nowMs - firstFailureMs >= policy.giveUpMs) next.unreachableSinceMs = c.unreachableSinceMs ?? nowMs;
  // Open already: a delivery that was in flight when it opened failed too; that changes nothing.
  if (c.openUntilMs !== null && c.openUntilMs > nowMs) return next;
  const probeFailed = c.openUntilMs !== null;
  if (failures >= policy.openAfter || probeFailed) {
    next.opens = c.opens + 1;
    next.openUntilMs = nowMs + Math.min(policy.openMs * 2 ** Math.min(c.opens, 20), policy.maxOpenMs);
  }
  return next;
}

/** The result to record for an attempt, from its outcome and the delivery's history. */
export function resultOf(
  policy: DeliveryPolicy,
  outcome: Outcome,
  status: number | null,
  error: string,
  attempt: number,
  ageMs: number,
  nowMs: number,
  retryAfterMs?: number,
): DeliveryResult {
  if (outcome === "delivered") return { kind: "delivered", status: status! };
  if (outcome === "refused") return { kind: "failed", status, error };
  const attempts = attempt + 1;
  if (attempts >= policy.maxAttempts || ageMs >= policy.giveUpMs)
    return { kind: "failed", status, error: `${error} (given up after ${attempts} attempts)` };
  return { kind: "retry", status, error, dueMs: nowMs + retryDelay(policy, attempt, retryAfterMs) };
}
