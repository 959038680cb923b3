// The dashboard's two small charts, drawn on the server as inline SVG: deliveries per day (delivered
// and failed, stacked) and followers over time. No script and no external asset; the stylesheet
// colours them, so they follow dark mode. The SVG holds shapes only: its labels are HTML around it,
// so text never scales with the drawing or overlaps on a phone. A screen reader gets the chart's
// title and a description with the totals (the caption shows them too), and everyone can open the
// numbers as a table.
import type { HistoryDay } from "../../ops/history.ts";
import { attr, esc } from "./layout.ts";

/** The drawing's own units; the SVG keeps this ratio and fills its column. */
const WIDTH = 300;
const HEIGHT = 100;
/** The share of a day's slot its bar takes. */
const BAR = 0.7;

const count = new Intl.NumberFormat("en-US");

export function deliveriesChart(days: readonly HistoryDay[]): string {
  const delivered = days.reduce((n, d) => n + d.delivered, 0);
  const failed = days.reduce((n, d) => n + d.failed, 0);
  const busiest = days.reduce<HistoryDay | undefined>(
    (b, d) => (d.delivered + d.failed > (b ? b.delivered + b.failed : 0) ? d : b),
    undefined,
  );
  const top = niceCeiling(busiest ? busiest.delivered + busiest.failed : 0);
  const slot = WIDTH / days.length;
  const width = round(slot * BAR);
  const bars = days.map((d, i) => {
    const x = round(i * slot + (slot - width) / 2);
    // A day with any failure shows it, however many went through: at least one unit high.
    const failedHeight = d.failed ? Math.max(1, scaled(d.failed, top)) : 0;
    const deliveredHeight = Math.min(scaled(d.delivered, top), HEIGHT - failedHeight);
    const shapes = [
      hitArea(i, slot),
      deliveredHeight
        ? `<rect class="delivered" x="${x}" y="${round(HEIGHT - deliveredHeight)}" width="${width}" height="${deliveredHeight}"/>`
        : "",
      failedHeight
        ? `<rect class="failed" x="${x}" y="${round(HEIGHT - deliveredHeight - failedHeight)}" width="${width}" height="${failedHeight}"/>`
        : "",
    ];
    return `<g class="day"><title>${esc(`${d.day}: ${count.format(d.delivered)} delivered, ${count.format(d.failed)} failed`)}</title>${shapes.join("")}</g>`;
  });
  const range = rangeText(days);
  const summary =
    delivered + failed === 0
      ? `No deliveries ${range}.`
      : `${count.format(delivered)} delivered and ${count.format(failed)} failed ${range}; the busiest day was ${busiest!.day} with ${count.format(busiest!.delivered + busiest!.failed)}.`;
  return figure({
    id: "chart-deliveries",
    title: "Deliveries per day",
    legend: `<span class="key"><span class="swatch delivered"></span>${count.format(delivered)} delivered</span> <span class="key"><span class="swatch failed"></span>${count.format(failed)} failed</span>`,
    summary,
    top,
    shapes: bars.join(""),
    days,
    table: {
      head: ["Day (UTC)", "Delivered", "Failed"],
      rows: days.map((d) => [d.day, count.format(d.delivered), count.format(d.failed)]),
    },
  });
}

export function followersChart(days: readonly HistoryDay[]): string {
  const known = days.filter((d) => d.followers !== null);
  const top = niceCeiling(Math.max(0, ...known.map((d) => d.followers!)));
  const slot = WIDTH / days.length;
  const points = days.map((d, i) => ({
    day: d,
    x: round(i * slot + slot / 2),
    y: d.followers === null ? null : round(HEIGHT - scaled(d.followers, top)),
  }));
  // The line breaks where nothing is known; an area under it, a dot where a run is one day long.
  const runs: (typeof points)[] = [];
  for (const [i, p] of points.entries()) {
    if (p.y === null) continue;
    if (i > 0 && points[i - 1]!.y !== null) runs.at(-1)!.push(p);
    else runs.push([p]);
  }
  const line = runs.map((run) => run.map((p, i) => `${i ? "L" : "M"}${p.x} ${p.y}`).join(" "));
  const area = runs
    .filter((run) => run.length > 1)
    .map((run) => `${line[runs.indexOf(run)]} L${run.at(-1)!.x} ${HEIGHT} L${run[0]!.x} ${HEIGHT} Z`);
  const dotted = new Set(runs.filter((run) => run.length === 1).map(([p]) => p!));
  if (runs.length) dotted.add(runs.at(-1)!.at(-1)!);
  const dots = [...dotted].map((p) => `<circle class="point" cx="${p.x}" cy="${p.y}" r="2"/>`);
  const titles = days.map(
    (d, i) => `<g class="day"><title>${esc(`${d.day}: ${followerText(d)}`)}</title>${hitArea(i, slot)}</g>`,
  );
  const shapes = [
    titles.join(""),
    area.length ? `<path class="area" d="${area.join(" ")}"/>` : "",
    line.length ? `<path class="line" d="${line.join(" ")}"/>` : "",
    dots.join(""),
  ].join("");
  const first = known[0];
  const last = known.at(-1);
  const change = first && last ? last.followers! - first.followers! : 0;
  const summary =
    first && last
      ? `${count.format(last.followers!)} followers on ${last.day}, ${change === 0 ? "no change" : signed(change)} since ${first.day}${first.day !== days[0]!.day ? " (the first count in these days)" : ""}.`
      : `No follower count ${rangeText(days)}.`;
  return figure({
    id: "chart-followers",
    title: "Followers",
    legend:
      first && last
        ? `${count.format(last.followers!)} now${change ? `, ${signed(change)} since ${esc(first.day)}` : ""}`
        : "",
    summary,
    top,
    shapes,
    days,
    table: {
      head: ["Day (UTC)", "Followers"],
      rows: days.map((d) => [d.day, followerText(d)]),
    },
  });
}

interface Figure {
  id: string;
  title: string;
  /** HTML, escaped. */
  legend: string;
  summary: string;
  top: number;
  /** The SVG's shapes. */
  shapes: string;
  days: readonly HistoryDay[];
  table: { head: string[]; rows: string[][] };
}

function figure(f: Figure): string {
  const first = f.days[0]!.day;
  const last = f.days.at(-1)!.day;
  const title = `${f.title}, ${f.days.length} days to ${last} (UTC)`;
  return `<figure class="chart" id="${attr(f.id)}">
<figcaption><strong>${esc(f.title)}</strong> ${f.legend}</figcaption>
<div class="plot">
<div class="y-axis" aria-hidden="true"><span>${count.format(f.top)}</span><span>0</span></div>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${attr(f.id)}-title ${attr(f.id)}-desc" focusable="false">
<title id="${attr(f.id)}-title">${esc(title)}</title>
<desc id="${attr(f.id)}-desc">${esc(f.summary)}</desc>
<line class="grid" x1="0" y1="0.5" x2="${WIDTH}" y2="0.5"/><line class="grid" x1="0" y1="${HEIGHT / 2}" x2="${WIDTH}" y2="${HEIGHT / 2}"/><line class="axis" x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}"/>
${f.shapes}
</svg>
<div class="x-axis" aria-hidden="true"><span>${esc(first)}</span><span>${esc(last)}</span></div>
</div>
<details><summary>Numbers per day</summary>
<table class="numbers">
<thead><tr>${f.table.head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead>
<tbody>
${f.table.rows.map(([day, ...cells]) => `<tr><th scope="row">${esc(day!)}</th>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("\n")}
</tbody>
</table>
</details>
</figure>`;
}

/** A day's whole column: hovering it shows the day's title, and highlights it. */
function hitArea(i: number, slot: number): string {
  return `<rect class="hit" x="${round(i * slot)}" y="0" width="${round(slot)}" height="${HEIGHT}"/>`;
}

function followerText(d: HistoryDay): string {
  if (d.followers === null) return "not counted";
  const n = `${count.format(d.followers)} ${d.followers === 1 ? "follower" : "followers"}`;
  return d.countedOn === d.day ? n : `${n} (as counted on ${d.countedOn})`;
}

function signed(n: number): string {
  return `${n > 0 ? "+" : "−"}${count.format(Math.abs(n))}`;
}

function rangeText(days: readonly HistoryDay[]): string {
  return `from ${days[0]!.day} to ${days.at(-1)!.day}`;
}

/** The scale's top: the smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `max` (1 when there is nothing). */
export function niceCeiling(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= max)!;
  return step * power;
}

function scaled(value: number, top: number): number {
  return round((value / top) * HEIGHT);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
