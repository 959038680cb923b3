// Dashboard sessions and the login limit on the real KV stores: SQLite with a test clock (the
// store's expiry and the session rules read the same one), PostgreSQL for parallel processes.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresKvStore } from "../../src/store/postgres-kv.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteKv } from "../../src/store/sqlite-kv.ts";
import {
  createFailureLimit,
  createSessions,
  type Session,
  type SharedKv,
  sessionKey,
} from "../../src/web/admin/sessions.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const open: DatabaseSync[] = [];
const schemas: TestSchema[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) db.close();
  for (const s of schemas.splice(0)) await s.drop();
});

/** One SQLite file and a clock; `connect()` is one more process on that file. */
function sqlite() {
  const file = join(mkdtempSync(join(tmpdir(), "herald-sessions-")), "herald.sqlite");
  const clock = { at: Date.UTC(2030, 0, 1) };
  const now = () => clock.at;
  const connect = () => {
    // The store's migrations create the kv table, as in Herald (they run once per file).
    const db = new SqliteStore(file).database;
    open.push(db);
    return { db, kv: new SqliteKv(db, { now }) };
  };
  return { clock, now, connect };
}

const rows = (db: DatabaseSync) =>
  db.prepare("SELECT key, value, expires_ms FROM kv ORDER BY key").all() as {
    key: string;
    value: string;
    expires_ms: number | null;
  }[];

/** A KV store that counts its writes. */
function counting(kv: SharedKv) {
  const writes = { count: 0 };
  const wrapped: SharedKv = {
    get: (key) => kv.get(key),
    list: (prefix) => kv.list(prefix),
    delete: (key) => kv.delete(key),
    set: (key, value, options) => {
      writes.count++;
      return kv.set(key, value, options);
    },
    cas: (key, expected, value, options) => {
      writes.count++;
      return kv.cas(key, expected, value, options);
    },
  };
  return { kv: wrapped, writes };
}

describe("admin sessions in the KV store", () => {
  it("keys a session by the SHA-256 of its id: the database holds no cookie", async () => {
    const { connect, now, clock } = sqlite();
    const { db, kv } = connect();
    const sessions = createSessions({ kv, now });
    const session = await sessions.create();
    const [row, ...more] = rows(db);
    expect(more).toEqual([]);
    const hash = createHash("sha256").update(session.id).digest("base64url");
    expect(row!.key).toBe(JSON.stringify(["herald", "admin", "session", hash]));
    expect(row!.key).not.toContain(session.id);
    expect(row!.value).not.toContain(session.id);
    expect(JSON.parse(row!.value)).toEqual({ csrf: session.csrf, created: clock.at, lastSeen: clock.at });
    // The row lives as long as the session may: its remaining max age.
    expect(row!.expires_ms).toBe(clock.at + sessions.maxAgeMs);
    // Knowing the hash is no use: it is not an id.
    expect(await sessions.get(hash)).toBeUndefined();
    expect((await sessions.get(session.id))?.csrf).toBe(session.csrf);
    expect(await sessions.get(undefined)).toBeUndefined();
    expect(await sessions.get("x".repeat(43))).toBeUndefined();
  });

  it("ends a session after two idle hours, and restarts the idle timer on each request", async () => {
    const { connect, now, clock } = sqlite();
    const { db, kv } = connect();
    const sessions = createSessions({ kv, now });
    const { id } = await sessions.create();
    clock.at += 2 * HOUR - 1;
    expect(await sessions.get(id)).toBeDefined();
    clock.at += 2 * HOUR - 1;
    expect(await sessions.get(id)).toBeDefined();
    clock.at += 2 * HOUR;
    expect(await sessions.get(id)).toBeUndefined();
    expect(rows(db)).toEqual([]);
  });

  it("ends a session after twelve hours however busy, in the rules and in the store", async () => {
    const { connect, now, clock } = sqlite();
    const { kv } = connect();
    const sessions = createSessions({ kv, now });
    const { id } = await sessions.create();
    for (let h = 1; h < 12; h++) {
      clock.at += HOUR;
      expect(await sessions.get(id), `hour ${h}`).toBeDefined();
    }
    clock.at += HOUR - 1;
    expect(await sessions.get(id)).toBeDefined();
    clock.at += 1;
    // The row has expired too: no other process can find it either.
    expect(await kv.get(sessionKey(id))).toBeUndefined();
    expect(await sessions.get(id)).toBeUndefined();
  });

  it("writes lastSeen only when it moved a minute or more: most reads are reads", async () => {
    const { connect, now, clock } = sqlite();
    const { kv, writes } = counting(connect().kv);
    const sessions = createSessions({ kv, now });
    const { id, created } = await sessions.create();
    expect(writes.count).toBe(1);
    for (let i = 0; i < 5; i++) {
      clock.at += 10_000;
      expect(await sessions.get(id)).toBeDefined();
    }
    expect(writes.count).toBe(1);
    expect(await kv.get(sessionKey(id))).toMatchObject({ lastSeen: created });
    clock.at += 10_000;
    await sessions.get(id);
    expect(writes.count).toBe(2);
    expect(await kv.get(sessionKey(id))).toMatchObject({ lastSeen: created + MINUTE });
  });

  it("is one session for every process: flash, logout and all", async () => {
    const { connect, now } = sqlite();
    const one = createSessions({ kv: connect().kv, now });
    const two = createSessions({ kv: connect().kv, now });
    const created = await one.create();
    const seen = (await two.get(created.id))!;
    expect(seen.csrf).toBe(created.csrf);

    seen.flash = { ok: true, text: "Scan done." };
    await two.save(seen);
    const shown = (await one.get(created.id))!;
    expect(shown.flash).toEqual({ ok: true, text: "Scan done." });
    shown.flash = undefined;
    await one.save(shown);
    expect((await two.get(created.id))!.flash).toBeUndefined();

    await two.delete(created.id);
    expect(await one.get(created.id)).toBeUndefined();
  });

  it("does not bring back a session that was logged out while a request held it", async () => {
    const { connect, now } = sqlite();
    const { db, kv } = connect();
    const sessions = createSessions({ kv, now });
    const { id } = await sessions.create();
    const held: Session = (await sessions.get(id))!;
    await createSessions({ kv: connect().kv, now }).delete(id);
    held.flash = { ok: true, text: "Published." };
    await sessions.save(held);
    expect(rows(db)).toEqual([]);
    expect(await sessions.get(id)).toBeUndefined();
  });

  it("keeps a flash written by another request that saved first", async () => {
    const { connect, now, clock } = sqlite();
    const one = createSessions({ kv: connect().kv, now });
    const two = createSessions({ kv: connect().kv, now });
    const { id } = await one.create();
    const first = (await one.get(id))!;
    const second = (await two.get(id))!;
    clock.at += 5 * MINUTE;
    second.lastSeen = clock.at;
    second.flash = { ok: true, text: "second" };
    await two.save(second);
    // `first` was read before that write: its swap fails, it reads again and still saves.
    first.flash = { ok: false, text: "first" };
    await one.save(first);
    expect(await one.get(id)).toMatchObject({ flash: { ok: false, text: "first" } });
    expect(await connect().kv.get(sessionKey(id))).toMatchObject({ lastSeen: clock.at });
  });
});

describe("admin login limit in the KV store", () => {
  it("lets five attempts through in fifteen minutes, then makes the client wait for the oldest", async () => {
    const { connect, now, clock } = sqlite();
    const limit = createFailureLimit({ kv: connect().kv, now });
    for (let i = 0; i < 5; i++) {
      expect(await limit.attempt("192.0.2.1")).toBe(0);
      clock.at += MINUTE;
    }
    expect(await limit.attempt("192.0.2.1")).toBe(10 * 60);
    expect(await limit.attempt("192.0.2.2")).toBe(0);
    clock.at += 10 * MINUTE - 1000;
    expect(await limit.attempt("192.0.2.1")).toBe(1);
    clock.at += 1000;
    expect(await limit.attempt("192.0.2.1")).toBe(0);
    expect(await limit.attempt("192.0.2.1")).toBeGreaterThan(0);
  });

  it("counts a client's attempts in every process, and a success forgets them everywhere", async () => {
    const { connect, now } = sqlite();
    const one = createFailureLimit({ kv: connect().kv, now });
    const two = createFailureLimit({ kv: connect().kv, now });
    for (let i = 0; i < 3; i++) expect(await one.attempt("192.0.2.1")).toBe(0);
    for (let i = 0; i < 2; i++) expect(await two.attempt("192.0.2.1")).toBe(0);
    expect(await one.attempt("192.0.2.1")).toBe(15 * 60);
    expect(await two.attempt("192.0.2.1")).toBe(15 * 60);
    await two.reset("192.0.2.1");
    expect(await one.attempt("192.0.2.1")).toBe(0);
  });

  it("lets exactly five of twenty parallel attempts through, from two processes on PostgreSQL", async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    const one = createFailureLimit({ kv: new PostgresKvStore(schema.client()) });
    const two = createFailureLimit({ kv: new PostgresKvStore(schema.client()) });
    await one.reset("192.0.2.1"); // Creates the table before the race.
    const waits = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).attempt("192.0.2.1")),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.filter((w) => w > 0)).toHaveLength(15);
  });
});
