// Media RSS (http://search.yahoo.com/mrss/) for the cover: read by Feedly, Inoreader and
// feedparser-based readers for thumbnails, in RSS and Atom alike.
import type { FeedImage } from "./document.ts";
import type { XmlWriter } from "./xml.ts";

export const MEDIA_RSS_NAMESPACE = "http://search.yahoo.com/mrss/";

export function writeMediaRss(xml: XmlWriter, cover: FeedImage): void {
  xml.leaf("media:content", {
    url: cover.url,
    medium: "image",
    type: cover.mediaType,
    fileSize: cover.length,
    width: cover.width,
    height: cover.height,
  });
  xml.leaf("media:thumbnail", { url: cover.url, width: cover.width, height: cover.height });
}
