// kill -9 again and again during a fan-out, against peers that process every request they receive
// (no waiting to see whether the sender is still there): every follower ends up with the Create,
// and what is repeated at the HTTP level is at most the deliveries in flight at each kill
// (federation.concurrency), because each success is recorded the moment it is answered.
import { describe, expect, it } from "vitest";
import { killLoop } from "../helpers/kill-loop.ts";

describe("kill -9 in a loop during a fan-out (SQLite)", () => {
  it("delivers to every follower and repeats at most the deliveries in flight at each kill", async () => {
    const r = await killLoop({ followers: 60, concurrency: 4, kills: 6 });
    console.log(`kill loop: ${r.kills} kills, ${r.repeats} repeated deliveries`);
    expect(r.reached).toBe(r.followers);
    expect(r.kills).toBeGreaterThan(0);
    expect(r.repeats).toBeGreaterThanOrEqual(0);
    expect(r.repeats).toBeLessThanOrEqual(r.kills * r.concurrency);
  }, 300_000);
});
