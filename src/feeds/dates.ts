// Feed dates come only from articles, never from the clock: that is what makes the bytes stable.

/** Parses an ISO 8601 instant from the article model; an invalid one is a bug upstream. */
export function parseInstant(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`Invalid date in ${what}: ${JSON.stringify(value)}.`);
  return date;
}

/** RFC 822 (RFC 1123 form) as RSS 2.0 wants: `Wed, 01 May 2024 02:00:00 GMT`. */
export function toRfc822(date: Date): string {
  return date.toUTCString();
}

/** RFC 3339 in UTC for Atom and JSON Feed, without a `.000` fraction when there is none. */
export function toRfc3339(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}
