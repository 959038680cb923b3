// Cover images looked at once, kept, shown from the copy, and retried after a failure: CoverMedia on a
// real SQLite file in a temp dir, against a loopback image server.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CoverSighting } from "../../src/content/library.ts";
import type { Article } from "../../src/content/model.ts";
import { CoverMedia } from "../../src/media/covers.ts";
import { fetchImage, NotAnImageError } from "../../src/media/fetch.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { siteUrls } from "../../src/urls.ts";
import { makeArticle } from "../feeds/fixtures.ts";
import { type ImageServer, routes, startImageServer } from "../helpers/image-server.ts";

const urls = siteUrls("https://news.example.org/");
const ARTICLE_URL = urls.article("harbor");

let site: ImageServer;
let jpeg: Buffer;
beforeAll(async () => {
  site = await startImageServer();
  jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#2a6f97" } })
    .jpeg()
    .toBuffer();
  // Served with a useless type: the type comes from the bytes.
  site.route("/photos/harbor.jpg", routes.bytes(jpeg, "application/octet-stream"));
  site.route("/photos/gone.jpg", routes.status(404));
  site.route("/photos/page.jpg", routes.bytes(Buffer.from("<!doctype html><p>Log in</p>"), "image/jpeg"));
});
afterAll(() => site.close());

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "herald-covers-"));
  dirs.push(dir);
  const file = join(dir, "herald.sqlite");
  let now = new Date("2026-03-01T08:00:00Z");
  const stores: SqliteStore[] = [];
  const open = async () => {
    const store = new SqliteStore(file);
    stores.push(store);
    return CoverMedia.open({
      store: store.media,
      urls,
      contentDir: join(dir, "content"),
      dataDir: join(dir, "data"),
      mirror: true,
      allowPrivateAddress: true,
      now: () => now,
    });
  };
  return {
    dir,
    open,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    close: () => {
      for (const s of stores) s.close();
    },
  };
}

const sighting = (url: string, articleId = "harbor"): CoverSighting => ({
  articleId,
  articlePath: `${articleId}/index.md`,
  articleUrl: ARTICLE_URL,
  cover: { url, alt: "清晨的码头" },
});

const article = (cover: string): Article =>
  makeArticle({
    id: "harbor",
    path: "harbor/index.md",
    url: ARTICLE_URL,
    title: "港口的早晨",
    summary: "",
    contentHtml: `<p><img src="${cover}" alt="清晨的码头"></p><p>天还没亮。</p>`,
    lang: "zh-CN",
    cover: { url: cover, alt: "清晨的码头" },
    published: "2026-03-01T00:00:00.000Z",
    updated: "2026-03-01T00:00:00.000Z",
    contentHash: "h",
  });

describe("remote covers", () => {
  it("judges the type by the bytes: an HTML page served as image/jpeg is not an image", async () => {
    const error = await fetchImage(`${site.origin}/photos/page.jpg`, { allowPrivateAddress: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotAnImageError);
    const ok = await fetchImage(`${site.origin}/photos/harbor.jpg`, { allowPrivateAddress: true });
    expect(ok.mediaType).toBe("image/jpeg");
  });

  it("fetches a new cover once, keeps a copy, shows the copy, and does not fetch it again after a restart", async () => {
    const t = setup();
    try {
      const source = `${site.origin}/photos/harbor.jpg`;
      const hits = () => site.hits.get("/photos/harbor.jpg") ?? 0;
      const before = hits();
      const media = await t.open();
      await media.notice([sighting(source)]);
      expect(await media.process()).toBe(1);
      expect(hits()).toBe(before + 1);

      const record = media.record(source)!;
      expect(record).toMatchObject({
        state: "ready",
        mediaType: "image/jpeg",
        width: 40,
        height: 30,
        mirrored: true,
      });
      const copy = join(t.dir, "data", "media", `${record.sha256}.jpg`);
      expect(readFileSync(copy).equals(jpeg)).toBe(true);

      const shown = media.show(article(source));
      expect(shown.cover).toMatchObject({
        url: `https://news.example.org/media/${record.sha256}.jpg`,
        source,
        mediaType: "image/jpeg",
        width: 40,
        height: 30,
        length: jpeg.length,
        alt: "清晨的码头",
      });
      expect(shown.cover!.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{28}$/);
      // The same picture in the body comes from the copy too.
      expect(shown.contentHtml).toContain(`src="${shown.cover!.url}"`);
      expect(shown.contentHtml).not.toContain(source);

      // Seen again on later scans (a re-read file, another article): nothing to do.
      await media.notice([sighting(source), sighting(source, "other")]);
      expect(await media.process()).toBe(0);
      t.close();

      // A restart reads what was recorded: same cover, no request.
      const restarted = await t.open();
      expect(restarted.show(article(source)).cover).toEqual(shown.cover);
      await restarted.notice([sighting(source)]);
      expect(await restarted.process()).toBe(0);
      expect(hits()).toBe(before + 1);
    } finally {
      t.close();
    }
  });

  it("falls back to the original URL typed by its extension, and retries with a backoff, remembered across restarts", async () => {
    const t = setup();
    try {
      const source = `${site.origin}/photos/gone.jpg`;
      const hits = () => site.hits.get("/photos/gone.jpg") ?? 0;
      const media = await t.open();
      await media.notice([sighting(source)]);
      expect(await media.process()).toBe(0);
      expect(hits()).toBe(1);
      const failed = media.record(source)!;
      expect(failed).toMatchObject({ state: "failed", attempts: 1, error: { reason: "http-status" } });
      expect(failed.retryAt).toBe("2026-03-01T08:05:00.000Z");
      expect(media.show(article(source)).cover).toEqual({
        url: source,
        alt: "清晨的码头",
        mediaType: "image/jpeg",
      });

      // Not due yet: no request.
      t.advance(60_000);
      await media.process();
      expect(hits()).toBe(1);

      // Due after 5 minutes; a second failure waits twice as long. A restart remembers.
      t.advance(4 * 60_000);
      await media.process();
      expect(hits()).toBe(2);
      expect(media.record(source)).toMatchObject({ attempts: 2, retryAt: "2026-03-01T08:15:00.000Z" });
      t.close();
      const restarted = await t.open();
      await restarted.process();
      expect(hits()).toBe(2);

      // The site is back: the next due retry mirrors it.
      site.route("/photos/gone.jpg", routes.bytes(jpeg, "image/jpeg"));
      t.advance(10 * 60_000);
      expect(await restarted.process()).toBe(1);
      expect(hits()).toBe(3);
      const ready = restarted.record(source)!;
      expect(ready).toMatchObject({ state: "ready", attempts: 0, retryAt: null });
      expect(ready.error).toBeUndefined();
      expect(existsSync(join(t.dir, "data", "media", `${ready.sha256}.jpg`))).toBe(true);
      expect(restarted.show(article(source)).cover?.url).toBe(
        `https://news.example.org/media/${ready.sha256}.jpg`,
      );
    } finally {
      site.route("/photos/gone.jpg", routes.status(404));
      t.close();
    }
  });

  it("records a refused address as a failure, like any other", async () => {
    const t = setup();
    try {
      const dir = t.dir;
      const store = new SqliteStore(join(dir, "strict.sqlite"));
      const strict = await CoverMedia.open({
        store: store.media,
        urls,
        contentDir: join(dir, "content"),
        dataDir: join(dir, "data"),
        mirror: true,
        allowPrivateAddress: false,
      });
      const source = `${site.origin}/photos/harbor.jpg`;
      await strict.notice([sighting(source)]);
      await strict.process();
      expect(strict.record(source)).toMatchObject({ state: "failed", error: { reason: "private-address" } });
      store.close();
    } finally {
      t.close();
    }
  });
});
