// `herald accounts`, `sync --dry-run` and `status` with section accounts: a real CLI process on the
// pre-accounts fixture data dir (tests/fixtures/stores), upgraded as it opens.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runHerald } from "../helpers/herald-process.ts";

const root = resolve(import.meta.dirname, "../..");
const fixtures = join(root, "tests", "fixtures", "stores");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function herald(args: string[], cwd: string) {
  return runHerald([...args, "--config", "herald.yaml"], cwd, {
    env: { HERALD_CONFIG: "", PORT: "", DATABASE_URL: "", HERALD_DATA_DIR: "" },
    timeoutMs: 60_000,
  });
}

function site(accounts: string): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-accounts-cli-"));
  dirs.push(dir);
  mkdirSync(join(dir, "data"));
  copyFileSync(join(fixtures, "pre-accounts.sqlite"), join(dir, "data", "herald.sqlite"));
  cpSync(join(fixtures, "pre-accounts-content"), join(dir, "content"), { recursive: true });
  writeFileSync(
    join(dir, "herald.yaml"),
    `site:\n  url: https://news.example/\ncontent:\n  dir: content\n  watch: false\ndata:\n  dir: data\nbot:\n  username: news\n${accounts}`,
  );
  return dir;
}

describe("the CLI with section accounts", () => {
  it("lists accounts with followers, and shows where each article goes in sync --dry-run and status", () => {
    const dir = site(
      "accounts:\n  - username: tech\n    name: Herald Tech\n    folders: ['tech/**']\n  - username: world\n    name: World\n    tags: [world]\n",
    );
    writeFileSync(
      join(dir, "content", "both.md"),
      "---\ntitle: Both\ntags: [world]\naccounts: [tech]\n---\nBoth.\n",
    );

    const dry = herald(["sync", "--once", "--dry-run"], dir);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would send Create for both from @news, @tech, @world");
    // Existing articles: the main account has them; each new section account takes its own silently.
    expect(dry.stdout).toContain("would add chips to the outbox of @tech without pushing (first start)");
    expect(dry.stdout).toContain("would add first to the outbox of @world without pushing (first start)");

    const status = herald(["status", "--json"], dir);
    expect(status.code).toBe(0);
    const articles = (JSON.parse(status.stdout) as { articles: { id: string; accounts?: string[] }[] })
      .articles;
    expect(Object.fromEntries(articles.map((a) => [a.id, a.accounts]))).toEqual({
      both: ["news", "tech", "world"],
      chips: ["news", "tech"],
      first: ["news", "world"],
    });

    expect(herald(["sync", "--once", "--no-deliver"], dir).code).toBe(0);
    const list = herald(["accounts"], dir);
    expect(list.stderr).toBe("");
    expect(list.stdout).toContain("@news@news.example  1 follower(s), 3 post(s)");
    expect(list.stdout).toContain("@tech@news.example  0 follower(s), 2 post(s)  Herald Tech");
    expect(list.stdout).toContain("folders tech/**");
    const json = JSON.parse(herald(["accounts", "--json"], dir).stdout) as {
      username: string;
      removed: boolean;
    }[];
    expect(json.map((a) => [a.username, a.removed])).toEqual([
      ["news", false],
      ["tech", false],
      ["world", false],
    ]);

    expect(herald(["followers", "--account", "tech"], dir).stdout.trim()).toBe("No followers yet.");
    // Status counts each section account's followers beside the main account's (keys made by the sync).
    const statusText = herald(["status"], dir).stdout;
    expect(statusText).toMatch(/^Followers: 1; sections: @tech 0, @world 0$/m);
    expect(
      (JSON.parse(herald(["status", "--json"], dir).stdout) as { followers: unknown }).followers,
    ).toEqual({
      accepted: 1,
      pending: 0,
      sections: [
        { username: "tech", accepted: 0 },
        { username: "world", accepted: 0 },
      ],
    });
    expect(herald(["followers"], dir).stdout).toContain("@alice@social.example");
    // Removing is per account too: the main account's follower is not @tech's to remove.
    const wrong = herald(["followers", "remove", "@alice@social.example", "--account", "tech"], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout + wrong.stderr).toContain('No follower "@alice@social.example"');
    expect(herald(["followers"], dir).stdout).toContain("@alice@social.example");

    // Static export writes each section account's feeds beside the site's, where serve answers them.
    expect(herald(["build", "--out", "out"], dir).code).toBe(0);
    const techFeed = JSON.parse(readFileSync(join(dir, "out", "users", "tech", "feed.json"), "utf8")) as {
      feed_url: string;
      items: { id: string }[];
    };
    expect(techFeed.feed_url).toBe("https://news.example/users/tech/feed.json");
    expect(techFeed.items.map((i) => i.id).sort()).toEqual([
      "https://news.example/objects/both",
      "https://news.example/objects/chips",
    ]);
    for (const file of ["feed.xml", "atom.xml"])
      expect(readFileSync(join(dir, "out", "users", "world", file), "utf8")).toContain("objects/first");

    // Taken out of the config: still listed (and served), never silently deleted.
    writeFileSync(
      join(dir, "herald.yaml"),
      "site:\n  url: https://news.example/\ncontent:\n  dir: content\n  watch: false\ndata:\n  dir: data\nbot:\n  username: news\n",
    );
    const after = JSON.parse(herald(["accounts", "--json"], dir).stdout) as {
      username: string;
      removed: boolean;
      posts: number;
    }[];
    expect(after.map((a) => [a.username, a.removed, a.posts])).toEqual([
      ["news", false, 3],
      ["tech", true, 2],
      ["world", true, 2],
    ]);
  });
});
