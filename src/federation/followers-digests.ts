// FEP-8fcf (followers collection synchronization): a delivery of a followers fan-out carries a
// Collection-Synchronization header with a digest of the followers Herald has on the receiving
// server, and where to read that partial list (collections.ts serves it). A digest is computed once
// per fan-out and origin; the follower look-ups asked for in one turn of the event loop cost one
// database look-up per account.
import { followersDigest } from "../store/outbox-messages.ts";
import type { Outbox } from "../store/types.ts";

/** A caller waiting for one origin's follower ids (the batched look-up). */
interface IdsWaiter {
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
}

/** Whose followers are digested: the account's key in the store, and its followers collection. */
export interface DigestedAccount {
  account: string;
  followersUri: URL;
}

export class FollowersDigests {
  readonly #outbox: Pick<Outbox, "followerIdsByOrigin">;
  /** Followers digests per fan-out and origin (FEP-8fcf): computed once per fan-out. */
  readonly #digests = new Map<string, Promise<string | undefined>>();
  /** Follower look-ups waiting for this turn's batch, by account and origin. */
  #idsWanted = new Map<string, Map<string, IdsWaiter[]>>();

  constructor(outbox: Pick<Outbox, "followerIdsByOrigin">) {
    this.#outbox = outbox;
  }

  /** The header for a fan-out's deliveries to `origin`; undefined when Herald has no followers there. */
  header(fanoutId: number, origin: string, whose: DigestedAccount): Promise<string | undefined> {
    const key = `${fanoutId} ${origin}`;
    let digest = this.#digests.get(key);
    if (!digest) {
      digest = this.#followerIds(origin, whose.account).then((ids) =>
        ids.length > 0 ? syncHeader(origin, ids, whose) : undefined,
      );
      digest.catch(() => this.#digests.delete(key));
      this.#digests.set(key, digest);
      if (this.#digests.size > 4_096) this.#digests.delete(this.#digests.keys().next().value!);
    }
    return digest;
  }

  /**
   * The followers of `account` on `origin`, asked for together with every other origin asked for in
   * the same turn of the event loop: a claim's servers (DeliveryWorker's prefetch) cost one database
   * look-up per account, not one each.
   */
  #followerIds(origin: string, account: string): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const origins = this.#idsWanted.get(account) ?? new Map<string, IdsWaiter[]>();
      const waiting = origins.get(origin) ?? [];
      waiting.push({ resolve, reject });
      origins.set(origin, waiting);
      const first = this.#idsWanted.size === 0;
      this.#idsWanted.set(account, origins);
      if (!first) return;
      setImmediate(() => {
        const wanted = this.#idsWanted;
        this.#idsWanted = new Map();
        for (const [forAccount, byOrigin] of wanted)
          this.#outbox.followerIdsByOrigin([...byOrigin.keys()], forAccount).then(
            (ids) => {
              for (const [o, list] of byOrigin) for (const w of list) w.resolve(ids.get(o) ?? []);
            },
            (error) => {
              for (const list of byOrigin.values()) for (const w of list) w.reject(error);
            },
          );
      });
    });
  }
}

/** FEP-8fcf: the followers Herald has on `origin`, as a digest and where to read the list. */
function syncHeader(origin: string, ids: readonly string[], whose: DigestedAccount): string {
  const collection = whose.followersUri.href;
  const partial = new URL(collection);
  partial.searchParams.set("base-url", `${origin}/`);
  return `collectionId="${collection}", url="${partial.href}", digest="${followersDigest(ids)}"`;
}
