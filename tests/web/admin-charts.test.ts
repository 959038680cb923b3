// The dashboard's two charts: the days they cover (read from a real SQLite outbox, gaps filled), and
// the SVG drawn from known counts: bars, heights, the line, titles and the text alternative.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type HistoryDay, historyOf } from "../../src/ops/history.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteOutbox } from "../../src/store/sqlite-outbox.ts";
import type { DeliveryDay } from "../../src/store/types.ts";
import { deliveriesChart, followersChart, niceCeiling } from "../../src/web/admin/charts.ts";

const TODAY = "2026-12-30";

/** A day's row as the outbox returns it. */
const row = (day: string, r: Partial<DeliveryDay>): DeliveryDay => ({
  day,
  delivered: 0,
  failed: 0,
  followers: null,
  ...r,
});

/** Every element `<tag …>` with its attributes. */
function shapes(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

const svgOf = (html: string) => html.slice(html.indexOf("<svg"), html.indexOf("</svg>") + 6);
const titles = (svg: string) => [...svg.matchAll(/<g class="day"><title>([^<]*)<\/title>/g)].map((m) => m[1]);

describe("the charts' days", () => {
  it("reads the outbox's daily counts and snapshots, fills empty days, and carries the follower count on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-history-"));
    const store = new SqliteStore(join(dir, "herald.sqlite"));
    try {
      const at = (iso: string) => Date.parse(iso);
      const outbox = new SqliteOutbox(store.database, { now: () => at("2026-12-20T08:00:00Z") });
      const activity = { id: "https://news.example/objects/a#create", type: "Create" };
      await outbox.enqueueMany(
        ["a", "b", "c", "d"].map((name) => ({
          type: "outbox",
          activityId: activity.id,
          activityType: "https://www.w3.org/ns/activitystreams#Create",
          activity,
          inbox: `https://${name}.example/inbox`,
        })),
      );
      const claimed = await outbox.claim(10);
      // Three delivered just before midnight UTC on the 20th, one failed just after it.
      await outbox.settle(
        claimed.map((delivery, i) => ({
          delivery,
          result:
            i < 3
              ? { kind: "delivered" as const, status: 202 }
              : { kind: "failed" as const, status: 410, error: "HTTP 410" },
          atMs: i < 3 ? at(`2026-12-20T23:5${i}:00Z`) : at("2026-12-21T00:01:00Z"),
        })),
        [],
      );
      await outbox.snapshotFollowers("2026-11-20", 1);
      await outbox.snapshotFollowers("2026-12-18", 3);
      await outbox.snapshotFollowers("2026-12-21", 5);

      const days = historyOf(await outbox.days("2026-12-01"), TODAY, 30);
      expect(days).toHaveLength(30);
      expect(days[0]!.day).toBe("2026-12-01");
      expect(days.at(-1)!.day).toBe(TODAY);
      const on = (day: string) => days.find((d) => d.day === day);
      expect(on("2026-12-17")).toEqual({
        day: "2026-12-17",
        delivered: 0,
        failed: 0,
        followers: null,
        countedOn: null,
      });
      expect(on("2026-12-18")).toMatchObject({ followers: 3, countedOn: "2026-12-18" });
      expect(on("2026-12-20")).toEqual({
        day: "2026-12-20",
        delivered: 3,
        failed: 0,
        followers: 3,
        countedOn: "2026-12-18",
      });
      expect(on("2026-12-21")).toMatchObject({
        delivered: 0,
        failed: 1,
        followers: 5,
        countedOn: "2026-12-21",
      });
      expect(on(TODAY)).toMatchObject({ followers: 5, countedOn: "2026-12-21" });
      // The dashboard's live count is today's point; nothing is written for it.
      expect(historyOf(await outbox.days("2026-12-01"), TODAY, 30, 6).at(-1)).toMatchObject({
        followers: 6,
        countedOn: TODAY,
      });
      expect((await outbox.days(TODAY)).length).toBe(0);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deliveries per day", () => {
  const days = (rows: DeliveryDay[]): HistoryDay[] => historyOf(rows, TODAY, 30);

  it("draws a stacked bar per day with deliveries, scaled to a round top, each day titled", () => {
    const html = deliveriesChart(
      days([
        row("2026-12-05", { delivered: 40, failed: 10 }),
        row("2026-12-10", { delivered: 20 }),
        row("2026-12-29", { failed: 1 }),
      ]),
    );
    const svg = svgOf(html);
    // 30 days of 10 units each, bars 7 wide in the middle of their slot; 50 is the top (100 units).
    expect(shapes(svg, "rect").filter((r) => r.class === "hit")).toHaveLength(30);
    expect(shapes(svg, "rect").filter((r) => r.class === "delivered")).toEqual([
      { class: "delivered", x: "41.5", y: "20", width: "7", height: "80" },
      { class: "delivered", x: "91.5", y: "60", width: "7", height: "40" },
    ]);
    expect(shapes(svg, "rect").filter((r) => r.class === "failed")).toEqual([
      { class: "failed", x: "41.5", y: "0", width: "7", height: "20" },
      { class: "failed", x: "281.5", y: "98", width: "7", height: "2" },
    ]);
    const t = titles(svg);
    expect(t).toHaveLength(30);
    expect(t[0]).toBe("2026-12-01: 0 delivered, 0 failed");
    expect(t[4]).toBe("2026-12-05: 40 delivered, 10 failed");
    expect(t[28]).toBe("2026-12-29: 0 delivered, 1 failed");
    // The scale's labels are HTML beside the drawing, which holds shapes only.
    expect(html).toContain('<div class="y-axis" aria-hidden="true"><span>50</span><span>0</span></div>');
    expect(html).toContain(
      '<div class="x-axis" aria-hidden="true"><span>2026-12-01</span><span>2026-12-30</span></div>',
    );
    expect(svg).not.toContain("<text");
  });

  it("has a title, a description with the totals, a caption and a table of the numbers", () => {
    const html = deliveriesChart(
      days([row("2026-12-05", { delivered: 1200, failed: 10 }), row("2026-12-10", { delivered: 20 })]),
    );
    const svg = svgOf(html);
    expect(svg).toMatch(
      /^<svg viewBox="0 0 300 100" role="img" aria-labelledby="chart-deliveries-title chart-deliveries-desc"/,
    );
    expect(svg).toContain(
      '<title id="chart-deliveries-title">Deliveries per day, 30 days to 2026-12-30 (UTC)</title>',
    );
    expect(svg).toContain(
      '<desc id="chart-deliveries-desc">1,220 delivered and 10 failed from 2026-12-01 to 2026-12-30; the busiest day was 2026-12-05 with 1,210.</desc>',
    );
    expect(html).toContain(
      '<figcaption><strong>Deliveries per day</strong> <span class="key"><span class="swatch delivered"></span>1,220 delivered</span> <span class="key"><span class="swatch failed"></span>10 failed</span></figcaption>',
    );
    expect(html).toContain('<div class="y-axis" aria-hidden="true"><span>2,000</span><span>0</span></div>');
    const rows = [
      ...html.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g),
    ];
    expect(rows).toHaveLength(30);
    expect(rows[4]!.slice(1)).toEqual(["2026-12-05", "1,200", "10"]);
  });

  it("shows a single failure among thousands, and says when there was nothing", () => {
    const svg = svgOf(deliveriesChart(days([row("2026-12-30", { delivered: 9_999, failed: 1 })])));
    expect(shapes(svg, "rect").filter((r) => r.class !== "hit")).toEqual([
      { class: "delivered", x: "291.5", y: "1", width: "7", height: "99" },
      { class: "failed", x: "291.5", y: "0", width: "7", height: "1" },
    ]);
    const empty = deliveriesChart(days([]));
    expect(shapes(svgOf(empty), "rect").filter((r) => r.class !== "hit")).toEqual([]);
    expect(empty).toContain("No deliveries from 2026-12-01 to 2026-12-30.");
  });
});

describe("followers over time", () => {
  it("draws a line from the first count, carried over days without one, to today's count", () => {
    const html = followersChart(
      historyOf(
        [
          row("2026-12-03", { followers: 5 }),
          row("2026-12-04", { followers: 7 }),
          row("2026-12-10", { followers: 9 }),
        ],
        TODAY,
        30,
        12,
      ),
    );
    const svg = svgOf(html);
    // The top is 20: 5 followers is 75 units down, 12 is 40.
    const [line] = shapes(svg, "path").filter((p) => p.class === "line");
    const points = line!.d!.split(" L");
    expect(points).toHaveLength(28);
    expect(points[0]).toBe("M25 75");
    expect(points.slice(1, 8)).toEqual(["35 65", "45 65", "55 65", "65 65", "75 65", "85 65", "95 55"]);
    expect(points.at(-1)).toBe("295 40");
    expect(shapes(svg, "path").filter((p) => p.class === "area")).toHaveLength(1);
    expect(shapes(svg, "circle")).toEqual([{ class: "point", cx: "295", cy: "40", r: "2" }]);
    const t = titles(svg);
    expect(t).toHaveLength(30);
    expect(t[0]).toBe("2026-12-01: not counted");
    expect(t[2]).toBe("2026-12-03: 5 followers");
    expect(t[4]).toBe("2026-12-05: 7 followers (as counted on 2026-12-04)");
    expect(t[29]).toBe("2026-12-30: 12 followers");
    expect(svg).toContain(
      '<desc id="chart-followers-desc">12 followers on 2026-12-30, +7 since 2026-12-03 (the first count in these days).</desc>',
    );
    expect(html).toContain("<figcaption><strong>Followers</strong> 12 now, +7 since 2026-12-03</figcaption>");
    expect(html).toContain('<div class="y-axis" aria-hidden="true"><span>20</span><span>0</span></div>');
  });

  it("shows a lone count as a dot, and says when nothing was counted", () => {
    const lone = svgOf(followersChart(historyOf([], TODAY, 30, 1)));
    expect(shapes(lone, "path").filter((p) => p.class === "area")).toEqual([]);
    expect(shapes(lone, "circle")).toEqual([{ class: "point", cx: "295", cy: "0", r: "2" }]);
    const none = followersChart(historyOf([], TODAY, 30));
    expect(shapes(svgOf(none), "path")).toEqual([]);
    expect(none).toContain("No follower count from 2026-12-01 to 2026-12-30.");
  });

  it("scales to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0, 1, 2, 3, 7, 10, 11, 24, 26, 60, 1210, 12_000].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 25, 50, 100, 2000, 20_000,
    ]);
  });
});
