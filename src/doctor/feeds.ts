// The feeds as a feed reader fetches them: each parses (XML well-formed, by a strict parser; JSON Feed
// 1.1), with the root a reader expects; and the covers of the newest items answer with an image, since
// readers and Mastodon show them from there.
import { SaxesParser } from "saxes";
import { siteUrls } from "../urls.ts";
import { type Exchange, FEED_MAX_BYTES, header, json, mediaType, type Prober, unreachable } from "./probe.ts";
import { type CheckResult, fail, pass } from "./report.ts";

const ATOM_NS = "http://www.w3.org/2005/Atom";
const JSON_FEED_11 = "https://jsonfeed.org/version/1.1";
/** Covers looked at: the newest items' (a reader shows those first). */
export const COVERS_CHECKED = 5;

export interface FeedsResult {
  result: CheckResult;
  /** Cover image URLs of the newest items of the JSON Feed. */
  covers: string[];
}

type Verdict = { ok: true; summary: string } | { ok: false; problem: string };

export async function checkFeeds(prober: Prober, target: URL): Promise<FeedsResult> {
  const urls = siteUrls(target.href);
  const get = (url: string, accept: string) =>
    prober.fetch(url, { headers: { Accept: accept }, maxBytes: FEED_MAX_BYTES, followRedirects: 3 });
  const [rss, atom, feed] = await Promise.all([
    get(urls.rss, "application/rss+xml, application/xml;q=0.9, */*;q=0.8"),
    get(urls.atom, "application/atom+xml, application/xml;q=0.9, */*;q=0.8"),
    get(urls.json, "application/feed+json, application/json;q=0.9, */*;q=0.8"),
  ]);
  const covers: string[] = [];
  const verdicts: [string, Verdict][] = [
    [urls.rss, rss.ok ? xmlFeed(rss.exchange, "rss") : { ok: false, problem: unreachable(rss).finding }],
    [urls.atom, atom.ok ? xmlFeed(atom.exchange, "atom") : { ok: false, problem: unreachable(atom).finding }],
    [
      urls.json,
      feed.ok ? jsonFeed(feed.exchange, covers) : { ok: false, problem: unreachable(feed).finding },
    ],
  ];
  const broken = verdicts.filter(([, v]) => !v.ok);
  if (broken.length > 0)
    return {
      covers,
      result: fail(
        "feeds",
        broken.map(([url, v]) => `${url}: ${(v as { problem: string }).problem}`).join(" "),
        "Forward the feed URLs to Herald unchanged (no HTML error page, no rewriting filter); if Herald itself serves this, report it with the feed attached.",
      ),
    };
  return {
    covers,
    result: pass("feeds", `${verdicts.map(([, v]) => (v as { summary: string }).summary).join(", ")}.`),
  };
}

/** Well-formed XML with the root a reader expects: `<rss version="2.0"><channel>` or Atom's `<feed>`. */
function xmlFeed(exchange: Exchange, kind: "rss" | "atom"): Verdict {
  if (exchange.status !== 200) return { ok: false, problem: `answers ${exchange.status}.` };
  const parser = new SaxesParser({ xmlns: true, position: true });
  let error: string | undefined;
  let root: { local: string; uri: string; version?: string } | undefined;
  let channel = false;
  let items = 0;
  parser.on("error", (e) => {
    error ??= e.message;
  });
  parser.on("opentag", (tag) => {
    if (root === undefined) root = { local: tag.local, uri: tag.uri, version: tag.attributes.version?.value };
    if (tag.local === "channel" && tag.uri === "") channel = true;
    if (
      (kind === "rss" && tag.local === "item" && tag.uri === "") ||
      (kind === "atom" && tag.local === "entry" && tag.uri === ATOM_NS)
    )
      items++;
  });
  try {
    parser.write(exchange.body.toString("utf8")).close();
  } catch (e) {
    error ??= (e as Error).message;
  }
  const type = mediaType(exchange);
  if (error !== undefined)
    return { ok: false, problem: `is not well-formed XML (${error}; ${type || "no content type"}).` };
  if (kind === "rss" && (root?.local !== "rss" || root.version !== "2.0" || !channel))
    return { ok: false, problem: `is XML but not RSS 2.0 (root <${root?.local ?? ""}>).` };
  if (kind === "atom" && (root?.local !== "feed" || root.uri !== ATOM_NS))
    return {
      ok: false,
      problem: `is XML but not an Atom feed (root <${root?.local ?? ""}> in ${root?.uri || "no namespace"}).`,
    };
  if (!/xml/.test(type)) return { ok: false, problem: `is served as ${type || "no content type"}, not XML.` };
  return {
    ok: true,
    summary:
      kind === "rss" ? `RSS 2.0 (${count(items, "item")})` : `Atom 1.0 (${count(items, "entry", "entries")})`,
  };
}

function jsonFeed(exchange: Exchange, covers: string[]): Verdict {
  if (exchange.status !== 200) return { ok: false, problem: `answers ${exchange.status}.` };
  const doc = json(exchange) as { version?: unknown; items?: unknown } | undefined;
  if (doc === undefined || typeof doc !== "object" || doc === null)
    return { ok: false, problem: `is not JSON (${header(exchange, "content-type") || "no content type"}).` };
  if (doc.version !== JSON_FEED_11)
    return { ok: false, problem: `has version ${JSON.stringify(doc.version)}, not ${JSON_FEED_11}.` };
  if (!Array.isArray(doc.items)) return { ok: false, problem: "has no items array." };
  for (const item of doc.items.slice(0, COVERS_CHECKED)) {
    const image = (item as { image?: unknown } | null)?.image;
    if (typeof image === "string" && URL.canParse(image)) covers.push(image);
  }
  return { ok: true, summary: `JSON Feed 1.1 (${count(doc.items.length, "item")})` };
}

/** Each cover answers 200 with an image type, redirects followed as Mastodon follows them. */
export async function checkCovers(prober: Prober, covers: readonly string[]): Promise<CheckResult> {
  if (covers.length === 0) return pass("covers", "No recent item has a cover image: nothing to fetch.");
  const results = await Promise.all(
    covers.map(async (url) => {
      const probe = await prober.fetch(url, {
        headers: { Accept: "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8" },
        readBody: false,
        followRedirects: 3,
      });
      if (!probe.ok) return `${url}: ${unreachable(probe).finding}`;
      const type = mediaType(probe.exchange);
      if (probe.exchange.status !== 200) return `${url} answers ${probe.exchange.status}.`;
      if (!type.startsWith("image/")) return `${url} answers ${type || "no content type"}, not an image.`;
      return undefined;
    }),
  );
  const problems = results.filter((r): r is string => r !== undefined);
  if (problems.length > 0)
    return fail(
      "covers",
      `${problems.length} of ${covers.length} recent cover images do not load: ${problems.join(" ")}`,
      "Forward /media/ and /articles/ to Herald (Herald's own copies and images beside articles); a remote original that is gone is retried by Herald (herald status lists such covers), or give the article a local cover.",
    );
  return pass(
    "covers",
    covers.length === 1
      ? "The cover of the newest item answers 200 with an image type."
      : `The covers of the ${covers.length} newest items answer 200 with an image type.`,
  );
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
