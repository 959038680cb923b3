// Operator commands as an admin runs them: real child processes on a real data dir.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function herald(args: string[], cwd: string) {
  const r = spawnSync(
    process.execPath,
    [join(root, "bin", "herald.js"), ...args, "--config", "herald.yaml"],
    {
      cwd,
      encoding: "utf8",
      env: { ...process.env, HERALD_CONFIG: "", PORT: "", LOG_LEVEL: "" },
      timeout: 90_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function site(extra = "") {
  const dir = mkdtempSync(join(tmpdir(), "herald-op-"));
  cpSync(join(root, "content"), join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    `site:\n  url: https://news.example.org/\n  timezone: Asia/Shanghai\n  language: zh-CN\ncontent:\n  dir: content\ndata:\n  dir: data\n${extra}`,
  );
  return dir;
}

function count(dir: string, sql: string): number {
  const db = new DatabaseSync(join(dir, "data", "herald.sqlite"), { readOnly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("operator CLI", () => {
  it("sync --once: first start fills the outbox quietly; a dry run afterwards shows the plan and changes nothing", () => {
    const dir = site();
    const first = herald(["sync", "--once", "--json"], dir);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      dryRun: false,
      created: [],
      silent: expect.arrayContaining(["tidal-energy"]),
    });

    writeFileSync(join(dir, "content", "new.md"), "---\ntitle: New one\n---\nFresh news. Very fresh.\n");
    const activities = count(dir, "SELECT COUNT(*) AS n FROM activities");
    const articles = count(dir, "SELECT COUNT(*) AS n FROM articles");
    const dry = herald(["sync", "--once", "--dry-run"], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect(dry.stdout).toMatch(/would send Create for new to 0 inboxes/);
    expect(count(dir, "SELECT COUNT(*) AS n FROM activities")).toBe(activities);
    expect(count(dir, "SELECT COUNT(*) AS n FROM articles")).toBe(articles);

    const real = herald(["sync", "--once"], dir);
    expect(real.stdout).toMatch(/sent Create for new/);
    expect(count(dir, "SELECT COUNT(*) AS n FROM activities WHERE id LIKE '%/objects/new#create'")).toBe(1);
    expect(herald(["sync", "--once"], dir).stdout).toContain("nothing to send");
  });

  it("status shows articles by state, with scheduled times, held and rejected reasons", () => {
    const dir = site("publishing:\n  maxPerHour: 1\n");
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
  });

  it("preview shows the post text, the attachment and warnings", () => {
    const dir = site();
    const r = herald(["preview", join(dir, "content", "tidal-energy", "index.md")], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Attachment: image\/jpeg 640×360/);
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
    expect(p.warnings.join("\n")).toMatch(/type is unknown/);
    expect(herald(["preview", "/etc/hostname"], dir).code).toBe(1);
  });

  it("retract deletes and keeps the article out of feeds; unknown ids exit 1", () => {
    const dir = site();
    herald(["sync", "--once"], dir);
    const r = herald(["retract", "tidal-energy"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/retracted/);
    expect(
      count(dir, "SELECT COUNT(*) AS n FROM activities WHERE id LIKE '%/objects/tidal-energy#delete'"),
    ).toBe(1);
    herald(["build", "--out", "out"], dir);
    const status = JSON.parse(herald(["status", "--json"], dir).stdout);
    expect(status.articles.find((a: { id: string }) => a.id === "tidal-energy").state).toBe("retracted");
    expect(herald(["retract", "no-such-id"], dir).code).toBe(1);
    expect(herald(["publish", "tidal-energy"], dir).code).toBe(1);
  });

  it("lists and removes followers", () => {
    const dir = site();
    herald(["sync", "--once"], dir);
    const db = new DatabaseSync(join(dir, "data", "herald.sqlite"));
    db.prepare(
      "INSERT INTO followers (actor_id, inbox, shared_inbox, handle, follow_id, state, created_at) VALUES (?, ?, NULL, ?, NULL, 'accepted', ?)",
    ).run(
      "https://m.example/users/ann",
      "https://m.example/users/ann/inbox",
      "@ann@m.example",
      "2026-01-01T00:00:00Z",
    );
    db.close();
    expect(JSON.parse(herald(["followers", "--json"], dir).stdout)).toHaveLength(1);
    expect(herald(["followers"], dir).stdout).toMatch(/@ann@m\.example\s+accepted/);
    expect(herald(["followers", "remove", "@ann@m.example"], dir).code).toBe(0);
    expect(herald(["followers", "remove", "@ann@m.example"], dir).code).toBe(1);
    expect(herald(["followers"], dir).stdout).toMatch(/No followers yet/);
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
    ]) {
      const r = herald([command, "--help"], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: herald ${command}`);
    }
  });
});
