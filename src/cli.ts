#!/usr/bin/env node
// Herald's command line. Every command calls the same functions the server uses.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { openLibrary, renderFeeds, writeFeeds } from "./build.ts";
import { type Config, ConfigError, loadConfig } from "./config/load.ts";
import type { ArticleError } from "./content/model.ts";
import { createLogger } from "./log.ts";
import { SqliteStore } from "./store/sqlite.ts";

export const EXIT = { ok: 0, rejected: 1, config: 2, usage: 64 } as const;

const HELP: Record<string, string> = {
  main: `Usage: herald <command> [options]

Commands:
  serve    Serve feeds (and, later, the fediverse account and pages); rebuild when content changes
  build    Write feed.xml, atom.xml and feed.json to a folder
  check    Validate config and content; write nothing

Options for every command:
  --config FILE   Config file (default: $HERALD_CONFIG, else config/herald.yaml)
  -h, --help      Help for a command

Exit codes: 0 all good, 1 some articles rejected, 2 invalid configuration, 64 usage error.`,
  serve: `Usage: herald serve [--config FILE]

Serves /feed.xml (RSS 2.0), /atom.xml (Atom 1.0), /feed.json (JSON Feed 1.1) and /healthz
on server.port (the PORT environment variable overrides it). Watches content.dir and rebuilds
when an article changes; rescans every minute as a safety net. Stops cleanly on SIGTERM/SIGINT.`,
  build: `Usage: herald build [--config FILE] [--out DIR]

Writes DIR/feed.xml, DIR/atom.xml and DIR/feed.json (default DIR: public/).
Records article identities in data.dir so ids and dates stay stable between builds.
Exit 0 when every article built, 1 when some were rejected (feeds are still written with
the rest, and each rejection is printed), 2 on configuration errors (nothing written).`,
  check: `Usage: herald check [--config FILE]

Validates the configuration and every article without writing anything.
Same exit codes as build.`,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP.main);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === "--version" || command === "-v") {
    console.log("herald 0.1.0");
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
  if (args.help) {
    console.log(HELP[command]);
    return EXIT.ok;
  }
  let config: Config;
  try {
    config = loadConfig({ file: args.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return EXIT.config;
    }
    throw error;
  }
  switch (command) {
    case "serve":
      return serveCommand(config);
    case "build":
      return buildCommand(config, resolve(args.out ?? "public"));
    default:
      return checkCommand(config);
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      config: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

function printRejections(rejected: readonly ArticleError[]): void {
  for (const e of rejected) console.error(`rejected ${e.path}: ${e.message} [${e.type}]`);
}

function buildCommand(config: Config, out: string): number {
  const store = new SqliteStore(resolve(config.data.dir, "herald.sqlite"));
  try {
    const library = openLibrary(config, store);
    const result = library.refresh();
    printRejections(result.rejected);
    const feeds = renderFeeds(config, library);
    writeFeeds(out, feeds);
    const count = library.visible(Number.MAX_SAFE_INTEGER).length;
    console.log(
      `Wrote ${feeds.map((f) => f.name).join(", ")} to ${out} (${count} articles, ${result.rejected.length} rejected).`,
    );
    return result.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    store.close();
  }
}

function checkCommand(config: Config): number {
  // An in-memory store: checking must not record identities or write anything.
  const store = new SqliteStore(":memory:");
  try {
    const library = openLibrary(config, store);
    const result = library.refresh();
    printRejections(result.rejected);
    console.log(
      `Checked ${result.added.length + result.rejected.length} files: ${result.added.length} articles, ${result.rejected.length} rejected.`,
    );
    return result.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    store.close();
  }
}

async function serveCommand(config: Config): Promise<number> {
  const { startServer } = await import("./serve.ts");
  const log = createLogger(config.log.level);
  const server = await startServer(config, log);
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log.info({ signal }, "shutting down");
      void server.close().then(done);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  log.flush();
  return EXIT.ok;
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
