// A process-local memory in front of Fedify's KV store, for the keys Fedify reads and writes on every
// single delivery. Per successful delivery Fedify 2.3 reads the circuit-breaker state of the host
// (before sending and again to record the success), reads which HTTP-signature spec the host takes,
// and writes that spec back, unchanged. That is three reads and a write transaction per delivery: on
// SQLite a commit each, on PostgreSQL a round trip each, for answers that almost never change.
//
// Both kinds of key are hints, not state that must be exact across processes: a spec learnt a few
// seconds late costs one retried request; a circuit opened by another process is seen a few seconds
// late. So, for keys under the given prefixes only:
// - `get` answers from memory for `ttlMs` after the value was last read or written here;
// - `set` of the value already known (and without its own expiry) writes nothing;
// - every other write goes through, and memory follows what was written (`cas` only on success).
// Everything else passes straight through.
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";

interface Remembered {
  /**
   * The value as JSON (both stores keep values as JSON anyway): compared on `set`, parsed afresh on
   * every `get`, so no caller holds a reference into memory.
   */
  json: string | undefined;
  until: number;
}

export interface MemoKvOptions {
  /** Key prefixes to remember, e.g. `["_fedify", "httpMessageSignaturesSpec"]`. */
  prefixes: readonly (readonly string[])[];
  ttlMs?: number;
  /** Entries kept at most; the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

/** The cas-capable KvStore both of Herald's stores implement. */
type CasKvStore = KvStore & Required<Pick<KvStore, "cas">>;

export class MemoKv implements CasKvStore {
  readonly #kv: CasKvStore;
  readonly #prefixes: readonly (readonly string[])[];
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #memory = new Map<string, Remembered>();

  constructor(kv: CasKvStore, options: MemoKvOptions) {
    this.#kv = kv;
    this.#prefixes = options.prefixes;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #id(key: KvKey): string | undefined {
    const covered = this.#prefixes.some(
      (p) => p.length <= key.length && p.every((part, i) => key[i] === part),
    );
    return covered ? JSON.stringify(key) : undefined;
  }

  #remember(id: string, value: unknown): void {
    this.#memory.delete(id);
    if (this.#memory.size >= this.#max) this.#memory.delete(this.#memory.keys().next().value!);
    this.#memory.set(id, { json: JSON.stringify(value), until: this.#now() + this.#ttlMs });
  }

  #fresh(id: string): Remembered | undefined {
    const known = this.#memory.get(id);
    if (known && known.until > this.#now()) return known;
    if (known) this.#memory.delete(id);
    return undefined;
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const id = this.#id(key);
    if (id === undefined) return this.#kv.get<T>(key);
    const known = this.#fresh(id);
    if (known) return known.json === undefined ? undefined : (JSON.parse(known.json) as T);
    const value = await this.#kv.get<T>(key);
    this.#remember(id, value);
    return value;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const id = this.#id(key);
    if (id !== undefined && options?.ttl === undefined && this.#fresh(id)?.json === JSON.stringify(value))
      return;
    await this.#kv.set(key, value, options);
    if (id !== undefined) this.#remember(id, value);
  }

  async delete(key: KvKey): Promise<void> {
    const id = this.#id(key);
    if (id !== undefined) this.#memory.delete(id);
    await this.#kv.delete(key);
    if (id !== undefined) this.#remember(id, undefined);
  }

  async cas(key: KvKey, expected: unknown, value: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const id = this.#id(key);
    // Compare-and-swap decides on the stored value, never on memory.
    const swapped = await this.#kv.cas(key, expected, value, options);
    if (id !== undefined) {
      if (swapped) this.#remember(id, value);
      else this.#memory.delete(id);
    }
    return swapped;
  }

  list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    return this.#kv.list(prefix);
  }
}

/** The keys Fedify touches per delivery (see the top of this file). */
export const PER_DELIVERY_PREFIXES: readonly (readonly string[])[] = [
  ["_fedify", "httpMessageSignaturesSpec"],
  ["_fedify", "circuit"],
];
