/**
 * An independent ActivityPub peer for tests: activitypub.bot (`@evanp/activitypub-bot`), which the project
 * installs itself from tests/peers/activitypub-bot (pinned, from its lockfile) into a cache directory, and
 * runs on loopback.
 *
 * The peer hosts one bot, `watcher` (actor `${origin}/user/watcher`), which appends every activity
 * delivered to it to `received.jsonl`. A control port (127.0.0.1) lets tests make it follow/unfollow an
 * actor by URL and list whom it follows.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { ensurePeer, peerEnv } from "../peers/install.ts";

/** One line of received.jsonl: either a delivered activity or an `onFollow` event. */
export interface ApbotReceived {
  /** ISO time the bot logged it. */
  at: string;
  /** Bot username, always "watcher" here. */
  bot: string;
  /** The delivered activity as activitystrea.ms `export()`s it (compact JSON-LD, AS2 context). */
  activity?: Record<string, unknown>;
  /** "onFollow" when someone followed the watcher (then `actor` is set). */
  event?: string;
  actor?: string;
}

export interface ApbotFollowing {
  following: string[];
  /** Actors the watcher asked to follow that have not accepted yet. */
  pending: string[];
}

export interface ApbotPeer {
  /** http://localhost:PORT (its URLs use "localhost"; it is bound to 127.0.0.1). */
  origin: string;
  port: number;
  controlPort: number;
  pid: number;
  /** The watcher bot's actor id: `${origin}/user/watcher`. */
  watcherUrl: string;
  /** Path of received.jsonl. */
  receivedLog: string;
  /** Makes the watcher send a Follow to `actorUrl`; resolves with the Follow activity it sent. */
  follow(actorUrl: string): Promise<Record<string, unknown>>;
  /** Makes the watcher send Undo(Follow); resolves with the Undo activity. */
  unfollow(actorUrl: string): Promise<Record<string, unknown>>;
  /** Actors the watcher follows (only accepted follows are listed). */
  following(): Promise<ApbotFollowing>;
  /** Parsed lines of received.jsonl so far. */
  received(): ApbotReceived[];
  /** Polls received.jsonl until some lines match; resolves with all matching lines. */
  waitFor(predicate: (r: ApbotReceived) => boolean, timeoutMs?: number): Promise<ApbotReceived[]>;
  /** SIGTERM by PID, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
  /** Combined stdout and stderr of the peer. */
  logs(): string;
  /**
   * Ids of the activities POSTed to the peer's inboxes and taken in (202), oldest first, from the line
   * the peer logs for each before it answers. Its shared inbox logs every such POST, a repeat too; the
   * bot's own inbox turns away an activity it already holds before logging.
   */
  arrived(): string[];
  /**
   * Resolves once `logs()` and `arrived()` hold every line the peer wrote before this call: the peer
   * logs a request made here after them, and its output is read in order.
   */
  logsCaughtUp(timeoutMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartApbotOptions {
  /** Install dir; default {@link ensureApbotInstalled}(). */
  dir?: string;
  /** pino log level of the peer. Default "info". */
  logLevel?: string;
  /** Milliseconds to wait for the ports to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** Extra environment for the peer process. */
  env?: Record<string, string>;
}

/**
 * Installs the peer (tests/peers/activitypub-bot, see tests/peers/install.ts) unless its current files are
 * installed already, and returns the installed copy's directory. The first install takes a minute or two
 * (npm builds sqlite3); parallel test workers wait for one install.
 */
export function ensureApbotInstalled(): Promise<string> {
  return ensurePeer("activitypub-bot");
}

/**
 * Time to allow a hook or test that may install the peer: a first install builds sqlite3 while the
 * rest of the suite runs beside it, and other workers wait for that one install.
 */
export const APBOT_INSTALL_TIMEOUT_MS = 600_000;

/** A free TCP port on 127.0.0.1 (the OS picks it; there is a small race until the peer binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}

function request(
  port: number,
  method: string,
  path: string,
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path, headers: { accept: "application/json" }, agent: false },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        r.on("error", rej);
      },
    );
    req.on("error", rej);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} on port ${port} timed out`)));
    req.end();
  });
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) {
    try {
      if (child.pid) process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Is a process with this PID alive? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Starts the peer on free loopback ports and waits until its HTTP and control ports answer. */
export async function startApbot(opts: StartApbotOptions = {}): Promise<ApbotPeer> {
  const dir = opts.dir ?? (await ensureApbotInstalled());
  const port = await freePort();
  let controlPort = await freePort();
  while (controlPort === port) controlPort = await freePort();
  const origin = `http://localhost:${port}`;
  const tmp = mkdtempSync(join(os.tmpdir(), "herald-apbot-"));
  const receivedLog = join(tmp, "received.jsonl");

  const child = spawn(process.execPath, ["start.js"], {
    cwd: dir,
    env: peerEnv({
      ORIGIN: origin,
      PORT: String(port),
      CONTROL_PORT: String(controlPort),
      WATCH_LOG: receivedLog,
      LOG_LEVEL: opts.logLevel ?? "info",
      ...opts.env,
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (!child.pid) throw new Error("could not spawn the apbot peer");
  const pid = child.pid;
  running.add(child);
  let output = "";
  // stdout alone as well, for its JSON lines: a chunk of stderr never lands in the middle of one.
  let stdout = "";
  const MAX_LOG = 2_000_000;
  const collect = (c: Buffer) => {
    output += c.toString("utf8");
    if (output.length > MAX_LOG) output = output.slice(-MAX_LOG);
  };
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
    if (stdout.length > MAX_LOG) stdout = stdout.slice(stdout.indexOf("\n", stdout.length - MAX_LOG) + 1);
  });
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once("exit", (code, signal) => {
      exited = true;
      running.delete(child);
      output += `\n[apbot peer exited: code ${code}, signal ${signal}]\n`;
      r();
    }),
  );

  let lastReceived: string | undefined;
  const readReceived = (): string => {
    if (lastReceived !== undefined) return lastReceived;
    return existsSync(receivedLog) ? readFileSync(receivedLog, "utf8") : "";
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already gone
        }
        const graceful = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
        if (!graceful && !exited) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
          await Promise.race([exit, sleep(5_000)]);
        }
      }
      lastReceived = existsSync(receivedLog) ? readFileSync(receivedLog, "utf8") : "";
      rmSync(tmp, { recursive: true, force: true });
    })();
    return stopping;
  };

  // wait until both ports answer
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (const p of [port, controlPort]) {
    for (;;) {
      if (exited) {
        await stop();
        throw new Error(`apbot peer exited during start-up:\n${output}`);
      }
      try {
        await request(p, "GET", p === port ? "/.well-known/nodeinfo" : "/ping", 2_000);
        break;
      } catch {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`apbot peer did not answer on port ${p} in time:\n${output}`);
        }
        await sleep(200);
      }
    }
  }

  const control = async (path: string, method: string) => {
    const r = await request(controlPort, method, path);
    if (r.status !== 200)
      throw new Error(`apbot control ${method} ${path} failed with ${r.status}: ${r.body}`);
    return JSON.parse(r.body) as unknown;
  };

  const received = (): ApbotReceived[] =>
    readReceived()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as ApbotReceived);

  const logLines = (): Record<string, unknown>[] =>
    stdout.split("\n").flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // The last line, still being written.
      }
    });
  const ARRIVED = new Set(["Activity received at shared inbox", "Activity received at bot inbox"]);

  const peer: ApbotPeer = {
    origin,
    port,
    controlPort,
    pid,
    watcherUrl: `${origin}/user/watcher`,
    receivedLog,
    follow: async (actorUrl) =>
      (await control(`/follow?actor=${encodeURIComponent(actorUrl)}`, "POST")) as Record<string, unknown>,
    unfollow: async (actorUrl) =>
      (await control(`/unfollow?actor=${encodeURIComponent(actorUrl)}`, "POST")) as Record<string, unknown>,
    following: async () => (await control("/following", "GET")) as ApbotFollowing,
    received,
    waitFor: async (predicate, timeoutMs = 15_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = received().filter(predicate);
        if (found.length > 0) return found;
        if (Date.now() > end) {
          throw new Error(
            `apbot peer received nothing matching within ${timeoutMs} ms; received.jsonl has ` +
              `${received().length} lines. Peer log tail:\n${output.slice(-4000)}`,
          );
        }
        await sleep(100);
      }
    },
    stop,
    logs: () => output,
    arrived: () =>
      logLines()
        .filter((l) => ARRIVED.has(String(l.msg)) && typeof l.activity === "string")
        .map((l) => l.activity as string),
    logsCaughtUp: async (timeoutMs = 10_000) => {
      // pino-http logs each request with its URL once answered, after whatever was logged before it.
      const marker = `herald-sync=${randomUUID()}`;
      await request(port, "GET", `/.well-known/nodeinfo?${marker}`);
      const end = Date.now() + timeoutMs;
      while (!stdout.includes(marker)) {
        if (Date.now() > end) throw new Error(`apbot peer did not log ${marker} within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    [Symbol.asyncDispose]: stop,
  };
  return peer;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
