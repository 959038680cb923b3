/**
 * Installs the independent peers Herald's tests talk to. Each peer is a folder here, tests/peers/<name>/,
 * holding the project's own files for it: a package.json pinning the peer's version (and any override it
 * needs), the package-lock.json npm generated from it, and the scripts that start or patch it.
 *
 * A peer is installed with `npm ci` (so exactly as its lockfile says) into a cache directory outside the
 * working tree, `<cache>/<name>-<key>`, where the key hashes the peer's files, the platform and the Node
 * major version: a change to any of them installs afresh, and clones on the same commit share one copy.
 * A lock next to it keeps parallel test workers (or clones) from installing the same copy twice.
 *
 * The cache is `$HERALD_PEERS_CACHE`, else `$XDG_CACHE_HOME/herald/peers`, else `~/.cache/herald/peers`.
 * Tests install a peer on first use; `npm run peers` installs them all ahead of time.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { basename, delimiter, dirname, join, relative, resolve } from "node:path";

/** The folder holding one folder per peer. */
export const PEERS_DIR = import.meta.dirname;

/** Written last into an installed copy: its presence means the install completed. */
const MARKER = ".herald-peer.json";
/** An install lock older than this is taken over even if its owner seems alive. */
const STALE_LOCK_MS = 20 * 60_000;
/** How long to wait for another process's install. */
const WAIT_FOR_LOCK_MS = 20 * 60_000;
/** How long one `npm ci` may take (it builds native modules). */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** Names of the peers there are (folders with a package.json). */
export function peerNames(): string[] {
  return readdirSync(PEERS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(PEERS_DIR, e.name, "package.json")))
    .map((e) => e.name)
    .sort();
}

/** Where installed peers are kept (outside the working tree). */
export function peersCache(): string {
  if (process.env.HERALD_PEERS_CACHE) return resolve(process.env.HERALD_PEERS_CACHE);
  const base = process.env.XDG_CACHE_HOME || join(os.homedir() || os.tmpdir(), ".cache");
  return join(base, "herald", "peers");
}

/** The peer's own files (not node_modules), relative to its folder, sorted. */
function peerFiles(source: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === "received.jsonl") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) out.push(relative(source, path));
    }
  };
  walk(source);
  return out.sort();
}

/** Hash of everything that makes an installed copy what it is. */
export function peerKey(name: string): string {
  const source = join(PEERS_DIR, name);
  const hash = createHash("sha256");
  hash.update(`${process.platform} ${process.arch} node ${process.versions.node.split(".")[0]}\n`);
  for (const file of peerFiles(source)) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(source, file)));
    hash.update("\n");
  }
  return hash.digest("hex").slice(0, 16);
}

/** The directory the current files of peer `name` are (or will be) installed in. */
export function peerInstallDir(name: string): string {
  return join(peersCache(), `${name}-${peerKey(name)}`);
}

function isInstalled(dir: string): boolean {
  return existsSync(join(dir, MARKER));
}

/**
 * The environment for npm and the peer's own scripts: the running Node (>= 24, the one running the tests)
 * first on PATH, and none of the `npm_*` variables of an enclosing `npm test`, which would point the
 * inner npm at Herald's own project (npm_config_local_prefix).
 */
export function peerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);
  return { ...env, ...extra };
}

/** npm, as [command, ...leading args]: the npm running the tests if there is one, else the one on PATH. */
function npmCommand(): string[] {
  const execPath = process.env.npm_execpath;
  if (execPath && basename(execPath) === "npm-cli.js" && existsSync(execPath))
    return [process.execPath, execPath];
  return ["npm"];
}

/** Runs a command in `cwd`; resolves with its exit status and its combined output. */
function run(command: string[], cwd: string, timeoutMs: number): Promise<{ status: number; output: string }> {
  return new Promise((done, fail) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, { cwd, env: peerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      fail(new Error(`could not run ${command.join(" ")} in ${cwd}: ${e.message}`));
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      done({ status: status ?? (signal ? 128 : 1), output });
    });
  });
}

async function step(what: string, command: string[], cwd: string, timeoutMs: number): Promise<void> {
  const r = await run(command, cwd, timeoutMs);
  if (r.status !== 0) {
    throw new Error(
      `${what} failed (${command.join(" ")} in ${cwd}, exit ${r.status}):\n${r.output.slice(-8000)}`,
    );
  }
}

/** Installs into `dir`: copies the peer's files to a staging folder, `npm ci`, checks, then renames. */
async function install(name: string, dir: string): Promise<void> {
  const source = join(PEERS_DIR, name);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const file of peerFiles(source)) {
      mkdirSync(dirname(join(staging, file)), { recursive: true });
      cpSync(join(source, file), join(staging, file));
    }
    await step(
      `installing peer ${name}`,
      [...npmCommand(), "ci", "--no-audit", "--no-fund"],
      staging,
      INSTALL_TIMEOUT_MS,
    );
    // The peer's own check that it is complete (patched, native modules built): npm does not fail an
    // install when a dependency's build is skipped.
    await step(`checking peer ${name}`, [...npmCommand(), "run", "--if-present", "verify"], staging, 120_000);
    writeFileSync(
      join(staging, MARKER),
      `${JSON.stringify({ peer: name, key: basename(dir), node: process.version, installedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock directory `lock`, or returns false if another live process holds it. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // A lock whose owner is gone (on this host) or that is very old is taken over.
    let owner: { pid?: number; host?: string; at?: number } = {};
    try {
      owner = JSON.parse(readFileSync(join(lock, "owner.json"), "utf8"));
    } catch {
      // being written, or left half-written by a crash: judged by age only
    }
    const ownerGone = owner.host === os.hostname() && typeof owner.pid === "number" && !pidAlive(owner.pid);
    const old = typeof owner.at === "number" && Date.now() - owner.at > STALE_LOCK_MS;
    if (!ownerGone && !old) return false;
    rmSync(lock, { recursive: true, force: true });
    try {
      mkdirSync(lock);
    } catch {
      return false; // someone else took it over first
    }
  }
  writeFileSync(
    join(lock, "owner.json"),
    JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }),
  );
  return true;
}

const installing = new Map<string, Promise<string>>();

/**
 * Installs peer `name` unless its current files are installed already, and returns the installed copy's
 * directory. The first install of activitypub-bot takes a minute or two (npm builds sqlite3).
 */
export function ensurePeer(name: string): Promise<string> {
  const dir = peerInstallDir(name);
  if (isInstalled(dir)) return Promise.resolve(dir);
  let pending = installing.get(dir);
  if (!pending) {
    pending = ensureLocked(name, dir).finally(() => installing.delete(dir));
    installing.set(dir, pending);
  }
  return pending;
}

async function ensureLocked(name: string, dir: string): Promise<string> {
  if (!existsSync(join(PEERS_DIR, name, "package-lock.json"))) {
    throw new Error(`peer ${name} has no package-lock.json in ${join(PEERS_DIR, name)}`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + WAIT_FOR_LOCK_MS;
  while (!tryLock(lock)) {
    if (isInstalled(dir)) return dir;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for another install of peer ${name} (${lock})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    if (!isInstalled(dir)) {
      // Staging folders of this copy left by an install that died (we hold its lock now).
      const stale = `${basename(dir)}.partial-`;
      for (const entry of readdirSync(dirname(dir))) {
        if (entry.startsWith(stale)) rmSync(join(dirname(dir), entry), { recursive: true, force: true });
      }
      await install(name, dir);
    }
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// `npm run peers`: install every peer now.
if (import.meta.main) {
  for (const name of peerNames()) {
    const started = Date.now();
    const already = isInstalled(peerInstallDir(name));
    if (!already) console.log(`installing peer ${name} ...`);
    const dir = await ensurePeer(name);
    console.log(
      already
        ? `peer ${name}: ${dir}`
        : `peer ${name}: ${dir} (ready after ${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
}
