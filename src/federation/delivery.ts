// Herald's delivery worker: it takes deliveries from the outbox (store/*-outbox.ts), signs each with
// the actor's key and POSTs it, and records what happened.
//
// Why Herald's own worker rather than Fedify's outbox listener: Fedify's queue messages carry the
// activity and the private keys (JWK) in every per-inbox row, and its listener re-imports the key for
// each delivery and reads and writes KV hints around it. Here a row is ~100 bytes (fan-out id, inbox,
// attempt, due time, lease); the body is read once per fan-out; the key is imported once per process
// as a non-extractable CryptoKey; signing is Fedify's own `signRequest` (draft-cavage first, RFC 9421
// for servers that refused it: the double knock; signed-post.ts). WebCrypto signs on libuv's thread
// pool, so the main thread only builds requests and reads answers. Each server gets a kept-alive pool
// and a concurrency limit, each delivery a receipt, each server a circuit (circuit.ts); a followers
// fan-out's deliveries carry FEP-8fcf's followers digest (followers-digests.ts).
import type { Agent } from "undici";
import type { Logger } from "../log.ts";
import { bodyDigest, type SigningKey } from "../net/signing.ts";
import { shortError } from "../store/outbox-messages.ts";
import type { ClaimedDelivery, FanoutBody, HostCircuit, Outbox, Settlement } from "../store/types.ts";
import {
  afterFailure,
  afterSuccess,
  classify,
  closedCircuit,
  type DeliveryPolicy,
  isHalfOpen,
  isOpen,
  resultOf,
} from "./circuit.ts";
import { FollowersDigests } from "./followers-digests.ts";
import { InboxPoster, type PostAnswer } from "./signed-post.ts";

/** Who signs a fan-out's deliveries, and whose followers its FEP-8fcf header names. */
export interface Signer {
  key: SigningKey;
  /** The followers collection, named in FEP-8fcf headers. */
  followersUri: URL;
  /** The account's key in the store (MAIN_ACCOUNT for the main one): whose followers are digested. */
  account: string;
}

export interface DeliveryWorkerOptions {
  outbox: Outbox;
  /** The main account's key: it signs fan-outs of the main account and those queued before accounts. */
  key: SigningKey;
  /** The main account's followers collection, named in FEP-8fcf headers. */
  followersUri: URL;
  /**
   * The signer of a section account's fan-outs (Fanout.account, the actor identifier); undefined
   * for the main account's. A fan-out of an account that has no key any more fails: never signed
   * with another account's key.
   */
  signerOf?: (account: string) => Promise<Signer | undefined>;
  agent: Agent;
  userAgent: string;
  policy: DeliveryPolicy;
  /** Deliveries in flight in this process. */
  concurrency: number;
  /** Deliveries in flight to one server. */
  perHost: number;
  log: Logger;
  /** Fetches outside Herald's HTTP client (none here) are left alone; tests pass a clock. */
  now?: () => number;
  /** How often to look for deliveries queued by other processes or coming due. */
  pollMs?: number;
  /**
   * How long a claimed delivery may wait here for its server's limit: well within the outbox's
   * lease, so the lease never runs out while it is held.
   */
  holdMs: number;
  /**
   * The inbox is on a server the operator blocked: nothing goes there but the Reject that tells its
   * followers they follow no more. Deliveries queued before the block are dropped as failed.
   */
  blocked?: (inbox: URL) => boolean;
}

const BODIES_KEPT = 64;
/** How long finished deliveries wait for others before their outcomes are written together. */
const SETTLE_GATHER_MS = 10;

/** A fan-out's body as sent, and its digest: once per fan-out, for all its deliveries. */
interface Loaded {
  fanout: FanoutBody;
  bytes: Uint8Array;
  digest: string;
}
const CIRCUITS_REFRESH_MS = 30_000;

export class DeliveryWorker {
  readonly #o: DeliveryWorkerOptions;
  readonly #now: () => number;
  readonly #bodies = new Map<number, Promise<Loaded | undefined>>();
  readonly #digests: FollowersDigests;
  readonly #poster: InboxPoster;
  #circuits = new Map<string, HostCircuit>();
  #circuitsAt = 0;
  readonly #inflight = new Map<string, number>();
  /** Claimed ahead of the free slots, oldest first, with when they were claimed. */
  readonly #ahead: { delivery: ClaimedDelivery; claimedAt: number }[] = [];
  /** Claimed deliveries waiting for their server's limit, with when they were claimed. */
  readonly #waiting = new Map<string, { delivery: ClaimedDelivery; claimedAt: number }[]>();
  #waitingCount = 0;
  #running = 0;
  #settling: Settlement[] = [];
  /**
   * Deliveries answered and not yet recorded. They count against the concurrency like those in
   * flight: a kill -9 repeats at most `concurrency` deliveries, whichever state they were in.
   */
  #unsettled = 0;
  /** Set once `run` has returned: no more retries of failed writes. */
  #stopped = false;
  #changed = new Map<string, HostCircuit>();
  #flush: Promise<void> | undefined;
  #poke: (() => void) | undefined;
  /** Outcomes were written: slots are free again, and an ordered inbox's next delivery may be. */
  #onSettled: (() => void) | undefined;
  readonly #tasks = new Set<Promise<void>>();

  constructor(options: DeliveryWorkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#digests = new FollowersDigests(options.outbox);
    this.#poster = new InboxPoster({ agent: options.agent, userAgent: options.userAgent, now: this.#now });
  }

  /**
   * Delivers until `signal` aborts; deliveries in flight then finish, the rest stay queued. Claims
   * run ahead of the deliveries by up to `concurrency` (a claim is a database round trip: on
   * PostgreSQL, slots would otherwise sit idle while it runs), and one claim is in flight at a time.
   *
   * Claims come in batches of at least half the concurrency, not one per finished delivery: on
   * PostgreSQL each claim is a statement and a commit on the database every worker shares, and one
   * per delivery or two cost the database more CPU than the deliveries cost the workers. After a
   * claim that found less than it asked for, the next waits for a reason to expect more: something
   * queued (a wake-up), outcomes recorded (which may free an ordered inbox's next delivery), or the
   * poll (deliveries coming due, expired leases).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { outbox, concurrency, log } = this.#o;
    const poke = (): void => this.#poke?.();
    let drained = false;
    const batch = Math.ceil(concurrency / 2);
    const unsubscribe = await outbox.onQueued(() => {
      drained = false;
      poke();
    });
    this.#onSettled = () => {
      drained = false;
      poke();
    };
    signal.addEventListener("abort", poke, { once: true });
    const ahead = this.#ahead;
    let claiming: Promise<void> | undefined;
    let claimFailed = false;
    try {
      await this.#refreshCircuits(true);
      while (!signal.aborted) {
        await this.#refreshCircuits(false);
        const slots = () => concurrency - this.#running - this.#waitingCount - this.#unsettled;
        while (slots() > 0 && ahead.length > 0) {
          const next = ahead.shift()!;
          // Held here for most of its lease: let go (see #next).
          if (this.#now() - next.claimedAt < this.#o.holdMs) this.#admit(next.delivery, next.claimedAt);
        }
        const want = slots() + concurrency - ahead.length;
        if (!claiming && !claimFailed && want >= batch && !drained) {
          claiming = outbox
            .claim(want)
            .then(
              (claimed) => {
                const claimedAt = this.#now();
                for (const delivery of claimed) ahead.push({ delivery, claimedAt });
                this.#prefetchDigests(claimed);
                // Fewer than asked: nothing more is due now; wait for a wake-up before asking again.
                drained = claimed.length < want;
                poke();
              },
              (error) => {
                // The database is away: the next try comes with the next poll, not at once.
                claimFailed = true;
                log.error({ err: error }, "claiming deliveries failed");
              },
            )
            .finally(() => {
              claiming = undefined;
            });
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            drained = false;
            claimFailed = false;
            resolve();
          }, this.#o.pollMs ?? 1_000);
          this.#poke = () => {
            clearTimeout(timer);
            // After this turn: deliveries that finish together are replaced by one claim.
            setImmediate(resolve);
          };
        });
        this.#poke = undefined;
      }
    } finally {
      await unsubscribe();
      await claiming;
      // Claimed and not started: given back at once, so another worker need not wait out a lease.
      const unsent = [...ahead.splice(0), ...[...this.#waiting.values()].flat()].map((w) => w.delivery.id);
      this.#waiting.clear();
      this.#waitingCount = 0;
      await outbox
        .giveBack(unsent)
        .catch((error) => log.error({ err: error }, "giving back deliveries failed"));
      await Promise.allSettled([...this.#tasks]);
      await this.#flushNow();
      this.#stopped = true;
    }
  }

  /**
   * Starts a delivery now, or queues it behind its server's limit. A delivery that waited here for
   * most of its lease is let go instead: the lease runs out and it is claimed afresh, so no other
   * claim (another worker's, or this one's) can ever take it while it is still held here.
   */
  #admit(delivery: ClaimedDelivery, claimedAt: number): void {
    const circuit = this.#circuits.get(delivery.host);
    // Claimed before its server's circuit opened: `hold` has given the row back, due at the probe.
    if (isOpen(circuit, this.#now())) return;
    const limit = isHalfOpen(circuit, this.#now()) ? 1 : this.#o.perHost;
    if ((this.#inflight.get(delivery.host) ?? 0) >= limit) {
      const list = this.#waiting.get(delivery.host) ?? [];
      list.push({ delivery, claimedAt });
      this.#waiting.set(delivery.host, list);
      this.#waitingCount++;
      return;
    }
    this.#inflight.set(delivery.host, (this.#inflight.get(delivery.host) ?? 0) + 1);
    this.#running++;
    const task = this.#deliver(delivery)
      .catch((error) => this.#o.log.error({ err: error, inbox: delivery.inbox }, "delivery crashed"))
      .finally(() => {
        this.#tasks.delete(task);
        this.#running--;
        const left = (this.#inflight.get(delivery.host) ?? 1) - 1;
        if (left === 0) this.#inflight.delete(delivery.host);
        else this.#inflight.set(delivery.host, left);
        this.#next(delivery.host);
        this.#poke?.();
      });
    this.#tasks.add(task);
  }

  /** The next delivery waiting for `host`, if one is still safely within its lease. */
  #next(host: string): void {
    const list = this.#waiting.get(host);
    while (list && list.length > 0) {
      const next = list.shift()!;
      this.#waitingCount--;
      if (list.length === 0) this.#waiting.delete(host);
      if (this.#now() - next.claimedAt < this.#o.holdMs) {
        this.#admit(next.delivery, next.claimedAt);
        return;
      }
    }
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    const { policy, log } = this.#o;
    const loaded = await this.#body(delivery.fanoutId);
    const started = this.#now();
    if (!loaded) {
      this.#settle({
        delivery,
        result: { kind: "failed", status: null, error: "the fan-out is gone" },
        atMs: started,
      });
      return;
    }
    const { fanout } = loaded;
    const ageMs = started - fanout.createdMs;
    if (ageMs >= policy.giveUpMs) {
      this.#settle({
        delivery,
        result: { kind: "failed", status: null, error: "given up: the server did not answer in time" },
        atMs: started,
      });
      return;
    }
    if (this.#o.blocked?.(new URL(delivery.inbox)) && !/(^|#)Reject$/.test(fanout.activityType)) {
      this.#settle({ delivery, result: { kind: "failed", status: null, error: "blocked" }, atMs: started });
      return;
    }
    let status: number | null = null;
    let error = "";
    let retryAfterMs: number | undefined;
    try {
      const answer = await this.#post(delivery, loaded);
      status = answer.status;
      retryAfterMs = answer.retryAfterMs;
      error = status >= 300 ? `HTTP ${status}${answer.reason ? `: ${answer.reason}` : ""}` : "";
    } catch (e) {
      error = shortError(errorMessage(e));
    }
    const now = this.#now();
    const outcome = classify(status);
    const result = resultOf(policy, outcome, status, error, delivery.attempt, ageMs, now, retryAfterMs);
    const circuit = this.#circuits.get(delivery.host) ?? closedCircuit(delivery.host);
    if (outcome === "unavailable") {
      const next = afterFailure(policy, circuit, now, error);
      this.#setCircuit(next);
      if (next.openUntilMs !== circuit.openUntilMs && next.openUntilMs !== null) {
        log.warn(
          {
            host: delivery.host,
            failures: next.failures,
            until: new Date(next.openUntilMs).toISOString(),
            error,
          },
          "server unavailable: its deliveries wait",
        );
        this.#settle({ delivery, result, atMs: now });
        await this.#flushNow();
        this.#dropWaiting(delivery.host);
        await this.#o.outbox.hold(delivery.host, next.openUntilMs);
        return;
      }
    } else {
      // A server that answers is up, whatever it answered.
      if (circuit.failures > 0 || circuit.openUntilMs !== null) {
        this.#setCircuit(afterSuccess(circuit, now));
        if (circuit.openUntilMs !== null) {
          log.info({ host: delivery.host }, "server answers again: its deliveries resume");
          this.#settle({ delivery, result, atMs: now });
          await this.#flushNow();
          await this.#o.outbox.release(delivery.host);
          return;
        }
      } else if (circuit.lastSuccessMs === null || now - circuit.lastSuccessMs > 3_600_000) {
        // Remembered now and then, for status ("last answered"), not on every delivery.
        this.#setCircuit({ ...circuit, lastSuccessMs: now });
      }
    }
    if (result.kind === "failed")
      log.warn(
        { inbox: delivery.inbox, activity: fanout.activityId, status, error: result.error },
        "delivery failed",
      );
    else if (result.kind === "retry")
      log.info(
        {
          inbox: delivery.inbox,
          activity: fanout.activityId,
          status,
          error,
          retryAt: new Date(result.dueMs).toISOString(),
        },
        "delivery will be retried",
      );
    this.#settle({ delivery, result, atMs: now });
  }

  /**
   * Deliveries claimed here for a server whose circuit just opened: the store holds their rows
   * again (`hold` gives up this process's leases), so they must not be sent from here.
   */
  #dropWaiting(host: string): void {
    const list = this.#waiting.get(host);
    if (list) {
      this.#waitingCount -= list.length;
      this.#waiting.delete(host);
    }
    for (let i = this.#ahead.length - 1; i >= 0; i--)
      if (this.#ahead[i]!.delivery.host === host) this.#ahead.splice(i, 1);
  }

  async #post(delivery: ClaimedDelivery, loaded: Loaded): Promise<PostAnswer> {
    const inbox = new URL(delivery.inbox);
    const headers: Record<string, string> = {};
    const signer = await this.#signer(loaded.fanout.account);
    if (loaded.fanout.followers) {
      const sync = await this.#digests.header(loaded.fanout.id, inbox.origin, signer);
      if (sync) headers["collection-synchronization"] = sync;
    }
    return this.#poster.post(inbox, loaded, signer.key, headers);
  }

  #body(fanoutId: number): Promise<Loaded | undefined> {
    let cached = this.#bodies.get(fanoutId);
    if (!cached) {
      cached = this.#o.outbox.fanout(fanoutId).then((fanout) => {
        if (!fanout) return undefined;
        const bytes = new TextEncoder().encode(fanout.body);
        return { fanout, bytes, digest: bodyDigest(bytes) };
      });
      cached.catch(() => this.#bodies.delete(fanoutId));
      this.#bodies.set(fanoutId, cached);
      if (this.#bodies.size > BODIES_KEPT) this.#bodies.delete(this.#bodies.keys().next().value!);
    }
    return cached;
  }

  /** The fan-out's signer: the main account's for '' (and its own identifier), else the section's. */
  async #signer(account: string): Promise<Signer> {
    const main: Signer = { key: this.#o.key, followersUri: this.#o.followersUri, account: "" };
    if (account === "" || !this.#o.signerOf) return main;
    const signer = await this.#o.signerOf(account);
    if (!signer) throw new Error(`No signing key for account ${JSON.stringify(account)}.`);
    return signer;
  }

  /**
   * Asks for the FEP-8fcf digests of a claim's servers at once, when the claim arrives: its
   * deliveries start one by one as slots free up, and would each ask on their own.
   */
  #prefetchDigests(claimed: readonly ClaimedDelivery[]): void {
    for (const fanoutId of new Set(claimed.map((d) => d.fanoutId))) {
      this.#body(fanoutId)
        .then((loaded) => {
          if (!loaded?.fanout.followers) return;
          return this.#signer(loaded.fanout.account).then((signer) => {
            for (const d of claimed)
              if (d.fanoutId === fanoutId && URL.canParse(d.inbox))
                void this.#digests.header(fanoutId, new URL(d.inbox).origin, signer).catch(() => {});
          });
        })
        .catch(() => {});
    }
  }

  #setCircuit(circuit: HostCircuit): void {
    this.#circuits.set(circuit.host, circuit);
    this.#changed.set(circuit.host, circuit);
  }

  async #refreshCircuits(force: boolean): Promise<void> {
    const now = this.#now();
    if (!force && now - this.#circuitsAt < CIRCUITS_REFRESH_MS) return;
    this.#circuitsAt = now;
    try {
      const stored = await this.#o.outbox.circuits();
      // Other processes' view, with this process's unsaved changes on top.
      this.#circuits = new Map(stored.map((c) => [c.host, c]));
      for (const [host, c] of this.#changed) this.#circuits.set(host, c);
    } catch (error) {
      this.#o.log.error({ err: error }, "reading circuits failed");
    }
  }

  /**
   * Settlements are written in batches, one write at a time: those that finish in one turn of the
   * event loop together, and those that finish while the previous write is in flight. Concurrent
   * writes would only queue on the same rows (today's count, a server's receipt) in the database.
   */
  #settle(settlement: Settlement): void {
    this.#settling.push(settlement);
    this.#unsettled++;
    // Outcomes are gathered for a few milliseconds unless a quarter of the concurrency is already
    // waiting: on PostgreSQL each write is a transaction of four statements and a commit, and
    // written as soon as they were ready, outcomes went out a couple of dozen at a time.
    this.#scheduleFlush(this.#gatherMs());
  }

  #gatherMs(): number {
    return this.#settling.length >= Math.ceil(this.#o.concurrency / 4) ? 0 : SETTLE_GATHER_MS;
  }

  #scheduleFlush(delayMs = 0): void {
    if (this.#flush) return;
    this.#flush = new Promise<void>((resolve) =>
      delayMs > 0 ? setTimeout(resolve, delayMs).unref() : setImmediate(resolve),
    )
      .then(() => this.#drainSettling(true))
      .then((failed) => {
        this.#flush = undefined;
        // The database is away: try again in a second (the leases are renewed meanwhile, on
        // PostgreSQL, or last long enough, on SQLite) rather than send these deliveries again.
        if (failed && !this.#stopped) this.#scheduleFlush(1_000);
        else if (this.#settling.length > 0 || this.#changed.size > 0) this.#scheduleFlush(this.#gatherMs());
      });
  }

  /** Writes what is waiting now, after the write in flight, if any (one try: it may fail). */
  async #flushNow(): Promise<void> {
    if (this.#flush) await this.#flush;
    await this.#drainSettling();
  }

  /**
   * Writes the waiting settlements; true when a write failed. Those stay waiting, in order, for the
   * next try: a delivery the peer took is recorded late rather than sent twice. What is still not
   * written when the process stops is sent again after its lease, and a receiver drops it by its id.
   * `once`: one write of what is waiting now (the scheduled flush, which gathers the next batch).
   */
  async #drainSettling(once = false): Promise<boolean> {
    while (this.#settling.length > 0 || this.#changed.size > 0) {
      const batch = this.#settling;
      const changed = this.#changed;
      this.#settling = [];
      this.#changed = new Map();
      try {
        await this.#o.outbox.settle(batch, [...changed.values()]);
        this.#unsettled -= batch.length;
        if (batch.length > 0) this.#onSettled?.();
        else this.#poke?.();
        if (once) break;
      } catch (error) {
        this.#o.log.error({ err: error, deliveries: batch.length }, "recording deliveries failed; retrying");
        this.#settling = [...batch, ...this.#settling];
        for (const [host, c] of changed) if (!this.#changed.has(host)) this.#changed.set(host, c);
        return true;
      }
    }
    return false;
  }
}

function errorMessage(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  const message = e?.cause?.message ?? e?.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
