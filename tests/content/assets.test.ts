import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAsset } from "../../src/content/assets.ts";
import { makeContentDir, pngBytes, writeFile } from "./factories.ts";

describe("resolveAsset", () => {
  it("finds a file beside index.md, and beside a flat file", () => {
    const root = makeContentDir();
    const photo = writeFile(root, "foo/img/photo.png", pngBytes(1, 1));
    writeFile(root, "pic.png", pngBytes(1, 1));
    expect(resolveAsset(root, "foo/index.md", "img/photo.png")).toBe(realpathSync(photo));
    expect(resolveAsset(root, "foo/index.md", "./img/../img/photo.png?v=2#x")).toBe(realpathSync(photo));
    expect(resolveAsset(root, "news.md", "pic.png")).toBe(realpathSync(join(root, "pic.png")));
  });

  it("decodes percent-encoding as markdown-it writes it, and accepts already-decoded paths", () => {
    const root = makeContentDir();
    const file = writeFile(root, "foo/图片 1.png", pngBytes(1, 1));
    expect(resolveAsset(root, "foo/index.md", "%E5%9B%BE%E7%89%87%201.png")).toBe(realpathSync(file));
    expect(resolveAsset(root, "foo/index.md", "图片 1.png")).toBe(realpathSync(file));
  });

  it.each([
    "../../etc/passwd",
    "../secret.png",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "https://example.org/x.png",
    "//example.org/x.png",
    "..\\..\\etc\\passwd",
    "a%00.png",
  ])("rejects the escape attempt %s", (ref) => {
    const root = makeContentDir();
    writeFile(root, "secret.png", pngBytes(1, 1));
    writeFile(root, "foo/index.md", "---\ntitle: T\n---\n");
    expect(resolveAsset(root, "foo/index.md", ref)).toBeUndefined();
  });

  it("rejects a symlink that points outside the content dir", () => {
    const root = makeContentDir();
    const outside = mkdtempSync(join(tmpdir(), "herald-outside-"));
    writeFile(outside, "secret.png", pngBytes(1, 1));
    mkdirSync(join(root, "foo"));
    symlinkSync(join(outside, "secret.png"), join(root, "foo", "innocent.png"));
    symlinkSync(outside, join(root, "foo", "dir"));
    expect(resolveAsset(root, "foo/index.md", "innocent.png")).toBeUndefined();
    expect(resolveAsset(root, "foo/index.md", "dir/secret.png")).toBeUndefined();
  });

  it("allows a symlink that stays inside the content dir", () => {
    const root = makeContentDir();
    const shared = writeFile(root, "shared/logo.png", pngBytes(1, 1));
    mkdirSync(join(root, "foo"));
    symlinkSync(shared, join(root, "foo", "logo.png"));
    expect(resolveAsset(root, "foo/index.md", "logo.png")).toBe(realpathSync(shared));
  });

  it("never serves Markdown sources, hidden files, folders or missing files", () => {
    const root = makeContentDir();
    writeFile(root, "foo/index.md", "---\ntitle: T\n---\n");
    writeFile(root, "foo/draft.markdown", "secret draft");
    writeFile(root, "foo/.env", "TOKEN=x");
    writeFile(root, "foo/.git/config", "x");
    mkdirSync(join(root, "foo", "sub"));
    symlinkSync(join(root, "foo", "index.md"), join(root, "foo", "alias.png"));
    for (const ref of [
      "index.md",
      "draft.markdown",
      ".env",
      ".git/config",
      "sub",
      "missing.png",
      "alias.png",
      "",
    ]) {
      expect(resolveAsset(root, "foo/index.md", ref)).toBeUndefined();
    }
  });
});
