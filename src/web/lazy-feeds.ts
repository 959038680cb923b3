// Feeds built when first asked for: a tag's, or a section account's. A site may have thousands of
// tags and most are never polled, so none is built ahead; each one asked for is built from the
// articles it shows, then served from memory, with its ETag, until content changes. What is kept is
// bounded in bytes: the least recently served feeds go first, and are built again if asked for.
import { feedArticles, renderFeed } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { Library } from "../content/library.ts";
import type { ArticleRecord } from "../content/records.ts";
import { FEED_CONTENT_TYPES, type FeedChannel, type FeedFormat } from "../feeds/index.ts";
import { FEED_FILES } from "../urls.ts";
import { type CachedBody, cachedBody } from "./cached.ts";

/** A feed: which articles it shows (visible, newest first), and which feed it says it is. */
export interface FeedSelection {
  /** Names the selection in the cache (`tag:<key>`); two paths with one key share one feed. */
  key: string;
  channel: FeedChannel;
  records: readonly ArticleRecord[];
}

/**
 * The feed a folder path names (`/tags/城市生活`, decoded), among the visible records; undefined when
 * it names none. `visible` is the same array until content changes: selectors index it once.
 */
export type FeedSelector = (
  folder: string,
  visible: readonly ArticleRecord[],
) => FeedSelection | undefined | Promise<FeedSelection | undefined>;

/** The first selection any of `selectors` makes of a folder. */
export function firstOf(...selectors: FeedSelector[]): FeedSelector {
  return async (folder, visible) => {
    for (const select of selectors) {
      const selection = await select(folder, visible);
      if (selection) return selection;
    }
    return undefined;
  };
}

export interface LazyFeedsDeps {
  config: Config;
  library: Pick<Library, "visibleRecords" | "get">;
  select: FeedSelector;
  /** Bytes of feeds (plain and gzipped) kept at most. */
  maxBytes?: number;
}

export interface LazyFeeds {
  /** The feed at `path` (decoded); undefined when no selector knows the path. */
  find(path: string): Promise<CachedBody | undefined>;
  /** Content changed: every feed is built afresh when next asked for. */
  invalidate(): void;
  /** What is kept now (for tests and measurements). */
  readonly kept: { feeds: number; bytes: number };
}

export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

const KINDS: ReadonlyMap<string, FeedFormat> = new Map(
  Object.entries(FEED_FILES).map(([kind, name]) => [name, kind as FeedFormat]),
);

export function createLazyFeeds(deps: LazyFeedsDeps): LazyFeeds {
  const { config, library, select } = deps;
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
  // Insertion order is recency: a hit moves its entry to the end, the first is dropped first.
  const kept = new Map<string, CachedBody>();
  const building = new Map<string, Promise<CachedBody>>();
  let bytes = 0;
  let visible: Promise<ArticleRecord[]> | undefined;
  // Bumped by `invalidate`: a feed built across an invalidation is served once, never kept.
  let generation = 0;

  const size = (body: CachedBody) => body.body.length + (body.gzip?.length ?? 0);

  const keep = (key: string, body: CachedBody) => {
    kept.set(key, body);
    bytes += size(body);
    for (const [oldest, old] of kept) {
      if (bytes <= maxBytes) break;
      kept.delete(oldest);
      bytes -= size(old);
    }
  };

  const build = async (selection: FeedSelection, kind: FeedFormat): Promise<CachedBody> => {
    const articles = await feedArticles(config, library, selection.records);
    // ISO instants compare as strings; Last-Modified is the newest item's update.
    const newest = articles
      .map((a) => a.updated)
      .sort()
      .at(-1);
    const body = renderFeed(config, kind, articles, selection.channel);
    return cachedBody(body, FEED_CONTENT_TYPES[kind], new Date(newest ?? 0));
  };

  return {
    async find(path) {
      const slash = path.lastIndexOf("/");
      const kind = KINDS.get(path.slice(slash + 1));
      if (kind === undefined || slash <= 0) return undefined;
      const started = generation;
      if (!visible) {
        const loading = library.visibleRecords();
        visible = loading;
        // A failed load is not kept: the next request tries again.
        loading.catch(() => {
          if (visible === loading) visible = undefined;
        });
      }
      const selection = await select(path.slice(0, slash), await visible);
      if (selection === undefined) return undefined;
      const key = `${selection.key}\u0000${kind}`;
      const hit = kept.get(key);
      if (hit && started === generation) {
        kept.delete(key);
        kept.set(key, hit);
        return hit;
      }
      // Readers polling one feed at once wait for one build.
      let pending = building.get(key);
      if (!pending) {
        pending = build(selection, kind);
        building.set(key, pending);
        const done = () => {
          if (building.get(key) === pending) building.delete(key);
        };
        pending.then((body) => {
          done();
          if (started === generation) keep(key, body);
        }, done);
      }
      return pending;
    },
    invalidate() {
      generation++;
      visible = undefined;
      kept.clear();
      building.clear();
      bytes = 0;
    },
    get kept() {
      return { feeds: kept.size, bytes };
    },
  };
}
