// Real reverse proxies in front of Herald, as deployed: Debian's nginx with a plain `proxy_pass` (it
// forwards `Host: 127.0.0.1:PORT`, the upstream) and Caddy's `reverse_proxy` (it keeps the client's
// Host). Each runs as a child process on a loopback port with its own config and prefix in a temp
// dir, and is stopped by its PID. The configs are the ones the README shows.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./apbot.ts";

export interface RunningProxy {
  /** The public origin, e.g. http://localhost:PORT */
  origin: string;
  port: number;
  stop(): Promise<void>;
}

export const NGINX = "/usr/sbin/nginx";
export const CADDY = "/usr/bin/caddy";

/** Directives added to the README's example: a misconfiguration under test. */
export interface NginxExtra {
  /** In the `http` block (a `proxy_cache_path` under the proxy's own `dir`, say). */
  http?: (dir: string) => string;
  /** In `location /`, after `proxy_pass`. */
  location?: string;
}

/** The README's nginx example, on loopback and without TLS. */
export function nginxConfig(dir: string, port: number, upstream: number, extra: NginxExtra = {}): string {
  return `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${extra.http?.(dir) ?? ""}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      ${extra.location ?? ""}
    }
  }
}
`;
}

/** The README's Caddy example, on loopback and without TLS. */
export function caddyConfig(port: number, upstream: number): string {
  return `{
  admin off
  auto_https off
}
http://localhost:${port} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:${upstream}
}
`;
}

export async function startNginx(upstream: number, extra: NginxExtra = {}): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), "herald-nginx-"));
  // Run as root, nginx's workers run as nobody: they write buffered and cached answers in here.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, port, upstream, extra));
  const child = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return running(child, port, dir, () => readLog(join(dir, "error.log")));
}

export async function startCaddy(upstream: number): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), "herald-caddy-"));
  const port = await freePort();
  writeFileSync(join(dir, "Caddyfile"), caddyConfig(port, upstream));
  for (const sub of ["data", "config"]) mkdirSync(join(dir, sub));
  const child = spawn(CADDY, ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
    },
  });
  return running(child, port, dir, () => "");
}

/**
 * A reverse proxy on a host whose clock is wrong: it forwards everything to Herald unchanged and
 * answers with a `Date` that is `offsetMs` off, as a proxy on a machine without NTP does.
 */
export async function startSkewedProxy(upstream: number, offsetMs: number): Promise<RunningProxy> {
  const server = createServer((req, res) => {
    const forward = request(
      { host: "127.0.0.1", port: upstream, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = { ...answer.headers, date: new Date(Date.now() + offsetMs).toUTCString() };
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  return {
    origin: `http://localhost:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

async function running(
  child: ChildProcess,
  port: number,
  dir: string,
  log: () => string,
): Promise<RunningProxy> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`proxy did not start on ${port}: ${stderr}${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { origin: `http://localhost:${port}`, port, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
