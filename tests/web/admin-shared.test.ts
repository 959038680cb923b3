// The dashboard on several real `herald serve` processes sharing one database, as behind a load
// balancer: sessions and the login limit live in the shared store, and survive a restart.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { SqliteStore } from "../../src/store/sqlite.ts";
import { createTestSchema, type TestSchema } from "../store/contract-postgres.ts";
import { AdminClient, type AdminHerald, request, startAdminHerald, TOKEN } from "./admin-helpers.ts";

const running: AdminHerald[] = [];
const schemas: TestSchema[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  for (const s of schemas.splice(0)) await s.drop();
});

type StartOptions = NonNullable<Parameters<typeof startAdminHerald>[0]>;

async function start(options: StartOptions = {}): Promise<AdminHerald> {
  const h = await startAdminHerald({ env: { HERALD_ADMIN_TOKEN: TOKEN }, ...options });
  running.push(h);
  return h;
}

async function stop(h: AdminHerald): Promise<void> {
  running.splice(running.indexOf(h), 1);
  await h.stop();
}

/** Two `--role web` processes on one PostgreSQL schema, the same files and the same site.url. */
async function twoWebProcesses(server: Record<string, unknown> = {}) {
  const schema = await createTestSchema();
  schemas.push(schema);
  const config = {
    database: { url: `${schema.url}?search_path=${schema.name}` },
    ...(Object.keys(server).length ? { server } : {}),
  };
  const a = await start({ role: "web", config });
  const b = await start({ role: "web", config, root: a.root, siteUrl: `${a.origin}/` });
  return { schema, a, b, config };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

describe("admin sessions across web processes on PostgreSQL", () => {
  it("logs in on one process and works on the other: pages, actions, their flash, and logout", async () => {
    const { schema, a, b } = await twoWebProcesses();
    const onA = new AdminClient(a.origin);
    expect((await onA.login(TOKEN)).status).toBe(303);
    const onB = onA.at(b.origin);

    const page = await onB.send("GET", "/admin");
    expect(page.status).toBe(200);
    expect(page.body).toContain(`value="${onA.csrf}"`);
    const before = await b.server.storage.federation.getMeta("status.lastScan");
    const scan = await onB.action("/admin/scan");
    expect(scan.status).toBe(303);
    expect(scan.headers.location).toBe("/admin");
    expect(await a.server.storage.federation.getMeta("status.lastScan")).not.toBe(before);
    // The action's message is shown once, by whichever process serves the next page.
    expect((await onA.send("GET", "/admin")).body).toContain("Scan done:");
    expect((await onB.send("GET", "/admin")).body).not.toContain("Scan done:");

    // The database holds a hash of the cookie, never the cookie.
    const cookie = onA.cookies.get("herald_admin")!;
    const sql = schema.client({ max: 1 });
    const stored = await sql<{ key: string; value: string }[]>`
      SELECT key, value FROM herald_kv WHERE key LIKE '["herald","admin","session",%'`;
    expect(stored.map((r) => r.key)).toEqual([
      JSON.stringify(["herald", "admin", "session", sha256(cookie)]),
    ]);
    expect(stored[0]!.value).not.toContain(cookie);

    const header = { Cookie: onA.cookieHeader };
    expect((await onB.action("/admin/logout")).headers.location).toBe("/admin/login");
    for (const h of [a, b]) {
      const after = await request(h.origin, "GET", "/admin", { headers: header });
      expect(after.status).toBe(303);
      expect(after.headers.location).toBe("/admin/login");
    }
    expect(await sql`SELECT 1 FROM herald_kv WHERE key LIKE '["herald","admin","session",%'`).toHaveLength(0);
  });

  it("keeps the session when a process restarts", async () => {
    const { a, b, config } = await twoWebProcesses();
    const client = new AdminClient(a.origin);
    await client.login(TOKEN);
    await stop(a);
    await stop(b);
    const again = await start({ role: "web", config, root: a.root });
    const there = client.at(again.origin);
    expect((await there.send("GET", "/admin")).status).toBe(200);
    expect((await there.action("/admin/scan")).status).toBe(303);
  });

  it("counts failed logins on both processes together", async () => {
    const { a, b } = await twoWebProcesses();
    const onA = new AdminClient(a.origin);
    const onB = new AdminClient(b.origin);
    for (let i = 0; i < 3; i++) expect((await onA.login(`wrong-guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await onB.login(`wrong-guess-${i}`)).status).toBe(401);
    for (const client of [onA, onB]) {
      const limited = await client.login(TOKEN);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(800);
      expect(client.cookies.has("herald_admin")).toBe(false);
    }
  });

  it("with server.trustProxy, limits each client by the address the proxy appended", async () => {
    const { a, b } = await twoWebProcesses({ trustProxy: true });
    const guesser = (origin: string, forwarded: string) =>
      new AdminClient(origin, { "X-Forwarded-For": forwarded });
    for (let i = 0; i < 5; i++) {
      const origin = i % 2 ? b.origin : a.origin;
      expect((await guesser(origin, "198.51.100.7, 203.0.113.1").login(`wrong-${i}`)).status).toBe(401);
    }
    expect((await guesser(a.origin, "198.51.100.7, 203.0.113.1").login(TOKEN)).status).toBe(429);
    // What the client wrote itself (the earlier addresses) is not who it is.
    expect((await guesser(b.origin, "198.51.100.99, 203.0.113.1").login(TOKEN)).status).toBe(429);
    expect((await guesser(b.origin, "203.0.113.1").login(TOKEN)).status).toBe(429);
    // Another client behind the same proxy has a limit of its own.
    expect((await guesser(b.origin, "198.51.100.7, 203.0.113.2").login(TOKEN)).status).toBe(303);
    expect(a.logs.join("\n")).toContain('"ip":"203.0.113.1"');
  });

  it("without server.trustProxy, every client behind the proxy shares the proxy's limit", async () => {
    const { a, b } = await twoWebProcesses();
    for (let i = 0; i < 5; i++) {
      const client = new AdminClient(i % 2 ? b.origin : a.origin, { "X-Forwarded-For": "203.0.113.1" });
      expect((await client.login(`wrong-${i}`)).status).toBe(401);
    }
    const other = new AdminClient(a.origin, { "X-Forwarded-For": "203.0.113.2" });
    expect((await other.login(TOKEN)).status).toBe(429);
    expect(a.logs.join("\n")).not.toContain("203.0.113");
  });
});

describe("admin sessions on SQLite", () => {
  it("keeps the session across a restart, stored under the hash of the cookie", async () => {
    const first = await start();
    const client = new AdminClient(first.origin);
    await client.login(TOKEN);
    const cookie = client.cookies.get("herald_admin")!;
    const db = (first.server.storage as unknown as { store: SqliteStore }).store.database;
    const keys = (db.prepare("SELECT key, value FROM kv").all() as { key: string; value: string }[]).filter(
      (r) => r.key.startsWith('["herald","admin","session",'),
    );
    expect(keys.map((r) => r.key)).toEqual([JSON.stringify(["herald", "admin", "session", sha256(cookie)])]);
    expect(keys[0]!.value).not.toContain(cookie);
    await stop(first);

    const second = await start({ root: first.root });
    const back = client.at(second.origin);
    expect((await back.send("GET", "/admin")).status).toBe(200);
    expect((await back.action("/admin/scan")).status).toBe(303);
    expect((await back.send("GET", "/admin")).body).toContain("Scan done:");
  });
});
