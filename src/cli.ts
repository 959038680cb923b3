#!/usr/bin/env node
// Herald's command line. Every command calls the same functions the server uses. This file holds only
// the help and the dispatch: each command imports what it needs when it runs (`--help` loads nothing;
// Fedify, the Markdown stack and the PostgreSQL client load only for the commands that use them).
import { parseArgs } from "node:util";
import { EXIT } from "./commands/exit.ts";
import type { Config } from "./config/load.ts";
import { ROLES, type Role } from "./roles.ts";
import { VERSION } from "./version.ts";

const COMMON = `Options for every command:
  --config FILE   Config file (default: $HERALD_CONFIG, else config/herald.yaml)
  -h, --help      This help`;

const HELP: Record<string, string> = {
  main: `Usage: herald <command> [options]

Commands:
  serve [--role ROLE]       Serve feeds, the fediverse account and pages; watch content; run schedules
  build [--out DIR]         Write feed.xml, atom.xml and feed.json to a folder
  check                     Validate config and content; write nothing
  sync --once [--dry-run]   Run one scan: pick up content changes and publish what is due
  status [--json]           Articles by state, followers, queue, schedules, recent problems
  deliveries ID [--json]    What became of an article's posts, server by server
  preview FILE              Show how an article will look as a Mastodon post, with warnings
  publish ID [--now]        Publish one article now (--now: skip drip feed and quiet hours once)
  retract ID                Delete an article from the fediverse and keep it out of the feeds
  followers [--json]        List followers
  followers remove ACTOR    Remove a follower (actor URL or @user@host)
  accounts [--json]         List the fediverse accounts (main and sections) with follower counts
  block TARGET              Block a domain (and its subdomains), @user@host or an actor URL
  block --import FILE       Block the domains of a Mastodon-format blocklist (CSV) or a plain list
  unblock TARGET            Lift a block
  blocks [--json]           List blocks
  move --to ACCOUNT         Move followers to a new account (@user@host or actor URL); --undo reverses
  replies ARTICLE [--json]  List an article's replies from the fediverse, shown or hidden on its page
  hide-reply ID             Hide a reply from the article page (unhide-reply ID shows it again)
  hash-password             Print an admin.passwordHash for the dashboard (password on stdin)
  migrate-store [--to URL]  Copy the SQLite store (keys, followers, history) into PostgreSQL
  doctor [--url URL]        Check the deployment from outside, as a remote server would, with fixes

${COMMON}

Exit codes: 0 all good, 1 something was rejected or not found, 2 invalid configuration, 64 usage error.
Every command works while \`herald serve\` runs on the same data directory.`,
  serve: `Usage: herald serve [--role all|web|worker|scheduler] [--config FILE]

Serves /feed.xml (RSS 2.0), /atom.xml (Atom 1.0), /feed.json (JSON Feed 1.1), the fediverse account
(WebFinger, actor, inbox, outbox) and /healthz on server.port (PORT overrides it). Watches content.dir
(a change is picked up once the file has been still for content.settleMs) and runs the schedules
(schedule.scan, schedule.feeds, schedule.maintenance). Reads the config file again when it is saved
or on SIGHUP (server.port/host, site.url, bot.username, database.url, data.dir and log.level need a
restart). Stops cleanly on SIGTERM/SIGINT; queued deliveries stay queued and go out after the next start.

--role (or HERALD_ROLE) splits this over several processes sharing one PostgreSQL (DATABASE_URL):
  all        everything (default; the only role on SQLite)
  web        HTTP only: pages, feeds, the actor and its inbox; deliveries are queued for workers
  worker     delivers queued activities (and handles queued inbox activities); /healthz only
  scheduler  reads content and publishes; one at a time acts, others stand by; /healthz only

${COMMON}`,
  build: `Usage: herald build [--config FILE] [--out DIR]

Writes DIR/feed.xml, DIR/atom.xml and DIR/feed.json (default DIR: public/).
Records article identities in data.dir so ids and dates stay stable between builds.
Exit 0 when every article built, 1 when some were rejected (feeds are still written with
the rest, and each rejection is printed), 2 on configuration errors (nothing written).

${COMMON}`,
  check: `Usage: herald check [--config FILE]

Validates the configuration and every article without writing anything.
Same exit codes as build.

${COMMON}`,
  sync: `Usage: herald sync --once [--dry-run] [--no-deliver] [--config FILE]

Runs exactly what the scan schedule runs: rescan content, then send Create, Update and Delete
for what changed, honouring publish_at, the drip feed and quiet hours. Then delivers the queue
(up to a minute) unless --no-deliver; a running \`herald serve\` delivers it too.
--dry-run prints the plan (which activity for which article, to how many inboxes) and changes
nothing. For system cron or a container scheduler instead of Herald's own schedules.

${COMMON}`,
  deliveries: `Usage: herald deliveries ID [--json] [--config FILE]

For each activity sent for the article (Create, Update, Delete): delivered to N of M inboxes, and
the servers that failed or still wait, with the last HTTP status or error. Servers with many
followers are counted together. Reads a snapshot of the store; changes nothing.

${COMMON}`,
  status: `Usage: herald status [--json] [--config FILE]

Shows articles by state (published, feeds only, scheduled with time, held by drip feed or quiet
hours, draft, retracted, rejected with the reason), followers, the delivery queue, the last scan,
the next run of each schedule and recent problems. Changes nothing.

${COMMON}`,
  preview: `Usage: herald preview FILE [--config FILE]

Shows the post an article becomes: the text Mastodon shows, the attachment and its alt text,
and warnings for what Mastodon would do badly (a content warning, a missing or unsupported
image, no alt text, a post too long, a cover the crawler cannot reach). Changes nothing.

${COMMON}`,
  publish: `Usage: herald publish ID [--now] [--config FILE]

Publishes the article with this id if it is due. With --now it skips the drip feed and quiet
hours this once. Exit 1 if the article does not exist, is a draft, is not due, or is held.

${COMMON}`,
  retract: `Usage: herald retract ID [--config FILE]

Sends Delete for the article to every follower, answers 410 for its object, and keeps it out of
the feeds even though its file stays. Exit 1 if there is no such article.

${COMMON}`,
  accounts: `Usage: herald accounts [--json] [--config FILE]

Lists the site's fediverse accounts: the main one (bot) and each section account (accounts: in the
config), with handle, followers, live posts and what the section picks (tags, folders). An account
taken out of the config is listed as removed: its actor still answers, it posts nothing new.
Reads a snapshot of the store; changes nothing.

${COMMON}`,
  followers: `Usage: herald followers [--account NAME] [--json] [--config FILE]
       herald followers remove ACTOR [--account NAME] [--config FILE]

Lists followers (handle, actor, state, since), or removes one by actor URL or @user@host.
--account lists (or removes from) a section account's followers instead of the main account's.

${COMMON}`,
  block: `Usage: herald block TARGET [--note TEXT] [--config FILE]
       herald block --import FILE [--config FILE]

Blocks a domain (example.social: its subdomains too), an account (@user@example.social) or an actor
URL. A blocked server or actor gets no deliveries, its Follows are answered with a Reject and nothing
is stored, and what it sends the inbox is dropped unread (202), its key never fetched. Its followers
are removed at once, each sent a Reject of its Follow.
--import FILE reads a domain blocklist as Mastodon exports it (#domain,#severity,…,#public_comment,…)
or one domain per line. Only severity "suspend" blocks; "silence" and "noop" lines are skipped and
reported: Herald has no timeline to limit a server on. --note TEXT is kept with the block.
Works while \`herald serve\` runs: every process applies a block within seconds.

${COMMON}`,
  unblock: `Usage: herald unblock TARGET [--config FILE]

Lifts a block (a domain, @user@host or an actor URL, as \`herald blocks\` lists them). Removed
followers are not restored: they may follow again.

${COMMON}`,
  blocks: `Usage: herald blocks [--json] [--config FILE]

Lists the blocks: kind (domain or actor), target, since when, and the note. Changes nothing.

${COMMON}`,
  move: `Usage: herald move --to ACCOUNT [--config FILE]
       herald move --undo [--config FILE]

Moves the account's followers to ACCOUNT (@user@host or its actor URL). ACCOUNT must list this
account in its alsoKnownAs first (Mastodon: Preferences › Account › Moving from a different
account). Herald fetches it, checks that, sends Move to every follower (once, even across a
restart) and shows movedTo on its actor; from then on it posts no new articles, but keeps serving
feeds, pages and its actor, and answers the fediverse. --undo clears movedTo and posting resumes
(followers that already moved stay with the new account). Exit 1 when the check fails.

${COMMON}`,
  replies: `Usage: herald replies ARTICLE [--json] [--config FILE]

Lists the replies the fediverse sent to an article, oldest first: whether each is shown on the
article page (pages.showInteractions) or hidden, its id, when, who, and the start of its text.
Changes nothing.

${COMMON}`,
  "hide-reply": `Usage: herald hide-reply ID [--config FILE]

Hides a reply (its id, as \`herald replies\` lists it) from the article page. It stays hidden across
restarts, on every web process within seconds. \`herald unhide-reply ID\` shows it again.

${COMMON}`,
  "unhide-reply": `Usage: herald unhide-reply ID [--config FILE]

Shows a reply hidden with \`herald hide-reply\` on the article page again.

${COMMON}`,
  "migrate-store": `Usage: herald migrate-store [--to URL] [--config FILE]

Copies this instance's store from SQLite (data.dir/herald.sqlite) to PostgreSQL: signing keys,
followers, the activity ledger, interactions, retractions, article records and the deliveries still
waiting in the queue. The target is --to URL, else database.url (DATABASE_URL). It must be empty:
a target that already holds keys, followers, activities or articles is refused, and nothing is
written. Afterwards both sides are compared (row counts, keys, followers).
Stop Herald first (serve, workers), so that nothing changes while it copies. herald.sqlite is left
as it was: keep it as a backup. Fedify's cache of remote documents is not copied; it refills itself.

${COMMON}`,
  doctor: `Usage: herald doctor [--url URL] [--json] [--config FILE]

Checks the deployment from outside, as a remote server sees it, and says how to fix each failure:
site.url against where Herald is reached (redirects, host, scheme), the TLS certificate, the
server's clock, WebFinger, the actor and the newest article as JSON-LD and as HTML (with Vary:
Accept, so caches cannot mix them up), NodeInfo, a signed test delivery to the account's own inbox
(a View that Herald ignores, signed with the stored key), the feeds, and recent cover images.
--url is the public origin to check (default: site.url); --json prints the report for machines.
Exit 0 when every check passes (warnings allowed), 1 when one fails.

${COMMON}`,
  "hash-password": `Usage: herald hash-password < FILE

Reads a password (at least 12 characters) from standard input and prints its scrypt hash for
admin.passwordHash in the config file; the admin dashboard at /admin then accepts that password.
Without a terminal echo: read -rs PW && printf %s "$PW" | herald hash-password
HERALD_ADMIN_TOKEN (at least 16 characters) works instead of a password.

${COMMON}`,
};

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    const { reportEnvironmentError } = await import("./commands/environment-error.ts");
    return await reportEnvironmentError(argv[0] ?? "", error);
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP.main);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === "--version" || command === "-v") {
    console.log(`herald ${VERSION}`);
    return EXIT.ok;
  }
  if (!(command in HELP) || command === "main") {
    console.error(`herald: unknown command "${command}".\n\n${HELP.main}`);
    return EXIT.usage;
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(rest);
  } catch (error) {
    console.error(`herald ${command}: ${(error as Error).message}\n\n${HELP[command]}`);
    return EXIT.usage;
  }
  const { values: flags, positionals } = args;
  if (flags.help) {
    console.log(HELP[command]);
    return EXIT.ok;
  }
  const usage = (message: string): number => {
    console.error(`herald ${command}: ${message}\n\n${HELP[command]}`);
    return EXIT.usage;
  };
  const arity: Record<string, number> = {
    publish: 1,
    retract: 1,
    preview: 1,
    deliveries: 1,
    followers: -1,
    block: flags.import === undefined ? 1 : 0,
    unblock: 1,
    replies: 1,
    "hide-reply": 1,
    "unhide-reply": 1,
  };
  const expected = arity[command] ?? 0;
  if (expected >= 0 && positionals.length !== expected) {
    return usage(
      expected === 0 ? `unexpected argument "${positionals[0]}".` : "expects exactly one argument.",
    );
  }
  if (command === "sync" && !flags.once)
    return usage("pass --once (for continuous syncing, run `herald serve`).");
  if (command === "hash-password") {
    const { hashPasswordCommand } = await import("./commands/hash-password.ts");
    return hashPasswordCommand();
  }
  const { ConfigError, loadConfig } = await import("./config/load.ts");
  let config: Config;
  try {
    config = loadConfig({ file: flags.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return EXIT.config;
    }
    throw error;
  }
  const print = (value: unknown, text: string): void =>
    console.log(flags.json ? JSON.stringify(value, null, 2) : text);
  const act = (result: { ok: boolean; message: string }): number => {
    (result.ok ? console.log : console.error)(result.message);
    return result.ok ? EXIT.ok : EXIT.rejected;
  };
  switch (command) {
    case "migrate-store": {
      const { migrateStoreCommand } = await import("./commands/migrate-store.ts");
      return act(await migrateStoreCommand(config, flags.to, (line) => console.error(line)));
    }
    case "doctor": {
      if (flags.url !== undefined && !/^https?:$/.test(URL.parse(flags.url)?.protocol ?? ""))
        return usage(`--url must be an http(s) URL such as https://news.example.org, not "${flags.url}".`);
      const { doctorCommand } = await import("./commands/doctor.ts");
      return doctorCommand(config, { url: flags.url, json: flags.json });
    }
    case "serve": {
      const role = flags.role ?? process.env.HERALD_ROLE ?? "all";
      if (!(ROLES as readonly string[]).includes(role))
        return usage(`--role must be one of ${ROLES.join(", ")}, not "${role}".`);
      if (role !== "all" && !config.database.url) {
        console.error(
          `herald serve: --role ${role} needs PostgreSQL: set DATABASE_URL (or database.url). On SQLite one process does everything; leave --role at all.`,
        );
        return EXIT.config;
      }
      const { serveCommand } = await import("./commands/serve.ts");
      return serveCommand(config, role as Role);
    }
    case "build": {
      const { buildCommand } = await import("./commands/build.ts");
      return buildCommand(config, flags.out ?? "public");
    }
    case "check": {
      const { checkCommand } = await import("./commands/build.ts");
      return checkCommand(config);
    }
    case "sync": {
      const { syncOnce, formatSync } = await import("./commands/operate.ts");
      const r = await syncOnce(config, { dryRun: flags["dry-run"], deliver: !flags["no-deliver"] });
      print(r, formatSync(r));
      return r.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
    }
    case "accounts": {
      const { listAccounts, formatAccounts } = await import("./commands/accounts.ts");
      const accounts = await listAccounts(config);
      print(accounts, formatAccounts(accounts, config.bot.mode));
      return EXIT.ok;
    }
    case "status": {
      const { collectStatus, formatStatus } = await import("./commands/status.ts");
      const s = await collectStatus(config);
      print(s, formatStatus(s, config.site.timezone));
      return EXIT.ok;
    }
    case "deliveries": {
      if (positionals.length !== 1) return usage("deliveries takes one article id.");
      const { deliveriesOf, formatDeliveries } = await import("./commands/status.ts");
      const d = await deliveriesOf(config, positionals[0]!);
      print(d, formatDeliveries(d).trimEnd());
      return d.activities.length > 0 ? EXIT.ok : EXIT.rejected;
    }
    case "preview": {
      const { previewFile, formatPreview } = await import("./commands/preview.ts");
      const p = await previewFile(config, positionals[0]!);
      if ("error" in p) {
        console.error(p.error);
        return EXIT.rejected;
      }
      print(p, formatPreview(p));
      return EXIT.ok;
    }
    case "block": {
      const { blockCommand } = await import("./commands/blocks.ts");
      return act(
        await blockCommand(config, { target: positionals[0], importFile: flags.import, note: flags.note }),
      );
    }
    case "move": {
      if (Boolean(flags.undo) === (flags.to !== undefined))
        return usage("pass either --to ACCOUNT or --undo.");
      const { moveCommand } = await import("./commands/move.ts");
      return act(await moveCommand(config, { to: flags.to, undo: flags.undo }));
    }
    case "unblock": {
      const { unblockCommand } = await import("./commands/blocks.ts");
      return act(await unblockCommand(config, positionals[0]!));
    }
    case "blocks": {
      const { formatBlocks, listBlocks } = await import("./commands/blocks.ts");
      const blocks = await listBlocks(config);
      print(blocks, formatBlocks(blocks));
      return EXIT.ok;
    }
    case "replies": {
      const { formatReplies, listReplies } = await import("./commands/replies.ts");
      const replies = await listReplies(config, positionals[0]!);
      print(replies, formatReplies(replies));
      return EXIT.ok;
    }
    case "hide-reply":
    case "unhide-reply": {
      const { moderateReplyCommand } = await import("./commands/replies.ts");
      return act(await moderateReplyCommand(config, positionals[0]!, command === "hide-reply"));
    }
    case "publish": {
      const { publishArticle } = await import("./commands/operate.ts");
      return act(await publishArticle(config, positionals[0]!, flags.now ?? false));
    }
    case "retract": {
      const { retractArticle } = await import("./commands/operate.ts");
      return act(await retractArticle(config, positionals[0]!));
    }
    default: {
      const { listFollowers, removeFollower } = await import("./commands/operate.ts");
      if (positionals[0] === "remove" && positionals.length === 2)
        return act(await removeFollower(config, positionals[1]!, flags.account));
      if (positionals.length > 0) return usage(`unexpected argument "${positionals[0]}".`);
      const followers = await listFollowers(config, flags.account);
      const text = followers
        .map(
          (f) =>
            `${(f.handle ?? f.actorId).padEnd(40)} ${f.state.padEnd(8)} since ${f.createdAt.slice(0, 10)}  ${f.actorId}`,
        )
        .join("\n");
      print(followers, text || "No followers yet.");
      return EXIT.ok;
    }
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      config: { type: "string" },
      out: { type: "string" },
      once: { type: "boolean" },
      "dry-run": { type: "boolean" },
      "no-deliver": { type: "boolean" },
      json: { type: "boolean" },
      now: { type: "boolean" },
      role: { type: "string" },
      to: { type: "string" },
      url: { type: "string" },
      import: { type: "string" },
      note: { type: "string" },
      undo: { type: "boolean" },
      account: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 70;
    },
  );
}
