// Starts a real Herald (serve) on loopback with its own content and data dirs, for federation tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { freePort } from "../helpers/apbot.ts";
import type { VerifyingInbox } from "../helpers/inbox.ts";
import { createTestSchema } from "../store/contract-postgres.ts";

export interface HeraldUnderTest {
  server: RunningServer;
  origin: string;
  actorUrl: string;
  dir: string;
  content: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  stop(): Promise<void>;
}

/** Where the Herald under test keeps its state: SQLite in its data dir, or a throwaway PostgreSQL schema. */
export type TestStore = "sqlite" | "postgres";

export async function startHerald(
  overrides: Record<string, unknown> = {},
  dir?: string,
  store: TestStore = "sqlite",
): Promise<HeraldUnderTest> {
  const schema = store === "postgres" ? await createTestSchema() : undefined;
  const root = dir ?? mkdtempSync(join(tmpdir(), "herald-fed-"));
  const content = join(root, "content");
  mkdirSync(content, { recursive: true });
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const config = fromObject(
    {
      site: { url: `${origin}/`, timezone: "Asia/Shanghai", language: "zh-CN", title: "Herald test" },
      server: { port, host: "127.0.0.1" },
      bot: { username: "news", name: "Herald News", summary: "Test bot." },
      ...overrides,
      federation: { allowPrivateAddress: true, ...(overrides.federation as object) },
      ...(schema ? { database: { url: `${schema.url}?search_path=${schema.name}` } } : {}),
    },
    { base: root, env: {} },
  );
  const server = await startServer(config, createLogger(process.env.HERALD_TEST_LOG ?? "silent"), {
    schedules: false,
    settleMs: 0,
  }).catch(async (error: unknown) => {
    await schema?.drop();
    throw error;
  });
  // Overrides may name another site URL: ids are built from it.
  const served = new URL(config.site.url).origin;
  return {
    server,
    origin: served,
    actorUrl: `${served}/users/${config.bot.username}`,
    dir: root,
    content,
    write(rel, text) {
      mkdirSync(join(content, rel, ".."), { recursive: true });
      writeFileSync(join(content, rel), text);
    },
    remove(rel) {
      rmSync(join(content, rel));
    },
    async stop() {
      await server.close();
      await schema?.drop();
    },
  };
}

/**
 * Waits until Herald's inbox queue and outbox hold nothing, waiting or being handled: whatever was queued
 * so far (deliveries out, activities in, and what handling them queued in turn) has been handled.
 * A message is deleted only after its handler has finished, and a handler queues what it causes
 * before it finishes, so once the queue is empty nothing more is on its way, to a peer or to the
 * store: the moment to check that something did not happen. Both queues delete a handled message
 * with their next claim, right after it.
 */
export async function drained(server: RunningServer, timeoutMs = 15_000): Promise<void> {
  // The runtime created the queue at start-up; this returns that one, whatever the concurrency says.
  const queue = server.storage.queue({ concurrency: 1 });
  const outbox = server.storage.outbox();
  let left = 0;
  await until(async () => {
    left = (await queue.exportMessages()).length + (await outbox.exportOutbox()).deliveries.length;
    return left === 0;
  }, timeoutMs).catch(() => {
    throw new Error(`Herald's queues still hold ${left} message(s) and deliveries after ${timeoutMs} ms.`);
  });
}

/**
 * Waits until Herald's inbox queue is empty and every delivery still in its outbox has been tried at
 * least once, or waits behind its server's open circuit. Where deliveries are refused (a private
 * address, a dead server), they stay in the outbox for a retry minutes later and `drained` would
 * never see it empty; this is the end to wait for instead: every activity taken in so far has been
 * handled (and what it queued is in the outbox), and every delivery queued so far has gone out,
 * been refused, or is held because its server's earlier deliveries were.
 */
export async function tried(server: RunningServer, timeoutMs = 15_000): Promise<void> {
  const queue = server.storage.queue({ concurrency: 1 });
  const outbox = server.storage.outbox();
  let left: string[] = [];
  await until(async () => {
    const messages = (await queue.exportMessages()).length;
    const open = new Set(
      (await outbox.circuits())
        .filter((c) => c.openUntilMs !== null && c.openUntilMs > Date.now())
        .map((c) => c.host),
    );
    left = (await outbox.exportOutbox()).deliveries
      .filter((d) => d.attempt === 0 && !open.has(d.host))
      .map((d) => d.inbox);
    return messages === 0 && left.length === 0;
  }, timeoutMs).catch(() => {
    throw new Error(
      `Herald's queue or outbox still holds untried work after ${timeoutMs} ms: ${left.join(", ")}`,
    );
  });
}

export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `name`, an actor of the verifying inbox, follows `target` (an actor URL) through Herald's shared
 * inbox at `origin`, signed draft-cavage; resolves once Herald's Accept of that Follow arrived.
 */
export async function followAs(
  inbox: VerifyingInbox,
  origin: string,
  name: string,
  target: string,
  id = `${inbox.actorUrl(name)}#follow-${target.split("/").at(-1)}`,
): Promise<void> {
  const follow = { id, type: "Follow", object: target };
  const res = await inbox.signedPost(`${origin}/inbox`, follow, { scheme: "cavage", as: name });
  if (res.status !== 202) throw new Error(`Follow of ${target} as ${name} answered ${res.status}`);
  await inbox.waitFor(
    (d) => d.activity.type === "Accept" && (d.activity.object as { id?: unknown } | undefined)?.id === id,
  );
}
