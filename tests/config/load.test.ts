import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, servedOn } from "../../src/config/load.ts";

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-config-"));
  const file = join(dir, "herald.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("loadConfig", () => {
  it("fills defaults and resolves paths against the config file's folder", () => {
    const file = configFile("site:\n  url: https://news.example.org\ncontent:\n  dir: ../articles\n");
    const config = loadConfig({ file, env: {} });
    expect(config.site.url).toBe("https://news.example.org/");
    expect(config.content.dir).toBe(join(file, "..", "..", "articles"));
    expect(config.data.dir).toBe(join(file, "..", "data"));
    expect(config.feeds.limit).toBe(20);
    expect(config.bot.username).toBe("news");
    expect(Object.isFrozen(config.site)).toBe(true);
  });

  it("reads section accounts and refuses a username taken twice or a folder outside content/", () => {
    const good = loadConfig({
      file: configFile(
        "bot:\n  username: news\n  mode: announce\naccounts:\n  - username: tech\n    name: Herald Tech\n    tags: [tech]\n    folders: ['tech/**']\n",
      ),
      env: {},
    });
    expect(good.bot.mode).toBe("announce");
    expect(good.accounts).toEqual([
      { username: "tech", name: "Herald Tech", summary: "", tags: ["tech"], folders: ["tech/**"] },
    ]);
    const bad = () =>
      loadConfig({
        file: configFile(
          "accounts:\n  - username: news\n    name: A\n  - username: tech\n    name: B\n  - username: tech\n    name: C\n    folders: ['../secret/**']\n  - username: Bad\n",
        ),
        env: {},
      });
    expect(bad).toThrow(ConfigError);
    const problems = (() => {
      try {
        bad();
      } catch (e) {
        return (e as ConfigError).problems.join("\n");
      }
    })();
    // The schema's problems first (a bad username, a missing name); checked alone, the rest.
    expect(problems).toMatch(/accounts\.3\.username: Lowercase letters/);
    expect(problems).toMatch(/accounts\.3\.name: /);
    const twice = () =>
      loadConfig({
        file: configFile(
          "accounts:\n  - username: news\n    name: A\n  - username: tech\n    name: B\n  - username: tech\n    name: C\n    folders: ['../secret/**']\n",
        ),
        env: {},
      });
    expect(twice).toThrow(/accounts\.0\.username: "news" is already bot\.username/);
    expect(twice).toThrow(/accounts\.2\.username: "tech" is already another account's/);
    expect(twice).toThrow(/accounts\.2\.folders\.0: "\.\.\/secret\/\*\*" leaves content\//);
  });

  it("reports every problem at once, naming the key and showing an example", () => {
    const file = configFile(
      "site:\n  url: not a url\n  timezone: Mars/Olympus\nfeeds:\n  limit: 0\nbogus: 1\nbot:\n  username: Bad Name\n",
    );
    let error: unknown;
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/site\.url: .*example: site\.url: https:\/\/news\.example\.org\//);
    expect(problems).toMatch(
      /site\.timezone: Unknown IANA time zone; example: site\.timezone: Asia\/Shanghai/,
    );
    expect(problems).toMatch(/feeds\.limit: .*example: feeds\.limit: 20/);
    expect(problems).toMatch(/bot\.username/);
    expect(problems).toMatch(/bogus/);
    expect((error as ConfigError).message).toContain(file);
  });

  it("reports YAML syntax errors with the file name", () => {
    const file = configFile("site:\n  url: 'unterminated\n");
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(file);
  });

  it("lets the environment override port, site URL, data dir and log level", () => {
    const file = configFile("server:\n  port: 8080\n");
    const config = loadConfig({
      file,
      env: {
        PORT: "9123",
        HERALD_SITE_URL: "https://a.example/",
        HERALD_DATA_DIR: "/tmp/x",
        LOG_LEVEL: "debug",
      },
    });
    expect(config.server.port).toBe(9123);
    expect(config.site.url).toBe("https://a.example/");
    expect(config.data.dir).toBe("/tmp/x");
    expect(config.log.level).toBe("debug");
    expect(() => loadConfig({ file, env: { PORT: "http" } })).toThrow(/PORT/);
    expect(() => loadConfig({ file, env: { LOG_LEVEL: "loud" } })).toThrow(/LOG_LEVEL/);
  });

  it("leaves site.url following the port served while it is unset, and never once it is set", () => {
    const unset = configFile("server:\n  port: 8080\n");
    expect(loadConfig({ file: unset, env: {} }).site).toMatchObject({
      url: "http://localhost:8080/",
      urlFollowsPort: true,
    });
    expect(loadConfig({ file: unset, env: { PORT: "3000" } }).site.url).toBe("http://localhost:3000/");
    expect(loadConfig({ file: configFile("server:\n  port: 4000\n"), env: {} }).site.url).toBe(
      "http://localhost:4000/",
    );
    const any = loadConfig({ file: configFile("server:\n  port: 0\n"), env: {} });
    expect(servedOn(any, 41234).site.url).toBe("http://localhost:41234/");
    expect(servedOn(servedOn(any, 80), 80).site.url).toBe("http://localhost/");
    const set = loadConfig({
      file: configFile("site:\n  url: http://localhost:8080/\n"),
      env: { PORT: "3000" },
    });
    expect(set.site).toMatchObject({ url: "http://localhost:8080/", urlFollowsPort: false });
    expect(servedOn(set, 3000)).toBe(set);
    const fromEnv = loadConfig({ file: unset, env: { PORT: "3000", HERALD_SITE_URL: "https://a.example/" } });
    expect(servedOn(fromEnv, 3000).site.url).toBe("https://a.example/");
  });

  it("trusts no proxy unless server.trustProxy says so, and wants a boolean there", () => {
    expect(loadConfig({ file: configFile("server:\n  port: 8080\n"), env: {} }).server.trustProxy).toBe(
      false,
    );
    const trusting = loadConfig({ file: configFile("server:\n  trustProxy: true\n"), env: {} });
    expect(trusting.server).toEqual({ port: 8080, host: "0.0.0.0", trustProxy: true });
    expect(() => loadConfig({ file: configFile("server:\n  trustProxy: maybe\n"), env: {} })).toThrow(
      /server\.trustProxy: .*example: server\.trustProxy: true/,
    );
  });

  it("rejects an attribution pattern that is not a valid regular expression, naming the key", () => {
    const file = configFile("content:\n  patterns:\n    via:\n      - '转自('\n");
    expect(() => loadConfig({ file, env: {} })).toThrow(/content\.patterns\.via/);
  });

  it("fails clearly when an explicit config file does not exist", () => {
    expect(() => loadConfig({ file: "/nonexistent/herald.yaml", env: {} })).toThrow(/not found/);
  });

  it("uses embedded defaults when no config file exists", () => {
    const cwd = mkdtempSync(join(tmpdir(), "herald-empty-"));
    const config = loadConfig({ cwd, env: {} });
    expect(config.file).toBeUndefined();
    expect(config.content.dir).toBe(join(cwd, "content"));
  });
});
