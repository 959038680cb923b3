// The last few weeks, day by day, for the dashboard's charts: deliveries (delivered, failed) and the
// follower count, read from the outbox's daily counts and follower snapshots. Days are UTC days,
// as the outbox counts them.
import type { DeliveryDay, Storage } from "../store/types.ts";

const DAY_MS = 86_400_000;

export interface HistoryDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  delivered: number;
  failed: number;
  /** Accepted followers; null before the first count in the window. */
  followers: number | null;
  /** The day `followers` was counted: this day, or an earlier one when it was carried over. */
  countedOn: string | null;
}

/**
 * Every one of the `days` days up to today. The dashboard only reads: today's follower count is
 * the live one it already has (`followersNow`), not a snapshot written by a GET.
 */
export async function deliveryHistory(
  storage: Storage,
  options: { now: Date; days: number; followersNow?: number },
): Promise<HistoryDay[]> {
  const first = dayOf(options.now.getTime() - (options.days - 1) * DAY_MS);
  const rows = await storage.outbox().days(first);
  return historyOf(rows, dayOf(options.now.getTime()), options.days, options.followersNow);
}

/**
 * Fills the days without a row: no deliveries, and the follower count of the last day that had
 * one. A day without a snapshot is one the server was down at maintenance time; the count it last
 * took is the best estimate, so the line goes on flat (and `countedOn` says where it came from).
 * Days before the first count in the window stay empty: nothing is known of them.
 */
export function historyOf(
  rows: readonly DeliveryDay[],
  today: string,
  days: number,
  followersNow?: number,
): HistoryDay[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const end = Date.parse(`${today}T00:00:00Z`);
  const out: HistoryDay[] = [];
  let followers: number | null = null;
  let countedOn: string | null = null;
  for (let i = days - 1; i >= 0; i--) {
    const day = dayOf(end - i * DAY_MS);
    const row = byDay.get(day);
    if (row?.followers != null) [followers, countedOn] = [row.followers, day];
    if (i === 0 && followersNow !== undefined) [followers, countedOn] = [followersNow, day];
    out.push({ day, delivered: row?.delivered ?? 0, failed: row?.failed ?? 0, followers, countedOn });
  }
  return out;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
