// Server-side sessions for the dashboard and the login rate limit, both in memory: a restart
// logs everyone out, which is fine for one operator, and nothing secret reaches the disk.
import { randomBytes, timingSafeEqual } from "node:crypto";

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
  /** Logged out after this long without a request. */
  idleMs?: number;
  /** Logged out after this long whatever happens. */
  maxAgeMs?: number;
  now?: () => number;
}

export interface Sessions {
  create(): Session;
  /** The live session with this id (its idle timer restarts), or undefined. */
  get(id: string | undefined): Session | undefined;
  delete(id: string | undefined): void;
  /** How long a new session lives at most, for the cookie's Max-Age. */
  readonly maxAgeMs: number;
}

/** Sessions kept at most: oldest dropped first (a single operator needs a handful). */
const MAX_SESSIONS = 100;

export function createSessions(options: SessionOptions = {}): Sessions {
  const idleMs = options.idleMs ?? 2 * 3_600_000;
  const maxAgeMs = options.maxAgeMs ?? 12 * 3_600_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const alive = (s: Session, at: number) => at - s.lastSeen < idleMs && at - s.created < maxAgeMs;
  return {
    maxAgeMs,
    create() {
      const at = now();
      for (const [id, s] of sessions) if (!alive(s, at)) sessions.delete(id);
      while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const session: Session = { id: randomToken(), csrf: randomToken(), created: at, lastSeen: at };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return undefined;
      const at = now();
      if (!alive(session, at)) {
        sessions.delete(session.id);
        return undefined;
      }
      session.lastSeen = at;
      return session;
    },
    delete(id) {
      if (id !== undefined) sessions.delete(id);
    },
  };
}

export interface FailureLimit {
  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number;
  fail(key: string): void;
  reset(key: string): void;
}

/** At most `max` failures per key in a sliding `windowMs`; then the key waits. */
export function createFailureLimit({
  max = 5,
  windowMs = 15 * 60_000,
  now = Date.now,
}: {
  max?: number;
  windowMs?: number;
  now?: () => number;
} = {}): FailureLimit {
  const failures = new Map<string, number[]>();
  const recent = (key: string, at: number): number[] => {
    const times = (failures.get(key) ?? []).filter((t) => at - t < windowMs);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  return {
    retryAfter(key) {
      const at = now();
      const times = recent(key, at);
      if (times.length < max) return 0;
      return Math.max(1, Math.ceil((times[times.length - max]! + windowMs - at) / 1000));
    },
    fail(key) {
      const at = now();
      // Bounded memory under a flood from many addresses: forget the oldest keys first.
      if (failures.size >= 10_000 && !failures.has(key)) failures.delete(failures.keys().next().value!);
      failures.set(key, [...recent(key, at), at]);
    },
    reset(key) {
      failures.delete(key);
    },
  };
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
