// Files beside an article are served only when a visible article shows them, and never through a
// symlink: a draft's or a scheduled article's images, a file nobody references and a file swapped
// for a link to something outside content/ all answer 404, and the swapped article is not published.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { startServer } from "../../src/serve.ts";
import { pngBytes } from "../content/factories.ts";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function article(folder: string, front: string, body: string, content: string): void {
  mkdirSync(join(content, folder), { recursive: true });
  writeFileSync(join(content, folder, "index.md"), `---\ntitle: ${folder}\n${front}---\n\n${body}\n`);
  writeFileSync(join(content, folder, "shown.png"), pngBytes(4, 3));
  writeFileSync(join(content, folder, "unreferenced.png"), pngBytes(4, 3));
}

async function serve(prepare: (content: string, outside: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "herald-assets-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const content = join(dir, "content");
  const outside = join(dir, "outside");
  mkdirSync(content);
  mkdirSync(outside);
  prepare(content, outside);
  const config = fromObject(
    { site: { url: "http://localhost:1/" }, server: { port: 0, host: "127.0.0.1" } },
    { base: dir, env: {} },
  );
  const server = await startServer(config, createLogger("silent"), {
    federation: false,
    settleMs: 0,
    schedules: false,
  });
  cleanup.push(() => server.close());
  return (path: string) => fetch(new URL(path, server.url));
}

describe("images beside an article", () => {
  it("are served when a visible article shows them, and only those", async () => {
    const get = await serve((content) => {
      article("visible", "", "![a photo](shown.png)\n\nText.", content);
      article("draft", "draft: true\n", "![a photo](shown.png)\n\nText.", content);
      article("later", "publish_at: 2999-01-01\n", "![a photo](shown.png)\n\nText.", content);
    });
    expect((await get("/articles/visible/shown.png")).status).toBe(200);
    expect((await get("/articles/visible/unreferenced.png")).status).toBe(404);
    for (const slug of ["draft", "later"]) {
      expect((await get(`/articles/${slug}/`)).status, slug).toBe(404);
      expect((await get(`/articles/${slug}/shown.png`)).status, slug).toBe(404);
    }
  });

  it("never follow a symlink to a file outside content/, in the article or its images", async () => {
    const get = await serve((content, outside) => {
      writeFileSync(join(outside, "secret.md"), "---\ntitle: Secret\n---\n\nPRIVATE KEY MATERIAL\n");
      writeFileSync(join(outside, "secret.png"), pngBytes(2, 2));
      symlinkSync(join(outside, "secret.md"), join(content, "linked.md"));
      article("photo", "", "![x](shown.png)\n\nText.", content);
      unlinkSync(join(content, "photo", "shown.png"));
      symlinkSync(join(outside, "secret.png"), join(content, "photo", "shown.png"));
    });
    expect((await get("/articles/linked/")).status).toBe(404);
    const feed = await (await get("/feed.json")).text();
    expect(feed).not.toContain("PRIVATE KEY MATERIAL");
    expect((await get("/articles/photo/shown.png")).status).toBe(404);
  });
});
