// backfillFor: a new follower gets the latest posts whose fan-out certainly missed it, never one
// that is reaching it anyway.
import { describe, expect, it } from "vitest";
import { backfillFor } from "../../src/federation/backfill.ts";
import type { ActivityRecord } from "../../src/store/types.ts";
import { activity } from "../store/federation-contract.ts";

const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, "0")}:00.000Z`;
const create = (id: string, state: ActivityRecord["state"], queuedMinute?: number): ActivityRecord =>
  activity(id, "create", at(0), { state, queuedAt: queuedMinute === undefined ? null : at(queuedMinute) });

describe("backfillFor", () => {
  const follower = { createdAt: at(30) };

  it("sends silent posts and posts queued before the follow, oldest first, at most N", () => {
    const latest = [
      create("e", "queued", 25),
      create("d", "silent"),
      create("c", "queued", 10),
      create("b", "queued", 5),
    ];
    expect(backfillFor(latest, follower, 3).map((r) => r.articleId)).toEqual(["c", "d", "e"]);
    expect(backfillFor(latest, follower, 10).map((r) => r.articleId)).toEqual(["b", "c", "d", "e"]);
  });

  it("leaves out a post still pending, or queued after the follower arrived: its fan-out includes them", () => {
    const latest = [
      create("new", "pending"),
      create("racing", "queued", 30),
      create("later", "queued", 31),
      create("old", "queued", 1),
    ];
    expect(backfillFor(latest, follower, 3).map((r) => r.articleId)).toEqual(["old"]);
  });

  it("takes entries queued before Herald recorded when (no queuedAt) as long past", () => {
    expect(backfillFor([create("legacy", "queued")], follower, 1).map((r) => r.articleId)).toEqual([
      "legacy",
    ]);
  });
});
