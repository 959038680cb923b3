// Operator commands as an admin runs them: real child processes on a real data dir.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPostgresStorage } from "../src/store/postgres-storage.ts";
import { openSqliteStorage } from "../src/store/sqlite-storage.ts";
import type { Storage } from "../src/store/types.ts";
import { runHerald } from "./helpers/herald-process.ts";
import { createTestSchema, type TestSchema } from "./store/contract-postgres.ts";

const root = resolve(import.meta.dirname, "..");

/** The PostgreSQL schema of the running test, when it runs on PostgreSQL. */
let schema: TestSchema | undefined;
afterEach(async () => {
  await schema?.drop();
  schema = undefined;
});
const databaseUrl = () => (schema ? `${schema.url}?search_path=${schema.name}` : "");

function herald(args: string[], cwd: string) {
  return runHerald([...args, "--config", "herald.yaml"], cwd, {
    env: { HERALD_CONFIG: "", PORT: "", LOG_LEVEL: "", DATABASE_URL: databaseUrl() },
  });
}

/** The store the commands wrote, read the way Herald reads it, on either backend. */
async function withStore<T>(dir: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = schema
    ? openPostgresStorage(databaseUrl(), { poolSize: 1 })
    : openSqliteStorage(join(dir, "data", "herald.sqlite"));
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

const activityIds = (dir: string) =>
  withStore(dir, async (s) => (await s.federation.exportAll()).activities.map((a) => a.id));
const articleCount = (dir: string) => withStore(dir, async (s) => (await s.articles.listRecords()).length);

function site(extra = "") {
  const dir = mkdtempSync(join(tmpdir(), "herald-op-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    `site:\n  url: https://news.example.org/\n  timezone: Asia/Shanghai\n  language: zh-CN\ncontent:\n  dir: content\ndata:\n  dir: data\n${extra}`,
  );
  return dir;
}

// The commands that read and write the store, on each backend: on PostgreSQL `status` and dry runs
// work on a copy, and nothing they do may depend on which store it is.
describe.each(["sqlite", "postgres"])("operator CLI on %s", (backend) => {
  const site2 = async (extra = "") => {
    if (backend === "postgres") schema = await createTestSchema();
    return site(extra);
  };

  it("sync --once: first start fills the outbox quietly; a dry run afterwards shows the plan and changes nothing", async () => {
    const dir = await site2();
    const first = herald(["sync", "--once", "--json"], dir);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      dryRun: false,
      created: [],
      silent: expect.arrayContaining(["tidal-energy"]),
    });

    writeFileSync(join(dir, "content", "new.md"), "---\ntitle: New one\n---\nFresh news. Very fresh.\n");
    const activities = await activityIds(dir);
    const articles = await articleCount(dir);
    const dry = herald(["sync", "--once", "--dry-run"], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect(dry.stdout).toMatch(/would send Create for new to 0 inboxes/);
    expect(await activityIds(dir)).toEqual(activities);
    expect(await articleCount(dir)).toBe(articles);

    const real = herald(["sync", "--once"], dir);
    expect(real.stdout).toMatch(/sent Create for new/);
    expect((await activityIds(dir)).filter((id) => id.endsWith("/objects/new#create"))).toHaveLength(1);
    expect(herald(["sync", "--once"], dir).stdout).toContain("nothing to send");
  });

  it("status shows articles by state, with scheduled times, held and rejected reasons", async () => {
    const dir = await site2("publishing:\n  maxPerHour: 1\n");
    herald(["sync", "--once"], dir);
    writeFileSync(
      join(dir, "content", "later.md"),
      "---\ntitle: Later\npublish_at: 2099-01-01T00:00:00Z\n---\nSoon.\n",
    );
    writeFileSync(join(dir, "content", "draft.md"), "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n");
    writeFileSync(join(dir, "content", "a.md"), "---\ntitle: A\n---\nOne.\n");
    writeFileSync(join(dir, "content", "b.md"), "---\ntitle: B\n---\nTwo.\n");
    writeFileSync(join(dir, "content", "broken.md"), "---\ntitle: 'x\n---\n");
    const s = herald(["status", "--json"], dir);
    expect(s.code).toBe(0);
    const status = JSON.parse(s.stdout);
    const state = (id: string) => status.articles.find((a: { id: string }) => a.id === id);
    expect(state("later")).toMatchObject({ state: "scheduled", at: "2099-01-01T00:00:00.000Z" });
    expect(state("draft")).toMatchObject({ state: "draft" });
    expect([state("a").state, state("b").state].sort()).toEqual(["held", "held"]);
    expect(state("tidal-energy")).toMatchObject({ state: "published" });
    expect(status.rejected).toEqual([expect.objectContaining({ path: "broken.md", type: "yaml" })]);
    expect(status.followers).toEqual({ accepted: 0, pending: 0 });
    expect(Object.keys(status.nextRuns).sort()).toEqual(["feeds", "maintenance", "scan"]);
    const text = herald(["status"], dir).stdout;
    expect(text).toMatch(/scheduled\s+later\.md at 2099-01-01 08:00/);
    expect(text).toMatch(/rejected\s+broken\.md/);
    expect(status.store.kind).toBe(backend);
    // On PostgreSQL, who acts as the scheduler (nobody: no serve runs here).
    if (backend === "postgres") expect(text).toMatch(/Scheduler: none acting now/);
  });

  it("retract deletes and keeps the article out of feeds; unknown ids exit 1", async () => {
    const dir = await site2();
    herald(["sync", "--once"], dir);
    const r = herald(["retract", "tidal-energy"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/retracted/);
    expect((await activityIds(dir)).filter((id) => id.endsWith("/objects/tidal-energy#delete"))).toHaveLength(
      1,
    );
    herald(["build", "--out", "out"], dir);
    const status = JSON.parse(herald(["status", "--json"], dir).stdout);
    expect(status.articles.find((a: { id: string }) => a.id === "tidal-energy").state).toBe("retracted");
    expect(herald(["retract", "no-such-id"], dir).code).toBe(1);
    expect(herald(["publish", "tidal-energy"], dir).code).toBe(1);
  });

  it("lists and removes followers", async () => {
    const dir = await site2();
    herald(["sync", "--once"], dir);
    await withStore(dir, (s) =>
      s.federation.upsertFollower({
        actorId: "https://m.example/users/ann",
        inbox: "https://m.example/users/ann/inbox",
        sharedInbox: null,
        handle: "@ann@m.example",
        followId: null,
        state: "accepted",
        createdAt: "2026-01-01T00:00:00Z",
      }),
    );
    expect(JSON.parse(herald(["followers", "--json"], dir).stdout)).toHaveLength(1);
    expect(herald(["followers"], dir).stdout).toMatch(/@ann@m\.example\s+accepted/);
    expect(herald(["followers", "remove", "@ann@m.example"], dir).code).toBe(0);
    expect(herald(["followers", "remove", "@ann@m.example"], dir).code).toBe(1);
    expect(herald(["followers"], dir).stdout).toMatch(/No followers yet/);
  });

  it("blocks, lists and unblocks; a block removes the server's followers with a Reject; imports a blocklist", async () => {
    // The blocked follower's inbox is a closed loopback port: its Reject is queued, and waits for a retry.
    const dir = await site2("federation:\n  allowPrivateAddress: true\n");
    herald(["sync", "--once"], dir);
    const ann = "http://127.0.0.1:9/users/ann";
    await withStore(dir, async (s) => {
      for (const [actorId, handle] of [
        [ann, "@ann@127.0.0.1:9"],
        ["https://m.example/users/bob", "@bob@m.example"],
      ] as const)
        await s.federation.upsertFollower({
          actorId,
          inbox: `${actorId}/inbox`,
          sharedInbox: null,
          handle,
          followId: `${actorId}#follow-1`,
          state: "accepted",
          createdAt: "2026-01-01T00:00:00Z",
        });
    });
    const blocked = herald(["block", "127.0.0.1", "--note", "spam wave"], dir);
    expect(blocked.code).toBe(0);
    expect(blocked.stdout).toMatch(
      /^Blocked 127\.0\.0\.1 and its subdomains; removed 1 follower\(s\) with a Reject: @ann@127\.0\.0\.1:9\./,
    );
    expect(JSON.parse(herald(["followers", "--json"], dir).stdout)).toMatchObject([
      { handle: "@bob@m.example" },
    ]);
    const outbox = await withStore(dir, (s) => s.outbox().exportOutbox());
    expect(outbox.fanouts.map((f) => f.activityType)).toContain(
      "https://www.w3.org/ns/activitystreams#Reject",
    );
    expect(JSON.parse(outbox.fanouts.find((f) => f.activityType.endsWith("Reject"))!.body)).toMatchObject({
      type: "Reject",
      object: { id: `${ann}#follow-1`, actor: ann },
    });
    expect(JSON.parse(herald(["blocks", "--json"], dir).stdout)).toMatchObject([
      { kind: "domain", target: "127.0.0.1", note: "spam wave" },
    ]);
    expect(herald(["blocks"], dir).stdout).toMatch(
      /^domain\s+127\.0\.0\.1\s+since \d{4}-\d\d-\d\d\s+spam wave$/m,
    );
    expect(herald(["block", "127.0.0.1"], dir).stdout).toMatch(/^Already blocked: 127\.0\.0\.1/);
    expect(herald(["block", "not a target"], dir).code).toBe(1);
    expect(herald(["block"], dir).code).toBe(64);

    expect(herald(["unblock", "127.0.0.1"], dir).code).toBe(0);
    expect(herald(["unblock", "127.0.0.1"], dir).code).toBe(1);
    expect(herald(["blocks"], dir).stdout).toMatch(/^No blocks\.$/m);

    const imported = herald(
      ["block", "--import", join(root, "tests", "fixtures", "blocklists", "mastodon-export.csv")],
      dir,
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /^Blocked 3 new domain\(s\) of 3 in mastodon-export\.csv; skipped 3 line\(s\)/,
    );
    expect(JSON.parse(herald(["blocks", "--json"], dir).stdout)).toEqual([
      expect.objectContaining({ target: "hostile.example", note: "mastodon-export.csv" }),
      expect.objectContaining({
        target: "spam.example",
        note: "mastodon-export.csv: Spam, scams and harassment",
      }),
      expect.objectContaining({ target: "wildcard.example" }),
    ]);
    expect(herald(["status"], dir).stdout).toMatch(/^Blocks: 3 domain\(s\), 0 account\(s\)/m);
  });

  it("lists an article's replies, hides one and shows it again; status lists the relays", async () => {
    const dir = await site2(
      "federation:\n  allowPrivateAddress: true\n  relays: [https://relay.example/inbox]\n",
    );
    herald(["sync", "--once"], dir);
    const id = "https://m.example/users/ann/statuses/1";
    await withStore(dir, (s) =>
      s.federation.recordInteraction({
        id,
        articleId: "tidal-energy",
        kind: "reply",
        actorId: "https://m.example/users/ann",
        url: id,
        content: "<p>Good <b>read</b></p>",
        createdAt: "2026-01-05T00:00:00.000Z",
      }),
    );
    expect(herald(["replies", "tidal-energy"], dir).stdout).toBe(
      `shown  ${id}\n       2026-01-05T00:00 https://m.example/users/ann: Good read\n`,
    );
    expect(herald(["hide-reply", id], dir)).toMatchObject({
      code: 0,
      stdout: `Hid reply ${id} from the article page.\n`,
    });
    expect(JSON.parse(herald(["replies", "tidal-energy", "--json"], dir).stdout)).toMatchObject([
      { id, hidden: true },
    ]);
    expect(herald(["unhide-reply", id], dir).code).toBe(0);
    expect(herald(["replies", "tidal-energy"], dir).stdout).toMatch(/^shown /);
    expect(herald(["hide-reply", "https://m.example/nothing"], dir).code).toBe(1);
    expect(herald(["hide-reply"], dir).code).toBe(64);
    // Not followed yet: only `herald serve` follows relays (it answers the relay's key fetch).
    expect(herald(["status"], dir).stdout).toMatch(
      /^Relays: 0 of 1 accepted\n {2}not followed yet https:\/\/relay\.example\/inbox \(Mastodon-style\)$/m,
    );
  });
});

describe("operator CLI", () => {
  it("preview shows the post text, the attachment and warnings", () => {
    const dir = site();
    const r = herald(["preview", join(dir, "content", "tidal-energy", "index.md")], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Attachment: image\/jpeg 640×360/);
    // Read from the file: Mastodon's placeholder.
    expect(r.stdout).toMatch(/ {2}blurhash: \S{28}\n/);
    expect(r.stdout).toMatch(/https:\/\/news\.example\.org\/articles\/tidal-energy\//);
    const cw = join(dir, "content", "cw.md");
    writeFileSync(
      cw,
      "---\ntitle: Hard news\ncontent_warning: violence\ncover: https://img.example.com/x.jpg\n---\nA grim story. Told plainly.\n",
    );
    const warned = herald(["preview", cw, "--json"], dir);
    const p = JSON.parse(warned.stdout);
    expect(p.contentWarning).toBe("violence");
    expect(p.warnings.join("\n")).toMatch(/content warning/);
    expect(p.warnings.join("\n")).toMatch(/no alt text/);
    // The remote cover cannot be fetched (no such host here): the post links to the original, typed
    // by its extension, and the scans will try again.
    expect(p.attachment).toMatchObject({ url: "https://img.example.com/x.jpg", mediaType: "image/jpeg" });
    expect(p.warnings.join("\n")).toMatch(
      /could not be fetched \((dns|network): .*tries again on later scans/,
    );
    writeFileSync(cw, "---\ntitle: Hard news\ncover: https://img.example.com/picture\n---\nA grim story.\n");
    const unknown = JSON.parse(herald(["preview", cw, "--json"], dir).stdout);
    expect(unknown.attachment).toBeNull();
    expect(unknown.warnings.join("\n")).toMatch(/type is unknown/);
    expect(herald(["preview", "/etc/hostname"], dir).code).toBe(1);
  });

  it("rejects bad schedules and publishing settings at start, naming the key with an example (exit 2)", () => {
    const dir = site(
      "schedule:\n  scan: every five minutes\n  nightly: '0 3 * * *'\npublishing:\n  quietHours: { start: '25:00', end: '07:00' }\n",
    );
    const r = herald(["status"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /schedule\.scan: Invalid cron expression; example: schedule\.scan: \*\/5 \* \* \* \*/,
    );
    expect(r.stderr).toMatch(/schedule: .*nightly.*example: schedule: \{ scan:/);
    expect(r.stderr).toMatch(/publishing\.quietHours\.start: Expected HH:MM/);
  });

  it("every command has --help", () => {
    const dir = site();
    for (const command of [
      "serve",
      "build",
      "check",
      "sync",
      "status",
      "preview",
      "publish",
      "retract",
      "followers",
      "migrate-store",
      "doctor",
    ]) {
      const r = herald([command, "--help"], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: herald ${command}`);
    }
  });
});
