// `/tags/<tag>/feed.xml`, `atom.xml` and `feed.json`: the feeds of a tag, matched as the tag's page
// matches it (any case or Unicode width, content/tags.ts). A tag no visible article carries has no
// feed: its URL answers 404, never an empty feed a reader would keep polling.
import { feedSite } from "../build.ts";
import type { Config } from "../config/load.ts";
import type { ArticleRecord } from "../content/records.ts";
import { groupByTag, type TagGroup, tagKey } from "../content/tags.ts";
import { tagChannel } from "../feeds/index.ts";
import type { FeedSelector } from "./lazy-feeds.ts";

// The server decodes %2F: a tag may contain "/", and everything between `/tags/` and the file name is
// the tag, as for tag pages.
const TAG_FOLDER = /^\/tags\/(.+)$/s;

export function tagFeedSelector(config: Config): FeedSelector {
  const site = feedSite(config);
  // Grouped once per version of what is visible (the caller hands over the same array until then).
  let indexed: { of: readonly ArticleRecord[]; groups: Map<string, TagGroup<ArticleRecord>> } | undefined;
  return (folder, visible) => {
    const m = TAG_FOLDER.exec(folder);
    if (!m) return undefined;
    if (indexed?.of !== visible) indexed = { of: visible, groups: groupByTag(visible) };
    const key = tagKey(m[1]!);
    const group = indexed.groups.get(key);
    if (!group) return undefined;
    return { key: `tag:${key}`, channel: tagChannel(site, group.tag), records: group.records };
  };
}
