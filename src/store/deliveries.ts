// The status page's per-article delivery summary: both backends answer with the same two row sets.
import type { Delivery } from "./types.ts";

export interface LedgerRow {
  articleId: string;
  kind: "create" | "update" | "delete";
  n: number;
  pending: number;
  silent: number;
  last: string;
}

export interface QueueRow {
  articleId: string;
  waiting: number;
  failing: number;
}

/** Both backends answer with the same two row sets; this folds them into one entry per article. */
export function mergeDeliveries(
  ledger: readonly LedgerRow[],
  queued: readonly QueueRow[],
): Map<string, Delivery> {
  const out = new Map<string, Delivery>();
  for (const row of ledger) {
    const d = out.get(row.articleId) ?? {
      activities: {},
      pending: 0,
      silent: 0,
      waiting: 0,
      failing: 0,
      last: row.last,
    };
    d.activities[row.kind] = Number(row.n);
    d.pending += Number(row.pending);
    d.silent += Number(row.silent);
    if (row.last > d.last) d.last = row.last;
    out.set(row.articleId, d);
  }
  for (const row of queued) {
    const d = out.get(row.articleId);
    if (!d) continue;
    d.waiting = Number(row.waiting);
    d.failing = Number(row.failing);
  }
  return out;
}
