import { describe, expect, it } from "vitest";
import { parseFrontMatterDate, zonedToUtc } from "../../src/content/dates.ts";
import { makeContext, markdown, parseOk } from "./factories.ts";

describe("front-matter dates", () => {
  it("reads a date without offset as wall-clock time in the site timezone (Asia/Shanghai)", () => {
    expect(parseFrontMatterDate("2024-05-01 10:00", "Asia/Shanghai")).toBe("2024-05-01T02:00:00.000Z");
    expect(parseFrontMatterDate("2024-05-01T10:00:00", "Asia/Shanghai")).toBe("2024-05-01T02:00:00.000Z");
    expect(parseFrontMatterDate("2024-05-01 10:00:30.250", "Asia/Shanghai")).toBe("2024-05-01T02:00:30.250Z");
  });

  it("reads a date-only value as local midnight", () => {
    expect(parseFrontMatterDate("2024-05-01", "Asia/Shanghai")).toBe("2024-04-30T16:00:00.000Z");
    expect(parseFrontMatterDate("2024-5-1", "UTC")).toBe("2024-05-01T00:00:00.000Z");
  });

  it("honours an explicit offset or Z whatever the site timezone", () => {
    expect(parseFrontMatterDate("2024-05-01T10:00:00+02:00", "Asia/Shanghai")).toBe(
      "2024-05-01T08:00:00.000Z",
    );
    expect(parseFrontMatterDate("2024-05-01T10:00:00Z", "Asia/Shanghai")).toBe("2024-05-01T10:00:00.000Z");
    expect(parseFrontMatterDate("2024-05-01 10:00:00 -0530", "UTC")).toBe("2024-05-01T15:30:00.000Z");
    expect(parseFrontMatterDate("2001-12-14 21:59:43.10 -5", "UTC")).toBe("2001-12-15T02:59:43.100Z");
  });

  it("follows daylight saving time in America/New_York", () => {
    expect(parseFrontMatterDate("2024-01-15 12:00", "America/New_York")).toBe("2024-01-15T17:00:00.000Z");
    expect(parseFrontMatterDate("2024-07-15 12:00", "America/New_York")).toBe("2024-07-15T16:00:00.000Z");
  });

  it("moves a time skipped by spring-forward past the gap, and takes the earlier of a repeated time", () => {
    // 2024-03-10 02:30 does not exist in New York; 03:30 EDT does.
    expect(parseFrontMatterDate("2024-03-10 02:30", "America/New_York")).toBe("2024-03-10T07:30:00.000Z");
    // 2024-11-03 01:30 happens twice; the first is EDT (UTC-4).
    expect(parseFrontMatterDate("2024-11-03 01:30", "America/New_York")).toBe("2024-11-03T05:30:00.000Z");
    expect(new Date(zonedToUtc(Date.UTC(2024, 10, 3, 1, 30), "America/New_York")).toISOString()).toBe(
      "2024-11-03T05:30:00.000Z",
    );
  });

  it.each([
    "2024-13-01",
    "2024-02-30",
    "2023-02-29",
    "2024-05-01 25:00",
    "2024-05-01 10:61",
    "yesterday",
    "0024-01-01",
    "2024-05-01T10:00+15:00",
  ])("rejects %s", (text) => {
    expect(parseFrontMatterDate(text, "UTC")).toBeUndefined();
  });

  it("puts date, updated and publish_at on the parsed article", () => {
    const a = parseOk(
      markdown(
        { title: "T", date: "2024-05-01 10:00", updated: "2024-05-02T00:00:00Z", publish_at: "2024-05-03" },
        "Body.",
      ),
      makeContext({ timezone: "Asia/Shanghai" }),
    );
    expect(a.date).toBe("2024-05-01T02:00:00.000Z");
    expect(a.updatedAt).toBe("2024-05-02T00:00:00.000Z");
    expect(a.publishAt).toBe("2024-05-02T16:00:00.000Z");
  });

  it("warns when updated is earlier than date", () => {
    const a = parseOk(markdown({ title: "T", date: "2024-05-02", updated: "2024-05-01" }, "Body."));
    expect(a.warnings.join(" ")).toMatch(/updated/);
  });
});
