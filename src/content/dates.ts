// Front-matter dates. YAML is parsed with the core schema, so timestamps arrive as strings
// and we decide their meaning here: an explicit offset is an instant; no offset is wall-clock
// time in the site's timezone (gray-matter's default would read it as UTC: 8 hours off in Beijing).

const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:[ \t]*(Z|z|[+-]\d{1,2}(?::?\d{2})?))?)?$/;

const OFFSET = /^([+-])(\d{1,2}):?(\d{2})?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
// "11/15/2023, GMT+08:00" / "…, GMT": formatting just the offset is several times faster
// than formatToParts of every field.
const GMT_OFFSET = /GMT(?:([+-])(\d{2}):(\d{2}))?/;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Throws RangeError for an unknown zone: config validation should have caught it.
    f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    formatters.set(timeZone, f);
  }
  return f;
}

// Offsets already computed, per zone and instant. Formatting is the costly part of a date, and
// articles share instants: date-only front matter is midnight, and a cold build of 10,000 articles
// asks about a few thousand days (each date asks twice: a day before and a day after).
const offsets = new Map<string, Map<number, number>>();
const MAX_REMEMBERED = 20_000;

/** Milliseconds to add to a UTC instant to get the wall-clock time in `timeZone`. */
function offsetAt(epochMs: number, timeZone: string): number {
  let known = offsets.get(timeZone);
  if (known === undefined) {
    known = new Map();
    offsets.set(timeZone, known);
  }
  let offset = known.get(epochMs);
  if (offset === undefined) {
    offset = computeOffset(epochMs, timeZone);
    // A watcher runs for months: stay bounded whatever dates the articles hold.
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.set(epochMs, offset);
  }
  return offset;
}

function computeOffset(epochMs: number, timeZone: string): number {
  const m = GMT_OFFSET.exec(formatterFor(timeZone).format(epochMs));
  if (m === null || m[1] === undefined) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

const DAY = 86_400_000;

/**
 * Wall-clock time (given as if it were UTC) in `timeZone` → the UTC instant, with the
 * "compatible" disambiguation of Temporal and RFC 5545: a time skipped by a DST jump moves
 * forward by the gap; a time that occurs twice takes the earlier occurrence.
 */
export function zonedToUtc(wallClockAsUtcMs: number, timeZone: string): number {
  const before = offsetAt(wallClockAsUtcMs - DAY, timeZone);
  const after = offsetAt(wallClockAsUtcMs + DAY, timeZone);
  // Zones change offset at most once in two days: equal offsets mean no transition nearby.
  if (before === after) return wallClockAsUtcMs - before;
  const candidates: number[] = [];
  for (const offset of [before, after]) {
    const instant = wallClockAsUtcMs - offset;
    if (offsetAt(instant, timeZone) === offset) candidates.push(instant);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  return wallClockAsUtcMs - before; // in the gap
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `2024-05-01`, `2024-05-01 10:00`, `2024-05-01T10:00:00.5+08:00`, `… Z` → ISO instant
 * (`toISOString()`), or `undefined` when the text is not a real date.
 */
export function parseFrontMatterDate(text: string, timeZone: string): string | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Years before 1000 are typos, and Date.UTC would read 0024 as 1924.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === "" ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  let instant: number;
  if (offset === undefined) {
    instant = zonedToUtc(wall, timeZone);
  } else if (offset === "Z" || offset === "z") {
    instant = wall;
  } else {
    const om = OFFSET.exec(offset);
    if (om === null) return undefined;
    const oh = Number(om[2]);
    const omin = Number(om[3] ?? 0);
    if (oh > 14 || omin > 59) return undefined;
    instant = wall - (om[1] === "-" ? -1 : 1) * (oh * 60 + omin) * 60_000;
  }
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
