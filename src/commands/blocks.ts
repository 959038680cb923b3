// `herald block`, `herald unblock`, `herald blocks`: the operator's blocks (ops/blocks.ts).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Config } from "../config/load.ts";
import type { ActionResult } from "../ops/actions.ts";
import { blockOn, importBlocklistOn, unblockOn } from "../ops/blocks.ts";
import type { Block } from "../store/types.ts";
import { openForCommand, openSnapshot } from "./context.ts";

/** How long a command waits for the Rejects it queued when no server is running to send them. */
const DRAIN_MS = 60_000;

export async function blockCommand(
  config: Config,
  options: { target?: string; importFile?: string; note?: string },
): Promise<ActionResult> {
  let text: string | undefined;
  if (options.importFile !== undefined) {
    try {
      text = readFileSync(options.importFile, "utf8");
    } catch (error) {
      return { ok: false, message: `Cannot read ${options.importFile}: ${(error as Error).message}` };
    }
  }
  const herald = await openForCommand(config);
  try {
    const result =
      text !== undefined
        ? await importBlocklistOn(herald, text, basename(options.importFile!))
        : await blockOn(herald, options.target!, options.note ?? null);
    // The Rejects to removed followers go out now; a running `herald serve` would send them too.
    if (result.ok && herald.federation) await herald.federation.drain(DRAIN_MS);
    return result;
  } finally {
    await herald.close();
  }
}

export async function unblockCommand(config: Config, target: string): Promise<ActionResult> {
  const herald = await openForCommand(config);
  try {
    return await unblockOn(herald, target);
  } finally {
    await herald.close();
  }
}

/** Read-only: on a snapshot, as `herald followers`. */
export async function listBlocks(config: Config): Promise<Block[]> {
  const herald = await openSnapshot(config, { federation: false });
  try {
    return await herald.storage.federation.listBlocks();
  } finally {
    await herald.dispose();
  }
}

export function formatBlocks(blocks: readonly Block[]): string {
  if (blocks.length === 0) return "No blocks.";
  return blocks
    .map(
      (b) =>
        `${b.kind.padEnd(6)} ${b.target.padEnd(40)} since ${b.createdAt.slice(0, 10)}${b.note ? `  ${b.note}` : ""}`,
    )
    .join("\n");
}
