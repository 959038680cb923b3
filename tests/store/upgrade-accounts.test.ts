// A data dir written before accounts existed (tests/fixtures/stores/README.md) opens with this
// Herald: its keys, followers, objects and ledger are the main account's, untouched.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { startHerald } from "../federation/setup.ts";

const FIXTURE = join(import.meta.dirname, "../fixtures/stores/pre-accounts.sqlite");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The fixture's rows, read with plain SQL before Herald touches it. */
function rowsOf(file: string) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return {
      version: (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      keys: db.prepare("SELECT kind, private_jwk, public_jwk, created_at FROM keys ORDER BY kind").all(),
      followers: db.prepare("SELECT actor_id, inbox, shared_inbox, state, created_at FROM followers").all(),
      objects: db.prepare("SELECT article_id, content_hash, object FROM objects ORDER BY article_id").all(),
      activities: db
        .prepare("SELECT id, article_id, kind, state, activity FROM activities ORDER BY rowid")
        .all(),
      meta: db.prepare("SELECT key, value FROM meta ORDER BY key").all(),
    };
  } finally {
    db.close();
  }
}

describe("upgrading a single-account store", () => {
  it("keeps the main account's keys, followers, objects and ledger, and starts section accounts empty", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-upgrade-"));
    dirs.push(dir);
    const file = join(dir, "herald.sqlite");
    copyFileSync(FIXTURE, file);
    const before = rowsOf(file);
    expect(before.version).toBe(11);
    expect(before.followers).toHaveLength(1);

    const store = new SqliteStore(file);
    try {
      const main = store.federation;
      const keys = await main.getKeys();
      expect(
        keys
          .map((k) => [k.kind, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk), k.createdAt])
          .sort(),
      ).toEqual(before.keys.map((k) => [k.kind, k.private_jwk, k.public_jwk, k.created_at]));
      const followers = await main.listFollowers({ state: "accepted" });
      expect(followers.map((f) => [f.actorId, f.inbox, f.sharedInbox, f.state, f.createdAt])).toEqual(
        before.followers.map((f) => [f.actor_id, f.inbox, f.shared_inbox, f.state, f.created_at]),
      );
      const objects = await main.listObjects();
      expect(objects.map((o) => [o.articleId, o.contentHash, JSON.stringify(o.object)])).toEqual(
        before.objects.map((o) => [o.article_id, o.content_hash, o.object]),
      );
      // Ledger ids are what followers' servers saw: the same URLs, still the main account's.
      expect((await main.activityIdsOf("chips")).concat(await main.activityIdsOf("first")).sort()).toEqual(
        before.activities.map((a) => a.id).sort(),
      );
      expect(await main.countCreates()).toBe(2);
      expect(await main.getMeta("federation.firstRunDone")).toBe(
        before.meta.find((m) => m.key === "federation.firstRunDone")?.value,
      );
      expect(await main.listAccounts()).toEqual([{ account: "", followers: 1 }]);

      const tech = main.forAccount("tech");
      expect(await tech.getKeys()).toEqual([]);
      expect(await tech.countFollowers()).toBe(0);
      expect(await tech.listObjects()).toEqual([]);
      expect(await tech.getMeta("federation.firstRunDone")).toBeUndefined();
    } finally {
      store.close();
    }
    // Opening again changes nothing more.
    const again = new SqliteStore(file);
    expect(await again.federation.countFollowers()).toBe(1);
    again.close();
  });
});

describe("upgrading a single-account data dir and serving it with section accounts", () => {
  it("keeps the main actor's key and followers, re-sends nothing, and starts a new account silently", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-upgrade-"));
    dirs.push(dir);
    mkdirSync(join(dir, "data"), { recursive: true });
    copyFileSync(FIXTURE, join(dir, "data", "herald.sqlite"));
    cpSync(join(import.meta.dirname, "../fixtures/stores/pre-accounts-content"), join(dir, "content"), {
      recursive: true,
    });
    const before = rowsOf(join(dir, "data", "herald.sqlite"));
    const herald = await startHerald(
      {
        site: { url: "https://news.example/" },
        bot: { username: "news", name: "Fixture News" },
        accounts: [{ username: "tech", name: "Tech", folders: ["tech/**"] }],
      },
      dir,
    );
    try {
      const fed = herald.server.storage.federation;
      await herald.server.tick();
      // The main account: the same keys, follower and ledger; nothing planned again.
      const rsa = (await fed.getKeys()).find((k) => k.kind === "rsa")!;
      expect(JSON.stringify(rsa.publicJwk)).toBe(
        (before.keys as { kind: string; public_jwk: string }[]).find((k) => k.kind === "rsa")!.public_jwk,
      );
      expect((await fed.listFollowers({})).map((f) => f.actorId)).toEqual([
        "https://social.example/users/alice",
      ]);
      expect((await fed.activityIdsOf("chips")).concat(await fed.activityIdsOf("first")).sort()).toEqual(
        before.activities.map((a) => a.id).sort(),
      );
      expect(await fed.pendingActivities()).toEqual([]);
      // The new section account takes the article under tech/ into its outbox, without pushing it:
      // it is the account's first run, as the main account's was.
      const tech = fed.forAccount("tech");
      expect((await tech.listObjects()).map((o) => o.articleId)).toEqual(["chips"]);
      expect(await tech.activityIdsOf("chips")).toEqual(["https://news.example/objects/@tech/chips#create"]);
      expect((await tech.listCreates({ offset: 0, limit: 10 })).map((a) => a.state)).toEqual(["silent"]);
      expect((await tech.getKeys()).map((k) => k.kind)).toEqual(["rsa", "ed25519"]);
    } finally {
      await herald.stop();
    }
  });
});
