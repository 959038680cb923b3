// One content-pipeline measurement, run in its own process so peak memory is its own.
//   node bench/content.ts MODE CORPUS_DIR WORK_DIR
// Prints one JSON line: { mode, ms, perArticleUs, maxRssMb, ... }.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import matter from "gray-matter";
import MarkdownIt from "markdown-it";
import { openLibrary, renderFeeds } from "../src/build.ts";
import { fromObject } from "../src/config/load.ts";
import { scanContent } from "../src/content/scan.ts";
import { SqliteStore } from "../src/store/sqlite.ts";

const [mode, corpus, work] = process.argv.slice(2) as [string, string, string];

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".md")) out.push(p);
  }
  return out;
}

function config() {
  return fromObject(
    {
      site: { url: "https://news.example.org/", timezone: "Asia/Shanghai", language: "zh-CN" },
      content: { dir: corpus },
      data: { dir: work },
    },
    { base: work, env: {} },
  );
}

async function time<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const result: Record<string, unknown> = { mode };
switch (mode) {
  case "stat": {
    // Baseline: a bare readdir + stat of every file.
    const { ms, value } = await time(() => walk(corpus).map((f) => statSync(f).size));
    Object.assign(result, { ms, files: value.length });
    break;
  }
  case "render": {
    // Baseline: a bare read + front matter + Markdown render of every file.
    const md = new MarkdownIt({ html: true, linkify: true });
    const { ms, value } = await time(() => {
      let n = 0;
      for (const f of walk(corpus)) {
        const parsed = matter(readFileSync(f, "utf8"), {});
        n += md.render(parsed.content).length;
      }
      return n;
    });
    Object.assign(result, { ms, bytes: value });
    break;
  }
  case "cold":
  case "warm":
  case "warm-process":
  case "one-changed": {
    const c = config();
    const store = new SqliteStore(join(work, "herald.sqlite"));
    const build = async (lib: Awaited<ReturnType<typeof openLibrary>>) => {
      const r = await lib.refresh();
      if (r.dirty) await renderFeeds(c, lib);
      return r;
    };
    if (mode === "cold" || mode === "warm-process") {
      const { ms, value } = await time(async () => build(await openLibrary(c, store)));
      Object.assign(result, {
        ms,
        articles: value.added.length + value.changed.length,
        rejected: value.rejected.length,
        unchanged: value.unchanged,
      });
    } else {
      const lib = await openLibrary(c, store);
      await build(lib); // bring the in-process state up to date
      if (mode === "one-changed") {
        // The first file by path: the same one on every file system.
        const file = scanContent(corpus).sort((a, b) => (a.path < b.path ? -1 : 1))[0]!;
        writeFileSync(
          file.abs,
          `${readFileSync(file.abs, "utf8")}\n\nOne more sentence for the benchmark.\n`,
        );
      }
      const { ms, value } = await time(() => build(lib));
      Object.assign(result, {
        ms,
        changed: value.changed.length,
        unchanged: value.unchanged,
        dirty: value.dirty,
      });
    }
    store.close();
    break;
  }
  default:
    throw new Error(`Unknown mode ${mode}.`);
}
result.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(result));
