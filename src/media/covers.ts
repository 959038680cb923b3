// Cover images as Herald knows them: every record in memory (one per cover), shared by the pages,
// feeds and posts of this process. The process that scans records new covers and looks at them;
// the others reload the records when told that content changed.
//
// What this changes in what federates, and what it does not: the content hash (src/content/hash.ts)
// is computed from the cover as parsed (its URL, alt text, and a local file's own facts), never from
// what looking at it found. So a copy made, or a retry that succeeds, scans later, sends no Update:
// an Update shows followers an "edited" post and notifies everyone who boosted it, for a change of
// image URL they cannot see (Mastodon keeps its own copy of the image it fetched when the post
// arrived). The first Create carries whatever is known when it is sent: the scan looks at new covers
// before it publishes. The next real edit of the article carries the copy.
import type { CoverSighting } from "../content/library.ts";
import type { Article, ImageInfo } from "../content/model.ts";
import type { Logger } from "../log.ts";
import { escapeHtmlAttribute } from "../render/html.ts";
import type { MediaRecord, MediaStore } from "../store/types.ts";
import type { SiteUrls } from "../urls.ts";
import { dueRecords, recordForSighting, showCover } from "./cover-record.ts";
import type { LookDeps } from "./look.ts";

export interface CoverMediaDeps extends Omit<LookDeps, "write" | "signal"> {
  store: MediaStore;
  urls: SiteUrls;
  log?: Logger;
  now?: () => Date;
}

/** Images looked at per scan, at most: a first scan of a large archive spreads its fetches over several. */
const PER_SCAN = 40;
/** Fetches at once: enough to hide a slow site behind others, few enough not to hammer one. */
const CONCURRENCY = 4;

export class CoverMedia {
  readonly #deps: CoverMediaDeps;
  readonly #now: () => Date;
  #records = new Map<string, MediaRecord>();

  constructor(deps: CoverMediaDeps, records: Iterable<MediaRecord>) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    for (const r of records) this.#records.set(r.source, r);
  }

  static async open(deps: CoverMediaDeps): Promise<CoverMedia> {
    return new CoverMedia(deps, await deps.store.listMedia());
  }

  /**
   * The article as readers and followers get it: its cover as `showCover` says, and, when Herald
   * serves a copy, the same picture in the body from the copy too (a cover is often the body's
   * first image).
   */
  readonly show = (article: Article): Article => {
    if (!article.cover) return article;
    const cover = this.showCover(article.cover);
    if (cover.source === undefined) return { ...article, cover };
    const contentHtml = article.contentHtml.replaceAll(
      `src="${escapeHtmlAttribute(cover.source)}"`,
      `src="${escapeHtmlAttribute(cover.url)}"`,
    );
    return { ...article, cover, contentHtml };
  };

  showCover(cover: ImageInfo): ImageInfo {
    return showCover(cover, this.#records.get(cover.url), this.#deps.urls, this.#deps.mirror);
  }

  record(source: string): MediaRecord | undefined {
    return this.#records.get(source);
  }

  records(): IterableIterator<MediaRecord> {
    return this.#records.values();
  }

  /** Records covers seen for the first time (or local files replaced), to be looked at. */
  async notice(sightings: Iterable<CoverSighting>): Promise<void> {
    const nowIso = this.#now().toISOString();
    const fresh = new Map<string, MediaRecord>();
    for (const sighting of sightings) {
      const source = sighting.cover.url;
      const record = recordForSighting(sighting, fresh.get(source) ?? this.#records.get(source), nowIso);
      if (record) fresh.set(source, record);
    }
    if (fresh.size === 0) return;
    await this.#deps.store.saveMedia([...fresh.values()]);
    for (const [source, record] of fresh) this.#records.set(source, record);
  }

  /**
   * Looks at the covers that are due (new, or failed and due again), a bounded number per call.
   * Returns how many became ready: only those change what readers see.
   */
  async process(signal?: AbortSignal): Promise<number> {
    const now = this.#now();
    const due = dueRecords(this.#records.values(), now.toISOString(), PER_SCAN);
    if (due.length === 0) return 0;
    // The fetcher (node:http, node:https, the address guard) and the image decoders load with the
    // first cover looked at: status, builds and idle scans look at none.
    const { lookAt } = await import("./look.ts");
    const looked: MediaRecord[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length && !signal?.aborted) {
        const record = due[next++]!;
        looked.push(await lookAt(record, { ...this.#deps, signal }, now));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    await this.#deps.store.saveMedia(looked);
    for (const record of looked) {
      this.#records.set(record.source, record);
      if (record.state === "failed")
        this.#deps.log?.warn(
          {
            image: record.source,
            article: record.articleId,
            reason: record.error?.reason,
            retryAt: record.retryAt,
          },
          "cover image not available",
        );
    }
    return looked.filter((r) => r.state === "ready").length;
  }

  /** Takes the records another process saved; true when anything readers see may differ. */
  async reload(): Promise<boolean> {
    const records = await this.#deps.store.listMedia();
    const before = this.#records;
    this.#records = new Map(records.map((r) => [r.source, r]));
    if (before.size !== this.#records.size) return true;
    for (const [source, record] of this.#records) {
      const old = before.get(source);
      if (!old || old.state !== record.state || old.checkedAt !== record.checkedAt) return true;
    }
    return false;
  }
}
