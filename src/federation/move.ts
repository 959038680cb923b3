// Moving out (`herald move --to`): the new account must already name Herald in its `alsoKnownAs`
// (servers check that before they move anyone). The Move is recorded in the move ledger first, then
// queued to every follower through Herald's outbox in one transaction with its "queued" mark, like
// an article's Create: a restart neither loses nor repeats it. From then on the actor shows
// `movedTo` and no new article is posted; Herald keeps answering. `--undo` ends it.
import { createHash } from "node:crypto";
import type { Federation } from "@fedify/fedify";
import { isActor, Move, type Service, Update } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import type { Logger } from "../log.ts";
import type { OutboundGuard } from "../net/outbound.ts";
import type { MoveLedger, MoveRecord } from "../store/moves.ts";
import { AlreadyQueuedError, type AtomicQueue } from "../store/types.ts";
import { toStoredJson } from "./objects.ts";

export interface MoveDeps<Tx = unknown> {
  federation: Federation<void>;
  outbox: AtomicQueue<Tx>;
  moves: MoveLedger<Tx>;
  username: string;
  home: URL;
  guard: OutboundGuard;
  /** Fetches past the cache: the new account's `alsoKnownAs` was probably changed minutes ago. */
  freshLoader: DocumentLoader;
  /** The actor document as served now, or as served once the move is undone (`movedTo` gone). */
  actor(options?: { undone: boolean }): Promise<Service>;
  log: Logger;
}

export type MoveResult = { ok: true; message: string; move?: MoveRecord } | { ok: false; message: string };

/** Finds the new account (actor URL or @user@host), checks it, records the Move and queues it. */
export async function moveTo<Tx>(deps: MoveDeps<Tx>, input: string): Promise<MoveResult> {
  const ctx = deps.federation.createContext(deps.home);
  const me = ctx.getActorUri(deps.username);
  const handle = input.startsWith("@") ? input : /^https?:\/\//i.test(input) ? input : `@${input}`;
  const target = await deps.guard
    .run(() => ctx.lookupObject(handle, { documentLoader: deps.freshLoader }))
    .catch(() => null);
  if (!target || !isActor(target) || !target.id)
    return { ok: false, message: `Could not find the account ${input} (no actor at that address).` };
  if (target.id.href === me.href) return { ok: false, message: "Herald cannot move to itself." };
  if (!target.aliasIds.some((alias) => alias.href === me.href))
    return {
      ok: false,
      message:
        `${target.id.href} does not list ${me.href} in its alsoKnownAs, so no server would move ` +
        "followers to it. On the new account, add this one as an alias first (Mastodon: Preferences › " +
        `Account › Moving from a different account, enter @${deps.username}@${deps.home.host}), then try again.`,
    };
  const current = await deps.moves.current();
  if (current && current.target !== target.id.href)
    return {
      ok: false,
      message: `Already moved to ${current.target}. Run \`herald move --undo\` first to move elsewhere.`,
    };
  if (current) {
    await recoverMoves(deps);
    return { ok: true, message: `Already moved to ${current.target}.`, move: current };
  }
  const n = (await deps.moves.count()) + 1;
  const digest = createHash("sha256").update(target.id.href).digest("hex").slice(0, 16);
  const move = new Move({
    id: new URL(`#move-${digest}${n > 1 ? `-${n}` : ""}`, me),
    actor: me,
    object: me,
    target: target.id,
    to: ctx.getFollowersUri(deps.username),
  });
  const record: MoveRecord = {
    id: move.id!.href,
    target: target.id.href,
    state: "pending",
    activity: await toStoredJson(move),
    createdAt: new Date().toISOString(),
    undoneAt: null,
  };
  if (!(await deps.moves.record(record)))
    return { ok: false, message: "Another move was recorded at the same time; see `herald status`." };
  await enqueue(deps, record);
  deps.log.info({ target: record.target, activity: record.id }, "move recorded and queued");
  return {
    ok: true,
    message: `Moved to ${record.target}: a Move was queued to every follower. Herald posts no new articles now; \`herald move --undo\` reverses it.`,
    move: record,
  };
}

/** Queues Moves recorded but never queued (a crash in between). */
export async function recoverMoves<Tx>(
  deps: Pick<MoveDeps<Tx>, "federation" | "outbox" | "moves" | "username" | "home" | "log">,
): Promise<number> {
  const pending = await deps.moves.pending();
  for (const record of pending) await enqueue(deps, record);
  if (pending.length > 0) deps.log.info({ count: pending.length }, "pending move re-enqueued");
  return pending.length;
}

async function enqueue<Tx>(
  deps: Pick<MoveDeps<Tx>, "federation" | "outbox" | "moves" | "username" | "home" | "log">,
  record: MoveRecord,
): Promise<void> {
  const ctx = deps.federation.createContext(deps.home);
  const activity = await Move.fromJsonLd(record.activity);
  try {
    await deps.outbox.atomically(
      () =>
        ctx.sendActivity({ identifier: deps.username }, "followers", activity, {
          preferSharedInbox: true,
          fanout: "skip",
        }),
      (_value, tx) => deps.moves.markQueuedIn(tx, record.id),
    );
  } catch (error) {
    if (!(error instanceof AlreadyQueuedError)) throw error;
    deps.log.info({ activity: record.id }, "move was queued by another process");
  }
}

/**
 * Ends the Move in force: the actor loses `movedTo` and posting resumes. The end is written in the
 * outbox's transaction that queues the Update telling followers, so a crash leaves either both
 * (followers are told) or neither (the Move is still in force, and `--undo` can be run again).
 */
export async function undoMove<Tx>(deps: MoveDeps<Tx>): Promise<MoveResult> {
  const current = await deps.moves.current();
  if (!current) return { ok: false, message: "Herald has not moved; nothing to undo." };
  const ctx = deps.federation.createContext(deps.home);
  // The actor as it is once the move ends: no movedTo.
  const actor = await deps.actor({ undone: true });
  const digest = createHash("sha256").update(current.id).digest("hex").slice(0, 16);
  const update = new Update({ id: new URL(`#unmove-${digest}`, actor.id!), actor: actor.id, object: actor });
  const at = new Date().toISOString();
  try {
    await deps.outbox.atomically(
      () =>
        ctx.sendActivity({ identifier: deps.username }, "followers", update, {
          preferSharedInbox: true,
          fanout: "skip",
        }),
      (_value, tx) => deps.moves.undoIn(tx, current.id, at),
    );
  } catch (error) {
    if (!(error instanceof AlreadyQueuedError)) throw error;
    return { ok: false, message: "The move was undone by another process meanwhile; nothing to undo." };
  }
  deps.log.info({ target: current.target }, "move undone");
  return {
    ok: true,
    message: `Move to ${current.target} undone: the account no longer shows movedTo, and new articles are posted again. Followers that already moved stay with the new account.`,
    move: { ...current, undoneAt: at },
  };
}
