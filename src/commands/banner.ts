// The lines a person sees last when `herald serve` has started on a terminal: where to look next.
import type { Config } from "../config/load.ts";
import { actorUrls, siteUrls } from "../urls.ts";

export interface BannerFacts {
  /** The configuration as served (site.url following the port when left unset). */
  config: Config;
  role: string;
  port: number;
  /** Whether this process runs the fediverse account. */
  federated: boolean;
}

export function startBanner({ config, role, port, federated }: BannerFacts): string {
  const urls = siteUrls(config.site.url);
  if (role !== "all" && role !== "web")
    return `\nHerald is running as ${role}; health at http://127.0.0.1:${port}/healthz. Ctrl-C stops it.\n\n`;
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(new URL(urls.home).hostname);
  const secret =
    config.admin.token !== undefined
      ? "HERALD_ADMIN_TOKEN"
      : config.admin.passwordHash !== undefined
        ? "admin.passwordHash"
        : undefined;
  const lines = [
    "",
    `Herald is serving ${urls.home}`,
    `  feeds      ${urls.rss}  ${urls.atom}  ${urls.json}`,
  ];
  if (federated)
    lines.push(
      `  account    ${actorUrls(urls, config.bot.username).handle}${local ? " (only this machine can follow it: set site.url to a public https:// origin)" : ""}`,
    );
  lines.push(
    secret
      ? `  dashboard  ${urls.home}admin (signs in with ${secret})`
      : "  dashboard  off; to turn it on, set HERALD_ADMIN_TOKEN (16+ characters) or admin.passwordHash (npx herald hash-password)",
    "Ctrl-C stops it.",
    "",
  );
  return `${lines.join("\n")}\n`;
}
