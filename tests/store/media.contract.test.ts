// Cover images' records: the same behaviour on SQLite and PostgreSQL, and kept across a reopen.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PostgresMediaStore } from "../../src/store/postgres-media.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { MediaRecord, MediaStore } from "../../src/store/types.ts";
import { createTestSchema } from "./contract-postgres.ts";

interface Opened {
  store: MediaStore;
  reopen(): Promise<MediaStore>;
  close(): Promise<void>;
}

const factories: Record<string, () => Promise<Opened>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-media-"));
    const file = join(dir, "herald.sqlite");
    const stores = [new SqliteStore(file)];
    return {
      store: stores[0]!.media,
      async reopen() {
        stores[0]!.close();
        stores.push(new SqliteStore(file));
        return stores.at(-1)!.media;
      },
      async close() {
        for (const s of stores) s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async () => {
    const schema = await createTestSchema();
    return {
      store: new PostgresMediaStore(schema.client()),
      reopen: async () => new PostgresMediaStore(schema.client()),
      close: () => schema.drop(),
    };
  },
};

function record(source: string, overrides: Partial<MediaRecord> = {}): MediaRecord {
  return {
    source,
    kind: "remote",
    state: "pending",
    mirrored: false,
    attempts: 0,
    checkedAt: null,
    retryAt: "2026-01-01T00:00:00.000Z",
    articleId: "a",
    ...overrides,
  };
}

for (const [name, open] of Object.entries(factories)) {
  describe(`MediaStore on ${name}`, () => {
    it("upserts by source, keeps every field through a reopen, and lists in source order", async () => {
      const opened = await open();
      try {
        expect(await opened.store.listMedia()).toEqual([]);
        const ready = record("https://img.example/b.jpg", {
          state: "ready",
          mediaType: "image/jpeg",
          width: 1200,
          height: 630,
          length: 48_213,
          blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
          sha256: "a".repeat(64),
          mirrored: true,
          checkedAt: "2026-01-01T00:00:01.000Z",
          retryAt: null,
        });
        const failed = record("https://img.example/a.jpg", {
          state: "failed",
          attempts: 2,
          error: { reason: "http-status", message: "https://img.example/a.jpg answered HTTP 404." },
        });
        const local = record("https://news.example.org/articles/x/封面.png", {
          kind: "local",
          local: { articlePath: "x/index.md", ref: "%E5%B0%81%E9%9D%A2.png" },
          length: 10,
        });
        await opened.store.saveMedia([ready, failed, local]);
        // The same source twice in one call: the last one wins.
        await opened.store.saveMedia([failed, { ...failed, attempts: 3 }]);
        const again = await opened.reopen();
        expect(await again.listMedia()).toEqual([{ ...failed, attempts: 3 }, ready, local]);
      } finally {
        await opened.close();
      }
    });
  });
}
