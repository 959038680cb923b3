import type { DatabaseSync } from "node:sqlite";
import { immediateTransaction } from "./sqlite-tx.ts";
import type { MediaRecord, MediaStore } from "./types.ts";

// Cover images' records on SQLite: one JSON document per image URL. They are all read at start (one
// per cover, a few hundred bytes each) and written a few at a time after a scan looked at them.

export class SqliteMediaStore implements MediaStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async listMedia(): Promise<MediaRecord[]> {
    const rows = this.#db.prepare("SELECT record FROM media ORDER BY source").all() as { record: string }[];
    return rows.map((row) => JSON.parse(row.record) as MediaRecord);
  }

  async saveMedia(records: readonly MediaRecord[]): Promise<void> {
    if (records.length === 0) return;
    const upsert = this.#db.prepare(
      "INSERT INTO media (source, record) VALUES (?, ?) ON CONFLICT(source) DO UPDATE SET record = excluded.record",
    );
    immediateTransaction(this.#db, () => {
      for (const record of records) upsert.run(record.source, JSON.stringify(record));
    });
  }
}
