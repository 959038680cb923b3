// The admin dashboard under /admin: login, the status page, and the operator's actions, which
// call the same functions as `herald publish`, `herald retract`, `herald followers remove` and
// `herald sync --once` (src/commands/operate.ts) on the running server.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Herald } from "../../app.ts";
import { feedSite } from "../../build.ts";
import type { Config } from "../../config/load.ts";
import type { Library } from "../../content/library.ts";
import { toFeedItem } from "../../feeds/document.ts";
import type { Logger } from "../../log.ts";
import { publishOn, removeFollowerFrom, retractOn, type Scan } from "../../ops/actions.ts";
import { secretCheck } from "../../ops/admin-secret.ts";
import { blockOn, importBlocklistOn, unblockOn } from "../../ops/blocks.ts";
import { articleDeliveries } from "../../ops/deliveries.ts";
import { deliveryHistory } from "../../ops/history.ts";
import { renderPost } from "../../ops/post.ts";
import { moderateReplyOn } from "../../ops/replies.ts";
import { liveStatus } from "../../ops/status.ts";
import type { Interaction } from "../../store/types.ts";
import { actorUrls, type SiteUrls, siteUrls } from "../../urls.ts";
import type { RouteHandler } from "../server.ts";
import { renderArticleView } from "./article.ts";
import { renderRetract } from "./confirm.ts";
import { renderDashboard } from "./dashboard.ts";
import { clientAddress, cookie, fromSameOrigin, readCookie, readForm, seeOther, sendHtml } from "./http.ts";
import { ADMIN_HEADERS, esc, renderShell } from "./layout.ts";
import { renderLogin } from "./login.ts";
import {
  createFailureLimit,
  createSessions,
  type Flash,
  randomToken,
  type Session,
  sameToken,
} from "./sessions.ts";

/** Followers per dashboard page; replies and mentions loaded for it, and shown per article. */
const FOLLOWERS_PER_PAGE = 50;
const TALK_SHOWN = 200;
const TALK_PER_ARTICLE = 10;
/** Days the charts cover. */
const CHART_DAYS = 30;

export interface AdminDeps {
  config: Pick<Config, "site" | "admin" | "schedule" | "server">;
  herald: Herald;
  /** One scan as the server runs it (its feeds and pages follow). */
  scan: Scan;
  log: Logger;
  /** The site's 404 page (the dashboard is invisible when disabled). */
  notFound?: (req: IncomingMessage, res: ServerResponse) => void;
  /** A reply was hidden or shown: the pages this process serves read their conversations again. */
  onRepliesChanged?: () => void;
  /** The clock of sessions and the login limit (tests; the KV store's own clock decides expiry). */
  now?: () => number;
}

const SESSION_COOKIE = "herald_admin";
/** The login form's double-submit token: there is no session to hold it yet. */
const LOGIN_COOKIE = "herald_admin_login";
const COOKIE_PATH = "/admin";

export function createAdmin(deps: AdminDeps): RouteHandler {
  const { config, herald, log } = deps;
  const urls = siteUrls(config.site.url);
  const check = secretCheck(config.admin);
  const notFound = (req: IncomingMessage, res: ServerResponse): true => {
    if (deps.notFound) deps.notFound(req, res);
    else {
      res.statusCode = 404;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end("Not found.\n");
    }
    return true;
  };
  if (!check) {
    log.info(
      { enable: "HERALD_ADMIN_TOKEN (16+ characters) or admin.passwordHash (herald hash-password)" },
      "admin dashboard disabled: no secret is set",
    );
    return (req, res) => notFound(req, res);
  }
  log.info(
    {
      path: "/admin",
      secret: config.admin.token !== undefined ? "HERALD_ADMIN_TOKEN" : "admin.passwordHash",
    },
    "admin dashboard enabled",
  );

  // In the shared store, so that every web process knows every session and counts every failure.
  const kv = herald.storage.kv;
  const sessions = createSessions({ kv, now: deps.now });
  const failures = createFailureLimit({ kv, now: deps.now });
  const client = (req: IncomingMessage) => clientAddress(req, config.server.trustProxy);
  const siteOrigin = new URL(config.site.url).origin;
  const secure = new URL(config.site.url).protocol === "https:";
  const siteTitle = config.site.title;
  const cookieFor = (name: string, value: string, maxAgeSeconds: number) =>
    cookie(name, value, { path: COOKIE_PATH, secure, maxAge: maxAgeSeconds });

  const loginPage = (req: IncomingMessage, res: ServerResponse, status: number, error?: string): true => {
    const nonce = randomToken();
    sendHtml(req, res, status, renderLogin({ siteTitle, csrf: nonce, error }), {
      ...ADMIN_HEADERS,
      "Set-Cookie": cookieFor(LOGIN_COOKIE, nonce, 3600),
    });
    return true;
  };

  const forbidden = (req: IncomingMessage, res: ServerResponse): true => {
    const main = `<section class="message"><h1>Forbidden</h1><p>This form has expired or was sent from another site. Nothing was changed.</p><p><a href="/admin">Back to the dashboard</a></p></section>`;
    sendHtml(req, res, 403, renderShell({ title: "Forbidden", siteTitle, main }), ADMIN_HEADERS);
    return true;
  };

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<true> => {
    if (!fromSameOrigin(req, siteOrigin)) return forbidden(req, res);
    const ip = client(req);
    const body = await readForm(req);
    if (!body.ok) return loginPage(req, res, body.status, body.message);
    if (!sameToken(body.form.get("csrf"), readCookie(req, LOGIN_COOKIE))) {
      return loginPage(req, res, 403, "The login form expired. Please try again.");
    }
    // Counted before the check, and forgotten on success: parallel guesses cannot outrun the limit.
    const wait = await failures.attempt(ip);
    if (wait > 0) {
      log.warn({ ip, retryAfter: wait }, "admin login refused: too many failures");
      res.setHeader("Retry-After", String(wait));
      return loginPage(req, res, 429, `Too many failed attempts. Try again in ${Math.ceil(wait / 60)} min.`);
    }
    if (!(await check(body.form.get("secret") ?? ""))) {
      log.warn({ ip }, "admin login failed");
      return loginPage(req, res, 401, "Wrong password or token.");
    }
    await failures.reset(ip);
    const session = await sessions.create();
    log.info({ ip }, "admin logged in");
    res.setHeader("Set-Cookie", [
      cookieFor(SESSION_COOKIE, session.id, Math.floor(sessions.maxAgeMs / 1000)),
      cookieFor(LOGIN_COOKIE, "", 0),
    ]);
    seeOther(res, "/admin", ADMIN_HEADERS);
    return true;
  };

  const dashboard = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<true> => {
    const fed = herald.storage.federation;
    // The newest replies and mentions only, a few per article: their counts come from the status.
    const interactions = new Map<string, Interaction[]>();
    for (const i of await fed.listInteractions(undefined, {
      kinds: ["reply", "mention"],
      newest: TALK_SHOWN,
    })) {
      const list = interactions.get(i.articleId) ?? [];
      if (list.length < TALK_PER_ARTICLE) list.push(i);
      interactions.set(i.articleId, list);
    }
    const asked = Number(new URLSearchParams((req.url ?? "").split("?")[1] ?? "").get("followers") ?? 1);
    const followerCount = await fed.countFollowers();
    const pages = Math.max(1, Math.ceil(followerCount / FOLLOWERS_PER_PAGE));
    const page = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), pages) : 1;
    const flash = session.flash;
    if (flash) {
      session.flash = undefined;
      await sessions.save(session);
    }
    const status = await liveStatus(herald);
    const federated = herald.federation !== undefined;
    const html = renderDashboard({
      siteTitle,
      timezone: config.schedule.timezone,
      csrf: session.csrf,
      flash,
      status,
      followers: await fed.listFollowers({
        offset: (page - 1) * FOLLOWERS_PER_PAGE,
        limit: FOLLOWERS_PER_PAGE,
      }),
      followerPages: { page, pages },
      blocks: federated ? await fed.listBlocks() : [],
      interactions,
      hiddenReplies: new Set(
        (await fed.listModeration()).filter((m) => m.hiddenAt !== null).map((m) => m.interactionId),
      ),
      pages: await pageUrls(herald.library, urls),
      federated,
      history: federated
        ? await deliveryHistory(herald.storage, {
            now: new Date(),
            days: CHART_DAYS,
            followersNow: status.followers.accepted,
          })
        : undefined,
    });
    sendHtml(req, res, 200, html, ADMIN_HEADERS);
    return true;
  };

  const retractConfirm = async (
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
  ): Promise<true> => {
    const id = new URLSearchParams((req.url ?? "").split("?")[1] ?? "").get("id") ?? "";
    const record = [...herald.library.records()].find((r) => r.id === id);
    if (!record || (await herald.storage.federation.retractedIds()).has(id)) {
      session.flash = { ok: false, text: `No article "${id}" to retract.` };
      await sessions.save(session);
      seeOther(res, "/admin", ADMIN_HEADERS);
      return true;
    }
    const object = await herald.storage.federation.getObject(id);
    const html = renderRetract({
      siteTitle,
      csrf: session.csrf,
      id,
      title: record.title || id,
      federated: object !== undefined && object.deletedAt === null,
    });
    sendHtml(req, res, 200, html, ADMIN_HEADERS);
    return true;
  };

  const articleView = async (
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    id: string,
  ): Promise<true> => {
    const article = await herald.library.get(id);
    if (!article) {
      const main = `<section class="message"><h1>No such article</h1><p>Herald knows no article with the id “${esc(id)}”.</p><p><a href="/admin">Back to the dashboard</a></p></section>`;
      sendHtml(
        req,
        res,
        404,
        renderShell({ title: "Not found", siteTitle, main, csrf: session.csrf }),
        ADMIN_HEADERS,
      );
      return true;
    }
    const fed = herald.storage.federation;
    const object = await fed.getObject(id);
    const postedAt = object && object.deletedAt === null ? object.published : undefined;
    const visible = (await herald.library.visibleRecords()).some((r) => r.id === id);
    const federated = herald.federation !== undefined && article.federate;
    const deliveries = await articleDeliveries(herald.storage, id);
    const html = renderArticleView({
      siteTitle,
      siteOrigin,
      timezone: config.schedule.timezone,
      csrf: session.csrf,
      article,
      // Dated as followers saw it, or will: a post's date is when it went out.
      post: await renderPost(herald.config, article, new Date(postedAt ?? article.published)),
      postedAt,
      retracted: (await fed.retractedIds()).has(id),
      removed: [...herald.library.records()].some((r) => r.id === id && r.path === null),
      federated,
      // Shown when it is federated, or was: a Delete after `federate: false` has receipts too.
      deliveries: federated || deliveries.activities.length > 0 ? deliveries : undefined,
      bot: {
        name: herald.config.bot.name,
        handle: actorUrls(urls, herald.config.bot.username).handle,
      },
      item: toFeedItem(feedSite(herald.config), article),
      page: visible ? article.url : undefined,
    });
    sendHtml(req, res, 200, html, ADMIN_HEADERS);
    return true;
  };

  /** Runs an operator action; its outcome is shown once on the dashboard (post/redirect/get). */
  const act = async (
    res: ServerResponse,
    session: Session,
    action: string,
    fields: Record<string, string>,
    run: () => Promise<Flash> | Flash,
  ): Promise<true> => {
    try {
      session.flash = await run();
      log.info({ action, ...fields, ok: session.flash.ok }, "admin action");
    } catch (error) {
      log.error({ err: error, action, ...fields }, "admin action failed");
      session.flash = { ok: false, text: `${action} failed: ${(error as Error).message}` };
    }
    await sessions.save(session);
    seeOther(res, "/admin", ADMIN_HEADERS);
    return true;
  };

  const post = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    session: Session,
  ): Promise<boolean> => {
    if (!ACTIONS.has(path)) return notFound(req, res);
    if (!fromSameOrigin(req, siteOrigin)) return forbidden(req, res);
    // A pasted blocklist may be long (Mastodon exports run to thousands of lines).
    const body = await readForm(req, path === "/admin/blocks/import" ? MAX_BLOCKLIST_BYTES : undefined);
    if (!body.ok) {
      res.statusCode = body.status;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end(`${body.message}\n`);
      return true;
    }
    const form = body.form;
    if (!sameToken(form.get("csrf"), session.csrf)) {
      log.warn({ path, ip: client(req) }, "admin form refused: bad CSRF token");
      return forbidden(req, res);
    }
    const id = form.get("id") ?? "";
    switch (path) {
      case "/admin/logout":
        await sessions.delete(session.id);
        res.setHeader("Set-Cookie", cookieFor(SESSION_COOKIE, "", 0));
        seeOther(res, "/admin/login", ADMIN_HEADERS);
        return true;
      case "/admin/scan":
        return act(res, session, "scan", {}, async () => scanFlash(await deps.scan()));
      case "/admin/publish":
        return act(res, session, "publish", { article: id }, async () => {
          const result = await publishOn(herald, deps.scan, id, true);
          return { ok: result.ok, text: result.message };
        });
      case "/admin/retract":
        return act(res, session, "retract", { article: id }, async () => {
          const result = await retractOn(herald, deps.scan, id);
          if (!result.ok) return { ok: false, text: result.message };
          return {
            ok: true,
            text: `Article "${id}" is retracted: out of the feeds and pages${result.deleted ? ", and a Delete is on its way to followers" : "; it had not been federated"}.`,
          };
        });
      case "/admin/blocks/add": {
        const target = form.get("target") ?? "";
        const note = form.get("note")?.trim() || null;
        return act(res, session, "block", { target }, async () => {
          const result = await blockOn(herald, target, note);
          return { ok: result.ok, text: result.message };
        });
      }
      case "/admin/blocks/remove": {
        const target = form.get("target") ?? "";
        return act(res, session, "unblock", { target }, async () => {
          const result = await unblockOn(herald, target);
          return { ok: result.ok, text: result.message };
        });
      }
      case "/admin/blocks/import": {
        const list = form.get("list") ?? "";
        return act(res, session, "import blocklist", { lines: String(list.split("\n").length) }, async () => {
          const result = await importBlocklistOn(herald, list, "dashboard import");
          return { ok: result.ok, text: result.message };
        });
      }
      case "/admin/replies/hide":
      case "/admin/replies/show": {
        const hide = path === "/admin/replies/hide";
        return act(res, session, hide ? "hide reply" : "show reply", { reply: id }, async () => {
          const result = await moderateReplyOn(herald, id, hide);
          if (result.ok) deps.onRepliesChanged?.();
          return { ok: result.ok, text: result.message };
        });
      }
      default: {
        const actor = form.get("actor") ?? "";
        return act(res, session, "remove follower", { actor }, async () => {
          const result = await removeFollowerFrom(herald, actor);
          return { ok: result.ok, text: result.message };
        });
      }
    }
  };

  return async (req, res, path) => {
    const method = req.method ?? "GET";
    const isGet = method === "GET" || method === "HEAD";
    if (!isGet && method !== "POST") {
      res.statusCode = 405;
      res.setHeader("Allow", "GET, HEAD, POST");
      res.end();
      return true;
    }
    if (path === "/admin/login") {
      if (!isGet) return login(req, res);
      if (await sessions.get(readCookie(req, SESSION_COOKIE))) {
        seeOther(res, "/admin", ADMIN_HEADERS);
        return true;
      }
      return loginPage(req, res, 200);
    }
    const session = await sessions.get(readCookie(req, SESSION_COOKIE));
    if (!session) {
      if (!isGet) return forbidden(req, res);
      const page = path === "/admin" || path === "/admin/" || path === "/admin/retract" || ARTICLE.test(path);
      if (!page) return notFound(req, res);
      seeOther(res, "/admin/login", ADMIN_HEADERS);
      return true;
    }
    if (!isGet) return post(req, res, path, session);
    if (path === "/admin") return dashboard(req, res, session);
    if (path === "/admin/") {
      seeOther(res, "/admin", ADMIN_HEADERS);
      return true;
    }
    if (path === "/admin/retract") return retractConfirm(req, res, session);
    const article = ARTICLE.exec(path);
    if (article) return articleView(req, res, session, article[1]!);
    return notFound(req, res);
  };
}

/** `/admin/articles/<id>`; the server has decoded the path, so an id may hold any character. */
const ARTICLE = /^\/admin\/articles\/(.+)$/;

const ACTIONS = new Set([
  "/admin/logout",
  "/admin/scan",
  "/admin/publish",
  "/admin/retract",
  "/admin/followers/remove",
  "/admin/blocks/add",
  "/admin/blocks/remove",
  "/admin/blocks/import",
  "/admin/replies/hide",
  "/admin/replies/show",
]);

/** A pasted blocklist: about 20,000 lines of a Mastodon export. */
const MAX_BLOCKLIST_BYTES = 2 * 1024 * 1024;

function scanFlash(r: Awaited<ReturnType<Scan>>): Flash {
  const f = r.federation;
  const parts = [
    `${r.content.added.length} new, ${r.content.changed.length} changed, ${r.content.removed.length} removed files`,
    f ? `${f.created} created, ${f.updated} updated, ${f.deleted} deleted, ${f.held.length} held` : undefined,
    r.content.rejected.length ? `${r.content.rejected.length} rejected` : undefined,
  ].filter(Boolean);
  return { ok: true, text: `Scan done: ${parts.join("; ")}.` };
}

/** id → page URL of every visible article, built from the records as the pages' index is (no article loaded). */
async function pageUrls(library: Library, urls: SiteUrls): Promise<Map<string, string>> {
  return new Map((await library.visibleRecords()).map((r) => [r.id, urls.article(r.slug)]));
}
