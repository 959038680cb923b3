// The newest article on the fediverse, fetched as Mastodon fetches a post someone pasted into its
// search: by its page URL, then by its id, each as JSON-LD and as HTML. It comes from the actor's
// outbox, the public list of what the account posted (articles kept to the feeds are not in it).
import { type Document, fetchActivityJson, isActivityJson, negotiate } from "./negotiation.ts";
import { excerpt, json, type Prober, unreachable } from "./probe.ts";
import { type CheckResult, fail, failed, pass, warn } from "./report.ts";

export async function checkArticle(prober: Prober, outboxUrl: string): Promise<CheckResult> {
  const newest = await newestPost(prober, outboxUrl);
  if ("result" in newest) return newest.result;
  if (newest.post === undefined)
    return pass(
      "article",
      "No article is on the fediverse yet: nothing to fetch (the actor check covers the same negotiation).",
    );
  const { id, page } = newest.post;
  const warnings: { finding: string; fix: string }[] = [];
  // The page first: that is the URL people paste into Mastodon's search.
  if (page !== undefined && page !== id) {
    const byPage = await negotiate(prober, page);
    if (!byPage.ok) return failed("article", byPage);
    if (byPage.document.id !== id)
      return fail(
        "article",
        `${page} gives ActivityPub clients ${JSON.stringify(byPage.document.id)}, not the article ${id}.`,
        "Something other than Herald answers the article page: forward /articles/ to Herald.",
      );
    if (byPage.warning) warnings.push(byPage.warning);
  }
  const byId = await negotiate(prober, id);
  if (!byId.ok) return failed("article", byId);
  if (byId.document.id !== id)
    return fail(
      "article",
      `${id} says its id is ${JSON.stringify(byId.document.id)}: servers refuse an object that is not where its id says.`,
      "Set site.url to the address Herald is reached at.",
    );
  if (byId.warning) warnings.push(byId.warning);
  if (warnings.length > 0) return warn("article", warnings[0]!.finding, warnings[0]!.fix);
  return pass(
    "article",
    `The newest article, ${page ?? id}, gives ActivityPub clients its ${String(byId.document.type)} (id ${id}) and browsers its page, each with Vary: Accept.`,
  );
}

type Newest = { post: { id: string; page?: string } | undefined } | { result: CheckResult };

/** The newest post in the outbox's first page; undefined when the outbox is empty. */
async function newestPost(prober: Prober, outboxUrl: string): Promise<Newest> {
  const outbox = await collection(prober, outboxUrl);
  if ("result" in outbox) return outbox;
  let page: Document | undefined = outbox.doc;
  const first = outbox.doc.first;
  if (typeof first === "string") {
    const fetched = await collection(prober, first);
    if ("result" in fetched) return fetched;
    page = fetched.doc;
  } else if (typeof first === "object" && first !== null) page = first as Document;
  const items = (page.orderedItems ?? page.items) as unknown;
  const posts = (Array.isArray(items) ? items : [])
    .map((item) => (item as Document | null)?.object)
    .filter(
      (o): o is Document => typeof o === "object" && o !== null && typeof (o as Document).id === "string",
    );
  if (posts.length === 0) return { post: undefined };
  posts.sort((a, b) => String(b.published ?? "").localeCompare(String(a.published ?? "")));
  const newest = posts[0]!;
  return { post: { id: newest.id as string, ...pageOf(newest.url) } };
}

/** An outbox or one of its pages. */
async function collection(prober: Prober, url: string): Promise<{ doc: Document } | { result: CheckResult }> {
  const probe = await fetchActivityJson(prober, url);
  if (!probe.ok) return { result: failed("article", unreachable(probe)) };
  const doc = json(probe.exchange);
  if (!isActivityJson(probe.exchange) || typeof doc !== "object" || doc === null)
    return {
      result: fail(
        "article",
        `The outbox ${url} answers ${probe.exchange.status} ${probe.exchange.headers["content-type"] ?? ""} (${excerpt(probe.exchange)}), not a collection: the newest article cannot be found.`,
        "Forward /users/ to Herald, and let ActivityPub requests through any cache (see the actor check).",
      ),
    };
  return { doc: doc as Document };
}

/** The HTML page of a post: `url` as a string, a Link, or a list of them. */
function pageOf(url: unknown): { page?: string } {
  const first = Array.isArray(url) ? url[0] : url;
  const href = typeof first === "string" ? first : (first as Document | undefined)?.href;
  return typeof href === "string" && URL.canParse(href) ? { page: href } : {};
}
