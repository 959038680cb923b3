// Quote stamps (FEP-044f), the move ledger and "quote" interactions, on SQLite and PostgreSQL: the
// revocation and the "queued" mark are written through the outbox's own transaction, once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPostgresStorage } from "../../src/store/postgres-storage.ts";
import type { QuoteStamp } from "../../src/store/quotes.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import { AlreadyQueuedError, type Storage } from "../../src/store/types.ts";
import { createTestSchema } from "./contract-postgres.ts";

const stamp = (id: string, overrides: Partial<QuoteStamp> = {}): QuoteStamp => ({
  id,
  articleId: "harbor",
  quoteId: `https://social.example/notes/${id}`,
  actorId: "https://social.example/users/mia",
  inbox: "https://social.example/users/mia/inbox",
  requestId: `https://social.example/notes/${id}#request`,
  createdAt: `2026-01-01T00:00:0${id.length % 10}.000Z`,
  revokedAt: null,
  ...overrides,
});

const move = (n: number) => ({
  id: `https://news.example/users/news#move-${n}`,
  target: `https://new${n}.example/users/news`,
  state: "pending" as const,
  activity: { type: "Move", n },
  createdAt: `2026-01-0${n}T00:00:00.000Z`,
  undoneAt: null,
});

const targets: Record<string, () => Promise<{ storage: Storage; close(): Promise<void> }>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-quotes-"));
    const storage = openSqliteStorage(join(dir, "herald.sqlite"));
    return {
      storage,
      async close() {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async () => {
    const schema = await createTestSchema();
    const storage = openPostgresStorage(`${schema.url}?search_path=${schema.name}`, { poolSize: 2 });
    await storage.initialize();
    return {
      storage,
      async close() {
        await storage.close();
        await schema.drop();
      },
    };
  },
};

describe.each(Object.keys(targets))("quote stamps and moves on %s", (name) => {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
  });
  const open = async () => {
    const world = await targets[name]!();
    opened.push(world);
    return world.storage;
  };
  /** Writes `record` inside the outbox's transaction, as the revocation and the Move do. */
  const inOutboxTx = (storage: Storage, record: (tx: unknown) => unknown) =>
    storage.outbox().atomically(
      async () => undefined,
      (_value, tx) => record(tx),
    );

  it("keeps the first stamp of an id, lists standing ones, and revokes each once", async () => {
    const storage = await open();
    const { quotes } = storage;
    expect(await quotes.saveStamp(stamp("a"))).toEqual(stamp("a"));
    // A second request for the same quote gets the stamp stored first.
    expect(await quotes.saveStamp(stamp("a", { requestId: "https://other.example/r" }))).toEqual(stamp("a"));
    await quotes.saveStamp(stamp("bb"));
    expect((await quotes.liveStamps()).map((s) => s.id)).toEqual(["a", "bb"]);
    await inOutboxTx(storage, (tx) => quotes.revokeIn(tx, "a", "2026-02-01T00:00:00.000Z"));
    await expect(
      inOutboxTx(storage, (tx) => quotes.revokeIn(tx, "a", "2026-02-02T00:00:00.000Z")),
    ).rejects.toBeInstanceOf(AlreadyQueuedError);
    expect((await quotes.getStamp("a"))?.revokedAt).toBe("2026-02-01T00:00:00.000Z");
    expect((await quotes.liveStamps()).map((s) => s.id)).toEqual(["bb"]);
    expect(await quotes.getStamp("nope")).toBeUndefined();
    // Revoked stamps count too: what one asker made Herald keep.
    expect(await quotes.countStamps("https://social.example/users/mia")).toBe(2);
    expect(await quotes.countStamps("https://social.example/users/other")).toBe(0);
  });

  it("records one Move at a time, queues it once, and undoes it", async () => {
    const storage = await open();
    const { moves } = storage;
    expect(await moves.current()).toBeUndefined();
    expect(await moves.record(move(1))).toBe(true);
    // A second Move while one is in force is refused.
    expect(await moves.record(move(2))).toBe(false);
    expect((await moves.pending()).map((m) => m.id)).toEqual([move(1).id]);
    await inOutboxTx(storage, (tx) => moves.markQueuedIn(tx, move(1).id));
    await expect(inOutboxTx(storage, (tx) => moves.markQueuedIn(tx, move(1).id))).rejects.toBeInstanceOf(
      AlreadyQueuedError,
    );
    expect(await moves.pending()).toEqual([]);
    expect(await moves.current()).toEqual({ ...move(1), state: "queued" });
    expect((await moves.undo("2026-01-05T00:00:00.000Z"))?.id).toBe(move(1).id);
    expect(await moves.current()).toBeUndefined();
    expect(await moves.undo("2026-01-06T00:00:00.000Z")).toBeUndefined();
    expect(await moves.count()).toBe(1);
    // After an undo, a new Move may be recorded; an undone pending Move is never queued.
    expect(await moves.record(move(2))).toBe(true);
    await moves.undo("2026-01-07T00:00:00.000Z");
    expect(await moves.pending()).toEqual([]);
    // Undone inside the outbox's transaction (with the Update that tells followers): once only.
    expect(await moves.record(move(3))).toBe(true);
    await inOutboxTx(storage, (tx) => moves.undoIn(tx, move(3).id, "2026-01-08T00:00:00.000Z"));
    await expect(
      inOutboxTx(storage, (tx) => moves.undoIn(tx, move(3).id, "2026-01-09T00:00:00.000Z")),
    ).rejects.toBeInstanceOf(AlreadyQueuedError);
    expect(await moves.current()).toBeUndefined();
    expect((await moves.exportMoves()).map((m) => [m.id, m.state, m.undoneAt])).toEqual([
      [move(1).id, "queued", "2026-01-05T00:00:00.000Z"],
      [move(2).id, "pending", "2026-01-07T00:00:00.000Z"],
      [move(3).id, "pending", "2026-01-08T00:00:00.000Z"],
    ]);
  });

  it("records quotes as interactions", async () => {
    const storage = await open();
    const fed = storage.federation;
    const quote = {
      id: "https://social.example/notes/q#request",
      articleId: "harbor",
      kind: "quote" as const,
      actorId: "https://social.example/users/mia",
      url: "https://social.example/notes/q",
      content: null,
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    expect(await fed.recordInteraction(quote)).toBe(true);
    expect(await fed.recordInteraction(quote)).toBe(false);
    expect(await fed.listInteractions("harbor", { kinds: ["quote"] })).toEqual([quote]);
    expect(await fed.countInteractions()).toEqual([{ articleId: "harbor", kind: "quote", count: 1 }]);
  });
});
