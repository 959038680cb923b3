// A PostgreSQL of a test's own: its data dir in a temp dir, its own loopback port, started and stopped
// by the test (initdb, pg_ctl), so the test can take it away under a running Herald and bring it back.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/DATABASE */
  url(database?: string): string;
  start(): void;
  /** Fast shutdown: open connections are closed, as when a database server goes down. */
  stop(): void;
  createDatabase(name: string): void;
  /** Runs SQL in `database` as the superuser and returns psql's unaligned output. */
  query(sql: string, database?: string): string;
  /** Stops the server (if running) and removes its files. */
  destroy(): void;
}

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/N/bin), if any. */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : undefined;
}

export function createThrowawayPostgres(port: number, bin = postgresBin()): ThrowawayPostgres {
  if (!bin) throw new Error("No PostgreSQL binaries under /usr/lib/postgresql.");
  const dir = mkdtempSync(join(tmpdir(), "herald-pg-"));
  const data = join(dir, "data");
  // PostgreSQL refuses to run as root: as root (a container), its tools run as the postgres user,
  // which then owns the temp dir.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        })
      : execFileSync(join(bin, tool), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  let running = false;
  const pg: ThrowawayPostgres = {
    port,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      run("pg_ctl", [
        "-D",
        data,
        "-l",
        join(dir, "log"),
        "-w",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "start",
      ]);
      running = true;
    },
    stop() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      running = false;
    },
    createDatabase(name) {
      pg.query(`CREATE DATABASE ${name}`);
    },
    query(sql, database = "postgres") {
      return run("psql", [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        "-d",
        database,
        "-At",
        "-c",
        sql,
      ]);
    },
    destroy() {
      if (running) pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pg;
}

function postgresUser(): { uid: number; gid: number } {
  const [uid, gid] = ["-u", "-g"].map((flag) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" })),
  );
  return { uid: uid!, gid: gid! };
}
