// The app's scan job over time, with a controllable clock: publish_at, the drip feed, quiet
// hours, retraction. Real files in a temp dir, a real SQLite store; no network needed.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Herald, openHerald } from "../src/app.ts";
import { fromObject } from "../src/config/load.ts";
import { createLogger } from "../src/log.ts";

const open: Herald[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

async function setup(config: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(tmpdir(), "herald-app-"));
  mkdirSync(join(root, "content"));
  let now = new Date("2026-03-02T04:00:00Z"); // 12:00 in Shanghai
  const clock = {
    now: () => now,
    set: (iso: string) => {
      now = new Date(iso);
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
  const cfg = fromObject(
    { site: { url: "https://news.example.org/", timezone: "Asia/Shanghai" }, ...config },
    { base: root, env: {} },
  );
  const herald = await openHerald(cfg, createLogger("silent"), { deliver: false, now: clock.now });
  open.push(herald);
  const write = (name: string, front: string, body = "A sentence of news. Another one follows.") =>
    writeFileSync(join(root, "content", name), `---\n${front}\n---\n\n${body}\n`);
  const creates = async () =>
    (await herald.storage.federation.listCreates({ offset: 0, limit: 1000 }))
      .filter((a) => a.state !== "silent")
      .map((a) => a.articleId)
      .sort();
  return { herald, clock, write, creates };
}

describe("scan job", () => {
  it("keeps an article with publish_at out of feeds and the fediverse until then", async () => {
    const t = await setup();
    t.write("first.md", "title: First");
    await t.herald.scan(); // first start: existing articles go to the outbox silently
    t.write("later.md", "title: Later\npublish_at: 2026-03-02T06:00:00Z");
    const before = await t.herald.scan();
    expect(before.federation?.created).toBe(0);
    expect((await t.herald.library.visible(10)).map((a) => a.id)).toEqual(["first"]);
    t.clock.set("2026-03-02T06:00:01Z");
    const after = await t.herald.scan();
    expect(after.federation?.created).toBe(1);
    expect(await t.creates()).toEqual(["later"]);
    expect((await t.herald.library.visible(10)).map((a) => a.id)).toContain("later");
  });

  it("drips a bulk drop out at maxPerHour, in date order, without duplicates", async () => {
    const t = await setup({ publishing: { maxPerHour: 2 } });
    t.write("seed.md", "title: Seed");
    await t.herald.scan();
    for (let i = 1; i <= 5; i++) t.write(`bulk-${i}.md`, `title: Bulk ${i}\ndate: 2026-03-01T0${i}:00:00Z`);
    const first = await t.herald.scan();
    expect(first.federation?.created).toBe(2);
    expect(first.federation?.held.map((h) => [h.articleId, h.reason])).toEqual([
      ["bulk-3", "drip"],
      ["bulk-4", "drip"],
      ["bulk-5", "drip"],
    ]);
    // Feeds show them all at once (publishing.holdFeeds is off).
    expect(await t.herald.library.visible(10)).toHaveLength(6);
    t.clock.advance(30 * 60_000);
    expect((await t.herald.scan()).federation?.created).toBe(0);
    t.clock.advance(31 * 60_000);
    expect((await t.herald.scan()).federation?.created).toBe(2);
    t.clock.advance(61 * 60_000);
    expect((await t.herald.scan()).federation?.created).toBe(1);
    expect((await t.herald.scan()).federation?.created).toBe(0);
    expect(await t.creates()).toEqual(["bulk-1", "bulk-2", "bulk-3", "bulk-4", "bulk-5"]);
  });

  it("pushes nothing during quiet hours, then everything that waited", async () => {
    const t = await setup({ publishing: { quietHours: { start: "23:00", end: "07:00" } } });
    t.write("seed.md", "title: Seed");
    await t.herald.scan();
    t.clock.set("2026-03-02T16:00:00Z"); // 00:00 in Shanghai
    t.write("night.md", "title: Night news");
    const night = await t.herald.scan();
    expect(night.federation?.held).toEqual([
      // Held for the main account, the only one here.
      { articleId: "night", kind: "create", reason: "quiet-hours", account: "news" },
    ]);
    expect((await t.herald.library.visible(10)).map((a) => a.id)).toContain("night");
    t.clock.set("2026-03-02T23:01:00Z"); // 07:01
    expect((await t.herald.scan()).federation?.created).toBe(1);
  });

  it("holds feeds too when publishing.holdFeeds is on", async () => {
    const t = await setup({ publishing: { maxPerHour: 1, holdFeeds: true } });
    t.write("seed.md", "title: Seed");
    await t.herald.scan();
    t.write("a.md", "title: A\ndate: 2026-03-01T01:00:00Z");
    t.write("b.md", "title: B\ndate: 2026-03-01T02:00:00Z");
    await t.herald.scan();
    expect((await t.herald.library.visible(10)).map((a) => a.id).sort()).toEqual(["a", "seed"]);
  });

  it("dry runs change nothing, and a forced article skips the drip feed once", async () => {
    const t = await setup({ publishing: { maxPerHour: 1 } });
    t.write("seed.md", "title: Seed");
    await t.herald.scan();
    t.write("a.md", "title: A\ndate: 2026-03-01T01:00:00Z");
    t.write("b.md", "title: B\ndate: 2026-03-01T02:00:00Z");
    const dry = await t.herald.scan({ dryRun: true });
    expect(dry.federation?.plan.map((a) => a.articleId)).toEqual(["a", "b"]);
    expect(await t.creates()).toEqual([]);
    const forced = await t.herald.scan({ force: new Set(["b"]) });
    expect(forced.federation?.created).toBe(2);
    expect(await t.creates()).toEqual(["a", "b"]);
  });

  it("retraction deletes everywhere and keeps the file out of feeds", async () => {
    const t = await setup();
    t.write("seed.md", "title: Seed");
    await t.herald.scan();
    t.write("oops.md", "title: Oops");
    await t.herald.scan();
    await t.herald.storage.federation.retract("oops", t.clock.now().toISOString());
    const r = await t.herald.scan();
    expect(r.federation?.deleted).toBe(1);
    expect(r.feedsChanged).toBe(true);
    expect((await t.herald.library.visible(10)).map((a) => a.id)).toEqual(["seed"]);
    // A string: `?.` on a missing object gives undefined, which `not.toBeNull()` would let pass.
    expect((await t.herald.storage.federation.getObject("oops"))?.deletedAt).toEqual(expect.any(String));
    expect((await t.herald.scan()).federation?.deleted).toBe(0);
  });
});
