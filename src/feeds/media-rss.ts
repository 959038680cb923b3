// Media RSS (http://search.yahoo.com/mrss/) for the cover: read by Feedly, Inoreader and
// feedparser-based readers for thumbnails, in RSS and Atom alike.
import type { FeedImage } from "./document.ts";
import type { XmlWriter } from "./xml.ts";

export const MEDIA_RSS_NAMESPACE = "http://search.yahoo.com/mrss/";

export function writeMediaRss(xml: XmlWriter, cover: FeedImage): void {
  const attrs = {
    url: cover.url,
    medium: "image",
    type: cover.mediaType,
    fileSize: cover.length,
    width: cover.width,
    height: cover.height,
  };
  if (cover.alt === undefined && cover.credit === undefined) xml.leaf("media:content", attrs);
  else {
    // Readers that show the thumbnail read its caption and credit from here.
    xml.open("media:content", attrs);
    if (cover.alt !== undefined) xml.leaf("media:description", { type: "plain" }, cover.alt);
    if (cover.credit !== undefined) xml.leaf("media:credit", { role: "photographer" }, cover.credit);
    xml.close();
  }
  xml.leaf("media:thumbnail", { url: cover.url, width: cover.width, height: cover.height });
}
