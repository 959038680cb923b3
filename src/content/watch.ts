import { watch } from "chokidar";

// The fast path behind the scheduled scan: tell the caller when something under content/ changed.
// Node's recursive fs.watch loses a file once an editor saves it by renaming a temporary file over
// it (vim, `sed -i`, rsync, git checkout): the inode it watched is gone. chokidar watches folders,
// follows new ones, and reports such saves, deletions and moves as plain changes.

export interface ContentWatcher {
  /** Resolves once every folder is watched: a change made before that may go unseen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Hidden files and folders (`.git`, `.foo.md.swp`, rsync's `.foo.md.Xy12`) are noise; the save lands as a change to the real name. */
const HIDDEN = /(?:^|[/\\])\./u;

export function watchContent(
  dir: string,
  onChange: (path: string) => void,
  onError: (error: unknown) => void,
): ContentWatcher {
  const watcher = watch(dir, {
    ignoreInitial: true,
    followSymlinks: false,
    // Saves by rename are reported as one change of the real file, not an unlink and an add.
    atomic: true,
    ignored: (path: string) => HIDDEN.test(path.slice(dir.length)),
  });
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  watcher.on("all", (_event, path) => onChange(path));
  watcher.on("error", onError);
  return { ready, close: () => watcher.close() };
}
