// What Fedify hands its outbox queue, turned into what Herald's outbox keeps. Fedify puts the activity
// and the actor's private keys (as JWK) into every per-inbox message; Herald keeps the activity once
// per fan-out and never the keys: its delivery worker signs with keys it loads from the key store.
import type { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { fnv1a } from "./hash.ts";
import type { Fanout, Settlement } from "./types.ts";

/** The fields of Fedify's `OutboxMessage` that Herald reads (the rest, keys included, is dropped). */
interface OutboxMessage {
  type: "outbox";
  activityId?: string;
  activityType: string;
  activity: unknown;
  inbox: string;
  orderingKey?: string;
  headers?: Record<string, string>;
  /** Only the key ids are read: they name the sending actor, hence the account. */
  keys?: readonly { keyId?: unknown }[];
}

/**
 * The actor identifier whose key signs a message: Fedify names each key `<actor id>#<name>`, and
 * every actor of Herald lives at `/users/<identifier>` (urls.ts ACTOR_ROUTES). '' when there is no
 * such key: the main account, as fan-outs from before accounts are.
 */
function accountOfMessage(message: Pick<OutboxMessage, "keys">): string {
  const keyId = message.keys?.[0]?.keyId;
  if (typeof keyId !== "string") return "";
  const match = /\/users\/([^/#?]+)$/.exec(URL.parse(keyId)?.pathname ?? "");
  return match ? decodeURIComponent(match[1]!) : "";
}

function isOutboxMessage(message: unknown): message is OutboxMessage {
  const m = message as Partial<OutboxMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    m.type === "outbox" &&
    typeof m.inbox === "string" &&
    typeof m.activityType === "string" &&
    typeof m.activity === "object" &&
    m.activity !== null
  );
}

/**
 * Groups one batch of Fedify's per-inbox messages into fan-outs: one per activity (and ordering key),
 * with its body serialised once. `toFollowers`: the batch is a fan-out to the followers collection
 * (the publisher's); otherwise only a FEP-8fcf header Fedify added says so. Throws on anything that is
 * not an outbox message: Herald gives Fedify no fan-out queue, so nothing else may arrive here.
 */
export function fanoutsOf(messages: readonly unknown[], toFollowers = false): Fanout[] {
  // By activity object (a fan-out's messages share one), then ordering key and followers flag.
  const groups = new Map<unknown, Map<string, Fanout & { inboxes: string[] }>>();
  const out: (Fanout & { inboxes: string[] })[] = [];
  // Inboxes per activity id in this batch: an inbox reached twice (a relay that also follows) gets it once.
  const reached = new Map<string, Set<string>>();
  for (const message of messages) {
    if (!isOutboxMessage(message))
      throw new TypeError(
        `Herald's outbox takes Fedify outbox messages only, not ${JSON.stringify((message as { type?: unknown })?.type ?? typeof message)}.`,
      );
    // Fedify's key is "<ours>\n<inbox origin>"; ours (the article's object id) orders per inbox here.
    const orderKey = message.orderingKey?.split("\n")[0] || null;
    const followers = toFollowers || message.headers?.["Collection-Synchronization"] !== undefined;
    let byKey = groups.get(message.activity);
    if (!byKey) {
      byKey = new Map();
      groups.set(message.activity, byKey);
    }
    const account = accountOfMessage(message);
    const key = `${orderKey ?? ""}\u0000${followers}\u0000${account}`;
    let group = byKey.get(key);
    if (!group) {
      const activityId = message.activityId ?? String((message.activity as { id?: unknown }).id ?? "");
      // Serialised once per fan-out, not once per inbox.
      const body = JSON.stringify(message.activity);
      group = {
        account,
        activityId,
        activityType: message.activityType,
        orderKey,
        followers,
        body,
        inboxes: [],
      };
      byKey.set(key, group);
      out.push(group);
    }
    if (group.activityId) {
      let inboxes = reached.get(group.activityId);
      if (!inboxes) {
        inboxes = new Set();
        reached.set(group.activityId, inboxes);
      }
      if (inboxes.has(message.inbox)) continue;
      inboxes.add(message.inbox);
    }
    group.inboxes.push(message.inbox);
  }
  return out.filter((f) => f.inboxes.length > 0);
}

/** `host[:port]` of an inbox URL, lower-case: circuits and pools are per server. */
export function inboxHost(inbox: string): string {
  return new URL(inbox).host.toLowerCase();
}

/** Why a delivery failed, kept short: receipts and circuits store it, status prints it. */
export function shortError(error: string): string {
  const line = error.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/**
 * Where in a paced fan-out's window a server's deliveries go: the same moment for all its inboxes, a
 * different one per server, spread evenly by a hash of its name.
 */
export function spreadOffset(host: string, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  return Math.floor((fnv1a(host) / 0x1_0000_0000) * spreadMs);
}

/** One receipt row's change: a batch of settlements folded per fan-out and server. */
export interface ReceiptDelta {
  fanoutId: number;
  host: string;
  /** The inbox when every settlement of the batch was for one; null when several (aggregated). */
  inbox: string | null;
  delivered: number;
  failed: number;
  attempts: number;
  lastStatus: number | null;
  /** The last failure's reason in the batch; null when none failed. */
  lastError: string | null;
  at: string;
}

/**
 * A batch of settlements as the store writes them: ids that leave the queue, retries with their due
 * time, one receipt change per fan-out and server, and delivered/failed counts per day.
 */
export function summarize(settlements: readonly Settlement[]): {
  done: number[];
  retries: [number, number][];
  receipts: ReceiptDelta[];
  days: Map<string, { delivered: number; failed: number }>;
} {
  const done: number[] = [];
  const retries: [number, number][] = [];
  const receipts = new Map<string, ReceiptDelta>();
  const days = new Map<string, { delivered: number; failed: number }>();
  for (const { delivery: d, result: r, atMs } of settlements) {
    if (r.kind === "retry") retries.push([d.id, r.dueMs]);
    else done.push(d.id);
    const at = new Date(atMs).toISOString();
    const delivered = r.kind === "delivered" ? 1 : 0;
    const failed = r.kind === "failed" ? 1 : 0;
    const key = `${d.fanoutId} ${d.host}`;
    const prior = receipts.get(key);
    receipts.set(key, {
      fanoutId: d.fanoutId,
      host: d.host,
      inbox: prior === undefined || prior.inbox === d.inbox ? d.inbox : null,
      delivered: (prior?.delivered ?? 0) + delivered,
      failed: (prior?.failed ?? 0) + failed,
      attempts: (prior?.attempts ?? 0) + 1,
      lastStatus: r.status ?? prior?.lastStatus ?? null,
      lastError: r.kind === "delivered" ? (prior?.lastError ?? null) : r.error,
      at,
    });
    if (delivered || failed) {
      const day = days.get(at.slice(0, 10)) ?? { delivered: 0, failed: 0 };
      day.delivered += delivered;
      day.failed += failed;
      days.set(at.slice(0, 10), day);
    }
  }
  return { done, retries, receipts: [...receipts.values()], days };
}

/**
 * FEP-8fcf's followers digest: the XOR of the SHA-256 of each follower id, in hex. Synchronous and
 * cheap (node:crypto): WebCrypto's digest costs a thread-pool round trip per id, shared with signing.
 */
export function followersDigest(ids: readonly string[]): string {
  const xor = Buffer.alloc(32);
  for (const id of ids) {
    const hash = createHash("sha256").update(id).digest();
    for (let i = 0; i < 32; i++) xor[i]! ^= hash[i]!;
  }
  return xor.toString("hex");
}

/** What Fedify enqueues while a publisher's `send` runs: collected, then written with its ledger mark. */
export interface Batch {
  messages: unknown[];
  /** Closed once `send` returned: anything enqueued later is written on its own, not dropped. */
  open: boolean;
}

/** Runs `send` with a batch open in `store`, and returns what it enqueued. */
export async function collectBatch<T>(
  store: AsyncLocalStorage<Batch>,
  send: () => Promise<T>,
): Promise<{ value: T; messages: unknown[] }> {
  const batch: Batch = { messages: [], open: true };
  try {
    const value = await store.run(batch, send);
    return { value, messages: batch.messages };
  } finally {
    batch.open = false;
  }
}

/** Resolves when `signal` aborts (at once without one): Fedify's `listen` on a queue it never reads. */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
