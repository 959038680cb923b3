// The corpus as a user would publish it: `herald build` over the whole folder, then the feeds
// read back. What derivation found must reach readers as data: the original as JSON Feed
// `external_url` and Atom `link rel="via"`, credits in the body or the attribution block, the caption as the
// cover's media:description.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKey } from "./evaluate.ts";

const root = resolve(import.meta.dirname, "../..");
const CORPUS = join(root, "tests/fixtures/corpus");
const key = loadKey(CORPUS);

interface JsonItem {
  id: string;
  url: string;
  title: string;
  summary: string;
  content_html: string;
  external_url?: string;
  image?: string;
}

function build(): { json: { items: JsonItem[] }; atom: string; rss: string } {
  const dir = mkdtempSync(join(tmpdir(), "herald-corpus-"));
  cpSync(CORPUS, join(dir, "content"), { recursive: true, filter: (src) => !src.endsWith(".json") });
  writeFileSync(
    join(dir, "herald.yaml"),
    "site:\n  url: https://news.example.org/\ncontent:\n  dir: content\ndata:\n  dir: data\nfeeds:\n  limit: 500\n",
  );
  const r = spawnSync(
    process.execPath,
    [join(root, "bin/herald.js"), "build", "--config", "herald.yaml", "--out", "out"],
    {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, HERALD_CONFIG: "", PORT: "", LOG_LEVEL: "silent" },
      timeout: 120_000,
    },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const read = (f: string) => readFileSync(join(dir, "out", f), "utf8");
  return {
    json: JSON.parse(read("feed.json")) as { items: JsonItem[] },
    atom: read("atom.xml"),
    rss: read("feed.xml"),
  };
}

function slugOf(file: string): string {
  return file.replace(/\.md$/u, "");
}

describe("the corpus through herald build", () => {
  const feeds = build();
  const bySlug = new Map(
    feeds.json.items.map((i) => [decodeURIComponent(new URL(i.url).pathname.split("/")[2]!), i]),
  );

  it("publishes every article", () => {
    expect(feeds.json.items).toHaveLength(Object.keys(key).length);
  });

  it("gives the original as external_url and Atom via, the summary and the credits", () => {
    for (const [file, expected] of Object.entries(key)) {
      const item = bySlug.get(slugOf(file));
      expect(item, file).toBeDefined();
      expect(item!.summary.startsWith(expected.summaryStart), `${file} summary`).toBe(true);
      const original = expected.source?.url ?? expected.via?.url;
      expect(item!.external_url, `${file} external_url`).toBe(original);
      if (original !== undefined) {
        const entry = feeds.atom.slice(feeds.atom.indexOf(`<id>${item!.id}</id>`));
        const via = /<link rel="via" type="text\/html" href="([^"]+)"/u.exec(
          entry.slice(0, entry.indexOf("</entry>")),
        );
        expect(via?.[1]?.replaceAll("&amp;", "&"), `${file} atom via`).toBe(original);
      }
      // Credited once: in the body's own credit line, else in the attribution block.
      for (const role of ["translator", "editor", "publisher"] as const) {
        for (const person of expected.credits[role] ?? []) {
          expect(item!.content_html, `${file} ${role} ${person.name}`).toContain(person.name);
        }
      }
    }
  });

  it("describes each cover with its caption and credit", () => {
    for (const [file, expected] of Object.entries(key)) {
      const item = bySlug.get(slugOf(file))!;
      expect(item.image, `${file} image`).toBe(expected.cover?.url);
      if (expected.cover?.alt) {
        expect(feeds.rss, `${file} media:description`).toContain(
          `<media:description type="plain">${expected.cover.alt.replaceAll("&", "&amp;").replaceAll("<", "&lt;")}</media:description>`,
        );
      }
    }
  });
});
