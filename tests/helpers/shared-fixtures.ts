/**
 * Fixtures in the workplace's shared folder (`../shared/fixtures`, beside the clone), which the project must
 * not copy (someone else's writing, see its README there). A clone elsewhere has no such folder: tests that
 * read one skip, and say which file is missing, instead of failing.
 *
 *   it("derives a summary from the reference article", (ctx) => {
 *     const path = requireSharedFixture(ctx, "reference-article.md");
 *     ...
 *   });
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestContext } from "vitest";

/** The shared fixtures folder: `fixtures` in the `shared` folder beside the repository. */
export const SHARED_FIXTURES_DIR = resolve(import.meta.dirname, "../../../shared/fixtures");

/** The path of shared fixture `name` (e.g. "reference-article.md"), or undefined when it is not there. */
export function sharedFixture(name: string): string | undefined {
  const path = join(SHARED_FIXTURES_DIR, name);
  return existsSync(path) ? path : undefined;
}

/** The message a test skips with when shared fixture `name` is absent. */
export function sharedFixtureMissing(name: string): string {
  return (
    `skipped: ../shared/fixtures/${name} is not beside this clone (it is only in the workplace; ` +
    `looked for ${join(SHARED_FIXTURES_DIR, name)})`
  );
}

/**
 * The path of shared fixture `name`; when it is absent, skips the running test with a message saying so
 * (shown by the reporter beside the skipped test, and printed).
 */
export function requireSharedFixture(ctx: Pick<TestContext, "skip">, name: string): string {
  const path = sharedFixture(name);
  if (path) return path;
  const message = sharedFixtureMissing(name);
  console.warn(message);
  return ctx.skip(message);
}
