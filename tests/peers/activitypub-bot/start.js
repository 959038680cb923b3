// activitypub.bot (@evanp/activitypub-bot) as Herald's tests run it: the ActivityPub server on
// 127.0.0.1:PORT with its URLs on ORIGIN, hosting one bot, `watcher` (see watcher.js), and a control
// server on 127.0.0.1:CONTROL_PORT through which a test drives that bot.
//
//   ORIGIN=http://localhost:9000 PORT=9000 CONTROL_PORT=9001 WATCH_LOG=received.jsonl node start.js
//
// Control requests (answers are JSON):
//   POST /follow?actor=URL     the watcher follows the actor: the Follow it sent
//   POST /unfollow?actor=URL   the watcher undoes that follow: the Undo it sent
//   GET  /following            {"following": [actor ids], "pending": [actor ids not yet accepted]}
//   GET  /ping                 {"ok": true} once the bot is ready
// SIGTERM closes both servers and the bot's database, then exits.
import http from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { makeApp } from "@evanp/activitypub-bot";
import { Watcher } from "./watcher.js";

const port = Number(process.env.PORT ?? 9000);
const origin = process.env.ORIGIN ?? `http://localhost:${port}`;
const controlPort = Number(process.env.CONTROL_PORT ?? port + 1);
const watcher = new Watcher("watcher", process.env.WATCH_LOG ?? "received.jsonl");

// The bot's page templates, which makeApp looks for relative to the working directory by default.
const web = join(
  dirname(createRequire(import.meta.url).resolve("@evanp/activitypub-bot/package.json")),
  "web",
);

const app = await makeApp({
  databaseUrl: process.env.DATABASE_URL ?? "sqlite::memory:",
  origin,
  bots: { watcher },
  logLevel: process.env.LOG_LEVEL ?? "info",
  indexFileName: join(web, "index.html"),
  profileFileName: join(web, "profile.html"),
  // Herald runs on loopback in the tests.
  allowPrivateNetworkRequests: true,
});

const server = app.listen(port, "127.0.0.1", () =>
  console.log(
    `activitypub.bot on ${origin} (bound to 127.0.0.1:${port}; control on 127.0.0.1:${controlPort})`,
  ),
);

async function ids(iterable) {
  const out = [];
  for await (const actor of iterable) out.push(typeof actor === "string" ? actor : actor.id);
  return out;
}

async function control(method, url) {
  const context = watcher._context;
  const actorParam = url.searchParams.get("actor");
  if (method === "GET" && url.pathname === "/ping") return { ok: true };
  if (method === "GET" && url.pathname === "/following") {
    return { following: await ids(context.following()), pending: await ids(context.pendingFollowing()) };
  }
  if (method === "POST" && (url.pathname === "/follow" || url.pathname === "/unfollow") && actorParam) {
    const actor = await context.getObject(actorParam);
    const sent =
      url.pathname === "/follow" ? await context.followActor(actor) : await context.unfollowActor(actor);
    return await sent.export();
  }
  return undefined;
}

const controlServer = http.createServer(async (req, res) => {
  res.setHeader("content-type", "application/json");
  try {
    const answer = await control(req.method, new URL(req.url ?? "/", "http://control.invalid"));
    if (answer === undefined) res.statusCode = 404;
    res.end(JSON.stringify(answer ?? { error: `no such control request: ${req.method} ${req.url}` }));
  } catch (e) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(e?.stack ?? e) }));
  }
});
controlServer.listen(controlPort, "127.0.0.1");

process.once("SIGTERM", () => {
  controlServer.close();
  server.close(async () => {
    await app.cleanup();
    process.exit(0);
  });
});
