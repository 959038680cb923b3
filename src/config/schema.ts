import { z } from "zod";
import {
  CLOCK,
  isAccountReference,
  isAddressOrRange,
  isCronExpression,
  isLanguageTag,
  isScryptHash,
  isTimezone,
  LOG_LEVELS,
  PATTERN_KINDS,
  QUOTE_POLICIES,
  USERNAME,
} from "./checks.ts";

// The one description of Herald's configuration: types, defaults and an example per key,
// so every error message can show a valid value. Loading config goes through quick.ts first, which
// accepts the common case without loading zod; this schema decides everything else and words every
// problem (tests/config/quick.test.ts holds the two to the same answers).

const timezone = z.string().refine(isTimezone, { message: "Unknown IANA time zone" });

const absoluteHttpUrl = z.url({ protocol: /^https?$/, message: "Expected an absolute http(s) URL" });

const language = z.string().refine(isLanguageTag, { message: "Expected a BCP 47 language tag" });

const patternList = z.array(z.string().min(1)).optional();

/** A cron expression (5 fields, or 6 with seconds), or `false` to disable the job. */
const cron = z.union([
  z.literal(false),
  z.string().refine((expression) => isCronExpression(expression), { message: "Invalid cron expression" }),
]);

const clock = z.string().regex(CLOCK, "Expected HH:MM (24-hour)");

export const configSchema = z.strictObject({
  site: z
    .strictObject({
      /** Unset: `http://localhost:<port>/`, following the port served (see `Config.site.urlFollowsPort`). */
      url: absoluteHttpUrl.optional(),
      title: z.string().min(1).default("Herald"),
      description: z.string().default("News as feeds and a fediverse account."),
      language: language.default("en"),
      timezone: timezone.default("UTC"),
    })
    .prefault({}),
  content: z
    .strictObject({
      dir: z.string().min(1).default("content"),
      maxBytes: z
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /** Watch the folder for changes (the fast path). */
      watch: z.boolean().default(true),
      /** A changed file is processed once it has not changed for this long (editors save in several writes). */
      settleMs: z.int().min(0).max(600_000).default(1500),
      patterns: z
        .strictObject(
          Object.fromEntries(PATTERN_KINDS.map((kind) => [kind, patternList])) as Record<
            (typeof PATTERN_KINDS)[number],
            typeof patternList
          >,
        )
        .default({}),
    })
    .prefault({}),
  data: z.strictObject({ dir: z.string().min(1).default("data") }).prefault({}),
  media: z
    .strictObject({
      /**
       * Keep a copy of remote cover images under data.dir/media and serve it from Herald's own origin,
       * so posts and pages keep their image when the original site removes it.
       */
      mirror: z.boolean().default(true),
    })
    .prefault({}),
  /**
   * Where followers, keys, the ledger and the delivery queue live. Unset: SQLite in data.dir (one
   * process). A postgres:// URL: PostgreSQL, shared by several Herald processes (DATABASE_URL wins).
   */
  database: z
    .strictObject({
      url: z.string().min(1).optional(),
      /** Connections per process. */
      poolSize: z.int().min(1).max(100).default(10),
      /** How long a delivery claimed by a worker stays hidden from others: how soon a dead worker's work returns. */
      leaseSeconds: z.int().min(5).max(3600).default(30),
      /** At start, how long to wait for PostgreSQL to accept connections before giving up. */
      waitSeconds: z.int().min(0).max(3600).default(60),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      /** Defaults to site.timezone. */
      timezone: timezone.optional(),
      /** Rescan content and publish what is due (the watcher is the fast path; this is the safety net). */
      scan: cron.default("*/5 * * * *"),
      /** Rewrite static feed files (only when feeds.outDir is set). */
      feeds: cron.default("*/15 * * * *"),
      /** Re-announce a changed profile, retry dead servers, tidy the database. */
      maintenance: cron.default("17 4 * * *"),
    })
    .prefault({}),
  publishing: z
    .strictObject({
      /** At most this many new posts per rolling hour (0 = no limit); the rest wait in order. */
      maxPerHour: z.int().min(0).default(0),
      /** At least this many minutes between two new posts (0 = none). */
      minIntervalMinutes: z.int().min(0).default(0),
      /** No pushing to the fediverse in this window (site timezone); feeds still update. */
      quietHours: z.strictObject({ start: clock, end: clock }).optional(),
      /** Feeds wait for the fediverse too: show an article only once it was posted. */
      holdFeeds: z.boolean().default(false),
    })
    .prefault({}),
  server: z
    .strictObject({
      port: z.int().min(0).max(65535).default(8080),
      host: z.string().min(1).default("0.0.0.0"),
      /**
       * Behind your own reverse proxy: the client is the last X-Forwarded-For address (the one the
       * proxy appended), for the login limit and the log. Off, every client is the socket's peer.
       */
      trustProxy: z.boolean().default(false),
    })
    .prefault({}),
  feeds: z
    .strictObject({
      limit: z.int().min(1).max(500).default(20),
      /** Also write feed.xml, atom.xml and feed.json here (for a static web server). */
      outDir: z.string().min(1).optional(),
      hub: absoluteHttpUrl.optional(),
    })
    .prefault({}),
  summary: z.strictObject({ length: z.int().min(20).max(2000).default(140) }).prefault({}),
  bot: z
    .strictObject({
      username: z
        .string()
        .regex(USERNAME, "Lowercase letters, digits and _ only, at most 30")
        .default("news"),
      name: z.string().min(1).default("Herald"),
      summary: z.string().default(""),
      /** Avatar and header: an absolute URL, or a path relative to the config file (served by Herald). */
      avatar: z.string().min(1).optional(),
      header: z.string().min(1).optional(),
      fields: z
        .array(z.strictObject({ name: z.string().min(1), value: z.string() }))
        .max(16)
        .default([]),
      discoverable: z.boolean().default(true),
      indexable: z.boolean().default(true),
      manualApproval: z.boolean().default(false),
      /**
       * Accounts this one also is (moving in): actor URLs or `@user@host`. Mastodon's "move followers"
       * from such an account to Herald needs Herald's actor to list it.
       */
      alsoKnownAs: z
        .array(z.string().refine(isAccountReference, "Expected an actor URL or @user@host"))
        .max(10)
        .default([]),
      /**
       * What the main account does once section accounts exist: post everything (`all`), boost each
       * section's post instead of posting it again (`announce`: a follower of both sees it once), or
       * nothing (`none`).
       */
      mode: z.enum(["all", "announce", "none"]).default("all"),
    })
    .prefault({}),
  /**
   * Section accounts beside the main one (accounts/select.ts): each a full actor, fed the articles
   * its selector picks. Publishing controls left out follow the global ones.
   */
  accounts: z
    .array(
      z.strictObject({
        username: z.string().regex(USERNAME, "Lowercase letters, digits and _ only, at most 30"),
        name: z.string().min(1),
        summary: z.string().default(""),
        avatar: z.string().min(1).optional(),
        header: z.string().min(1).optional(),
        /** Articles with any of these tags (any case). */
        tags: z.array(z.string().min(1)).default([]),
        /** Articles under these folders of content/: globs such as `tech/**`. */
        folders: z.array(z.string().min(1)).default([]),
        objectType: z.enum(["note", "article"]).optional(),
        visibility: z.enum(["public", "unlisted"]).optional(),
        publishing: z
          .strictObject({
            maxPerHour: z.int().min(0).optional(),
            minIntervalMinutes: z.int().min(0).optional(),
            quietHours: z.strictObject({ start: clock, end: clock }).optional(),
          })
          .optional(),
      }),
    )
    .max(100)
    .default([]),
  federation: z
    .strictObject({
      objectType: z.enum(["note", "article"]).default("note"),
      visibility: z.enum(["public", "unlisted"]).default("public"),
      /** On the very first start, articles already present go to the outbox unpushed, except the newest N. */
      pushNewestOnFirstStart: z.int().min(0).default(0),
      /** New followers receive the last N posts. */
      backfillOnFollow: z.int().min(0).max(20).default(0),
      /** Deliveries handled at once. */
      concurrency: z.int().min(1).max(256).default(32),
      /** Deliveries to one server at once (each over its own kept-alive connection). */
      perHostConcurrency: z.int().min(1).max(64).default(8),
      /**
       * A server that has failed every delivery for this many days is marked unreachable (status lists
       * it); its followers are kept, and its deliveries wait for its circuit's next probe.
       */
      unreachableAfterDays: z.int().min(1).max(365).default(7),
      /**
       * Spread one post's deliveries over this many seconds, so servers do not all fetch the article
       * page for its link card in the same second. 0 sends at once.
       */
      spreadSeconds: z.int().min(0).max(3_600).default(0),
      /** Tests only: allow fetching loopback and private addresses. Never enable in production. */
      allowPrivateAddress: z.boolean().default(false),
      /**
       * Non-public addresses Herald may reach all the same (an egress proxy, a peer on the same
       * private network): IPs or CIDR ranges, e.g. `10.0.5.7` or `fd00:1::/64`.
       */
      allowAddresses: z
        .array(
          z.string().refine(isAddressOrRange, "Expected an IP address or a CIDR range such as 10.0.5.0/24"),
        )
        .default([]),
      /** Who may quote a post without asking (FEP-044f); front matter `quotes` overrides it per article. */
      quotes: z.enum(QUOTE_POLICIES).default("everyone"),
      /**
       * Relays to follow and publish public posts to (FEP-ae0c): a Mastodon-style relay's inbox
       * (`https://relay.example/inbox`) or a LitePub relay's actor (`https://relay.example/actor`).
       */
      relays: z.array(absoluteHttpUrl).max(32).default([]),
    })
    .prefault({}),
  pages: z
    .strictObject({
      /** Article pages show likes, boosts and replies from the fediverse (replies sanitised, hideable). */
      showInteractions: z.boolean().default(false),
    })
    .prefault({}),
  admin: z
    .strictObject({
      /**
       * The dashboard password as an scrypt hash (`herald hash-password` prints one):
       * `scrypt$<N>$<r>$<p>$<salt base64url>$<key base64url>`. HERALD_ADMIN_TOKEN works instead.
       */
      passwordHash: z
        .string()
        .refine(isScryptHash, "Expected scrypt$N$r$p$salt$key, as `herald hash-password` prints it")
        .optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default("info"),
    })
    .prefault({}),
});

/** Valid values shown next to an error, keyed by dotted path. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  "site.url": "https://news.example.org/",
  "site.title": "Herald News",
  "site.language": "zh-CN",
  "site.timezone": "Asia/Shanghai",
  "content.dir": "../content",
  "content.maxBytes": "5242880",
  "data.dir": "../data",
  "media.mirror": "false",
  "database.url": "postgres://herald@db.internal:5432/herald",
  "database.poolSize": "10",
  "database.leaseSeconds": "30",
  "database.waitSeconds": "60",
  "server.port": "8080",
  "server.host": "0.0.0.0",
  "server.trustProxy": "true",
  "feeds.limit": "20",
  "feeds.hub": "https://pubsubhubbub.appspot.com/",
  "summary.length": "140",
  "bot.username": "news",
  "bot.name": "Herald News",
  "log.level": "info",
  "schedule.scan": "*/5 * * * *",
  "schedule.feeds": "*/15 * * * *",
  "schedule.maintenance": "17 4 * * *",
  "schedule.timezone": "Asia/Shanghai",
  schedule: "{ scan: '*/5 * * * *', feeds: '*/15 * * * *', maintenance: '17 4 * * *' }",
  "publishing.maxPerHour": "6",
  "publishing.minIntervalMinutes": "10",
  "publishing.quietHours": "{ start: '23:00', end: '07:00' }",
  "publishing.quietHours.start": "23:00",
  "publishing.quietHours.end": "07:00",
  "content.settleMs": "1500",
  "feeds.outDir": "../public",
  "bot.avatar": "avatar.png",
  "bot.fields": "[{ name: Website, value: https://news.example.org }]",
  "bot.mode": "announce",
  accounts: "[{ username: tech, name: Herald Tech, tags: [tech, science], folders: ['tech/**'] }]",
  "federation.objectType": "note",
  "federation.visibility": "unlisted",
  "federation.pushNewestOnFirstStart": "3",
  "federation.backfillOnFollow": "3",
  "federation.perHostConcurrency": "8",
  "federation.unreachableAfterDays": "7",
  "federation.spreadSeconds": "60",
  "federation.allowAddresses": '["10.0.5.7", "fd00:1::/64"]',
  "federation.quotes": "followers",
  "bot.alsoKnownAs": '["@news@mastodon.example", "https://mastodon.example/users/news"]',
  "federation.relays": '["https://relay.example/inbox", "https://relay.example.net/actor"]',
  "pages.showInteractions": "true",
  "admin.passwordHash": "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$… (run `herald hash-password`)",
};
