// What the next publish would do: the plan against the ledger, then the drip feed and quiet hours.
// The publisher carries it out; `herald status` and dry runs only read it, without loading Fedify.
import type { Config } from "../config/load.ts";
import type { ArticleRecord } from "../content/records.ts";
import type { FederationStore } from "../store/types.ts";
import { applyControls, type HoldReason, type PublishingControls } from "./controls.ts";
import { type FederationAction, planFederation } from "./plan.ts";

/** Meta key set once the first publish ran (articles present then go to the outbox unpushed). */
export const FIRST_RUN_KEY = "federation.firstRunDone";

export interface HeldAction {
  articleId: string;
  kind: FederationAction["kind"];
  reason: HoldReason;
}

export interface DueOptions {
  pushNewestOnFirstRun: number;
  /** Drip feed and quiet hours; none when absent. */
  controls?: PublishingControls;
  now: Date;
  /** Articles that skip the drip feed and quiet hours this once (`herald publish ID --now`). */
  force?: ReadonlySet<string>;
}

export type LedgerReader = Pick<
  FederationStore<unknown>,
  "retractedIds" | "listObjects" | "getMeta" | "activityTimesSince"
>;

/** Plans against the ledger: create, update or delete per article, silent creates on a first run. */
async function planAgainstLedger(
  store: LedgerReader,
  records: Iterable<ArticleRecord>,
  { pushNewestOnFirstRun, now }: Pick<DueOptions, "pushNewestOnFirstRun" | "now">,
): Promise<FederationAction[]> {
  const iso = now.toISOString();
  // Taken before the first await: the library may change while the store answers.
  const articles = [...records].filter((r) => r.path !== null);
  const [retracted, objects, firstRunDone] = await Promise.all([
    store.retractedIds(),
    store.listObjects(),
    store.getMeta(FIRST_RUN_KEY),
  ]);
  return planFederation({
    articles: articles.map((r) => ({
      id: r.id,
      contentHash: r.contentHash,
      published: r.published,
      eligible: r.federate && r.visibleFrom !== null && r.visibleFrom <= iso && !retracted.has(r.id),
    })),
    objects: objects.map((o) => ({
      articleId: o.articleId,
      contentHash: o.contentHash,
      deleted: o.deletedAt !== null,
    })),
    firstRun: firstRunDone === undefined,
    pushNewestOnFirstRun,
  });
}

/** The plan, and which of its actions go now and which wait (drip feed, quiet hours). */
export async function dueActions(
  store: LedgerReader,
  records: Iterable<ArticleRecord>,
  options: DueOptions,
): Promise<{ plan: FederationAction[]; send: FederationAction[]; held: HeldAction[] }> {
  const plan = await planAgainstLedger(store, records, options);
  const { controls, now } = options;
  const { send, held } = controls
    ? applyControls(
        plan,
        now,
        controls,
        {
          recentCreates: await store.activityTimesSince(
            "create",
            new Date(now.getTime() - 3_600_000).toISOString(),
          ),
        },
        options.force ?? new Set(),
      )
    : { send: plan, held: [] };
  return {
    plan,
    send,
    held: held.map((h) => ({ articleId: h.action.articleId, kind: h.action.kind, reason: h.reason })),
  };
}

/** The publishing section of the configuration, as `dueActions` takes it. */
export function dueOptionsOf(config: Config, now: Date): DueOptions {
  return {
    pushNewestOnFirstRun: config.federation.pushNewestOnFirstStart,
    controls: {
      maxPerHour: config.publishing.maxPerHour,
      minIntervalMs: config.publishing.minIntervalMinutes * 60_000,
      quietHours: config.publishing.quietHours,
      timezone: config.site.timezone,
    },
    now,
  };
}
