// Every way an editor's tools save a file must be seen: in place, by renaming a temporary file
// over it (vim, `sed -i`, rsync), by deleting and recreating it (git checkout), in a new folder,
// and deleting it. Each case waits for the watcher to report the article's own path.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ContentWatcher, watchContent } from "../../src/content/watch.ts";

const open: ContentWatcher[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});

async function watched() {
  const dir = mkdtempSync(join(tmpdir(), "herald-watch-"));
  writeFileSync(join(dir, "post.md"), "---\ntitle: A\n---\n\nOne.\n");
  const seen: string[] = [];
  const waiters: Array<() => void> = [];
  const w = watchContent(
    dir,
    (path) => {
      seen.push(path);
      for (const wake of waiters.splice(0)) wake();
    },
    (error) => {
      throw error;
    },
  );
  open.push(w);
  await w.ready;
  /** Resolves when `path` (relative to the folder) has been reported since `from`. */
  const sees = async (path: string, from: number, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!seen.slice(from).includes(join(dir, path))) {
      if (Date.now() > deadline)
        throw new Error(`${path} not reported; saw ${JSON.stringify(seen.slice(from))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
    expect(seen.slice(from)).toContain(join(dir, path));
  };
  return { dir, seen, sees };
}

describe("watchContent", () => {
  it("sees an in-place write, a vim-style save, sed -i and an rsync-style save, each in turn", async () => {
    const { dir, seen, sees } = await watched();
    let from = seen.length;
    writeFileSync(join(dir, "post.md"), "---\ntitle: A\n---\n\nTwo.\n");
    await sees("post.md", from);

    // vim: write a backup/swap, rename the new file over the old one.
    from = seen.length;
    writeFileSync(join(dir, ".post.md.swp"), "swap");
    writeFileSync(join(dir, "post.md~"), "new");
    renameSync(join(dir, "post.md~"), join(dir, "post.md"));
    unlinkSync(join(dir, ".post.md.swp"));
    await sees("post.md", from);

    // The real sed -i: a temporary file renamed over the original.
    from = seen.length;
    execFileSync("sed", ["-i", "s/new/newer/", join(dir, "post.md")]);
    await sees("post.md", from);

    // rsync: a hidden temporary beside the file, renamed over it at the end.
    from = seen.length;
    writeFileSync(join(dir, ".post.md.AbC123"), "---\ntitle: R\n---\n\nSynced.\n");
    renameSync(join(dir, ".post.md.AbC123"), join(dir, "post.md"));
    await sees("post.md", from);

    // And after all those renames, a plain write is still seen.
    from = seen.length;
    writeFileSync(join(dir, "post.md"), "---\ntitle: A\n---\n\nLast.\n");
    await sees("post.md", from);
  });

  it("sees a git-checkout style delete and recreate, a new folder, and a deletion", async () => {
    const { dir, seen, sees } = await watched();
    let from = seen.length;
    unlinkSync(join(dir, "post.md"));
    writeFileSync(join(dir, "post.md"), "---\ntitle: B\n---\n\nCheckout.\n");
    await sees("post.md", from);

    from = seen.length;
    mkdirSync(join(dir, "new-folder"));
    writeFileSync(join(dir, "new-folder", "index.md"), "---\ntitle: C\n---\n\nNew.\n");
    await sees("new-folder/index.md", from);
    from = seen.length;
    writeFileSync(join(dir, "new-folder", "index.md"), "---\ntitle: C\n---\n\nEdited.\n");
    await sees("new-folder/index.md", from);

    from = seen.length;
    rmSync(join(dir, "post.md"));
    await sees("post.md", from);
    expect(seen.length).toBeGreaterThan(from);
  });
});
