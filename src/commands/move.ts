// `herald move --to ACCOUNT` and `herald move --undo`: moving the account's followers elsewhere
// (federation/move.ts). The Move is queued to every follower; it goes out now, and a running
// `herald serve` would send it too.
import type { Config } from "../config/load.ts";
import type { ActionResult } from "../ops/actions.ts";
import { openForCommand } from "./context.ts";

/** How long the command waits for the Move it queued when no server runs to send it. */
const DRAIN_MS = 60_000;

export async function moveCommand(
  config: Config,
  options: { to?: string; undo?: boolean },
): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    const account = herald.federation?.account;
    if (!account) return { ok: false, message: "The fediverse side is off; nothing to move." };
    const result = options.undo ? await account.undoMove() : await account.move(options.to!);
    if (result.ok && herald.federation) await herald.federation.drain(DRAIN_MS);
    return { ok: result.ok, message: result.message };
  } finally {
    await herald.close();
  }
}
