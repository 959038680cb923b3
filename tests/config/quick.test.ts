import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseQuickly } from "../../src/config/quick.ts";
import { configSchema, EXAMPLES } from "../../src/config/schema.ts";

// The quick path may leave any configuration to the schema, but one it accepts must come out exactly
// as the schema makes it: same values, same keys, same key order.

/** "quick" when the quick path took it (and agreed with the schema), "schema" when it left it. */
function agree(raw: unknown): "quick" | "schema" {
  const quick = parseQuickly(raw);
  if (quick === undefined) return "schema";
  const schema = configSchema.safeParse(raw);
  expect(schema.success, `the schema rejects what the quick path accepted: ${JSON.stringify(raw)}`).toBe(
    true,
  );
  expect(quick).toStrictEqual(schema.data);
  expect(JSON.stringify(quick)).toBe(JSON.stringify(schema.data));
  return "quick";
}

const HASH = `scrypt$16384$8$1$${"c2FsdHNhbHRzYWx0c2FsdA"}$${"k".repeat(43)}`;

/** Values of every kind, in and out of every range the schema draws. */
const VALUES: readonly unknown[] = [
  ...[-1, 0, 1, 3, 4, 5, 16, 17, 19, 20, 21, 32, 100, 101, 140, 256, 257, 500, 501, 1500, 1999, 2000, 2001],
  ...[3600, 3601, 8080, 65535, 65536, 600_000, 600_001, 5 * 1024 * 1024, 2 ** 53, -0, 1.5, Number.NaN],
  Number.POSITIVE_INFINITY,
  ...["", "a", "x y", " padded ", "news", "Bad Name", "n".repeat(30), "n".repeat(31), "UTC", "Asia/Shanghai"],
  ...[
    "Mars/Olympus",
    "en",
    "zh-CN",
    "not a tag!!",
    "https://news.example.org",
    "https://news.example.org/a?b=1",
  ],
  ...["HTTP://EXAMPLE.ORG", " https://x.example/ ", "https://x.example/\n", "http:x.example", "https:/x"],
  ...["ftp://x.example/", "https://", "mailto:a@b.example", "*/5 * * * *", "0 */2 * * * *", "61 * * * *"],
  ...["* * *", "@daily", "0 0 30 2 *", "10.0.5.7", "10.0.5.0/24", "fd00:1::/64", "10.0.5.7/33", "999.1.1.1"],
  ...["23:00", "07:00", "24:00", "7:00", "note", "article", "public", "unlisted", "info", "debug", "silent"],
  ...["all", "announce", "none"],
  ...[
    "loud",
    "postgres://herald@db.internal/herald",
    "0.0.0.0",
    HASH,
    HASH.replace("16384", "3"),
    "true",
    "5",
  ],
  true,
  false,
  null,
  [],
  [""],
  ["x"],
  ["10.0.5.7", "fd00:1::/64"],
  ["https://relay.example/inbox", "http://relay.example.net/actor"],
  ["https://relay.example/inbox", "ftp://x.example/"],
  [1],
  [{ name: "Website", value: "https://news.example.org" }],
  [{ name: "", value: "x" }],
  [{ name: "a" }],
  [{ name: "a", value: "b", extra: 1 }],
  Array.from({ length: 17 }, () => ({ name: "a", value: "b" })),
  {},
  { start: "23:00", end: "07:00" },
  { end: "07:00", start: "23:00" },
  { start: "23:00" },
  { end: "07:00" },
  { start: "25:00", end: "07:00" },
  { source: ["原文"], via: ["nachgedruckt aus"] },
  { via: [] },
  { via: ["转自("] },
  { via: null },
  { bogus: ["x"] },
  new Date(0),
  ...["everyone", "followers", "nobody", "@news@mastodon.example", "news@mastodon.example:8443", "@a@b@c"],
  ["@news@mastodon.example", "https://mastodon.example/users/news"],
  ["https://mastodon.example/users/news", "news"],
];

/** Every section of the schema and the keys of its object (`accounts`, a list, has its own test). */
function sections(): [string, string[]][] {
  return Object.entries(configSchema.shape)
    .filter(([name]) => name !== "accounts")
    .map(([name, schema]) => [
      name,
      Object.keys((schema.unwrap() as unknown as { shape: Record<string, unknown> }).shape),
    ]);
}

/** The keys of one account of `accounts`. */
function accountKeys(): string[] {
  const list = configSchema.shape.accounts.unwrap() as unknown as { element: { shape: object } };
  return Object.keys(list.element.shape);
}

describe("config quick path", () => {
  it("takes an empty configuration and the example config file, as the schema makes them", () => {
    expect(agree({})).toBe("quick");
    const example = YAML.parse(readFileSync(join(import.meta.dirname, "../../config/herald.yaml"), "utf8"));
    expect(agree(example)).toBe("quick");
  });

  it("agrees with the schema on every key, for values of every kind", () => {
    let quick = 0;
    for (const [section, keys] of sections()) {
      for (const key of keys) {
        let taken = 0;
        for (const value of VALUES) if (agree({ [section]: { [key]: value } }) === "quick") taken++;
        // Each key is known to the quick path: some value of it is taken.
        expect(taken, `${section}.${key}`).toBeGreaterThan(0);
        quick += taken;
      }
      for (const value of VALUES) agree({ [section]: value });
    }
    for (const value of VALUES) agree(value);
    for (const key of accountKeys()) {
      let taken = 0;
      for (const value of VALUES)
        if (agree({ accounts: [{ username: "tech", name: "Tech", [key]: value }] }) === "quick") taken++;
      expect(taken, `accounts.${key}`).toBeGreaterThan(0);
      for (const value of VALUES)
        agree({ accounts: [{ username: "tech", name: "Tech", publishing: { [key]: value } }] });
    }
    for (const value of VALUES) agree({ accounts: value });
    for (const value of VALUES) agree({ accounts: [value] });
    for (const kind of ["via", "wire"])
      for (const value of VALUES) agree({ content: { patterns: { [kind]: value } } });
    expect(quick).toBeGreaterThan(200);
  });

  it("takes every example the error messages show, as the schema makes it", () => {
    for (const [path, example] of Object.entries(EXAMPLES)) {
      const [section, key] = path.split(".") as [string, string | undefined];
      // Examples are YAML as a user types it, except cron expressions, shown unquoted.
      let value: unknown = example;
      try {
        value = YAML.parse(example);
      } catch {}
      const raw = key === undefined ? { [section]: value } : { [section]: { [key]: value } };
      if (configSchema.safeParse(raw).success) expect(agree(raw), path).toBe("quick");
    }
  });

  it("takes a configuration that sets every key", () => {
    const raw = {
      site: {
        url: "https://news.example.org/",
        title: "T",
        description: "D",
        language: "zh-CN",
        timezone: "Asia/Shanghai",
      },
      content: {
        dir: "c",
        maxBytes: 1000,
        watch: false,
        settleMs: 0,
        patterns: { wire: ["Nikkei"], via: ["x"] },
      },
      data: { dir: "d" },
      media: { mirror: false },
      database: { url: "postgres://h/d", poolSize: 2, leaseSeconds: 5, waitSeconds: 0 },
      schedule: { timezone: "UTC", scan: "*/2 * * * *", feeds: false, maintenance: "0 3 * * *" },
      publishing: {
        maxPerHour: 6,
        minIntervalMinutes: 10,
        quietHours: { start: "23:00", end: "07:00" },
        holdFeeds: true,
      },
      server: { port: 0, host: "127.0.0.1", trustProxy: true },
      feeds: { limit: 500, outDir: "out", hub: "https://hub.example/" },
      summary: { length: 20 },
      bot: {
        username: "bot_1",
        name: "N",
        summary: "",
        avatar: "a.png",
        header: "https://x.example/h.png",
        fields: [{ name: "Website", value: "https://news.example.org" }],
        discoverable: false,
        indexable: false,
        manualApproval: true,
        mode: "announce",
      },
      accounts: [
        {
          username: "tech",
          name: "Tech",
          summary: "S",
          avatar: "t.png",
          header: "https://x.example/t.png",
          tags: ["tech", "science"],
          folders: ["tech/**"],
          objectType: "article",
          visibility: "unlisted",
          publishing: { maxPerHour: 2, minIntervalMinutes: 5, quietHours: { start: "22:00", end: "06:00" } },
        },
        { username: "city", name: "City" },
      ],
      federation: {
        objectType: "article",
        visibility: "unlisted",
        pushNewestOnFirstStart: 3,
        backfillOnFollow: 20,
        concurrency: 256,
        allowPrivateAddress: true,
        allowAddresses: ["10.0.5.7", "fd00:1::/64"],
        relays: ["https://relay.example/inbox", "https://relay.example.net/actor"],
      },
      pages: { showInteractions: true },
      admin: { passwordHash: HASH },
      log: { level: "debug" },
    };
    expect(agree(raw)).toBe("quick");
  });
});
