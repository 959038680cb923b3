// `herald doctor` against real deployments on loopback: Herald behind Debian's nginx configured as the
// README says, then misconfigured as deployments often are (a cache keyed by URL only, a proxy that
// rewrites Accept, a clock that is off, a site.url that is not where Herald is reached). The doctor
// runs as the operator runs it, a child process reading the server's config and store, or in-process
// where only the report matters.
import { execFile } from "node:child_process";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import type { CheckId, CheckResult, DoctorReport } from "../../src/doctor/report.ts";
import { runDoctor } from "../../src/doctor/run.ts";
import { signingKeyReader } from "../../src/store/signing-keys.ts";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";
import { freePort } from "../helpers/apbot.ts";
import {
  NGINX,
  type NginxExtra,
  type RunningProxy,
  startNginx,
  startSkewedProxy,
} from "../helpers/proxies.ts";

const root = resolve(import.meta.dirname, "../..");

interface Deployment {
  herald: HeraldUnderTest;
  proxy: RunningProxy;
  stop(): Promise<void>;
}

/** Herald behind nginx (with `extra` directives), site.url the proxy's origin, one article with a cover. */
async function deploy(extra: NginxExtra = {}): Promise<Deployment> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install nginx-light`);
  const port = await freePort();
  const proxy = await startNginx(port, extra);
  const herald = await startHerald({
    site: { url: `${proxy.origin}/`, timezone: "UTC", language: "en", title: "Herald behind nginx" },
    server: { port, host: "127.0.0.1" },
  }).catch(async (error: unknown) => {
    await proxy.stop();
    throw error;
  });
  cpSync(join(root, "content", "tidal-energy"), join(herald.content, "tidal-energy"), { recursive: true });
  await herald.server.tick();
  return {
    herald,
    proxy,
    async stop() {
      await herald.stop();
      await proxy.stop();
    },
  };
}

/** The server's config as doctor reads it, in a file beside the server's data (as `--config` names it). */
function configFile(herald: HeraldUnderTest, siteUrl: string, extra = ""): string {
  const file = join(herald.dir, "herald.yaml");
  writeFileSync(file, `site:\n  url: ${siteUrl}\ncontent:\n  dir: content\ndata:\n  dir: data\n${extra}`);
  return file;
}

/** The server's config as an object, for in-process runs. */
function configOf(herald: HeraldUnderTest, siteUrl: string, federation: Record<string, unknown> = {}) {
  return fromObject(
    { site: { url: siteUrl }, data: { dir: "data" }, federation },
    { base: herald.dir, env: {} },
  );
}

/** `herald doctor` as the operator runs it: a child process (async: the server runs in this one). */
async function doctorCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = promisify(execFile);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(root, "bin", "herald.js"), "doctor", ...args],
      {
        env: { ...process.env, HERALD_CONFIG: "", HERALD_SITE_URL: "", DATABASE_URL: "", LOG_LEVEL: "" },
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

function check(report: DoctorReport, id: CheckId): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in the report`);
  return found;
}

const statuses = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

describe("behind nginx configured as the README says", () => {
  let site: Deployment;
  let text: Awaited<ReturnType<typeof doctorCli>>;
  let json: Awaited<ReturnType<typeof doctorCli>>;

  beforeAll(async () => {
    site = await deploy();
    // No allowPrivateAddress: loopback is reached because it is site.url's own origin.
    const config = configFile(site.herald, `${site.proxy.origin}/`);
    text = await doctorCli(["--config", config]);
    json = await doctorCli(["--config", config, "--json"]);
  }, 120_000);
  afterAll(() => site?.stop());

  it("passes every check but TLS, which warns that loopback is plain http, and exits 0", () => {
    expect(text.stderr).toBe("");
    expect(text.code, text.stdout).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toBe(`herald doctor: ${site.proxy.origin}`);
    const marks = lines.slice(1, -1).map((line) => line.slice(0, 1));
    expect(marks).toEqual(["✓", "!", "✓", "✓", "✓", "✓", "✓", "✓", "✓", "✓"]);
    expect(lines[2]).toMatch(
      /^! TLS +http:\/\/localhost:\d+\/ is not https\. Fine for a test on this machine.* Fix: /,
    );
    expect(lines.at(-1)).toBe("All 10 checks passed (1 warning).");

    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report).toMatchObject({ url: site.proxy.origin, ok: true });
    expect(statuses(report)).toEqual({
      "site-url": "pass",
      tls: "warn",
      clock: "pass",
      webfinger: "pass",
      actor: "pass",
      article: "pass",
      nodeinfo: "pass",
      delivery: "pass",
      feeds: "pass",
      covers: "pass",
    });
    expect(check(report, "article").finding).toContain(`${site.proxy.origin}/articles/tidal-energy/`);
    expect(check(report, "delivery").finding).toMatch(/answered the signed test delivery with 202/);
    expect(check(report, "covers").finding).toBe(
      "The cover of the newest item answers 200 with an image type.",
    );
  });

  it("never prints the signing key, in text or JSON", async () => {
    const key = await (await signingKeyReader(configOf(site.herald, `${site.proxy.origin}/`))).read();
    expect(key).toBeDefined();
    const secrets = (["d", "p", "q", "dp", "dq", "qi"] as const).map((k) => key!.privateJwk[k]!);
    for (const secret of secrets) expect(secret.length).toBeGreaterThan(20);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      for (const secret of secrets) {
        expect(output).not.toContain(secret);
        // Nor a piece of it, as a log line might cut it.
        expect(output).not.toContain(secret.slice(0, 16));
      }
      expect(output).not.toMatch(/PRIVATE KEY|privateJwk|"d":/);
    }
  });

  it("the test delivery changes nothing: no follower, no interaction", async () => {
    await drained(site.herald.server);
    const store = site.herald.server.storage.federation;
    expect(await store.countFollowers()).toBe(0);
    expect(await store.listInteractions()).toEqual([]);
  });
});

describe("behind nginx caching by URL only (Vary ignored, as CDNs do)", () => {
  let site: Deployment;

  beforeAll(async () => {
    site = await deploy({
      http: (dir) => `proxy_cache_path ${dir}/cache keys_zone=herald:1m;`,
      location: "proxy_cache herald; proxy_ignore_headers Vary;",
    });
  });
  afterAll(() => site?.stop());

  it("fails the actor and the article, says the cache served the page, and exits 1", async () => {
    // A browser came first: the cache now holds the HTML of both URLs.
    for (const path of ["/users/news", "/articles/tidal-energy/"]) {
      const page = await fetch(`${site.proxy.origin}${path}`, { headers: { Accept: "text/html" } });
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    }
    const run = await doctorCli(["--config", configFile(site.herald, `${site.proxy.origin}/`), "--json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    for (const id of ["actor", "article"] as const) {
      const c = check(report, id);
      expect(c.status).toBe("fail");
      expect(c.finding).toMatch(
        /answered an ActivityPub request \(Accept: application\/activity\+json\) with text\/html/,
      );
      expect(c.finding).toContain("The same URL with a new query string gets JSON-LD: a cache answered.");
      expect(c.fix).toMatch(
        /^A cache in front of Herald keys its entries by URL only: add Accept to the cache key/,
      );
      expect(c.fix).toContain("proxy_cache_bypass");
    }
    expect(check(report, "webfinger").status).toBe("pass");
    expect(check(report, "feeds").status).toBe("pass");
  }, 60_000);
});

describe("behind nginx that sends every request upstream as Accept: text/html", () => {
  let site: Deployment;
  beforeAll(async () => {
    site = await deploy({ location: 'proxy_set_header Accept "text/html";' });
  });
  afterAll(() => site?.stop());

  it("fails the actor and says the proxy does not pass Accept on", async () => {
    const report = await runDoctor({
      config: configOf(site.herald, `${site.proxy.origin}/`),
      keys: await signingKeyReader(configOf(site.herald, `${site.proxy.origin}/`)),
    });
    expect(report.ok).toBe(false);
    const actor = check(report, "actor");
    expect(actor.status).toBe("fail");
    expect(actor.finding).toMatch(
      /^http:\/\/localhost:\d+\/users\/news answered an ActivityPub request .* with text\/html/,
    );
    expect(actor.finding).not.toContain("a cache answered");
    expect(actor.fix).toMatch(/^The proxy does not pass the Accept header on to Herald/);
    expect(check(report, "article").status).toBe("fail");
  });
});

describe("a server whose clock is off", () => {
  let herald: HeraldUnderTest;
  const proxies: RunningProxy[] = [];

  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await herald?.stop();
  });

  async function doctorThrough(offsetMs: number): Promise<CheckResult> {
    const port = Number(new URL(herald.origin).port);
    const proxy = await startSkewedProxy(port, offsetMs);
    proxies.push(proxy);
    // Reached through the proxy, whatever site.url says: only the clock is looked at here.
    const config = configOf(herald, `${herald.origin}/`, { allowPrivateAddress: true });
    const report = await runDoctor({ config, url: proxy.origin, keys: await signingKeyReader(config) });
    return check(report, "clock");
  }

  it("fails 10 minutes off, warns a minute off, passes when right", async () => {
    const ahead = await doctorThrough(10 * 60_000);
    expect(ahead.status).toBe("fail");
    expect(ahead.finding).toMatch(
      /^The server's clock is (9 min 59|10 min [01]) s ahead of this machine's\.$/,
    );
    expect(ahead.fix).toMatch(/NTP/);
    const behind = await doctorThrough(-75_000);
    expect(behind.status).toBe("warn");
    expect(behind.finding).toMatch(/^The server's clock is 1 min 1[456] s behind this machine's\.$/);
    expect((await doctorThrough(0)).status).toBe("pass");
  });
});

describe("a site.url that is not where Herald is reached", () => {
  let herald: HeraldUnderTest;
  let proxy: RunningProxy;

  beforeAll(async () => {
    // The operator left site.url at its default (Herald's own port) and put nginx in front.
    const port = await freePort();
    proxy = await startNginx(port);
    herald = await startHerald({
      server: { port, host: "127.0.0.1" },
      site: { url: `http://localhost:${port}/` },
    });
  });
  afterAll(async () => {
    await herald?.stop();
    await proxy?.stop();
  });

  it("fails site.url, naming both addresses, and the actor whose id points elsewhere", async () => {
    const config = configOf(herald, `${herald.origin}/`, { allowPrivateAddress: true });
    const report = await runDoctor({ config, url: proxy.origin, keys: await signingKeyReader(config) });
    expect(report.ok).toBe(false);
    const site = check(report, "site-url");
    expect(site.status).toBe("fail");
    expect(site.finding).toBe(
      `Herald builds its ids and handle from ${herald.origin}/ (its site.url), but it is reached at ${proxy.origin}/: remote servers that look it up here are sent to ${herald.origin}.`,
    );
    expect(site.fix).toContain(`set site.url (or HERALD_SITE_URL) to ${proxy.origin}/`);
    expect(check(report, "actor").finding).toContain(`says its id is "${herald.origin}/users/news"`);
    expect(check(report, "webfinger").status).toBe("fail");
  });

  it("reaches loopback only at site.url's own origin unless allowPrivateAddress is set", async () => {
    const config = configOf(herald, `${herald.origin}/`);
    const report = await runDoctor({ config, url: proxy.origin, keys: await signingKeyReader(config) });
    const site = check(report, "site-url");
    expect(site.status).toBe("fail");
    expect(site.finding).toMatch(
      /^Refused to fetch http:\/\/localhost:\d+\/: it resolves to .*, a loopback address\.$/,
    );
    expect(site.fix).toMatch(/federation\.allowPrivateAddress/);
    expect(check(report, "webfinger").finding).toMatch(/^Refused to fetch/);
  });
});
