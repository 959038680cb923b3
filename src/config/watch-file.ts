// Tells when the config file was saved. The folder is watched, not the file: editors save by writing a
// temporary file and renaming it over the old one (a watch on the old inode would go quiet), and
// Kubernetes swaps a symlinked folder. Saves come in several writes, so `changed` is called once the
// folder has been quiet for `debounceMs`, and only when the file's bytes differ from the last time.
import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";

export interface ConfigFileWatcher {
  close(): void;
}

export function watchConfigFile(
  file: string,
  changed: () => void,
  options: { debounceMs: number; failed: (error: Error) => void },
): ConfigFileWatcher {
  let last = fingerprint(file);
  let timer: NodeJS.Timeout | undefined;
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = fingerprint(file);
      if (now === last) return;
      last = now;
      changed();
    }, options.debounceMs);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, settle);
    watcher.on("error", (error) => options.failed(error));
  } catch (error) {
    options.failed(error as Error);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/** A missing or unreadable file is a state too: the loader will say what is wrong with it. */
function fingerprint(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch (error) {
    return `unreadable: ${(error as NodeJS.ErrnoException).code ?? "error"}`;
  }
}
