// Herald's outbox end to end (serve on SQLite, real HTTP on loopback): no key material in any row
// after a 1,000-follower fan-out, the RFC 9421 double knock against a server that refuses
// draft-cavage, and FEP-8fcf followers digests checked against the partial followers collection.
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Sql } from "postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, until } from "./setup.ts";

/** Every row of every table but the keys table, as text: SQLite by its file, PostgreSQL by its schema. */
async function dumpRows(herald: HeraldUnderTest): Promise<string> {
  const storage = herald.server.storage;
  if (storage.kind === "postgres") {
    const { sql } = storage as unknown as { sql: Sql };
    const tables = await sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_name NOT LIKE '%keys'`;
    const parts: string[] = [];
    for (const { name } of tables) {
      const rows = await sql.unsafe(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      parts.push(`${name}\n${rows.map((r) => r.row).join("\n")}`);
    }
    return parts.join("\n");
  }
  const store = new SqliteStore(join(herald.dir, "data", "herald.sqlite"));
  try {
    const db = store.database;
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'keys'",
      )
      .all() as { name: string }[];
    return tables
      .map(({ name }) => `${name}\n${JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())}`)
      .join("\n");
  } finally {
    store.close();
  }
}

describe.each(["sqlite", "postgres"] as const)("the outbox keeps no key material (%s)", (store) => {
  const servers: Server[] = [];
  let herald: HeraldUnderTest | undefined;
  afterAll(async () => {
    await herald?.stop();
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it("after a 1,000-follower fan-out, no queue, receipt or other row holds any part of the private keys", async () => {
    // Ten servers that answer 503: the deliveries stay queued (retries, held by open circuits).
    const origins: string[] = [];
    for (let i = 0; i < 10; i++) {
      const server = createServer((_req, res) => {
        res.statusCode = 503;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      servers.push(server);
      origins.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    herald = await startHerald({}, undefined, store);
    const federation = herald.server.storage.federation;
    const [rsa, ed] = await federation.getKeys();
    for (let f = 0; f < 1_000; f++) {
      const actorId = `${origins[f % 10]}/users/u${f}`;
      await federation.upsertFollower({
        actorId,
        inbox: `${actorId}/inbox`,
        sharedInbox: null,
        handle: null,
        followId: `${actorId}#follow`,
        state: "accepted",
        createdAt: new Date().toISOString(),
      });
    }
    herald.write("one.md", "---\ntitle: One article\n---\n\nFor everyone.\n");
    expect((await herald.server.tick()).federation?.created).toBe(1);
    const outbox = herald.server.storage.outbox();
    // Every server tried, and all deliveries still queued.
    await until(async () => {
      const receipts = await outbox.receipts([`${herald!.origin}/objects/one#create`]);
      return (
        receipts.filter((r) => r.attempts > 0).length === 10 &&
        (await outbox.exportOutbox()).deliveries.length === 1_000
      );
    }, 30_000);
    const rows = await dumpRows(herald);
    expect(rows).toContain("/objects/one#create");
    expect(rows.length).toBeGreaterThan(50_000);
    for (const marker of ['"d":', '"p":', '"q":', '"dp":', '"qi":', "PRIVATE KEY"])
      expect(rows).not.toContain(marker);
    for (const key of [rsa!, ed!]) {
      for (const field of ["d", "p", "q", "dp", "dq", "qi"] as const) {
        const value = (key.privateJwk as Record<string, string | undefined>)[field];
        if (!value) continue;
        // Any 12-character stretch of the key, base64url as stored, or base64 as a PEM would hold it.
        const standard = Buffer.from(value, "base64url").toString("base64");
        for (let at = 0; at + 12 <= value.length; at += 6) {
          expect(rows).not.toContain(value.slice(at, at + 12));
          expect(rows).not.toContain(standard.slice(at, at + 12));
        }
      }
    }
  }, 120_000);
});

describe.each(["sqlite", "postgres"] as const)("signatures and followers digests (%s)", (store) => {
  let herald: HeraldUnderTest | undefined;
  let inbox: VerifyingInbox | undefined;
  afterEach(async () => {
    await herald?.stop();
    await inbox?.close();
    herald = undefined;
    inbox = undefined;
  });

  it("knocks again with RFC 9421 when a server refuses draft-cavage, and keeps to it", async () => {
    inbox = await startVerifyingInbox({ mode: "rfc9421-only" });
    herald = await startHerald({}, undefined, store);
    const follow = { id: `${inbox.actorUrl("alice")}#follow`, type: "Follow", object: herald.actorUrl };
    expect((await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "rfc9421" })).status).toBe(
      202,
    );
    const [accept] = await inbox.waitFor((d) => d.activity.type === "Accept");
    expect(accept!.verifiedWith).toBe("rfc9421");
    expect(accept!.keyId).toBe(`${herald.actorUrl}#main-key`);
    expect(inbox.rejected.filter((r) => r.scheme === "cavage")).toHaveLength(1);
    herald.write("two.md", "---\ntitle: Two\n---\n\nSecond.\n");
    await herald.server.tick();
    const [create] = await inbox.waitFor((d) => d.activity.type === "Create");
    expect(create!.verifiedWith).toBe("rfc9421");
    await drained(herald.server);
    // Remembered per server: the Create went as RFC 9421 at once, no second cavage refusal.
    expect(inbox.rejected.filter((r) => r.scheme === "cavage")).toHaveLength(1);
  });

  it("sends each server the FEP-8fcf digest of its followers, which the partial followers collection matches", async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    herald = await startHerald({}, undefined, store);
    for (const name of ["alice", "bob"]) {
      const follow = { id: `${inbox.actorUrl(name)}#follow`, type: "Follow", object: herald.actorUrl };
      expect(
        (await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: name })).status,
      ).toBe(202);
    }
    await drained(herald.server);
    // A follower on another server, which must not count in this server's digest.
    await herald.server.storage.federation.upsertFollower({
      actorId: "https://elsewhere.example/users/carol",
      inbox: "https://elsewhere.example/users/carol/inbox",
      sharedInbox: null,
      handle: null,
      followId: null,
      state: "accepted",
      createdAt: new Date().toISOString(),
    });
    herald.write("three.md", "---\ntitle: Three\n---\n\nThird.\n");
    await herald.server.tick();
    const [create] = await inbox.waitFor((d) => d.activity.type === "Create");
    const header = create!.headers["collection-synchronization"];
    expect(header).toBeDefined();
    const followers = `${herald.actorUrl}/followers`;
    const url = `${followers}?base-url=${encodeURIComponent(`${inbox.origin}/`)}`;
    expect(header).toContain(`collectionId="${followers}"`);
    expect(header).toContain(`url="${url}"`);
    // The digest, computed here by FEP-8fcf's rule: XOR of the SHA-256 of each follower id on this server.
    const ids = [inbox.actorUrl("alice"), inbox.actorUrl("bob")];
    const xor = Buffer.alloc(32);
    for (const id of ids) {
      const h = createHash("sha256").update(id).digest();
      for (let i = 0; i < 32; i++) xor[i]! ^= h[i]!;
    }
    expect(header).toContain(`digest="${xor.toString("hex")}"`);
    // The partial collection lists exactly those followers.
    const collected: string[] = [];
    let next: string | undefined = url;
    while (next) {
      const page = (await (
        await fetch(next, { headers: { Accept: "application/activity+json" } })
      ).json()) as {
        first?: string | { id: string };
        next?: string;
        orderedItems?: (string | { id: string })[];
      };
      for (const item of page.orderedItems ?? []) collected.push(typeof item === "string" ? item : item.id);
      next = page.orderedItems ? page.next : typeof page.first === "string" ? page.first : page.first?.id;
    }
    expect(collected.sort()).toEqual(ids.sort());
    rmSync(join(herald.dir, "content", "three.md"));
  });
});
