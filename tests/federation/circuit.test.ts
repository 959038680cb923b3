// The delivery policy on its own: classification, retry delays, and a server's circuit over time.
import { describe, expect, it } from "vitest";
import {
  afterFailure,
  afterSuccess,
  classify,
  closedCircuit,
  deliveryPolicy,
  isHalfOpen,
  isOpen,
  resultOf,
  retryDelay,
} from "../../src/federation/circuit.ts";

const policy = deliveryPolicy(7);
const T0 = Date.parse("2026-12-01T00:00:00Z");

describe("delivery policy", () => {
  it("classifies answers: 2xx delivered, 429 throttled, 408/5xx/none unavailable, other 4xx refused", () => {
    expect([200, 202, 204].map(classify)).toEqual(["delivered", "delivered", "delivered"]);
    expect(classify(429)).toBe("throttled");
    expect([408, 500, 502, 503, null].map(classify)).toEqual(Array(5).fill("unavailable"));
    expect([400, 401, 403, 404, 410, 301].map(classify)).toEqual(Array(6).fill("refused"));
  });

  it("retries 1, 3, 9 … minutes later, capped at 12 hours, and honours a longer Retry-After", () => {
    const minutes = [0, 1, 2, 3].map((a) => retryDelay(policy, a) / 60_000);
    for (const [i, expected] of [1, 3, 9, 27].entries()) {
      expect(minutes[i]).toBeGreaterThanOrEqual(expected);
      expect(minutes[i]).toBeLessThan(expected * 1.1 + 0.001);
    }
    expect(retryDelay(policy, 15)).toBeLessThanOrEqual(policy.maxRetryMs * 1.1);
    expect(retryDelay(policy, 0, 30 * 60_000)).toBe(30 * 60_000);
  });

  it("gives a delivery up when refused, after the last attempt, or when too old", () => {
    expect(resultOf(policy, "refused", 410, "HTTP 410", 0, 0, T0)).toEqual({
      kind: "failed",
      status: 410,
      error: "HTTP 410",
    });
    expect(resultOf(policy, "unavailable", 503, "HTTP 503", 0, 0, T0).kind).toBe("retry");
    expect(resultOf(policy, "unavailable", 503, "HTTP 503", policy.maxAttempts - 1, 0, T0).kind).toBe(
      "failed",
    );
    expect(resultOf(policy, "throttled", 429, "HTTP 429", 0, policy.giveUpMs, T0).kind).toBe("failed");
  });

  it("opens after five failures in a row, doubles the open period after each failed probe, closes on success", () => {
    let c = closedCircuit("dead.example");
    for (let i = 0; i < 4; i++) c = afterFailure(policy, c, T0 + i, "ECONNREFUSED");
    expect(c.openUntilMs).toBeNull();
    c = afterFailure(policy, c, T0 + 10, "ECONNREFUSED");
    expect(c.openUntilMs).toBe(T0 + 10 + 60_000);
    expect(isOpen(c, T0 + 20)).toBe(true);
    // A delivery in flight when it opened fails too: the circuit stays as it is.
    expect(afterFailure(policy, c, T0 + 30, "ECONNREFUSED").openUntilMs).toBe(c.openUntilMs);
    // The probe after the open period fails: open again, twice as long.
    const probeAt = c.openUntilMs! + 1;
    expect(isHalfOpen(c, probeAt)).toBe(true);
    c = afterFailure(policy, c, probeAt, "ECONNREFUSED");
    expect(c.openUntilMs).toBe(probeAt + 120_000);
    expect(c.opens).toBe(2);
    // Capped at six hours however long it fails.
    for (let i = 0; i < 30; i++) c = afterFailure(policy, c, c.openUntilMs! + 1, "ECONNREFUSED");
    expect(c.openUntilMs! - (c.lastFailureMs ?? 0)).toBe(policy.maxOpenMs);
    const ok = afterSuccess(c, T0 + 99);
    expect(ok).toMatchObject({
      failures: 0,
      opens: 0,
      openUntilMs: null,
      lastSuccessMs: T0 + 99,
      firstFailureMs: null,
    });
  });

  it("marks a server unreachable once it has failed for unreachableAfterDays", () => {
    let c = afterFailure(policy, closedCircuit("dead.example"), T0, "ECONNREFUSED");
    c = afterFailure(policy, c, T0 + 6 * 86_400_000, "ECONNREFUSED");
    expect(c.unreachableSinceMs).toBeNull();
    c = afterFailure(policy, { ...c, openUntilMs: null }, T0 + 7 * 86_400_000, "ECONNREFUSED");
    expect(c.unreachableSinceMs).toBe(T0 + 7 * 86_400_000);
  });
});
