// What keeps an inbox flood from taking the pages down with it: token buckets per key (client address,
// remote host), a load shedder that turns inbox requests away while the event loop lags or too many
// are being handled, and a refusal log that stays one line per refusal at most, aggregated under a flood.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Logger } from "../log.ts";

/** Token buckets by key, in memory; the oldest keys are forgotten past `maxKeys`. */
export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** `rate` tokens per second, at most `burst` saved up. */
  constructor(rate: number, burst: number, maxKeys = 10_000) {
    this.#rate = rate;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
  }

  /** Takes a token for `key`: 0 when granted, else the seconds until one is free (for Retry-After). */
  take(key: string, now = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
      this.#buckets.delete(key); // re-inserted below: the map stays ordered by last use
    } else {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }
}

export interface ShedderOptions {
  /** Event-loop delay (p99 over the last window) above which inbox requests are turned away. */
  maxLagMs?: number;
  /** Inbox requests handled at once; more are turned away. */
  maxInFlight?: number;
}

/**
 * Sheds inbox work first: pages, feeds and /healthz never ask it. The lag is measured by
 * monitorEventLoopDelay over 250 ms windows; while the p99 of each of the last two windows is over
 * `maxLagMs` (sustained lag, not one slow task), or `maxInFlight` inbox requests are being handled,
 * new ones get 503 with Retry-After.
 */
export class LoadShedder {
  readonly #maxLagMs: number;
  readonly #maxInFlight: number;
  readonly #histogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #timer: NodeJS.Timeout;
  #lagMs = 0;
  #previousLagMs = 0;
  #inFlight = 0;

  constructor(options: ShedderOptions = {}) {
    this.#maxLagMs = options.maxLagMs ?? 250;
    this.#maxInFlight = options.maxInFlight ?? 64;
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#previousLagMs = this.#lagMs;
      this.#lagMs = this.#histogram.percentile(99) / 1e6;
      this.#histogram.reset();
    }, 250);
    this.#timer.unref();
  }

  /** The event loop's p99 delay over the last window, in ms. */
  get lagMs(): number {
    return this.#lagMs;
  }

  /** Why a new inbox request must wait, or undefined when it may go on. */
  refusal(): "lag" | "busy" | undefined {
    if (Math.min(this.#lagMs, this.#previousLagMs) > this.#maxLagMs) return "lag";
    if (this.#inFlight >= this.#maxInFlight) return "busy";
    return undefined;
  }

  /** Counts `work` as in flight while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}

/**
 * One line per refused request, never a stack trace: the first `perWindow` of each window are logged
 * one by one, the rest only counted, and a window that dropped any ends with one summary line.
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #perWindow: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #logged = 0;
  #suppressed = new Map<string, number>();

  constructor(log: Logger, perWindow = 20, windowMs = 10_000) {
    this.#log = log;
    this.#perWindow = perWindow;
    this.#windowMs = windowMs;
  }

  refused(status: number, reason: string, fields: Record<string, unknown>, now = Date.now()): void {
    if (now - this.#windowStart >= this.#windowMs) {
      this.flush();
      this.#windowStart = now;
    }
    if (this.#logged < this.#perWindow) {
      this.#logged++;
      this.#log.info({ status, reason, ...fields }, "inbox request refused");
      return;
    }
    this.#suppressed.set(reason, (this.#suppressed.get(reason) ?? 0) + 1);
  }

  /** Writes the summary of the current window, if it dropped any line. */
  flush(): void {
    if (this.#suppressed.size > 0) {
      const counts = Object.fromEntries(this.#suppressed);
      const total = [...this.#suppressed.values()].reduce((a, b) => a + b, 0);
      this.#log.warn({ suppressed: total, reasons: counts }, "more inbox requests refused");
    }
    this.#suppressed = new Map();
    this.#logged = 0;
  }
}
