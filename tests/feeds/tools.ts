// Real validators and readers run as child processes. CI installs them; a missing tool is a
// failure with an install hint, never a silent skip.

import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

export const XMLLINT = "/usr/bin/xmllint";
export const PYTHON = "/usr/bin/python3";
export const NEWSBOAT = "/usr/bin/newsboat";

export function requireExecutable(path: string, aptPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing; install it with: apt-get install -y ${aptPackage}.`);
  }
  return path;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    env: options.env ?? process.env,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 20_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Fails with the tool's own diagnostics when it exits non-zero. */
export function runOk(
  command: string,
  args: readonly string[],
  options?: Parameters<typeof run>[2],
): RunResult {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${result.status}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result;
}

/** What feedparser_check.py reports of one feed (the fields the tests read). */
export interface ParsedFeed {
  bozo: number;
  bozo_exception: string | null;
  version: string;
  feed: { title: string; link: string; links: { rel: string; href: string }[]; id: string | null };
  entries: { id: string; title: string; link: string; published: string; authors: { name: string }[] }[];
}

/** The Universal Feed Parser's reading of each URL or file, by the URL or file given. */
export async function parseWithFeedparser(sources: readonly string[]): Promise<Record<string, ParsedFeed>> {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const script = new URL("./feedparser_check.py", import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(PYTHON, [script, ...sources], { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, ParsedFeed>;
}
