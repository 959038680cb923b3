// HTTP serving of the feed and an article page, 200 and 304, against nginx serving the same bytes
// from files in the same run. The load comes from wrk, a second process, on loopback.
//   node bench/http.ts ROUNDS SECONDS
// Prints one JSON line: { ms, maxRssMb, results: { "<server> <target> <status>": rps[] }, bytes }.
// wrk and nginx come from Debian's packages, installed here when missing (as root).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fromObject } from "../src/config/load.ts";
import { createLogger } from "../src/log.ts";
import { startServer } from "../src/serve.ts";
import { freePort } from "../tests/helpers/apbot.ts";
import { generateCorpus } from "./generate.ts";

const ROUNDS = Number(process.argv[2] ?? 2);
const SECONDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 32;
const NGINX = "/usr/sbin/nginx";

function ensureInstalled(binary: string, pkg: string): void {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0)
    throw new Error(`${binary} is missing: run \`apt-get install -y ${pkg}\` as root.`);
  const install = () =>
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  try {
    install();
  } catch {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
    install();
  }
}

/** wrk's requests/second. Spawned, not exec'd synchronously: this process serves Herald meanwhile. */
function wrk(url: string, seconds: number, headers: Record<string, string> = {}): Promise<number> {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  args.push(url);
  return new Promise((ok, fail) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (code !== 0 || !rps) fail(new Error(`wrk failed (${code}): ${out}`));
      else if (/Non-2xx or 3xx responses/.test(out)) fail(new Error(`wrk saw errors on ${url}: ${out}`));
      else ok(Number(rps[1]));
    });
  });
}

async function startNginx(root: string, files: Record<string, Buffer>) {
  const www = join(root, "www");
  mkdirSync(www);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(www, name), bytes);
  // Workers run as nobody when started by root: they must be able to reach and read the files.
  for (let dir = www; dir !== tmpdir() && dir !== "/"; dir = dirname(dir)) chmodSync(dir, 0o755);
  const port = await freePort();
  const temp = (name: string) => join(root, name);
  const config = `
worker_processes 1;
pid ${temp("nginx.pid")};
error_log ${temp("error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  types { application/rss+xml xml; text/html html; }
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=100;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    etag on;
    add_header Cache-Control "public, max-age=60";
  }
}`;
  writeFileSync(temp("nginx.conf"), config);
  const child = spawn(NGINX, ["-p", root, "-c", temp("nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const status = await fetch(`${url}/feed.xml`, { method: "HEAD" }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (i > 100) {
      child.kill("SIGQUIT");
      throw new Error(`nginx did not serve the files (last status ${status}); see ${temp("error.log")}.`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((ok) => {
        child.once("exit", () => ok());
        child.kill("SIGQUIT");
      }),
  };
}

/**
 * The floor of node:http itself: the same bytes from Buffers with an ETag and nothing else, in a
 * process of its own. Herald's distance to it is Herald's own overhead.
 */
async function startBareNode(www: string) {
  const port = await freePort();
  const script = `
    const { createServer } = require("node:http");
    const { readFileSync } = require("node:fs");
    const files = {};
    for (const name of ["feed.xml", "article.html"]) {
      const body = readFileSync(${JSON.stringify(www)} + "/" + name);
      files["/" + name] = { body, etag: '"' + require("node:crypto").createHash("sha1").update(body).digest("hex") + '"' };
    }
    createServer((req, res) => {
      const f = files[req.url];
      if (!f) { res.statusCode = 404; res.end(); return; }
      res.setHeader("ETag", f.etag);
      if (req.headers["if-none-match"] === f.etag) { res.statusCode = 304; res.end(); return; }
      res.setHeader("Content-Length", f.body.length);
      res.end(f.body);
    }).listen(${port}, "127.0.0.1", () => console.log("ready"));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ok, fail) => {
    child.stdout.once("data", () => ok());
    child.once("exit", (code) => fail(new Error(`bare node server exited (${code}).`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((ok) => {
        child.removeAllListeners("exit");
        child.once("exit", () => ok());
        child.kill();
      }),
  };
}

async function get(url: string, headers: Record<string, string> = {}) {
  // No Accept-Encoding, as wrk sends none: both servers send the plain bytes.
  const res = await fetch(url, { headers: { "Accept-Encoding": "identity", ...headers } });
  return {
    status: res.status,
    etag: res.headers.get("etag") ?? "",
    body: Buffer.from(await res.arrayBuffer()),
  };
}

ensureInstalled("/usr/bin/wrk", "wrk");
ensureInstalled(NGINX, "nginx");

const started = performance.now();
const root = mkdtempSync(join(tmpdir(), "herald-bench-http-"));
generateCorpus(join(root, "content"), 200, { seed: 7 });
const herald = await startServer(
  fromObject(
    {
      site: { url: "https://news.example.org/", timezone: "Asia/Shanghai", language: "zh-CN" },
      content: { dir: join(root, "content"), watch: false },
      data: { dir: join(root, "data") },
      server: { port: 0, host: "127.0.0.1" },
      feeds: { limit: 50 },
    },
    { base: root, env: {} },
  ),
  createLogger("silent"),
  { federation: false, settleMs: 0, schedules: false },
);
const nginxRoot = join(root, "nginx");
mkdirSync(nginxRoot);
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let bare: Awaited<ReturnType<typeof startBareNode>> | undefined;
try {
  const heraldUrl = herald.url.replace(/\/$/, "");
  const feedPath = "/feed.xml";
  const articleUrl = new URL((await herald.library.visible(1))[0]!.url);
  const articlePath = articleUrl.pathname;
  const feed = await get(`${heraldUrl}${feedPath}`);
  const article = await get(`${heraldUrl}${articlePath}`);
  if (feed.status !== 200 || article.status !== 200) throw new Error("Herald did not serve the pages.");
  nginx = await startNginx(nginxRoot, { "feed.xml": feed.body, "article.html": article.body });
  bare = await startBareNode(join(nginxRoot, "www"));

  const targets = [
    {
      name: "feed",
      herald: `${heraldUrl}${feedPath}`,
      nginx: `${nginx.url}/feed.xml`,
      node: `${bare.url}/feed.xml`,
      heraldEtag: feed.etag,
    },
    {
      name: "article",
      herald: `${heraldUrl}${articlePath}`,
      nginx: `${nginx.url}/article.html`,
      node: `${bare.url}/article.html`,
      heraldEtag: article.etag,
    },
  ];
  // Same bytes from both, and each answers 304 to its own validator.
  const nginxEtags: Record<string, string> = {};
  const nodeEtags: Record<string, string> = {};
  for (const t of targets) {
    const a = await get(t.herald);
    const b = await get(t.nginx);
    const c = await get(t.node);
    if (!a.body.equals(b.body) || !a.body.equals(c.body)) throw new Error(`Servers differ on ${t.name}.`);
    nginxEtags[t.name] = b.etag;
    nodeEtags[t.name] = c.etag;
    if ((await get(t.herald, { "If-None-Match": t.heraldEtag })).status !== 304)
      throw new Error("Herald: no 304.");
    if ((await get(t.nginx, { "If-None-Match": b.etag })).status !== 304) throw new Error("nginx: no 304.");
  }

  // Warm both up (JIT, page cache), then interleave so a noisy neighbour weighs on both alike.
  for (const t of targets) {
    await wrk(t.herald, 1);
    await wrk(t.nginx, 1);
    await wrk(t.node, 1);
  }
  const results: Record<string, number[]> = {};
  const record = (key: string, rps: number) => {
    results[key] = [...(results[key] ?? []), rps];
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      record(`herald ${t.name} 200`, await wrk(t.herald, SECONDS));
      record(`nginx ${t.name} 200`, await wrk(t.nginx, SECONDS));
      record(`herald ${t.name} 304`, await wrk(t.herald, SECONDS, { "If-None-Match": t.heraldEtag }));
      record(`nginx ${t.name} 304`, await wrk(t.nginx, SECONDS, { "If-None-Match": nginxEtags[t.name]! }));
      record(`node ${t.name} 200`, await wrk(t.node, SECONDS));
      record(`node ${t.name} 304`, await wrk(t.node, SECONDS, { "If-None-Match": nodeEtags[t.name]! }));
    }
  }
  console.log(
    JSON.stringify({
      ms: performance.now() - started,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      bytes: { feed: feed.body.length, article: article.body.length },
      results,
    }),
  );
} finally {
  await nginx?.stop();
  await bare?.stop();
  await herald.close();
  rmSync(root, { recursive: true, force: true });
}
