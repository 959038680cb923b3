// What Fedify hands its outbox queue, turned into what Herald's outbox keeps. Fedify puts the activity
// and the actor's private keys (as JWK) into every per-inbox message; Herald keeps the activity once
// per fan-out and never the keys: its delivery worker signs with keys it loads from the key store.
import type { Fanout } from "./types.ts";

/** The fields of Fedify's `OutboxMessage` that Herald reads (the rest, keys included, is dropped). */
interface OutboxMessage {
  type: "outbox";
  activityId?: string;
  activityType: string;
  activity: unknown;
  inbox: string;
  orderingKey?: string;
  headers?: Record<string, string>;
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
 * with its body serialised once. Throws on anything that is not an outbox message: Herald gives Fedify
 * no fan-out queue, so nothing else may arrive here.
 */
export function fanoutsOf(messages: readonly unknown[]): Fanout[] {
  // By activity object (a fan-out's messages share one), then ordering key and followers flag.
  const groups = new Map<unknown, Map<string, Fanout & { inboxes: string[] }>>();
  const out: (Fanout & { inboxes: string[] })[] = [];
  for (const message of messages) {
    if (!isOutboxMessage(message))
      throw new TypeError(
        `Herald's outbox takes Fedify outbox messages only, not ${JSON.stringify((message as { type?: unknown })?.type ?? typeof message)}.`,
      );
    // Fedify's key is "<ours>\n<inbox origin>"; ours (the article's object id) orders per inbox here.
    const orderKey = message.orderingKey?.split("\n")[0] || null;
    const followers = message.headers?.["Collection-Synchronization"] !== undefined;
    let byKey = groups.get(message.activity);
    if (!byKey) {
      byKey = new Map();
      groups.set(message.activity, byKey);
    }
    const key = `${orderKey ?? ""}\u0000${followers}`;
    let group = byKey.get(key);
    if (!group) {
      const activityId = message.activityId ?? String((message.activity as { id?: unknown }).id ?? "");
      // Serialised once per fan-out, not once per inbox.
      const body = JSON.stringify(message.activity);
      group = { activityId, activityType: message.activityType, orderKey, followers, body, inboxes: [] };
      byKey.set(key, group);
      out.push(group);
    }
    group.inboxes.push(message.inbox);
  }
  return out;
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
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) hash = Math.imul(hash ^ host.charCodeAt(i), 0x01000193);
  return Math.floor(((hash >>> 0) / 0x1_0000_0000) * spreadMs);
}
