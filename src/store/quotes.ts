// Quote consent (FEP-044f): the QuoteAuthorization stamps Herald granted. A stamp is served at its
// own URL while it stands; revoking it (the article deleted or retracted) makes that URL answer 404
// and sends the quoter a Delete of it, once: the revocation is written in the outbox's transaction.

export interface QuoteStamp {
  /** The last segment of the stamp's URL: 32 hex of the sha256 of JSON [article id, quote post id]. */
  id: string;
  articleId: string;
  /** The quote post (`interactingObject`). */
  quoteId: string;
  /** Who asked (the QuoteRequest's actor) and its inbox, where a revocation goes. */
  actorId: string;
  inbox: string;
  requestId: string;
  createdAt: string;
  revokedAt: string | null;
}

/** SQLite and PostgreSQL pass one contract suite (tests/store/quotes-moves.contract.test.ts). */
export interface QuoteStampStore<Tx = unknown> {
  /** Stores a stamp unless one with its id exists; answers the stored one (a repeated request gets the same). */
  saveStamp(stamp: QuoteStamp): Promise<QuoteStamp>;
  getStamp(id: string): Promise<QuoteStamp | undefined>;
  /** How many stamps one actor was ever granted (a bound on what one asker can make Herald keep). */
  countStamps(actorId: string): Promise<number>;
  /** Stamps still standing, oldest first. */
  liveStamps(): Promise<QuoteStamp[]>;
  /**
   * Marks a stamp revoked inside the outbox's transaction (with the Delete sent to the quoter);
   * throws AlreadyQueuedError when it was revoked already, so its Delete is not queued twice.
   */
  revokeIn(tx: Tx, id: string, at: string): void | Promise<void>;
  /** Every stamp, oldest first: what `herald migrate-store` carries. */
  exportStamps(): Promise<QuoteStamp[]>;
  importStamps(stamps: readonly QuoteStamp[]): Promise<void>;
}
