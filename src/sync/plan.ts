// Pure: what the fediverse should receive, given what is on disk and what was already federated.

export interface PlanArticle {
  id: string;
  contentHash: string;
  /** Present, not a draft, due (publish_at/date passed) and `federate` not false. */
  eligible: boolean;
  /** Article date (ISO), for ordering creates. */
  published: string;
}

export interface PlanObject {
  articleId: string;
  contentHash: string;
  deleted: boolean;
}

export type FederationAction =
  | { kind: "create"; articleId: string; silent: boolean }
  | { kind: "update"; articleId: string }
  | { kind: "delete"; articleId: string };

export interface PlanInput {
  articles: readonly PlanArticle[];
  objects: readonly PlanObject[];
  /** Nothing was ever federated: articles already present go to the outbox without being pushed. */
  firstRun: boolean;
  /** On the first run, push the newest N anyway. */
  pushNewestOnFirstRun: number;
}

export function planFederation(input: PlanInput): FederationAction[] {
  const objects = new Map(input.objects.map((o) => [o.articleId, o]));
  const eligible = input.articles.filter((a) => a.eligible);
  const eligibleIds = new Set(eligible.map((a) => a.id));

  // Oldest first, so a bulk drop reaches timelines in date order.
  const fresh = eligible
    .filter((a) => !objects.has(a.id))
    .sort((a, b) => (a.published === b.published ? cmp(a.id, b.id) : cmp(a.published, b.published)));
  const pushed = new Set(
    input.firstRun
      ? fresh.slice(fresh.length - Math.min(input.pushNewestOnFirstRun, fresh.length)).map((a) => a.id)
      : [],
  );
  const actions: FederationAction[] = fresh.map((a) => ({
    kind: "create",
    articleId: a.id,
    silent: input.firstRun && !pushed.has(a.id),
  }));

  for (const a of eligible) {
    const o = objects.get(a.id);
    if (o && !o.deleted && o.contentHash !== a.contentHash) actions.push({ kind: "update", articleId: a.id });
  }
  for (const o of input.objects) {
    if (!o.deleted && !eligibleIds.has(o.articleId)) actions.push({ kind: "delete", articleId: o.articleId });
  }
  return actions;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
