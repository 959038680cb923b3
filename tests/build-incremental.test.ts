// Incremental `herald build` equals a from-scratch build.
//
// Property: after any sequence of changes to content/, herald.yaml or the output folder, `herald build`
// into the existing output (with the existing data dir) writes exactly the feed files a build from
// scratch (fresh data dir, empty output folder) of the same final inputs writes: same files, same bytes.
// The only legitimate difference is a date Herald takes from the clock (an undated article's first-seen
// time, an edited article's change time without `updated:`). Every article here has an explicit `date:`
// and `updated:`, except `notes.md`, which the clock scenario edits: it first checks that a clock stamp
// is there, then compares without the change-time fields (`<updated>`, `<lastBuildDate>`, `date_modified`).
// Every other scenario fails if any timestamp of the test's own run appears in the output.
//
// Each scenario: build a small site (real child process, real temp dirs), change it as an editor or an
// operator would (possibly building in between), build again, then build a copy of the final herald.yaml
// and content/ from scratch, and compare the two output folders file by file.
import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import sharp from "sharp";
import { describe, type ExpectStatic, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const OUT = "out";
const MANIFEST = ".herald-feeds.json";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function herald(dir: string, args = ["build", "--config", "herald.yaml", "--out", OUT]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "bin", "herald.js"), ...args], {
      cwd: dir,
      env: {
        ...process.env,
        HERALD_CONFIG: "",
        PORT: "",
        HERALD_SITE_URL: "",
        HERALD_DATA_DIR: "",
        DATABASE_URL: "",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The site: a small newsroom with a section per beat, feeds.limit 6 so some articles fall outside it.

const BASE_CONFIG = `site:
  url: https://news.example.org/
  title: Example Daily
  description: The news, syndicated.
  timezone: Asia/Shanghai
  language: zh-CN
content:
  dir: content
data:
  dir: data
feeds:
  limit: 6
summary:
  length: 60
bot:
  username: news
  name: Example Daily Bot
accounts:
  - username: tech
    name: Example Daily · Tech
    tags: [tech]
  - username: world
    name: Example Daily · World
    folders: ["world/**"]
`;

function md(front: string, body: string): string {
  return `---\n${front.trim()}\n---\n\n${body.trim()}\n`;
}

const CORPUS: Record<string, string> = {
  "harbor.md": md(
    `
title: 港口的潮汐发电站
date: 2026-11-20 09:30
updated: 2026-11-21 10:00
tags: [Tech, 城市生活]
author: 何远
source: { url: https://news.example.com/a/1, title: 原文标题, name: 某某日报 }
`,
    `转载自[某某日报](https://news.example.com/a/1)

**编者按：** 潮汐发电站今年开始向城市供电。这是第一座。

港口的潮汐发电站每天发电两次。工程师说，这座电站可以为三万户家庭供电。`,
  ),
  "library.md": md(
    `
title: 深圳图书馆推出夜间阅读服务
date: 2026-11-19 20:00
updated: 2026-11-19 20:00
tags: [城市生活, 图书馆]
`,
    `深圳图书馆从本周起开放夜间阅读。读者可以在晚上十点前借书和还书。

馆长说，夜间服务是读者的要求。`,
  ),
  "tides.md": md(
    `
title: Tidal energy, explained
date: 2026-11-18T08:00:00Z
updated: 2026-11-18T09:00:00Z
tags: [tech, energy]
lang: en
summary: How the moon powers a city.
`,
    `The tide comes in twice a day. Engineers have learned to harvest it.

The first plant opened in 1966.`,
  ),
  "world/lisbon.md": md(
    `
title: Lisbon opens a new tram line
date: 2026-11-17 12:00
updated: 2026-11-17 12:00
tags: [transport]
`,
    `LISBON (AP) — The city opened its first new tram line in forty years on Tuesday.

Riders queued from dawn.`,
  ),
  "world/tokyo.md": md(
    `
title: 東京の夜の図書館
date: 2026-11-16 18:00
updated: 2026-11-16 18:00
tags: [城市生活, 图书馆]
lang: ja
`,
    "東京の図書館が夜も開くようになった。利用者は増えている。",
  ),
  "notes.md": md(
    `
title: 编辑部手记
date: 2026-11-14 08:00
tags: [notes]
`,
    "本周的编辑部手记：我们改版了网站。",
  ),
  "old-1.md": md(
    `
title: Archive one
date: 2025-01-01 08:00
updated: 2025-01-01 08:00
tags: [archive, Tech]
`,
    "An old story about the harbour.",
  ),
  "old-2.md": md(
    `
title: Archive two
date: 2025-01-02 08:00
updated: 2025-01-02 08:00
tags: [archive]
`,
    "Another old story.",
  ),
  "old-3.md": md(
    `
title: Archive three
date: 2025-01-03 08:00
updated: 2025-01-03 08:00
tags: [archive, 城市生活]
`,
    "A third old story.",
  ),
};

/** A folder article with its cover beside it (only where a scenario needs it: covers load sharp). */
const RIVER = {
  "river/index.md": md(
    `
title: 河流的故事
date: 2026-11-15 08:00
updated: 2026-11-15 08:00
cover: cover.png
cover_alt: 夜间的河流
tags: [rivers]
`,
    "河流穿过城市。两岸的居民每天在这里散步。",
  ),
};

let pngCache: Promise<{ small: Buffer; large: Buffer }> | undefined;
function pngs() {
  pngCache ??= (async () => ({
    small: await sharp({ create: { width: 4, height: 3, channels: 3, background: "#ff0000" } })
      .png()
      .toBuffer(),
    large: await sharp({ create: { width: 40, height: 10, channels: 3, background: "#0000ff" } })
      .png()
      .toBuffer(),
  }))();
  return pngCache;
}

// ---------------------------------------------------------------------------------------------------
// A site on disk, with the operations an editor or operator performs on it.

class Site {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  static async create(
    files: Record<string, string | null> = {},
    config: string = BASE_CONFIG,
    cover = false,
  ): Promise<Site> {
    const site = new Site(mkdtempSync(join(tmpdir(), "herald-incr-")));
    if (cover) {
      site.write("content/river/cover.png", (await pngs()).small);
      files = { ...RIVER, ...files };
    }
    for (const [path, text] of Object.entries({ ...CORPUS, ...files }))
      if (text !== null) site.write(`content/${path}`, text);
    site.write("herald.yaml", config);
    return site;
  }
  path(rel: string) {
    return join(this.dir, rel);
  }
  read(rel: string) {
    return readFileSync(this.path(rel), "utf8");
  }
  write(rel: string, text: string | Buffer) {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
  }
  /** Edit in place; fails loudly when the edit changes nothing (a typo in a scenario). */
  edit(rel: string, change: (text: string) => string) {
    const before = this.read(rel);
    const after = change(before);
    if (after === before) throw new Error(`scenario edit of ${rel} changed nothing`);
    this.write(rel, after);
  }
  /** Edit an article's content file. */
  article(name: string, change: (text: string) => string) {
    this.edit(`content/${name}`, change);
  }
  config(change: (text: string) => string) {
    this.edit("herald.yaml", change);
  }
  rm(rel: string) {
    rmSync(this.path(rel), { recursive: true, force: true });
  }
  mv(from: string, to: string) {
    mkdirSync(dirname(this.path(to)), { recursive: true });
    renameSync(this.path(from), this.path(to));
  }
  touch(rel: string, when = new Date()) {
    utimesSync(this.path(rel), when, when);
  }
  build() {
    return herald(this.dir);
  }
}

/** Every file under out/, path → text; the manifest (sizes and mtimes) by presence only. */
function snapshot(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(out)) return files;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const rel = relative(out, full);
        files[rel] = rel === MANIFEST ? "<manifest>" : readFileSync(full, "utf8");
      }
    }
  };
  walk(out);
  return files;
}

/** What the user sees of a run, without the folder it ran in. */
function outcome(run: Run, dir: string) {
  return {
    code: run.code,
    stdout: run.stdout.replaceAll(dir, "<site>"),
    stderr: run.stderr.replaceAll(dir, "<site>"),
  };
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;
const RFC822 = /[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d (?:GMT|[+-]\d{4})/g;

/**
 * For scenarios that edit `notes.md` (no `updated:`): the incremental build stamps its change time from
 * the clock, the fresh build takes its `date`. That reaches the item's modified field and the feeds'
 * "last changed" fields, so those fields are blanked in every item and feed; everything else (order, ids,
 * published dates, content) is still compared.
 */
function withoutChangeTimes(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) {
    out[path] = text
      .replace(/<lastBuildDate>[^<]*<\/lastBuildDate>/g, "<lastBuildDate>~</lastBuildDate>")
      .replace(/<updated>[^<]*<\/updated>/g, "<updated>~</updated>")
      .replace(/"date_modified": "[^"]*"/g, '"date_modified": "~"');
  }
  return out;
}

/** Every timestamp in the output that lies within [from, to]: what only the clock can have written. */
function clockStamps(files: Record<string, string>, from: number, to: number): string[] {
  const found: string[] = [];
  for (const text of Object.values(files))
    for (const m of [...text.matchAll(ISO), ...text.matchAll(RFC822)]) {
      const t = Date.parse(m[0]);
      if (t >= from - 1000 && t <= to + 1000) found.push(m[0]);
    }
  return found;
}

interface Scenario {
  /** Extra or replaced content files (null: not in the corpus); a function is called when the test starts. */
  files?: Record<string, string | null> | (() => Record<string, string | null>);
  /** With the folder article river/ and its cover image. */
  cover?: boolean;
  /** Before the first build. */
  setup?: (site: Site) => void;
  /** The scenario writes timestamps of its own minute into front matter (skip the clock-stamp check). */
  ownStamps?: boolean;
  config?: string;
  /** What the user does after the first build; may build again in between. */
  mutate: (site: Site) => void | Promise<void>;
  /** Edits `notes.md` without `updated:`: compare without change times (see withoutChangeTimes). */
  clock?: boolean;
  /** Exit code of the first build (default 0, and nothing on stderr). */
  firstCode?: number;
  /** Exit code both builds are expected to give (default 0). */
  code?: number;
}

async function check(expect: ExpectStatic, sc: Scenario) {
  const started = Date.now();
  const site = await Site.create(typeof sc.files === "function" ? sc.files() : sc.files, sc.config, sc.cover);
  const fresh = new Site(mkdtempSync(join(tmpdir(), "herald-fresh-")));
  try {
    await compare(expect, sc, site, fresh, started);
  } finally {
    rmSync(site.dir, { recursive: true, force: true });
    rmSync(fresh.dir, { recursive: true, force: true });
  }
}

async function compare(expect: ExpectStatic, sc: Scenario, site: Site, fresh: Site, started: number) {
  sc.setup?.(site);
  const first = await site.build();
  if (sc.firstCode === undefined) expect(first.stderr, "first build").toBe("");
  expect(first.code, `first build: ${first.stderr}`).toBe(sc.firstCode ?? 0);

  await sc.mutate(site);
  const incremental = await site.build();

  // The same final inputs, from scratch: herald.yaml and content/ only.
  cpSync(site.path("herald.yaml"), fresh.path("herald.yaml"));
  cpSync(site.path("content"), fresh.path("content"), { recursive: true });
  const scratch = await fresh.build();
  const ended = Date.now();

  expect(outcome(scratch, fresh.dir).code, `fresh build: ${scratch.stderr}`).toBe(sc.code ?? 0);
  expect(outcome(incremental, site.dir), "what the incremental build says").toEqual(
    outcome(scratch, fresh.dir),
  );
  let got = snapshot(site.path(OUT));
  let want = snapshot(fresh.path(OUT));
  if (sc.clock) {
    // The legitimate difference is there (so the normalisation hides nothing else)…
    expect(clockStamps(got, started, ended).length, "a clock-stamped change time").toBeGreaterThan(0);
    got = withoutChangeTimes(got);
    want = withoutChangeTimes(want);
  }
  // …and only a clock can have written a timestamp of this test's own minute.
  if (!sc.ownStamps) expect(clockStamps(got, started, ended), "timestamps from the clock").toEqual([]);
  expect(Object.keys(got).sort(), "the feed files").toEqual(Object.keys(want).sort());
  for (const path of Object.keys(want)) expect(got[path], path).toBe(want[path]);
}

const retitle = (title: string) => (text: string) => text.replace(/^title: .*$/m, `title: ${title}`);
const setFront = (key: string, value: string) => (text: string) =>
  new RegExp(`^${key}: .*$`, "m").test(text)
    ? text.replace(new RegExp(`^${key}: .*$`, "m"), `${key}: ${value}`)
    : text.replace(/^---\n/, `---\n${key}: ${value}\n`);
const dropFront = (key: string) => (text: string) => text.replace(new RegExp(`^${key}: .*\\n`, "m"), "");

// ---------------------------------------------------------------------------------------------------
// Scenarios that hold.

const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
/** Wait until the time a front-matter key of the file names has passed (by a margin). */
async function until(site: Site, file: string, key: string) {
  const at = Date.parse(new RegExp(`^${key}: (.*)$`, "m").exec(site.read(`content/${file}`))![1]!);
  await new Promise((done) => setTimeout(done, Math.max(0, at - Date.now() + 1500)));
}
const dated = (day: string, extra = "") =>
  `date: 2026-11-${day} 08:00\nupdated: 2026-11-${day} 08:00\n${extra}`;

// ---------------------------------------------------------------------------------------------------
// Scenarios where the incremental build equals the build from scratch.

const holds: Record<string, Scenario> = {
  // --- the body and title
  "edit a body": { mutate: (s) => s.article("library.md", (t) => t.replace("馆长说", "图书馆馆长说")) },
  "edit a body keeping its byte size (same size, new mtime)": {
    mutate: (s) => s.article("library.md", (t) => t.replace("十点", "九点")),
  },
  retitle: { mutate: (s) => s.article("harbor.md", retitle("港口的潮汐电站")) },
  "retitle an article beyond feeds.limit that only a tag feed shows": {
    mutate: (s) => s.article("old-2.md", retitle("Archive two, retitled")),
  },
  // --- tags
  "add a new tag": { mutate: (s) => s.article("library.md", setFront("tags", "[城市生活, 图书馆, 夜读]")) },
  "remove the only article's tag: the tag disappears": {
    mutate: (s) => s.article("tides.md", setFront("tags", "[tech]")),
  },
  "a tag respelled in full width and upper case (same tag)": {
    mutate: (s) => s.article("tides.md", setFront("tags", "[ＴＥＣＨ, Energy]")),
  },
  "the newest article of a tag changes the tag's spelling": {
    mutate: (s) => s.article("harbor.md", setFront("tags", "[TECH, 城市生活]")),
  },
  "a tag that disappears and comes back, with a build in between": {
    mutate: async (s) => {
      s.article("tides.md", setFront("tags", "[tech]"));
      await s.build();
      s.article("tides.md", setFront("tags", "[tech, energy]"));
    },
  },
  // --- dates and publication
  "change an explicit updated": {
    mutate: (s) => s.article("tides.md", setFront("updated", "2026-11-25T09:00:00Z")),
  },
  "move a date into the past, out of the site feed": {
    mutate: (s) => s.article("library.md", setFront("date", "2024-06-01 08:00")),
  },
  "move an old date forward, into the site feed": {
    mutate: (s) =>
      s.article("old-3.md", (t) =>
        setFront("updated", "2026-11-30 08:00")(setFront("date", "2026-11-30 08:00")(t)),
      ),
  },
  "move a date into the far future (held)": {
    mutate: (s) => s.article("library.md", setFront("date", "2099-01-01 08:00")),
  },
  "a future date passes between builds (nothing edited)": {
    ownStamps: true,
    files: () => ({
      "soon.md": md(
        `title: 定时\ndate: ${soon(8000)}\nupdated: 2026-11-22 08:00\ntags: [tech]`,
        "到点发布。",
      ),
    }),
    mutate: (s) => until(s, "soon.md", "date"),
  },
  "a publish_at passes between builds (nothing edited)": {
    ownStamps: true,
    files: () => ({
      "soon.md": md(`title: 定时\n${dated("22")}publish_at: ${soon(8000)}\ntags: [tech]`, "到点发布。"),
    }),
    mutate: (s) => until(s, "soon.md", "publish_at"),
  },
  "draft an article": { mutate: (s) => s.article("harbor.md", setFront("draft", "true")) },
  "publish a draft": {
    files: { "draft.md": md(`title: 草稿\n${dated("22")}draft: true\ntags: [tech]`, "还没写完。") },
    mutate: (s) => s.article("draft.md", dropFront("draft")),
  },
  // --- other front matter
  "change lang": { mutate: (s) => s.article("library.md", setFront("lang", "zh-TW")) },
  "add an explicit summary": {
    mutate: (s) => s.article("library.md", setFront("summary", "夜间也能读书。")),
  },
  "change the authors": {
    mutate: (s) =>
      s.article("harbor.md", setFront("author", "[何远, { name: Jane Doe, url: https://jane.example }]")),
  },
  "federate: false": { mutate: (s) => s.article("tides.md", setFront("federate", "false")) },
  "remove the cover": {
    cover: true,
    mutate: (s) => s.article("river/index.md", (t) => dropFront("cover_alt")(dropFront("cover")(t))),
  },
  "give an explicit id": { mutate: (s) => s.article("library.md", setFront("id", "szlib-night")) },
  "name a section account in front matter": {
    mutate: (s) => s.article("library.md", setFront("accounts", "[tech]")),
  },
  // --- files
  "rename a file that has an explicit id and slug": {
    files: {
      "fixed.md": md(
        `title: Fixed\nid: fixed-id\nslug: fixed\n${dated("23")}tags: [tech]`,
        "Fixed identity.",
      ),
    },
    mutate: (s) => s.mv("content/fixed.md", "content/renamed.md"),
  },
  "move a file with an explicit id into a section's folder": {
    files: { "fixed.md": md(`title: Fixed\nid: fixed-id\nslug: fixed\n${dated("23")}`, "Fixed identity.") },
    mutate: (s) => s.mv("content/fixed.md", "content/world/fixed.md"),
  },
  "delete a file": { mutate: (s) => s.rm("content/harbor.md") },
  "add an article with a new tag": {
    mutate: (s) =>
      s.write("content/new.md", md(`title: 新文章\n${dated("24")}tags: [tech, 新]`, "新的一天。")),
  },
  "add an article whose slug collides (rejected)": {
    code: 1,
    mutate: (s) =>
      s.write("content/zz-library.md", md(`title: 撞名\nslug: library\n${dated("24")}`, "同名。")),
  },
  "add an article whose id collides (rejected)": {
    code: 1,
    mutate: (s) => s.write("content/zz-harbor.md", md(`title: 撞号\nid: harbor\n${dated("24")}`, "同号。")),
  },
  "touch files and the config without changing them": {
    mutate: (s) => {
      for (const f of ["harbor.md", "library.md", "notes.md"]) s.touch(`content/${f}`);
      s.touch("herald.yaml");
    },
  },
  "swap two files' contents (explicit ids move with them)": {
    files: {
      "a.md": md(`title: A\nid: a-id\nslug: a\n${dated("23")}tags: [tech]`, "Alpha."),
      "b.md": md(`title: B\nid: b-id\nslug: b\n${dated("22")}tags: [energy]`, "Beta."),
    },
    mutate: (s) => {
      const a = s.read("content/a.md");
      s.write("content/a.md", s.read("content/b.md"));
      s.write("content/b.md", a);
    },
  },
  "swap two same-size files with equal mtimes by renaming (mv keeps each mtime)": {
    files: {
      "a.md": md(`title: A\n${dated("23")}tags: [tech]`, "Alpha."),
      "b.md": md(`title: B\n${dated("22")}tags: [energy]`, "Bravo."),
    },
    // As unpacked from an archive: every file carries the same timestamp.
    setup: (s) => {
      s.touch("content/a.md", new Date("2026-11-01T00:00:00Z"));
      s.touch("content/b.md", new Date("2026-11-01T00:00:00Z"));
    },
    mutate: (s) => {
      s.mv("content/a.md", "content/tmp.md");
      s.mv("content/b.md", "content/a.md");
      s.mv("content/tmp.md", "content/b.md");
    },
  },
  "the same edit twice, with a build in between": {
    mutate: async (s) => {
      s.article("library.md", retitle("夜读"));
      await s.build();
      s.write("content/library.md", s.read("content/library.md"));
    },
  },
  "an edit reverted, with a build in between": {
    mutate: async (s) => {
      const before = s.read("content/harbor.md");
      s.article("harbor.md", (t) => setFront("tags", "[gone]")(retitle("临时标题")(t)));
      await s.build();
      s.write("content/harbor.md", before);
    },
  },
  "a string of edits and settings, with builds in between": {
    mutate: async (s) => {
      s.article("harbor.md", retitle("一"));
      await s.build();
      s.rm("content/old-2.md");
      s.config((c) => c.replace("limit: 6", "limit: 4"));
      await s.build();
      s.article("tides.md", setFront("tags", "[tech, energy, 海洋]"));
      s.write("content/new.md", md(`title: 新\n${dated("24")}tags: [海洋]`, "新。"));
      await s.build();
      s.config((c) => c.replace("limit: 4", "limit: 7"));
    },
  },
  // --- an edit that stamps the clock (notes.md has no `updated:`)
  "edit the body of an article without updated: (change time normalised)": {
    clock: true,
    mutate: (s) => s.article("notes.md", (t) => t.replace("改版", "重新改版")),
  },
  // --- the configuration
  "site.timezone (dates without an offset move)": {
    mutate: (s) => s.config((c) => c.replace("Asia/Shanghai", "Europe/Lisbon")),
  },
  "feeds.limit down": { mutate: (s) => s.config((c) => c.replace("limit: 6", "limit: 2")) },
  "feeds.limit up": { mutate: (s) => s.config((c) => c.replace("limit: 6", "limit: 50")) },
  "summary.length": { mutate: (s) => s.config((c) => c.replace("length: 60", "length: 25")) },
  "bot.name": { mutate: (s) => s.config((c) => c.replace("name: Example Daily Bot", "name: The Bot")) },
  "feeds.hub added": {
    mutate: (s) =>
      s.config((c) => c.replace("  limit: 6\n", "  limit: 6\n  hub: https://hub.example.com/\n")),
  },
  "a section account's tag selector": {
    mutate: (s) => s.config((c) => c.replace("tags: [tech]", "tags: [tech, 图书馆]")),
  },
  "a section account added": {
    mutate: (s) =>
      s.config((c) => `${c}  - username: city\n    name: Example Daily · City\n    tags: [城市生活]\n`),
  },
  "content.patterns: a via phrase added": {
    files: {
      "via.md": md(`title: Via\n${dated("22")}`, "经由[某网](https://via.example.com/x)发布\n\n正文在这里。"),
    },
    mutate: (s) =>
      s.config((c) => c.replace("  dir: content\n", "  dir: content\n  patterns:\n    via: ['^经由']\n")),
  },
  "content.maxBytes raised over a file it rejected (the file itself unchanged)": {
    firstCode: 1,
    config: BASE_CONFIG.replace("  dir: content\n", "  dir: content\n  maxBytes: 2048\n"),
    files: { "big.md": md(`title: Big\n${dated("22")}tags: [tech]`, "长".repeat(1000)) },
    mutate: (s) => s.config((c) => c.replace("maxBytes: 2048", "maxBytes: 8192")),
  },
  // Without notes.md every article has an explicit `updated:`, so no change time comes from the clock
  // (with it, these two diverge: see "site.language changed" below).
  "site.url (every article with an explicit updated:)": {
    files: { "notes.md": null },
    mutate: (s) => s.config((c) => c.replace("https://news.example.org/", "https://daily.example.net/")),
  },
  "site.language (every article with an explicit updated:)": {
    files: { "notes.md": null },
    mutate: (s) => s.config((c) => c.replace("language: zh-CN", "language: zh-TW")),
  },
  // --- the output folder
  "hand-edit a feed": {
    mutate: (s) => s.write(`${OUT}/feed.xml`, s.read(`${OUT}/feed.xml`).replace("Example Daily", "Hacked")),
  },
  "delete a tag's feed": { mutate: (s) => s.rm(`${OUT}/tags/tech/feed.json`) },
  "replace a tag's feed with another tag's": {
    mutate: (s) => s.write(`${OUT}/tags/archive/atom.xml`, s.read(`${OUT}/tags/tech/atom.xml`)),
  },
  // Found by this test: the incremental build kept the old image's size and dimensions (the article's
  // Markdown was unchanged, so it was not read again); articles now keep a stamp of the files read.
  "a cover image replaced beside its unchanged article": {
    cover: true,
    mutate: async (s) => s.write("content/river/cover.png", (await pngs()).large),
  },
  // Found by this test: the incremental build used to leave users/world/ and its feeds behind.
  "a section account removed from the configuration": {
    mutate: (s) => s.config((c) => c.replace(/ {2}- username: world\n.*\n.*\n/, "")),
  },
  "delete a tag's folder": { mutate: (s) => s.rm(`${OUT}/tags/城市生活`) },
  "delete a section's feed folder": { mutate: (s) => s.rm(`${OUT}/users/world`) },
  "delete the manifest": { mutate: (s) => s.rm(`${OUT}/${MANIFEST}`) },
  "delete the tag list": { mutate: (s) => s.rm(`${OUT}/tags/.herald-tag-feeds.json`) },
  "restore the output folder (manifest too) from a backup taken before an edit": {
    cover: true,
    mutate: async (s) => {
      cpSync(s.path(OUT), s.path("backup"), { recursive: true, preserveTimestamps: true });
      s.article("harbor.md", retitle("新的标题"));
      s.rm("content/river");
      await s.build();
      s.rm(OUT);
      cpSync(s.path("backup"), s.path(OUT), { recursive: true, preserveTimestamps: true });
    },
  },
};

describe.concurrent("incremental herald build equals a build from scratch", () => {
  for (const [name, sc] of Object.entries(holds)) it(name, ({ expect }) => check(expect, sc), 120_000);
});

// ---------------------------------------------------------------------------------------------------
// Divergences found: each stays here as it.fails, so that a fix shows up as a failure to remove it.fails.

describe.concurrent("where an incremental build differs from a build from scratch", () => {
  // A file deleted, built, and put back unchanged (an editor undoing a delete from the trash, or a
  // `git revert`): the incremental build gives it a new identity, the fresh build its old one. In every
  // feed showing tides.md: Atom `<id>https://news.example.org/objects/tides-2</id>`, RSS `<guid>…/objects/tides-2`,
  // JSON `"id": ".../objects/tides-2"`; from scratch `…/objects/tides`. (The URL stays /articles/tides/.)
  // Readers see the article as a new item. Possibly deliberate (the old object was deleted on the
  // fediverse, so its id is not reused), but then a from-scratch build disagrees with it.
  it.fails(
    "a file deleted and put back unchanged, with a build in between",
    ({ expect }) =>
      check(expect, {
        mutate: async (s) => {
          const before = s.read("content/tides.md");
          s.rm("content/tides.md");
          await s.build();
          s.write("content/tides.md", before);
        },
      }),
    120_000,
  );

  // A renamed file without explicit `id`/`slug` (harbor.md → harbour.md) keeps the identity and URL of
  // its first sight in the incremental build (`<id>…/objects/harbor</id>`, `/articles/harbor/`), the fresh
  // build names it after the new file (`…/objects/harbour`, `/articles/harbour/`). README documents the
  // store's behaviour ("keeps it through renames and moves"; slug "the file or folder name at first
  // sight"), so the property only holds with explicit ids and slugs (the passing rename scenario above).
  it.fails(
    "a file without explicit id or slug renamed",
    ({ expect }) => check(expect, { mutate: (s) => s.mv("content/harbor.md", "content/harbour.md") }),
    120_000,
  );

  // Same cause: an explicit `slug:` added to an article without an explicit `id` (library.md, slug
  // 夜间阅读). Both builds move the URL to /articles/%E5%A4%9C%E9%97%B4%E9%98%85%E8%AF%BB/, but the
  // incremental build keeps the id of first sight (`<id>https://news.example.org/objects/library</id>`)
  // while the fresh build derives it from the slug (`…/objects/%E5%A4%9C%E9%97%B4%E9%98%85%E8%AF%BB`), in
  // feed.xml, atom.xml, feed.json and the feeds of tags 城市生活 and 图书馆. Documented ("Without it Herald
  // assigns one the first time it sees the file and keeps it").
  it.fails(
    "an explicit slug given to an article without an explicit id",
    ({ expect }) => check(expect, { mutate: (s) => s.article("library.md", setFront("slug", "夜间阅读")) }),
    120_000,
  );

  // A setting that changes every article's derived record (site.language zh-CN → zh-TW; site.url gives
  // the same) stamps the change time of every article without `updated:` with the build's clock: in
  // tags/notes/atom.xml (and feed.xml, atom.xml, feed.json, the RSS feeds' lastBuildDate) notes.md's
  // `<updated>2026-12-06T18:09:29.668Z</updated>` (entry and feed), `date_modified` likewise, where the
  // fresh build writes its `date`, 2026-11-14T00:00:00Z. The editor edited nothing: this is not an
  // "edited article's change time", and readers are told that an untouched article changed. With an
  // explicit `updated:` on every article the same settings changes are equal (scenarios above).
  it.fails(
    "site.language changed: untouched articles without updated: get a new change time",
    ({ expect }) =>
      check(expect, { mutate: (s) => s.config((c) => c.replace("language: zh-CN", "language: zh-TW")) }),
    120_000,
  );

  // An article that was fine becomes invalid YAML: both builds reject it (same stderr, exit 1), but the
  // incremental build keeps its last good version in the feeds (stdout "(10 articles, 1 rejected)", and
  // library.md's items in feed.xml, atom.xml, feed.json, tags/城市生活/*, tags/图书馆/*), the fresh build has
  // no version of it ("9 articles"). README documents the behaviour ("an article that was fine before keeps
  // its last good version"); a from-scratch build cannot reproduce it. Lowering content.maxBytes under a
  // good article's size diverges the same way (rejected [too-large], its last good version kept).
  it.fails(
    "an article's front matter broken after a good build",
    ({ expect }) =>
      check(expect, {
        code: 1,
        mutate: (s) =>
          s.article("library.md", (t) => t.replace("tags: [城市生活, 图书馆]", "tags: [城市生活, 图书馆")),
      }),
    120_000,
  );

  // feed.xml edited by hand to the same size with its modification time put back (`touch -r`, or a
  // deploy tool restoring timestamps): the incremental build does not see it, and feed.xml keeps
  // "Example Dailx"; the fresh build writes "Example Daily". The manifest judges a feed file by size and
  // mtime only (README: "whose files are as Herald left them"), so this is the documented limit.
  it.fails(
    "a feed hand-edited to the same size with its mtime restored",
    ({ expect }) =>
      check(expect, {
        mutate: (s) => {
          const feed = s.path(`${OUT}/feed.xml`);
          execFileSync("cp", ["--preserve=timestamps", feed, s.path("feed.xml.ref")]);
          s.write(`${OUT}/feed.xml`, s.read(`${OUT}/feed.xml`).replace("Example Daily", "Example Dailx"));
          execFileSync("touch", ["-r", s.path("feed.xml.ref"), feed]);
        },
      }),
    120_000,
  );
});
