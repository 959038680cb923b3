// The account's identity over time. Moving in: `bot.alsoKnownAs` lists the accounts Herald also is
// (Mastodon's "move followers" from one of them checks that Herald's actor names it); `@user@host`
// is resolved to its actor id by WebFinger when the actor is served, through the outbound guard, and
// kept for an hour (a failure for five minutes). Moving out: the Move in force is `movedTo`.
import type { Federation } from "@fedify/fedify";
import type { Logger } from "../log.ts";
import type { OutboundGuard } from "../net/outbound.ts";
import type { MoveLedger } from "../store/moves.ts";
import type { AccountIdentity } from "./actor.ts";

const RESOLVED_MS = 3_600_000;
const FAILED_MS = 300_000;
/** How long serving the actor waits for a WebFinger answer the first time. */
const WAIT_MS = 3_000;

/** `@user@host` or `user@host` → `acct:user@host`; undefined for an actor URL. */
export function acctOf(reference: string): string | undefined {
  if (/^https?:\/\//i.test(reference)) return undefined;
  return `acct:${reference.replace(/^@/, "")}`;
}

interface Resolved {
  url: URL | null;
  until: number;
}

export function accountIdentity(deps: {
  references: readonly string[];
  moves?: MoveLedger;
  guard: OutboundGuard;
  federation: () => Federation<void>;
  home: URL;
  log: Logger;
}): AccountIdentity {
  const cache = new Map<string, Resolved>();
  const inFlight = new Map<string, Promise<URL | null>>();

  const lookup = (acct: string): Promise<URL | null> => {
    const running = inFlight.get(acct);
    if (running) return running;
    const ctx = deps.federation().createContext(deps.home);
    const promise = deps.guard
      .run(() => ctx.lookupWebFinger(acct))
      .then((jrd) => {
        const self = jrd?.links?.find(
          (l) =>
            l.rel === "self" &&
            (l.type === "application/activity+json" || l.type?.startsWith("application/ld+json")),
        );
        const url = self?.href && URL.canParse(self.href) ? new URL(self.href) : null;
        if (url && url.protocol !== "https:" && url.protocol !== "http:") return null;
        return url;
      })
      .catch(() => null)
      .then((url) => {
        cache.set(acct, { url, until: Date.now() + (url ? RESOLVED_MS : FAILED_MS) });
        if (!url) deps.log.warn({ account: acct }, "alsoKnownAs account not found by WebFinger");
        inFlight.delete(acct);
        return url;
      });
    inFlight.set(acct, promise);
    return promise;
  };

  const alias = async (reference: string): Promise<URL | null> => {
    const acct = acctOf(reference);
    if (!acct) return new URL(reference);
    const known = cache.get(acct);
    if (known && known.until > Date.now()) return known.url;
    const fresh = lookup(acct);
    // A stale answer is served while a new one is fetched; the first time, a short wait.
    if (known) return known.url;
    return Promise.race([fresh, new Promise<null>((r) => setTimeout(() => r(null), WAIT_MS).unref())]);
  };

  return {
    async current() {
      const aliases = (await Promise.all(deps.references.map(alias))).filter((u): u is URL => u !== null);
      const move = await deps.moves?.current();
      return { aliases, movedTo: move ? new URL(move.target) : null };
    },
  };
}
