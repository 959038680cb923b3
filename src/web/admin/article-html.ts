// Article HTML as the dashboard shows it: a post as Mastodon renders it, an item as a feed reader
// does. The dashboard holds the operator's session, so neither is trusted as it is: both go
// through an allow-list again here, whatever was done to them upstream.
import sanitizeHtml from "sanitize-html";
import { sanitizeArticleHtml } from "../../content/sanitize.ts";
import { escapeHtml, escapeHtmlAttribute, httpUrl } from "../../render/html.ts";

// Mastodon's allow-list for remote posts (Sanitize::Config::MASTODON_STRICT): other elements are
// dropped and their text kept, except what is inside script, style and the like (nonTextTags, as
// the sanitize gem's remove_contents).
const MASTODON: sanitizeHtml.IOptions = {
  allowedTags: "p br span a del pre code em strong b i u ul ol li blockquote".split(" "),
  allowedAttributes: { a: ["href", "rel", "class"], ol: ["start", "reversed"], li: ["value"] },
  // Mastodon keeps microformats and a few classes of its own (on a and span); of those, Herald's
  // posts use these two, and nothing else here would style the rest.
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
function ownImagePath(url: string | undefined, siteOrigin: string): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.origin === siteOrigin ? parsed.pathname + parsed.search : undefined;
}

/** The visible stand-in for a picture the dashboard does not load: its URL, as text and link. */
function remoteImageText(url: string, alt: string | null | undefined): string {
  return `Image on another site, not loaded here: ${url}${alt ? ` (alt: ${alt})` : ""}`;
}

export interface Picture {
  url: string;
  alt?: string | null;
  width?: number;
  height?: number;
}

/** A picture the view shows itself (a cover, an attachment): loaded if Herald's own, else a link. */
export function pictureHtml(p: Picture, siteOrigin: string): string {
  const path = ownImagePath(p.url, siteOrigin);
  if (path !== undefined) {
    const size = p.width && p.height ? ` width="${p.width}" height="${p.height}"` : "";
    return `<img src="${escapeHtmlAttribute(path)}" alt="${escapeHtmlAttribute(p.alt ?? "")}"${size}>`;
  }
  const text = escapeHtml(remoteImageText(p.url, p.alt));
  const href = httpUrl(p.url, siteOrigin);
  return href === undefined
    ? `<span class="remote-image">${text}</span>`
    : `<a class="remote-image" href="${escapeHtmlAttribute(href)}">${text}</a>`;
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
