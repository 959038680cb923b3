// Article HTML as the dashboard shows it: a post as Mastodon renders it, an item as a feed reader
// does. The dashboard holds the operator's session, so neither is trusted as it is: both go
// through an allow-list again here, whatever was done to them upstream.
import sanitizeHtml from "sanitize-html";
import { sanitizeArticleHtml } from "../../content/sanitize.ts";

// Mastodon's allow-list for remote posts (Sanitize::Config::MASTODON_STRICT): other elements are
// dropped and their text kept; the contents of these are dropped too (the sanitize gem's default).
const MASTODON: sanitizeHtml.IOptions = {
  allowedTags: [
    "p",
    "br",
    "span",
    "a",
    "del",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "ul",
    "ol",
  ].concat(["li", "blockquote"]),
  allowedAttributes: {
    a: ["href", "rel", "class"],
    span: ["class"],
    ol: ["start", "reversed"],
    li: ["value"],
  },
  // Mastodon keeps microformats and its own classes only; these are the ones Herald's posts use.
  allowedClasses: { a: ["mention", "hashtag"] },
  allowedSchemes: ["http", "https"],
  allowProtocolRelative: false,
  nonTextTags: ["script", "style", "iframe", "math", "noembed", "noframes", "noscript", "svg", "xmp"],
  disallowedTagsMode: "discard",
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: "nofollow noopener noreferrer" } }),
  },
};

export function mastodonHtml(html: string): string {
  return sanitizeHtml(html, MASTODON);
}

/**
 * Where the dashboard may load an image from, or undefined. Its CSP allows images from its own
 * origin only (`img-src 'self'`): another site's picture would be blocked, and fetching it would
 * tell that site when an admin looks. Herald's own images (beside the article, under site.url)
 * are loaded by path, so they also show when the dashboard is opened through an SSH tunnel.
 */
export function ownImagePath(url: string | undefined, siteOrigin: string): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.origin === siteOrigin ? parsed.pathname + parsed.search : undefined;
}

/** The visible stand-in for a picture the dashboard does not load: its URL, as text and link. */
export function remoteImageText(url: string, alt: string | undefined): string {
  return `Image on another site, not loaded here: ${url}${alt ? ` (alt: ${alt})` : ""}`;
}

/**
 * An item's HTML as a reader shows it: Herald's own article allow-list once more, then pictures
 * from elsewhere replaced by links (see ownImagePath), and media, which the CSP never plays, too.
 */
export function readerHtml(html: string, base: string, siteOrigin: string): string {
  const clean = sanitizeArticleHtml(html, base);
  const media =
    (kind: string) =>
    (_: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag => {
      const url = attribs.src ?? attribs.poster;
      return url === undefined
        ? { tagName: "span", attribs: { class: "remote-image" }, text: kind }
        : { tagName: "a", attribs: { href: url, class: "remote-image" }, text: `${kind}: ${url}` };
    };
  // Every tag and attribute here has just passed sanitizeArticleHtml: this pass only rewrites.
  return sanitizeHtml(clean, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    // <source> would load its srcset from anywhere; the <img> beside it is the fallback.
    exclusiveFilter: (frame) => frame.tag === "source",
    transformTags: {
      img: (tagName, attribs): sanitizeHtml.Tag => {
        const src = attribs.src ?? attribs["data-src"];
        const path = ownImagePath(src, siteOrigin);
        if (src === undefined) return { tagName: "span", attribs: {} };
        if (path === undefined) {
          return {
            tagName: "a",
            attribs: { href: src, class: "remote-image" },
            text: remoteImageText(src, attribs.alt),
          };
        }
        const { alt = "", width, height } = attribs;
        return { tagName, attribs: { src: path, alt, ...(width && height ? { width, height } : {}) } };
      },
      video: media("Video, not played here"),
      audio: media("Audio, not played here"),
    },
  });
}
