// Which of the latest posts a new follower is sent (federation.backfillOnFollow), so that none
// reaches it twice.
//
// A post's fan-out lists the followers, then queues a delivery for each and marks the ledger entry
// queued, at `queuedAt`. A follower stored before that listing is among the recipients already;
// one stored after it is not. So a post is backfilled only when it is certain the fan-out missed
// the follower:
// - silent posts (in the outbox only, never pushed) always;
// - queued posts whose `queuedAt` is before the follower arrived (listing came before, too);
// - never a post still pending: its fan-out may list the follower yet.
// What is left out is a post whose fan-out was being queued at the very moment the follow arrived
// (a window of the enqueue transaction's length): the follower may miss that one. Missing a courtesy
// copy is the lesser harm; a duplicate post is what readers notice.
import type { ActivityRecord, Follower } from "../store/types.ts";

/** `creates`: the latest Creates, newest first (listCreates). Returns at most `count`, oldest first. */
export function backfillFor(
  creates: readonly ActivityRecord[],
  follower: Pick<Follower, "createdAt">,
  count: number,
): ActivityRecord[] {
  return creates
    .filter(
      (c) =>
        c.state === "silent" ||
        (c.state === "queued" && (c.queuedAt === null || c.queuedAt < follower.createdAt)),
    )
    .slice(0, count)
    .reverse();
}
