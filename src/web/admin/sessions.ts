// Server-side sessions for the dashboard and the login failure limit, both in the shared KV store
// (`herald.storage.kv`): every web process behind a load balancer sees the same sessions and counts
// the same failures, and a restart logs nobody out. A session's key is the SHA-256 of its id, so a
// leaked database holds no usable cookie; its CSRF token alone is no use without the cookie.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { KvKey, KvStore } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";

/** A KV store with compare-and-swap (optional in Fedify's interface; both of Herald's have it). */
export type SharedKv = KvStore & Required<Pick<KvStore, "cas">>;

/** A message shown once on the next page (post/redirect/get). */
export interface Flash {
  ok: boolean;
  text: string;
}

export interface Session {
  readonly id: string;
  /** Per-session CSRF token, echoed by every form. */
  readonly csrf: string;
  readonly created: number;
  lastSeen: number;
  flash?: Flash;
}

export interface SessionOptions {
  /** Where sessions live: the storage's KV store, shared by every process. */
  kv: SharedKv;
  /** Logged out after this long without a request. */
  idleMs?: number;
  /** Logged out after this long whatever happens. */
  maxAgeMs?: number;
  now?: () => number;
}

export interface Sessions {
  create(): Promise<Session>;
  /** The live session with this id (its idle timer restarts), or undefined. */
  get(id: string | undefined): Promise<Session | undefined>;
  /** Stores a changed flash and lastSeen. A session ended meanwhile (logout, expiry) stays ended. */
  save(session: Session): Promise<void>;
  delete(id: string | undefined): Promise<void>;
  /** How long a new session lives at most, for the cookie's Max-Age. */
  readonly maxAgeMs: number;
}

/** What the store holds: everything but the id. No undefined fields (see `stored`). */
interface StoredSession {
  csrf: string;
  created: number;
  lastSeen: number;
  flash?: Flash;
}

/**
 * A request this soon after the stored lastSeen writes nothing, so that browsing stays reads; the
 * price is an idle timeout that may come up to this much early.
 */
const TOUCH_MS = 60_000;
/** Compare-and-swap retries before giving up on a write that keeps losing to other requests. */
const CAS_TRIES = 5;
/** What randomToken makes: anything else is not one of ours, and costs no database lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createSessions(options: SessionOptions): Sessions {
  const { kv } = options;
  const idleMs = options.idleMs ?? 2 * 3_600_000;
  const maxAgeMs = options.maxAgeMs ?? 12 * 3_600_000;
  const now = options.now ?? Date.now;
  const alive = (s: StoredSession, at: number) => at - s.lastSeen < idleMs && at - s.created < maxAgeMs;
  // The row expires with the session's max age; the idle rule is checked on every read.
  const ttl = (s: StoredSession, at: number) => duration(s.created + maxAgeMs - at);
  // What each session object was read or written as: the expected value of its compare-and-swap.
  const known = new WeakMap<Session, StoredSession>();

  const save = async (session: Session): Promise<void> => {
    const key = sessionKey(session.id);
    let current = known.get(session);
    for (let i = 0; i < CAS_TRIES; i++) {
      const at = now();
      if (!current || !alive(current, at)) return;
      const next = stored({
        ...current,
        lastSeen: Math.max(current.lastSeen, session.lastSeen),
        flash: session.flash,
      });
      if (await kv.cas(key, current, next, { ttl: ttl(next, at) })) {
        known.set(session, next);
        return;
      }
      current = await kv.get<StoredSession>(key);
    }
  };

  return {
    maxAgeMs,
    async create() {
      const at = now();
      const session: Session = { id: randomToken(), csrf: randomToken(), created: at, lastSeen: at };
      const value = stored(session);
      await kv.set(sessionKey(session.id), value, { ttl: ttl(value, at) });
      known.set(session, value);
      return session;
    },
    async get(id) {
      if (id === undefined || !TOKEN_SHAPE.test(id)) return undefined;
      const value = await kv.get<StoredSession>(sessionKey(id));
      if (!value) return undefined;
      const at = now();
      if (!alive(value, at)) {
        await kv.delete(sessionKey(id));
        return undefined;
      }
      const session: Session = { id, ...value, lastSeen: at };
      known.set(session, value);
      if (at - value.lastSeen >= TOUCH_MS) await save(session);
      return session;
    },
    save,
    async delete(id) {
      if (id !== undefined && TOKEN_SHAPE.test(id)) await kv.delete(sessionKey(id));
    },
  };
}

/** The stored value of a session, without undefined fields: compare-and-swap compares it deeply. */
function stored(s: StoredSession): StoredSession {
  const value: StoredSession = { csrf: s.csrf, created: s.created, lastSeen: s.lastSeen };
  if (s.flash) value.flash = { ok: s.flash.ok, text: s.flash.text };
  return value;
}

export function sessionKey(id: string): KvKey {
  return ["herald", "admin", "session", createHash("sha256").update(id).digest("base64url")];
}

export interface FailureLimit {
  /**
   * Counts one login attempt by `client` before its secret is checked, so that parallel guesses,
   * in this process or another, cannot slip past the limit. Returns 0 when the attempt may go
   * ahead, else the seconds until the client may try again (nothing counted).
   */
  attempt(client: string): Promise<number>;
  /** A successful login forgets the client's attempts. */
  reset(client: string): Promise<void>;
}

/** At most `max` attempts per client in a sliding `windowMs` (a success forgets them); then it waits. */
export function createFailureLimit({
  kv,
  max = 5,
  windowMs = 15 * 60_000,
  now = Date.now,
}: {
  kv: SharedKv;
  max?: number;
  windowMs?: number;
  now?: () => number;
}): FailureLimit {
  const key = (client: string): KvKey => ["herald", "admin", "login-attempts", client];
  return {
    async attempt(client) {
      for (let i = 0; i < CAS_TRIES; i++) {
        const at = now();
        const times = await kv.get<number[]>(key(client));
        const recent = (times ?? []).filter((t) => at - t < windowMs);
        if (recent.length >= max) {
          return Math.max(1, Math.ceil((recent[recent.length - max]! + windowMs - at) / 1000));
        }
        // The row lives as long as its newest attempt counts.
        if (await kv.cas(key(client), times, [...recent, at], { ttl: duration(windowMs) })) return 0;
      }
      // Still losing after several tries: this client is racing itself; it can wait a moment.
      return 1;
    },
    async reset(client) {
      await kv.delete(key(client));
    },
  };
}

/** A KV time-to-live (at least a millisecond: a zero or negative Duration is not a TTL). */
function duration(ms: number): Temporal.Duration {
  return Temporal.Duration.from({ milliseconds: Math.max(1, Math.ceil(ms)) });
}

export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time equality of two tokens (false for different lengths, which leaks only the length). */
export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
