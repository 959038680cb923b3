import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { type AttributionPatternsConfig, checkPatterns } from "../content/patterns.ts";
import { LOG_LEVELS } from "./checks.ts";
import { type ParsedConfig as Parsed, parseQuickly } from "./quick.ts";
import { parseSimpleYaml, UNSURE } from "./simple-yaml.ts";

/** Validated, read-only configuration with absolute paths. The only thing that reads env and config files. */
export interface Config {
  readonly file: string | undefined;
  readonly site: Readonly<Parsed["site"]> & {
    readonly url: string;
    /**
     * site.url (and HERALD_SITE_URL) left unset: the URL is `http://localhost:<port>/` and follows the
     * port actually served, so a first run on `PORT=3000` prints and mints URLs on 3000.
     */
    readonly urlFollowsPort: boolean;
  };
  readonly content: {
    readonly dir: string;
    readonly maxBytes: number;
    readonly watch: boolean;
    readonly settleMs: number;
    readonly patterns: AttributionPatternsConfig;
  };
  readonly data: { readonly dir: string };
  readonly media: Readonly<Parsed["media"]>;
  /** `url` undefined: SQLite in data.dir. */
  readonly database: {
    readonly url: string | undefined;
    readonly poolSize: number;
    readonly leaseSeconds: number;
    readonly waitSeconds: number;
  };
  readonly schedule: Readonly<Parsed["schedule"]> & { readonly timezone: string };
  readonly publishing: Readonly<Parsed["publishing"]>;
  readonly server: Readonly<Parsed["server"]>;
  readonly feeds: Readonly<Parsed["feeds"]>;
  readonly summary: Readonly<Parsed["summary"]>;
  readonly bot: Readonly<Parsed["bot"]>;
  /** Section accounts (accounts/specs.ts resolves their defaults from the global settings). */
  readonly accounts: readonly Readonly<Parsed["accounts"][number]>[];
  readonly federation: Readonly<Parsed["federation"]>;
  readonly pages: Readonly<Parsed["pages"]>;
  /** Folder of the config file (or cwd): where relative avatar/header paths point. */
  readonly base: string;
  readonly log: Readonly<Parsed["log"]>;
  /** The admin dashboard's secrets; the dashboard is off when neither is set. */
  readonly admin: {
    /** HERALD_ADMIN_TOKEN. */
    readonly token: string | undefined;
    readonly passwordHash: string | undefined;
  };
}

/** Thrown with every problem at once; the CLI prints them and exits 2. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(file: string | undefined, problems: readonly string[]) {
    super(
      `Invalid configuration${file ? ` in ${file}` : ""}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const LEVELS: readonly string[] = LOG_LEVELS;

/** A shorter admin token could be guessed, rate limit or not. */
const MIN_TOKEN_LENGTH = 16;

const DEFAULT_CONFIG_FILE = "config/herald.yaml";

export interface LoadOptions {
  /** `--config FILE`; falls back to HERALD_CONFIG, then config/herald.yaml under cwd if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.HERALD_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  let raw: unknown = {};
  let usedFile: string | undefined;
  if (existsSync(file)) {
    usedFile = file;
    raw = readYaml(readFileSync(file, "utf8"), file) ?? {};
  } else if (explicit) {
    throw new ConfigError(file, [`config file not found: ${file}.`]);
  }
  return fromObject(raw, { file: usedFile, env, base: usedFile ? dirname(usedFile) : cwd });
}

export function fromObject(
  raw: unknown,
  { file, env: rawEnv = {}, base }: { file?: string; env?: NodeJS.ProcessEnv; base: string },
): Config {
  // An empty variable (`PORT=`) means unset, as shells and compose files often leave them.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ""));
  const c = parseQuickly(raw) ?? parseWithSchema(raw, file);
  try {
    checkPatterns(c.content.patterns);
  } catch (error) {
    throw new ConfigError(file, [`${(error as Error).message.replace(/\.?$/, ".")}`]);
  }
  const accountProblems = checkAccounts(c);
  if (accountProblems.length > 0) throw new ConfigError(file, accountProblems);
  const port = env.PORT !== undefined ? Number(env.PORT) : c.server.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(file, [
      `PORT: expected an integer 0-65535, got "${env.PORT}"; example: PORT=8080.`,
    ]);
  }
  const explicitUrl = env.HERALD_SITE_URL ?? c.site.url;
  const siteUrl = explicitUrl ?? localSiteUrl(port);
  if (!URL.canParse(siteUrl) || !/^https?:$/.test(new URL(siteUrl).protocol)) {
    throw new ConfigError(file, [
      `HERALD_SITE_URL: expected an absolute http(s) URL, got "${siteUrl}"; example: HERALD_SITE_URL=https://news.example.org/.`,
    ]);
  }
  const level = env.LOG_LEVEL ?? c.log.level;
  if (!LEVELS.includes(level)) {
    throw new ConfigError(file, [
      `LOG_LEVEL: expected one of ${LEVELS.join(", ")}, got "${level}"; example: LOG_LEVEL=debug.`,
    ]);
  }
  const token = env.HERALD_ADMIN_TOKEN;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    // Never echo the value: it is a secret, and the message may end up in a log.
    throw new ConfigError(file, [
      `HERALD_ADMIN_TOKEN: expected at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}; example: HERALD_ADMIN_TOKEN="$(openssl rand -base64 32)".`,
    ]);
  }
  const databaseUrl = env.DATABASE_URL ?? c.database.url;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    // The URL may hold a password: name the problem, never the value.
    throw new ConfigError(file, [
      `${env.DATABASE_URL !== undefined ? "DATABASE_URL" : "database.url"}: expected a postgres:// or postgresql:// URL; example: DATABASE_URL=postgres://herald@db.internal:5432/herald (leave it unset for SQLite in data.dir).`,
    ]);
  }
  const config: Config = {
    file,
    site: { ...c.site, url: new URL(siteUrl).href, urlFollowsPort: explicitUrl === undefined },
    content: { ...c.content, dir: resolve(base, c.content.dir) },
    data: { dir: resolve(base, env.HERALD_DATA_DIR ?? c.data.dir) },
    media: c.media,
    database: { ...c.database, url: databaseUrl },
    server: { ...c.server, port },
    feeds: { ...c.feeds, outDir: c.feeds.outDir ? resolve(base, c.feeds.outDir) : undefined },
    schedule: { ...c.schedule, timezone: c.schedule.timezone ?? c.site.timezone },
    publishing: c.publishing,
    summary: c.summary,
    bot: c.bot,
    accounts: c.accounts,
    federation: c.federation,
    pages: c.pages,
    base,
    log: { level: level as Config["log"]["level"] },
    admin: { token, passwordHash: c.admin.passwordHash },
  };
  return deepFreeze(config);
}

/**
 * The config file's YAML. Most are nested keys with one-line values, read without the `yaml`
 * package (simple-yaml.ts); `yaml` reads the rest and reports every error.
 */
function readYaml(text: string, file: string): unknown {
  const simple = parseSimpleYaml(text);
  if (simple !== UNSURE) return simple;
  const YAML = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML: ${e.message.split("\n")[0]}`),
    );
  }
  return doc.toJS();
}

/**
 * What the quick path was not sure of: the schema decides, and names every problem. zod loads only
 * here, synchronously (`require` of an ES module), as loading config is synchronous.
 */
function parseWithSchema(raw: unknown, file: string | undefined): Parsed {
  const { configSchema, EXAMPLES } = createRequire(import.meta.url)(
    "./schema.ts",
  ) as typeof import("./schema.ts");
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(root)";
      const unknown = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
      const example = EXAMPLES[key] ? `; example: ${key}: ${EXAMPLES[key]}` : "";
      return `${key}: ${issue.message}${unknown}${example}.`;
    });
    throw new ConfigError(file, problems);
  }
  return result.data;
}

/**
 * What the schema cannot say of one account alone: usernames are unique and none is the main
 * account's (an actor has one identifier), and a folder glob stays under content/.
 */
function checkAccounts(c: Parsed): string[] {
  const problems: string[] = [];
  const seen = new Set([c.bot.username]);
  c.accounts.forEach((account, i) => {
    if (seen.has(account.username))
      problems.push(
        `accounts.${i}.username: "${account.username}" is already ${account.username === c.bot.username ? "bot.username" : "another account's"}; each account needs its own username; example: accounts.${i}.username: tech.`,
      );
    seen.add(account.username);
    account.folders.forEach((folder, j) => {
      if (folder.startsWith("/") || folder.split("/").includes(".."))
        problems.push(
          `accounts.${i}.folders.${j}: "${folder}" leaves content/; folders are globs under it; example: accounts.${i}.folders: ["tech/**"].`,
        );
    });
  });
  return problems;
}

/** The site URL of a first run: this machine, on the port served. */
function localSiteUrl(port: number): string {
  return new URL(`http://localhost:${port}/`).href;
}

/**
 * The configuration as served on `port`: when site.url was left unset, every URL and id follows the
 * port actually listened on (server.port 0 picks one only when listening).
 */
export function servedOn(config: Config, port: number): Config {
  if (!config.site.urlFollowsPort || config.site.url === localSiteUrl(port)) return config;
  return deepFreeze({ ...config, site: { ...config.site, url: localSiteUrl(port) } });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
