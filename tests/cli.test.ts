// The CLI as a user runs it: a real child process, real files, real exit codes.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runHerald } from "./helpers/herald-process.ts";

const root = resolve(import.meta.dirname, "..");

function herald(args: string[], cwd: string) {
  return runHerald(args, cwd, { env: { HERALD_CONFIG: "", PORT: "" }, timeoutMs: 60_000 });
}

function site(contentFrom: string, extra = "") {
  const dir = mkdtempSync(join(tmpdir(), "herald-cli-"));
  cpSync(contentFrom, join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    `site:\n  url: https://news.example.org/\n  timezone: Asia/Shanghai\n  language: zh-CN\ncontent:\n  dir: content\ndata:\n  dir: data\n${extra}`,
  );
  return dir;
}

describe("herald build", () => {
  it("builds the bundled sample content with exit 0", () => {
    const dir = site(join(root, "content"));
    const r = herald(["build", "--config", "herald.yaml", "--out", "out"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const f of ["feed.xml", "atom.xml", "feed.json"]) expect(existsSync(join(dir, "out", f))).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, "out", "feed.json"), "utf8")) as { items: unknown[] };
    expect(json.items).toHaveLength(4);
  });

  it("names every broken file, still writes the good ones, and exits 1", () => {
    const dir = site(join(root, "tests", "fixtures", "broken"));
    // A file over the size limit, generated here rather than committed.
    writeFileSync(join(dir, "content", "huge.md"), `---\ntitle: Huge\n---\n${"x".repeat(6 * 1024 * 1024)}`);
    // A link named like an article, to a file outside content/: named, never read.
    writeFileSync(join(dir, "outside.md"), "---\ntitle: Outside\n---\nSECRET\n");
    symlinkSync(join(dir, "outside.md"), join(dir, "content", "linked.md"));
    const r = herald(["build", "--config", "herald.yaml", "--out", "out"], dir);
    expect(r.code).toBe(1);
    const rejected = Object.fromEntries(
      r.stderr
        .trim()
        .split("\n")
        .map((line) => /^rejected (\S+): .* \[([a-z-]+)\]$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    expect(rejected).toEqual({
      "binary.md": "binary",
      "duplicate-id-b.md": "duplicate-id",
      "duplicate-slug-b.md": "duplicate-slug",
      "huge.md": "too-large",
      "invalid-date.md": "invalid-date",
      "linked.md": "io",
      "invalid-yaml.md": "yaml",
      "latin1.md": "encoding",
      "no-title.md": "missing-title",
    });
    const feed = JSON.parse(readFileSync(join(dir, "out", "feed.json"), "utf8")) as { items: unknown[] };
    // good, hostile, and the first of each duplicate pair.
    expect(feed.items).toHaveLength(4);
    const html = (feed.items as { content_html: string }[]).map((i) => i.content_html).join("\n");
    expect(html).toContain("hostile"); // the hostile article is there, defused
    expect(html).not.toMatch(/<script|<iframe|<style|\son\w+=|(href|src)="(javascript|data):|\u0007/i);
    expect(readFileSync(join(dir, "out", "feed.xml"), "utf8")).not.toMatch(/\u0007/);
  });

  it("writes every tag's feeds in tags/<tag>/, named as their URLs are decoded, and removes a gone tag's", () => {
    const dir = site(join(root, "content"));
    const content = join(dir, "content");
    writeFileSync(
      join(content, "city.md"),
      "---\ntitle: 城市\ntags: [城市生活, New York]\n---\n夜跑的人。\n",
    );
    // Tags no folder can be named after: their feeds are served by `herald serve` only.
    const odd = ["..", "AC/DC", ".", "a\\b", ".herald-tag-feeds.json", "长".repeat(86)];
    writeFileSync(join(content, "odd.md"), `---\ntitle: Odd\ntags: ${JSON.stringify(odd)}\n---\nOdd tags.\n`);
    const out = join(dir, "out");
    // A static site's own tag page in the same folder is left alone.
    mkdirSync(join(out, "tags", "new york"), { recursive: true });
    writeFileSync(join(out, "tags", "new york", "index.html"), "<p>mine</p>");

    const first = herald(["build", "--config", "herald.yaml", "--out", "out"], dir);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("the feeds of 8 tags");
    expect(first.stdout).toContain('No static feed for tag "..": no folder can carry its name.');
    // One line each, and 258 bytes is over what a folder name may have.
    for (const tag of odd) expect(first.stdout).toContain(`No static feed for tag ${JSON.stringify(tag)}`);
    expect(readdirSync(join(out, "tags")).sort()).toEqual(
      [
        ".herald-tag-feeds.json",
        ...["coast", "energy", "local history", "new york", "rivers", "tides", "transport", "城市生活"],
      ].sort(),
    );
    for (const folder of ["城市生活", "new york", "energy"]) {
      expect(
        readdirSync(join(out, "tags", folder))
          .filter((f) => f.startsWith("feed") || f === "atom.xml")
          .sort(),
      ).toEqual(["atom.xml", "feed.json", "feed.xml"]);
      // The file is where a static server looks for the feed's own URL, decoded.
      const feed = JSON.parse(readFileSync(join(out, "tags", folder, "feed.json"), "utf8")) as {
        feed_url: string;
      };
      expect(decodeURIComponent(new URL(feed.feed_url).pathname)).toBe(`/tags/${folder}/feed.json`);
    }
    const city = JSON.parse(readFileSync(join(out, "tags", "城市生活", "feed.json"), "utf8")) as {
      items: { title: string }[];
    };
    expect(city.items.map((i) => i.title)).toEqual(["城市"]);
    // The ".." tag wrote nothing over the site's own feeds.
    const main = JSON.parse(readFileSync(join(out, "feed.json"), "utf8")) as { feed_url: string };
    expect(main.feed_url).toBe("https://news.example.org/feed.json");

    // Nothing changed: nothing rewritten (a static server's ETag and Last-Modified stay).
    const mtime = statSync(join(out, "tags", "城市生活", "atom.xml")).mtimeMs;
    expect(herald(["build", "--config", "herald.yaml", "--out", "out"], dir).code).toBe(0);
    expect(statSync(join(out, "tags", "城市生活", "atom.xml")).mtimeMs).toBe(mtime);

    rmSync(join(content, "city.md"));
    expect(herald(["build", "--config", "herald.yaml", "--out", "out"], dir).code).toBe(0);
    expect(existsSync(join(out, "tags", "城市生活"))).toBe(false);
    expect(readdirSync(join(out, "tags", "new york"))).toEqual(["index.html"]);
    expect(existsSync(join(out, "tags", "energy", "feed.xml"))).toBe(true);
  });

  it("renders again, on a rebuild, exactly the feeds whose articles, settings or files changed", () => {
    const dir = site(join(root, "content"));
    const out = join(dir, "out");
    const build = () =>
      expect(herald(["build", "--config", "herald.yaml", "--out", "out"], dir).code).toBe(0);
    const read = (...path: string[]) => readFileSync(join(out, ...path), "utf8");
    build();
    const tag = readdirSync(join(out, "tags")).find((t) => !t.startsWith("."))!;
    const original = { site: read("feed.xml"), tag: read("tags", tag, "atom.xml") };

    // A feed changed or removed by hand is written again, whatever the manifest says.
    writeFileSync(join(out, "feed.xml"), "<rss>mine</rss>");
    rmSync(join(out, "tags", tag, "atom.xml"));
    build();
    expect(read("feed.xml")).toBe(original.site);
    expect(read("tags", tag, "atom.xml")).toBe(original.tag);

    // A setting every feed shows: all are rendered again.
    const config = join(dir, "herald.yaml");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace("site:\n", "site:\n  title: Renamed Herald\n"),
    );
    build();
    expect(read("feed.xml")).toContain("Renamed Herald");
    expect(read("tags", tag, "atom.xml")).toContain("Renamed Herald");

    // An edited article: the feeds that show it change.
    const file = join(dir, "content", "2026-11-shenzhen-library.md");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^title: .*$/m, "title: A retitled library"));
    build();
    expect(read("feed.json")).toContain("A retitled library");

    // An edit the record does not show (an explicit `updated`): the feeds showing the article change.
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(/^title: .*$/m, "$&\nupdated: 2026-11-25T08:00:00+08:00"),
    );
    build();
    const edited = JSON.parse(read("feed.json")).items.find((i: { title: string }) =>
      i.title.includes("retitled"),
    );
    expect(edited.date_modified).toBe("2026-11-25T00:00:00Z");

    // A manifest that is not Herald's (or lies) costs a render, never a stale or missing feed.
    writeFileSync(join(out, ".herald-feeds.json"), '{"folders":{"":{"key":7,"files":null},"x":"y"}}');
    rmSync(join(out, "feed.json"));
    build();
    expect(read("feed.json")).toContain("A retitled library");
    writeFileSync(join(out, ".herald-feeds.json"), "not json");
    build();
    expect(JSON.parse(read(".herald-feeds.json")).folders[""].key).toEqual(expect.any(String));
  });

  it("exits 2 on invalid configuration and writes nothing", () => {
    const dir = site(join(root, "content"), "feeds:\n  limit: -1\n");
    const r = herald(["build", "--config", "herald.yaml", "--out", "out"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/feeds\.limit/);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});

describe("herald check", () => {
  it("validates without writing anything", () => {
    const dir = site(join(root, "tests", "fixtures", "broken"));
    const r = herald(["check", "--config", "herald.yaml"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rejected invalid-yaml\.md/);
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("prints help and rejects unknown commands and flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-cli-"));
    expect(herald(["build", "--help"], dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("Usage: herald build"),
    });
    expect(herald(["frobnicate"], dir).code).toBe(64);
    expect(herald(["build", "--nope"], dir).code).toBe(64);
  });
});

describe("herald serve --role", () => {
  it("refuses a split role without PostgreSQL, an unknown role, and a DATABASE_URL that is not one", () => {
    const dir = site(join(root, "content"));
    const split = herald(["serve", "--role", "worker", "--config", "herald.yaml"], dir);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/--role worker needs PostgreSQL: set DATABASE_URL/);
    const unknown = herald(["serve", "--role", "janitor", "--config", "herald.yaml"], dir);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/--role must be one of all, web, worker, scheduler/);
    const r = spawnSync(
      process.execPath,
      [join(root, "bin", "herald.js"), "status", "--config", "herald.yaml"],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, HERALD_CONFIG: "", PORT: "", DATABASE_URL: "mysql://root:hunter2@db/herald" },
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    // The URL may hold a password: it is never echoed.
    expect(r.stderr).not.toContain("hunter2");
    expect(existsSync(join(dir, "data"))).toBe(false);
  });
});

/** Front matter whose unknown key expands to 10^levels strings through aliases ("billion laughs"). */
function aliasBomb(levels: number): string {
  const lines = ['l0: &l0 "lol"'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return `---\ntitle: Bomb\nextra:\n${lines.map((l) => `  ${l}`).join("\n")}\n---\n\nBody.\n`;
}

describe("an alias bomb in front matter", () => {
  it.each([7, 8])("at 10^%i strings is refused by name, and the next article still builds", (levels) => {
    const dir = site(join(root, "tests", "fixtures", "broken"));
    for (const f of readdirSync(join(dir, "content"))) rmSync(join(dir, "content", f), { recursive: true });
    writeFileSync(join(dir, "content", "bomb.md"), aliasBomb(levels));
    writeFileSync(join(dir, "content", "good.md"), "---\ntitle: Good\n---\n\n一切正常。\n");
    for (const command of ["check", "build"]) {
      const r = herald([command, "--config", "herald.yaml", "--out", "out"], dir);
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toMatch(/^rejected bomb\.md: .*alias.* \[yaml\]$/m);
    }
    const feed = JSON.parse(readFileSync(join(dir, "out", "feed.json"), "utf8")) as {
      items: { title: string }[];
    };
    expect(feed.items.map((i) => i.title)).toEqual(["Good"]);
  });
});

describe("herald move", () => {
  it("asks for exactly one of --to and --undo, refuses a loopback account, and has nothing to undo", () => {
    const dir = site(join(root, "content"));
    expect(herald(["move", "--config", "herald.yaml"], dir).code).toBe(64);
    expect(herald(["move", "--config", "herald.yaml", "--to", "@a@b.example", "--undo"], dir).code).toBe(64);
    // The outbound guard refuses loopback addresses: the account is not found, nothing is recorded.
    const refused = herald(["move", "--config", "herald.yaml", "--to", "http://127.0.0.1:9/users/x"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Could not find the account http://127.0.0.1:9/users/x");
    const undo = herald(["move", "--config", "herald.yaml", "--undo"], dir);
    expect(undo.code).toBe(1);
    expect(undo.stderr).toContain("has not moved");
    expect(herald(["status", "--config", "herald.yaml"], dir).stdout).not.toContain("Moved to");
  });
});
