// JSON Feed 1.1 against the published schema (npm `jsonfeed-schema`), plus what a schema cannot say:
// unique ids, content present, extension keys prefixed with `_`. Shared by every test of a JSON Feed.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import type { FormatsPlugin } from "ajv-formats";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("jsonfeed-schema/schema-v1.1.json"), "utf8"));
// ajv-formats is CommonJS (`module.exports = plugin`); require() sidesteps default-export interop.
const addFormats: FormatsPlugin = require("ajv-formats");
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
export const validate = ajv.compile(schema);

const SPEC_KEYS = {
  feed: [
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "author",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
  ],
  item: [
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "author",
    "authors",
    "tags",
    "language",
    "attachments",
  ],
  author: ["name", "url", "avatar"],
  attachment: ["url", "mime_type", "title", "size_in_bytes", "duration_in_seconds"],
  hub: ["type", "url"],
};

type JsonObject = Record<string, unknown>;

function nonSpecKeys(kind: keyof typeof SPEC_KEYS, value: JsonObject): string[] {
  return Object.keys(value).filter((key) => !SPEC_KEYS[kind].includes(key));
}

/** Every key that is not in the 1.1 spec, anywhere in the feed; all must start with `_`. */
function extensionKeys(feed: JsonObject): string[] {
  const keys = nonSpecKeys("feed", feed);
  for (const author of (feed.authors as JsonObject[] | undefined) ?? [])
    keys.push(...nonSpecKeys("author", author));
  for (const hub of (feed.hubs as JsonObject[] | undefined) ?? []) keys.push(...nonSpecKeys("hub", hub));
  for (const item of feed.items as JsonObject[]) {
    keys.push(...nonSpecKeys("item", item));
    for (const author of (item.authors as JsonObject[] | undefined) ?? [])
      keys.push(...nonSpecKeys("author", author));
    for (const attachment of (item.attachments as JsonObject[] | undefined) ?? []) {
      keys.push(...nonSpecKeys("attachment", attachment));
    }
  }
  return keys;
}

/** Validates a feed that should hold `count` items (the per-item checks see every one of them). */
export function checkJsonFeed(json: string, count: number): void {
  const feed = JSON.parse(json) as JsonObject;
  expect(validate(feed), ajv.errorsText(validate.errors)).toBe(true);
  expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
  const items = feed.items as JsonObject[];
  expect(items).toHaveLength(count);
  const ids = items.map((item) => item.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const item of items) expect(item.content_html).toEqual(expect.any(String));
  expect(extensionKeys(feed).filter((key) => !key.startsWith("_"))).toEqual([]);
}
