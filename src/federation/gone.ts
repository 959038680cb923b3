// Proof that a follower's account is gone, for a Delete of it that cannot be verified (its key went
// with it). Herald asks the account's own URL itself, through the outbound guard: only 410 Gone or
// 404 Not Found from there removes the follower. A forged Delete, a keyId on the same server that
// answers 410, or a server that is down proves nothing; such a Delete is ignored and logged once.
import type { Logger } from "../log.ts";
import type { OutboundGuard } from "../net/outbound.ts";

const GONE = new Set([404, 410]);
/** An account that answered recently is not asked again for this long, however many Deletes arrive. */
const RECHECK_MS = 10 * 60_000;
const REMEMBERED = 10_000;

export class AccountGoneCheck {
  readonly #guard: OutboundGuard;
  readonly #log: Logger;
  /** Accounts found present, and when: each is asked (and logged) at most once per RECHECK_MS. */
  readonly #present = new Map<string, number>();

  constructor(guard: OutboundGuard, log: Logger) {
    this.#guard = guard;
    this.#log = log;
  }

  /** True when the actor's own URL answers 410 or 404 to Herald. */
  async confirm(actor: URL): Promise<boolean> {
    const seen = this.#present.get(actor.href);
    if (seen !== undefined && Date.now() - seen < RECHECK_MS) return false;
    const status = await this.#status(actor);
    if (status !== undefined && GONE.has(status)) {
      this.#present.delete(actor.href);
      return true;
    }
    this.#present.delete(actor.href);
    this.#present.set(actor.href, Date.now());
    if (this.#present.size > REMEMBERED) this.#present.delete(this.#present.keys().next().value!);
    this.#log.warn(
      { actor: actor.href, status: status ?? "unreachable" },
      "unverified Delete of a follower ignored: the account still answers",
    );
    return false;
  }

  async #status(actor: URL): Promise<number | undefined> {
    try {
      const response = await this.#guard.run(() =>
        fetch(actor, {
          headers: { Accept: "application/activity+json, application/ld+json" },
          // A redirect is no proof: only the account's own URL speaks for it.
          redirect: "manual",
          signal: AbortSignal.timeout(10_000),
        }),
      );
      await response.body?.cancel();
      return response.status;
    } catch {
      return undefined;
    }
  }
}
