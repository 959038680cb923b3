// Moving out: the Moves Herald decided (`herald move --to`), a ledger like the articles' one. A Move is
// recorded first (pending), then queued to every follower in one transaction with its "queued" mark,
// so a restart neither loses nor repeats it. The Move in force (not undone) is the actor's `movedTo`.

export interface MoveRecord {
  /** The Move's deterministic id: `<actor>#move-<16 hex of sha256(target)>-<n>`. */
  id: string;
  /** The new account's actor id. */
  target: string;
  state: "pending" | "queued";
  /** The Move as sent (JSON-LD). */
  activity: Record<string, unknown>;
  createdAt: string;
  /** `herald move --undo`: the account posts again. */
  undoneAt: string | null;
}

/** SQLite and PostgreSQL pass one contract suite (tests/store/quotes-moves.contract.test.ts). */
export interface MoveLedger<Tx = unknown> {
  /** The Move in force, if any. */
  current(): Promise<MoveRecord | undefined>;
  /** How many Moves were ever recorded (the next one's id suffix). */
  count(): Promise<number>;
  /** Records a Move unless one is in force already (then false). */
  record(move: MoveRecord): Promise<boolean>;
  /** Moves in force recorded but never queued (a crash in between). */
  pending(): Promise<MoveRecord[]>;
  /** Inside the outbox's transaction; throws AlreadyQueuedError when it is not pending. */
  markQueuedIn(tx: Tx, id: string): void | Promise<void>;
  /** Ends the Move in force; answers it, or undefined when there was none. */
  undo(at: string): Promise<MoveRecord | undefined>;
  /**
   * Ends the Move `id`, inside the outbox's transaction that queues the Update telling followers,
   * so the two commit together; throws AlreadyQueuedError when it is not in force any more.
   */
  undoIn(tx: Tx, id: string, at: string): void | Promise<void>;
  exportMoves(): Promise<MoveRecord[]>;
  importMoves(moves: readonly MoveRecord[]): Promise<void>;
}
