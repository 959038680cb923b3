// What every public page needs to know about the site and the bot, read once from config.
import { createHash } from "node:crypto";
import { extname } from "node:path";
import type { Config } from "../../config/load.ts";
import { actorUrls, type SiteUrls, siteUrls } from "../../urls.ts";

export interface PageSite {
  title: string;
  description: string;
  /** BCP 47 language of the site's own words (navigation, labels). */
  language: string;
  /** IANA zone dates are shown in. */
  timezone: string;
  urls: SiteUrls;
  bot: {
    name: string;
    /** Plain text. */
    bio: string;
    avatarUrl: string | undefined;
    /** `@news@example.org`, only when the fediverse account exists. */
    handle: string | undefined;
    /** The actor URL remote instances resolve when a visitor follows from their own server. */
    actorUrl: string | undefined;
  };
  /** Articles per home or tag page. */
  perPage: number;
  /** Changes whenever anything above does; part of every page cache key. */
  fingerprint: string;
}

export interface PageSiteOptions {
  /** Whether this process runs the fediverse account (no handle or follow form otherwise). */
  federated: boolean;
  /** Avatar and header files served by Herald, by URL path (from the federation runtime). */
  profileFiles?: ReadonlyMap<string, string>;
  perPage?: number;
}

export function pageSite(config: Config, options: PageSiteOptions): PageSite {
  const urls = siteUrls(config.site.url);
  const actor = actorUrls(urls, config.bot.username);
  const site: Omit<PageSite, "fingerprint"> = {
    title: config.site.title,
    description: config.site.description,
    language: config.site.language,
    timezone: config.site.timezone,
    urls,
    bot: {
      name: config.bot.name,
      bio: config.bot.summary.trim() || config.site.description,
      avatarUrl: avatarUrl(config.bot.avatar, urls.home, options.profileFiles),
      handle: options.federated ? actor.handle : undefined,
      actorUrl: options.federated ? actor.actor.href : undefined,
    },
    perPage: options.perPage ?? 10,
  };
  const fingerprint = createHash("sha256").update(JSON.stringify(site)).digest("hex").slice(0, 16);
  return { ...site, fingerprint };
}

/** A remote avatar as configured; a local one only when Herald serves it (under /profile/). */
function avatarUrl(
  value: string | undefined,
  home: string,
  profileFiles: ReadonlyMap<string, string> | undefined,
): string | undefined {
  if (!value) return undefined;
  if (URL.canParse(value)) return /^https?:/.test(value) ? value : undefined;
  const path = `/profile/avatar${extname(value).toLowerCase()}`;
  return profileFiles?.has(path) ? new URL(path.slice(1), home).href : undefined;
}
