// Real `herald` processes for tests and benchmarks: spawned with the CLI (bin/herald.js) on the Node
// that runs the caller, their pino JSON lines parsed as they come, killed by pid. A `HeraldProcesses`
// group remembers every child it started, so `stopAll()` in an afterEach (or a finally) leaves none
// behind, even when the test failed half-way.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export type LogLine = Record<string, unknown>;

/** What a finished CLI run left: its exit code and its output. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `herald <args>` in `cwd` as a user would (a child process on this Node) and waits for it to
 * finish. `env` is laid over the caller's environment: "" empties a variable that would otherwise
 * reach Herald (HERALD_CONFIG, PORT, DATABASE_URL…).
 */
export function runHerald(
  args: readonly string[],
  cwd: string,
  { env = {}, timeoutMs = 90_000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): CliRun {
  const r = spawnSync(process.execPath, [join(root, "bin", "herald.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface HeraldProcess {
  /** A label for messages ("web-1", "worker-2", …). */
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed JSON lines from stdout, in order (unless `keepLogs` filters them). */
  readonly logs: LogLine[];
  /** stderr, and stdout lines that were not JSON. */
  readonly stderr: string[];
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  readonly exit: Exit | undefined;
  /** Resolves with the first log line (already seen or still to come) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends `signal` (default SIGKILL) if the process still runs, and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface SpawnOptions {
  name: string;
  /** Arguments after `herald`, e.g. ["serve", "--config", file, "--role", "worker"]. */
  args: string[];
  cwd: string;
  /** Added to the caller's environment, from which Herald's own variables were removed first. */
  env?: Record<string, string | undefined>;
  /**
   * Keep only the log lines this accepts (a benchmark's processes log a lot; tests keep all).
   * Lines are still offered to waiters before they are dropped.
   */
  keepLogs?: (line: LogLine) => boolean;
}

/** Variables that would override a test's config file, removed from every child's environment. */
const HERALD_VARIABLES = [
  "HERALD_CONFIG",
  "HERALD_ROLE",
  "HERALD_DATA_DIR",
  "HERALD_SITE_URL",
  "HERALD_ADMIN_TOKEN",
  "DATABASE_URL",
  "PORT",
  "LOG_LEVEL",
];

export function heraldEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info", HERALD_LOG_FORMAT: "json" };
  for (const name of HERALD_VARIABLES.filter((n) => n !== "LOG_LEVEL")) delete env[name];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function spawnHerald(options: SpawnOptions): HeraldProcess {
  const child = spawn(process.execPath, [join(root, "bin", "herald.js"), ...options.args], {
    cwd: options.cwd,
    env: heraldEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: herald did not start`);
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((done) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      done(exit);
    }),
  );
  let rest = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const text of lines) {
      if (text === "") continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        stderr.push(text);
        continue;
      }
      for (const w of waiters) w(line);
      if (!options.keepLogs || options.keepLogs(line)) logs.push(line);
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));

  const p: HeraldProcess = {
    name: options.name,
    child,
    pid: child.pid,
    logs,
    stderr,
    exited,
    get exit() {
      return exit;
    },
    waitForLog(predicate, timeoutMs = 20_000) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<LogLine>((resolveLine, reject) => {
        const settle = (error?: Error, line?: LogLine) => {
          waiters.delete(onLine);
          clearTimeout(timer);
          if (error) reject(error);
          else resolveLine(line!);
        };
        const onLine = (line: LogLine) => {
          if (predicate(line)) settle(undefined, line);
        };
        const timer = setTimeout(
          () => settle(new Error(`${options.name}: no matching log line within ${timeoutMs} ms${tail(p)}`)),
          timeoutMs,
        );
        waiters.add(onLine);
        void exited.then((e) =>
          settle(new Error(`${options.name} exited (${e.code ?? e.signal}) while waited for${tail(p)}`)),
        );
      });
    },
    async kill(signal = "SIGKILL") {
      if (exit) return exit;
      try {
        process.kill(p.pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      return exited;
    },
  };
  return p;
}

/** The last lines a process wrote, for error messages. */
function tail(p: HeraldProcess): string {
  const out = p.logs
    .slice(-8)
    .map((l) => JSON.stringify(l))
    .join("\n  ");
  const err = p.stderr.join("").trim().split("\n").slice(-15).join("\n  ");
  return `${out ? `\n  last log lines:\n  ${out}` : ""}${err ? `\n  stderr:\n  ${err}` : ""}`;
}

/** A log line's time in epoch milliseconds (pino's ISO `time`). */
export function logTime(line: LogLine): number {
  return Date.parse(String(line.time));
}

export const isServing = (line: LogLine): boolean => line.msg === "herald is serving";

/** Every process a test or benchmark started; `stopAll()` kills the ones still running. */
export class HeraldProcesses {
  readonly all: HeraldProcess[] = [];

  spawn(options: SpawnOptions): HeraldProcess {
    const p = spawnHerald(options);
    this.all.push(p);
    return p;
  }

  /** Spawns and resolves once the process logged a line matching `ready` (default: "herald is serving"). */
  async start(
    options: SpawnOptions & { ready?: (line: LogLine) => boolean; readyTimeoutMs?: number },
  ): Promise<HeraldProcess> {
    const p = this.spawn(options);
    await p.waitForLog(options.ready ?? isServing, options.readyTimeoutMs ?? 30_000);
    return p;
  }

  /** Kills (SIGKILL) every process still running and waits for each to exit. */
  async stopAll(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await Promise.all(this.all.map((p) => p.kill(signal)));
    this.all.length = 0;
  }
}
