// A real `herald serve` with the admin dashboard switched on, its log captured, and a tiny
// HTTP client that keeps the dashboard's cookies (no fetch: it hides redirects and Set-Cookie).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type Role, type RunningServer, startServer } from "../../src/serve.ts";
import { freePort } from "../helpers/apbot.ts";

export const TOKEN = "test-admin-token-0123456789abcdef";

export interface AdminHerald {
  server: RunningServer;
  /** The folder of content/ and data/: pass it as `root` to start another process on the same files. */
  root: string;
  origin: string;
  actorUrl: string;
  content: string;
  /** Every log line written so far. */
  logs: string[];
  write(rel: string, text: string | Uint8Array): void;
  stop(): Promise<void>;
}

export async function startAdminHerald(
  options: {
    env?: Record<string, string>;
    config?: Record<string, unknown>;
    /** Articles present before the first start, by path under content/. */
    files?: Record<string, string | Uint8Array>;
    siteUrl?: string;
    /** An existing root (a restart, or a second process on the same files); a new one by default. */
    root?: string;
    role?: Role;
    /** Run the fediverse side (default true). */
    federation?: boolean;
  } = {},
): Promise<AdminHerald> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "herald-admin-"));
  const content = join(root, "content");
  mkdirSync(content, { recursive: true });
  const write = (rel: string, text: string | Uint8Array) => {
    mkdirSync(join(content, rel, ".."), { recursive: true });
    writeFileSync(join(content, rel), text);
  };
  for (const [rel, text] of Object.entries(options.files ?? {})) write(rel, text);
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const logs: string[] = [];
  const config = fromObject(
    {
      bot: { username: "news", name: "Herald News" },
      ...options.config,
      // Extra site keys (language, title) join the test's own URL.
      site: {
        url: options.siteUrl ?? `${origin}/`,
        timezone: "Asia/Shanghai",
        title: "Herald test",
        ...(options.config?.site as object),
      },
      // Extra server keys (trustProxy) join the test's own port and host.
      server: { ...(options.config?.server as object), port, host: "127.0.0.1" },
      federation: { allowPrivateAddress: true, ...(options.config?.federation as object) },
    },
    { base: root, env: options.env ?? {} },
  );
  const log = createLogger("info", { write: (line: string) => void logs.push(line) });
  const server = await startServer(config, log, {
    schedules: false,
    settleMs: 0,
    role: options.role,
    federation: options.federation,
  });
  return {
    server,
    root,
    origin,
    actorUrl: `${origin}/users/news`,
    content,
    logs,
    write,
    stop: () => server.close(),
  };
}

export const article = (title: string, body = "Body text of the article.") =>
  `---\ntitle: ${title}\n---\n\n${body}\n`;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on loopback; never follows redirects. */
export function request(
  origin: string,
  method: string,
  path: string,
  { headers = {}, form }: { headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<Reply> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const url = new URL(path, origin);
  return new Promise((ok, fail) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: {
          Host: url.host,
          ...(body !== undefined
            ? {
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": Buffer.byteLength(body),
              }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          ok({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

/** `name=value` pairs of a response's Set-Cookie headers. */
export function setCookies(reply: Reply): Map<string, { value: string; raw: string }> {
  const out = new Map<string, { value: string; raw: string }>();
  for (const raw of reply.headers["set-cookie"] ?? []) {
    const [pair] = raw.split(";");
    const eq = pair!.indexOf("=");
    out.set(pair!.slice(0, eq), { value: pair!.slice(eq + 1), raw });
  }
  return out;
}

export function hiddenCsrf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("No CSRF field in the page.");
  return m[1]!;
}

/** A browser-like session: the login nonce, then the session cookie and the CSRF token. */
export class AdminClient {
  readonly origin: string;
  cookies = new Map<string, string>();
  csrf = "";
  /** Sent with every request (e.g. X-Forwarded-For, as a proxy would add it). */
  readonly headers: Record<string, string>;

  constructor(origin: string, headers: Record<string, string> = {}) {
    this.origin = origin;
    this.headers = headers;
  }

  /** The same browser sending its cookies to another process (a load balancer's next pick). */
  at(origin: string): AdminClient {
    const other = new AdminClient(origin, this.headers);
    other.cookies = this.cookies;
    other.csrf = this.csrf;
    return other;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async send(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const reply = await request(this.origin, method, path, {
      form,
      headers: {
        ...(this.cookies.size ? { Cookie: this.cookieHeader } : {}),
        ...(method === "POST" ? { Origin: this.origin, "Sec-Fetch-Site": "same-origin" } : {}),
        ...this.headers,
        ...headers,
      },
    });
    for (const [name, { value }] of setCookies(reply)) {
      if (value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return reply;
  }

  /** Opens the login form and submits `secret`; returns the login response. */
  async login(secret: string): Promise<Reply> {
    const page = await this.send("GET", "/admin/login");
    const reply = await this.send("POST", "/admin/login", { csrf: hiddenCsrf(page.body), secret });
    if (reply.status === 303) this.csrf = hiddenCsrf((await this.send("GET", "/admin")).body);
    return reply;
  }

  /** Posts an action form with the session's CSRF token. */
  action(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return this.send("POST", path, { csrf: this.csrf, ...fields }, headers);
  }
}
