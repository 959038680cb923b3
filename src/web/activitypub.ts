// Bridges node:http to Fedify's fetch-style handler, plus the routes Herald answers itself:
// article objects (from the ledger, 410 + Tombstone once deleted).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FederationEndpoints } from "../federation/runtime.ts";
import type { Logger } from "../log.ts";
import { ACTOR_ROUTE_PREFIX, ACTOR_ROUTES } from "../urls.ts";
import { clientAddress } from "./admin/http.ts";
import { BLOCKED_PEEK_BYTES, InboxGate, MAX_INBOX_BYTES } from "./inbox-gate.ts";

const AP_TYPES = /application\/(activity\+json|ld\+json)/;

/**
 * The ActivityPub side of the HTTP layer: the federation's endpoints, and the gate an inbox POST
 * must pass first (per-client and per-host limits, load shedding, signature checks). Close the
 * gate when the server stops.
 */
export function activityPubDeps(
  endpoints: FederationEndpoints,
  options: { trustProxy: boolean; log: Logger },
): ActivityPubDeps {
  return {
    ...endpoints,
    gate: new InboxGate({
      guard: endpoints.guard.options,
      clientAddress: (req) => clientAddress(req, options.trustProxy),
      log: options.log,
      freshLoader: endpoints.freshLoader,
      blocks: () => endpoints.blocks.current,
    }),
  };
}

export interface ActivityPubDeps extends FederationEndpoints {
  /** What an inbox POST must pass before Fedify sees it. */
  gate: InboxGate;
}

const INBOX_PATH = new RegExp(
  `^(?:${ACTOR_ROUTES.inbox.replace("{identifier}", "[^/]+")}|${ACTOR_ROUTES.sharedInbox})$`,
);

/** Any account's actor document (the main one's and each section account's). */
const ACTOR_PATH = new RegExp(`^${ACTOR_ROUTES.actor.replace("{identifier}", "[^/]+")}$`);

export function wantsActivityJson(req: IncomingMessage): boolean {
  return AP_TYPES.test(String(req.headers.accept ?? ""));
}

export function isActivityPubPath(path: string): boolean {
  return (
    path.startsWith("/.well-known/webfinger") ||
    path.startsWith("/.well-known/nodeinfo") ||
    path.startsWith("/nodeinfo/") ||
    path.startsWith(ACTOR_ROUTE_PREFIX) ||
    path === ACTOR_ROUTES.sharedInbox
  );
}

/** Serves an article object by its id URL: JSON-LD for ActivityPub clients, a redirect to the page otherwise. */
export async function serveObject(
  deps: Pick<ActivityPubDeps, "store">,
  req: IncomingMessage,
  res: ServerResponse,
  articleId: string,
  pageUrl: string | undefined,
): Promise<void> {
  const object = await deps.store.getObject(articleId);
  // Every answer depends on Accept, the redirect for browsers too: a cache keyed by URL alone would
  // hand that redirect to the next ActivityPub client.
  res.setHeader("Vary", "Accept");
  if (!wantsActivityJson(req)) {
    if (pageUrl && !object?.deletedAt) {
      res.statusCode = 302;
      res.setHeader("Location", pageUrl);
      res.end();
    } else {
      res.statusCode = object?.deletedAt ? 410 : 404;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end(object?.deletedAt ? "This article was removed.\n" : "Not found.\n");
    }
    return;
  }
  if (!object) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const body = JSON.stringify(object.object);
  res.statusCode = object.deletedAt ? 410 : 200;
  res.setHeader("Content-Type", "application/activity+json");
  res.setHeader("Cache-Control", "public, max-age=60");
  res.end(req.method === "HEAD" ? undefined : body);
}

export async function handleWithFedify(
  deps: ActivityPubDeps,
  req: IncomingMessage,
  res: ServerResponse,
  onNotAcceptable: () => void,
): Promise<void> {
  const url = new URL(req.url ?? "/", deps.urls.home);
  const inbox = req.method === "POST" && INBOX_PATH.test(url.pathname);
  let body: Buffer | undefined;
  let keyId: URL | undefined;
  if (inbox) {
    const admission = deps.gate.admit(req, res);
    if (!admission) return;
    keyId = admission.keyId;
    body = await readBody(req, admission.blocked ? BLOCKED_PEEK_BYTES : MAX_INBOX_BYTES);
    if (admission.blocked && deps.gate.dropBlocked(req, res, body, keyId)) return;
    if (deps.gate.refuseBody(req, res, body, keyId)) return;
  } else if (req.method === "POST") {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_INBOX_BYTES) return tooLarge(req, res);
    body = await readBody(req, MAX_INBOX_BYTES);
    if (!body) return tooLarge(req, res);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  // Behind a reverse proxy the Host received is the proxy's upstream (nginx's plain proxy_pass sends
  // 127.0.0.1:8080); the sender signed the public one, site.url's, which is the URL verified here too.
  headers.set("host", url.host);
  const request = new Request(url, {
    method: req.method,
    headers,
    body: body ? new Uint8Array(body) : undefined,
  });
  if (keyId && !(await deps.gate.verify(req, res, request, deps.federation, new URL(deps.urls.home), keyId)))
    return;
  let notAcceptable = false;
  const handle = () =>
    deps.guard.run(() =>
      deps.federation.fetch(request, {
        contextData: undefined,
        onNotFound: () =>
          new Response("Not found.\n", { status: 404, headers: { "Content-Type": "text/plain" } }),
        onNotAcceptable: () => {
          notAcceptable = true;
          return new Response(null, { status: 406 });
        },
      }),
    );
  const response = inbox ? await deps.gate.track(handle) : await handle();
  if (notAcceptable) return onNotAcceptable();
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  let payload = Buffer.from(await response.arrayBuffer());
  if (ACTOR_PATH.test(url.pathname) && response.ok && payload.length > 0) {
    payload = Buffer.from(withAttributionDomains(payload.toString("utf8"), deps.attributionDomains));
    res.setHeader("Content-Length", payload.length);
  }
  res.end(req.method === "HEAD" ? undefined : payload);
}

/** Mastodon 4.3+ shows "More from …" on link cards of these domains (toot:attributionDomains). */
function withAttributionDomains(json: string, domains: readonly string[]): string {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const context = Array.isArray(doc["@context"]) ? [...doc["@context"]] : [doc["@context"]];
  context.push({
    toot: "http://joinmastodon.org/ns#",
    attributionDomains: { "@id": "toot:attributionDomains", "@type": "@id" },
  });
  return JSON.stringify({ ...doc, "@context": context, attributionDomains: domains });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 413;
  res.setHeader("Connection", "close");
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(`Request body over ${MAX_INBOX_BYTES} bytes.\n`);
  req.resume();
}
