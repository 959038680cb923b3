#!/usr/bin/env node
// Thin launcher so `npx herald` works; Node 24 runs the TypeScript sources directly.
import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// Node's compile cache keeps the compiled code of every module between runs, so a command starts
// from cached code instead of parsing Herald and its dependencies afresh. NODE_COMPILE_CACHE wins
// (Node enables it by itself); then the OS's cache folder. An unwritable or missing folder only
// means no cache: Node reports it and carries on, and so does the catch below.
if (!process.env.NODE_COMPILE_CACHE && module.enableCompileCache) {
  try {
    const cacheHome =
      process.env.XDG_CACHE_HOME ||
      (process.platform === "win32"
        ? (process.env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"))
        : process.platform === "darwin"
          ? join(homedir(), "Library", "Caches")
          : join(homedir(), ".cache"));
    module.enableCompileCache(join(cacheHome, "herald", "compile-cache"));
  } catch {
    // No cache this run.
  }
}

const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
