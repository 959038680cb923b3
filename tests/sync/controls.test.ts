import { describe, expect, it } from "vitest";
import {
  applyControls,
  createBudget,
  inQuietHours,
  type PublishingControls,
} from "../../src/sync/controls.ts";
import type { FederationAction } from "../../src/sync/plan.ts";

const controls = (over: Partial<PublishingControls> = {}): PublishingControls => ({
  maxPerHour: 0,
  minIntervalMs: 0,
  timezone: "Asia/Shanghai",
  ...over,
});
const creates = (n: number): FederationAction[] =>
  Array.from({ length: n }, (_, i) => ({ kind: "create", articleId: `a${i}`, silent: false }));

describe("publishing controls", () => {
  it("knows quiet hours in the site timezone, across midnight", () => {
    const c = controls({ quietHours: { start: "23:00", end: "07:00" } });
    // 15:30 UTC = 23:30 in Shanghai; 23:30 UTC = 07:30 in Shanghai.
    expect(inQuietHours(new Date("2026-03-01T15:30:00Z"), c)).toBe(true);
    expect(inQuietHours(new Date("2026-03-01T22:59:00Z"), c)).toBe(true);
    expect(inQuietHours(new Date("2026-03-01T23:30:00Z"), c)).toBe(false);
    expect(inQuietHours(new Date("2026-03-01T04:00:00Z"), c)).toBe(false);
    expect(
      inQuietHours(
        new Date("2026-03-01T04:00:00Z"),
        controls({ quietHours: { start: "09:00", end: "17:00" } }),
      ),
    ).toBe(true);
  });

  it("holds everything but silent and forced actions during quiet hours", () => {
    const now = new Date("2026-03-01T16:00:00Z");
    const plan: FederationAction[] = [
      ...creates(2),
      { kind: "update", articleId: "u" },
      { kind: "delete", articleId: "d" },
      { kind: "create", articleId: "s", silent: true },
    ];
    const r = applyControls(
      plan,
      now,
      controls({ quietHours: { start: "23:00", end: "07:00" } }),
      { recentCreates: [] },
      new Set(["a1"]),
    );
    expect(r.send.map((a) => a.articleId)).toEqual(["a1", "s"]);
    expect(r.held.map((h) => [h.action.articleId, h.reason])).toEqual([
      ["a0", "quiet-hours"],
      ["u", "quiet-hours"],
      ["d", "quiet-hours"],
    ]);
  });

  it("drips new posts: at most maxPerHour per rolling hour, in plan order", () => {
    const now = new Date("2026-03-01T12:00:00Z");
    const recent = ["2026-03-01T11:10:00Z", "2026-03-01T10:00:00Z"]; // one inside the hour
    const r = applyControls(
      [...creates(5), { kind: "update", articleId: "u" }],
      now,
      controls({ maxPerHour: 3 }),
      {
        recentCreates: recent,
      },
    );
    expect(r.send.map((a) => a.articleId)).toEqual(["a0", "a1", "u"]);
    expect(r.held.map((h) => h.action.articleId)).toEqual(["a2", "a3", "a4"]);
    expect(r.held.every((h) => h.reason === "drip")).toBe(true);
  });

  it("spaces posts by the minimum interval", () => {
    const now = new Date("2026-03-01T12:00:00Z");
    const c = controls({ minIntervalMs: 10 * 60_000 });
    expect(createBudget(now, c, { recentCreates: ["2026-03-01T11:55:00Z"] })).toBe(0);
    expect(createBudget(now, c, { recentCreates: ["2026-03-01T11:45:00Z"] })).toBe(1);
    expect(createBudget(now, c, { recentCreates: [] })).toBe(1);
    expect(createBudget(now, controls(), { recentCreates: [] })).toBe(Number.POSITIVE_INFINITY);
  });
});
