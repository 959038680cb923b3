// How other servers find the account and the software: WebFinger (what a search for @news@host asks)
// and NodeInfo (what instance lists and some servers read before talking to Herald).
import { excerpt, json, mediaType, type Prober, unreachable } from "./probe.ts";
import { type CheckResult, fail, failed, pass, warn } from "./report.ts";

const AP_LINK_TYPES = new Set([
  "application/activity+json",
  'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
]);

const FORWARD_WELL_KNOWN =
  "Forward /.well-known/webfinger and /.well-known/nodeinfo (with their query strings) to Herald, as the README's proxy examples do: a static site, a catch-all location or another app must not answer them.";

export interface WebFingerResult {
  result: CheckResult;
  /** The actor the account's `self` link names. */
  actorUrl?: string;
}

/** `acct:user@host` at the target, as Mastodon's search looks it up. */
export async function checkWebFinger(
  prober: Prober,
  target: URL,
  username: string,
): Promise<WebFingerResult> {
  const resource = `acct:${username}@${target.host}`;
  const url = new URL(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`, target).href;
  const probe = await prober.fetch(url, {
    headers: { Accept: "application/jrd+json, application/json" },
    followRedirects: 3,
  });
  if (!probe.ok) return { result: failed("webfinger", unreachable(probe)) };
  const { exchange } = probe;
  if (exchange.status === 404)
    return {
      result: fail(
        "webfinger",
        `${url} answers 404: Herald knows no ${resource}.`,
        `Herald answers for bot.username (${username}) at site.url's host only: check both, and that the proxy forwards /.well-known/webfinger to Herald.`,
      ),
    };
  if (exchange.status !== 200)
    return {
      result: fail(
        "webfinger",
        `${url} answers ${exchange.status} (${excerpt(exchange)}).`,
        FORWARD_WELL_KNOWN,
      ),
    };
  const doc = json(exchange) as { subject?: unknown; links?: unknown } | undefined;
  if (doc === undefined || typeof doc !== "object" || doc === null)
    return {
      result: fail(
        "webfinger",
        `${url} answers ${mediaType(exchange) || "no content type"}, not a JSON document (${excerpt(exchange)}).`,
        FORWARD_WELL_KNOWN,
      ),
    };
  if (doc.subject !== resource)
    return {
      result: fail(
        "webfinger",
        `The answer's subject is ${JSON.stringify(doc.subject)}, not ${resource}: Mastodon refuses the account.`,
        "Set site.url to the address people use in the handle (its host is the handle's domain).",
      ),
    };
  const links = Array.isArray(doc.links)
    ? (doc.links as { rel?: unknown; type?: unknown; href?: unknown }[])
    : [];
  const self = links.find(
    (l) => l?.rel === "self" && typeof l.type === "string" && AP_LINK_TYPES.has(l.type),
  );
  if (!self || typeof self.href !== "string" || !URL.canParse(self.href))
    return {
      result: fail(
        "webfinger",
        `The answer has no "self" link of type application/activity+json: servers cannot find the actor.`,
        FORWARD_WELL_KNOWN,
      ),
    };
  const notes = exchange.redirects.length > 0 ? ` (after a redirect to ${exchange.url})` : "";
  return {
    actorUrl: self.href,
    result: pass("webfinger", `@${username}@${target.host} resolves to the actor ${self.href}${notes}.`),
  };
}

const NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1";

export async function checkNodeInfo(prober: Prober, target: URL): Promise<CheckResult> {
  const index = new URL("/.well-known/nodeinfo", target).href;
  const probe = await prober.fetch(index, { headers: { Accept: "application/json" }, followRedirects: 3 });
  if (!probe.ok) return failed("nodeinfo", unreachable(probe));
  const links = (json(probe.exchange) as { links?: unknown } | undefined)?.links;
  if (probe.exchange.status !== 200 || !Array.isArray(links)) {
    const type = mediaType(probe.exchange);
    return fail(
      "nodeinfo",
      `${index} answers ${probe.exchange.status}${type ? ` ${type}` : ""}, not a NodeInfo index (${excerpt(probe.exchange)}).`,
      FORWARD_WELL_KNOWN,
    );
  }
  const link = (links as { rel?: unknown; href?: unknown }[]).find((l) => l?.rel === NODEINFO_21);
  if (!link || typeof link.href !== "string")
    return fail("nodeinfo", `${index} lists no NodeInfo 2.1 document.`, FORWARD_WELL_KNOWN);
  const doc = await prober.fetch(link.href, { headers: { Accept: "application/json" }, followRedirects: 3 });
  if (!doc.ok) return failed("nodeinfo", unreachable(doc));
  const info = json(doc.exchange) as
    | { version?: unknown; software?: { name?: unknown; version?: unknown }; protocols?: unknown }
    | undefined;
  if (doc.exchange.status !== 200 || info?.version !== "2.1")
    return fail(
      "nodeinfo",
      `${link.href} answers ${doc.exchange.status}, not a NodeInfo 2.1 document (${excerpt(doc.exchange)}).`,
      "Forward /nodeinfo/ to Herald as well.",
    );
  if (!Array.isArray(info.protocols) || !info.protocols.includes("activitypub"))
    return warn("nodeinfo", `${link.href} does not list the activitypub protocol.`);
  const software =
    `${String(info.software?.name ?? "unknown")} ${String(info.software?.version ?? "")}`.trim();
  return pass("nodeinfo", `NodeInfo 2.1 at ${link.href}: ${software}, activitypub.`);
}
