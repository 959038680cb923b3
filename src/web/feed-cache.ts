// The feeds `herald serve` answers from memory: rendered after each scan or reload that changed
// what readers see, with the WebSub hub pinged for every feed whose bytes changed.
import { renderFeeds } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { Library } from "../content/library.ts";
import { FEED_CONTENT_TYPES } from "../feeds/index.ts";
import { pingHub } from "../feeds/websub.ts";
import type { Logger } from "../log.ts";
import type { FederationStore } from "../store/types.ts";
import { siteUrls } from "../urls.ts";
import { type CachedBody, cachedBody } from "./cached.ts";
import type { WebState } from "./server.ts";

const FEED_PATHS = { rss: "/feed.xml", atom: "/atom.xml", json: "/feed.json" } as const;

export interface FeedCacheDeps {
  config: Config;
  library: Library;
  /** Where the last pinged ETag of each feed is kept (so a restart with new content pings too). */
  meta: Pick<FederationStore, "getMeta" | "setMeta">;
  /** Receives the feeds; the web handler serves them from here. */
  state: WebState;
  /** Called once new feeds are served: pages show the same articles. */
  changed(): void;
  log: Logger;
}

/** Renders the feeds into `state.feeds`, then pings the hub for those whose bytes changed. */
export function feedCache(deps: FeedCacheDeps): () => Promise<void> {
  const { config, library, meta, state, log } = deps;
  return async () => {
    const feeds = new Map<string, CachedBody>();
    const visible = await library.visible(config.feeds.limit);
    // ISO instants compare as strings; the feed's Last-Modified is its newest item's update.
    const newest =
      visible
        .map((a) => a.updated)
        .sort()
        .at(-1) ?? "";
    for (const feed of await renderFeeds(config, library)) {
      feeds.set(
        FEED_PATHS[feed.kind],
        cachedBody(feed.body, FEED_CONTENT_TYPES[feed.kind], new Date(newest || 0)),
      );
    }
    // Served from here on; the store's answers below only decide whom to ping.
    state.feeds = feeds;
    deps.changed();
    // WebSub: ping the hub for every feed whose bytes changed since the last ping (kept in the store,
    // so a restart with new content pings too, and one without does not).
    if (config.feeds.hub) {
      const urls = siteUrls(config.site.url);
      const changed: (keyof typeof FEED_PATHS)[] = [];
      for (const kind of Object.keys(FEED_PATHS) as (keyof typeof FEED_PATHS)[]) {
        const etag = feeds.get(FEED_PATHS[kind])!.etag;
        const key = `websub.${kind}`;
        if ((await meta.getMeta(key)) === etag) continue;
        await meta.setMeta(key, etag);
        changed.push(kind);
      }
      if (changed.length > 0)
        void pingHub(
          config.feeds.hub,
          changed.map((kind) => urls[kind]),
          log.child({ module: "websub" }),
        );
    }
  };
}
