// The articles a section account's feeds show: the visible ones its selector picks, newest first, at
// most `limit`. Tags and folders are on the records; the front matter's `accounts:` only on the
// article, which is read only when they miss, and no further than the feed needs.
import type { Article } from "../content/model.ts";
import type { ArticleRecord } from "../content/records.ts";
import type { CompiledSelector } from "./select.ts";

export async function pickedRecords(
  selector: CompiledSelector,
  visible: readonly ArticleRecord[],
  article: (id: string) => Promise<Article | undefined>,
  limit: number,
): Promise<ArticleRecord[]> {
  const records: ArticleRecord[] = [];
  for (const record of visible) {
    if (records.length >= limit) break;
    let picked = selector.matches(record);
    if (!picked) {
      const named = (await article(record.id))?.extra?.accounts;
      picked = Array.isArray(named) && named.includes(selector.username);
    }
    if (picked) records.push(record);
  }
  return records;
}
