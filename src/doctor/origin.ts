// Where Herald is reached and what it thinks its address is (site.url), and whether the server's clock
// agrees with this one: both break federation without an error anyone sees.

import { type Probe, unreachable } from "./probe.ts";
import { type CheckResult, fail, failed, pass, warn } from "./report.ts";

export interface SiteUrlEvidence {
  /** The origin checked (--url). */
  target: URL;
  /** site.url of the config doctor runs with. */
  configured: URL;
  /** GET of the home page, redirects followed. */
  home: Probe;
  /** The origin of the ids Herald serves (the WebFinger self link, the actor's id), when one was seen. */
  served: string | undefined;
}

export function checkSiteUrl({ target, configured, home, served }: SiteUrlEvidence): CheckResult {
  const at = target.origin;
  if (!home.ok) return failed("site-url", unreachable(home));
  const { exchange } = home;
  const landed = new URL(exchange.url).origin;
  if (landed !== at) {
    const first = exchange.redirects[0]!;
    const toHttps = target.protocol === "http:" && landed === `https://${target.host}`;
    return fail(
      "site-url",
      `${at}/ redirects (${first.status}) to ${landed}/: remote servers fetch ids under ${at} and are sent elsewhere.`,
      toHttps
        ? `Use https: set site.url to ${landed}/ and run doctor against it.`
        : `Set site.url to ${landed}/ if that is the public address (before the first follower: ids are forever), or remove the redirect.`,
    );
  }
  if (exchange.status >= 500)
    return fail(
      "site-url",
      `${exchange.url} answers ${exchange.status}: the proxy in front cannot get an answer from Herald.`,
      "Start Herald (herald serve), and make the proxy's upstream match server.port (proxy_pass http://127.0.0.1:8080).",
    );
  if (exchange.status !== 200)
    return fail(
      "site-url",
      `${exchange.url} answers ${exchange.status}, not Herald's home page.`,
      "Forward the whole origin to Herald (location / { proxy_pass … }), not only some paths.",
    );
  if (served !== undefined && served !== at)
    return fail(
      "site-url",
      `Herald builds its ids and handle from ${served}/ (its site.url), but it is reached at ${at}/: remote servers that look it up here are sent to ${served}.`,
      `On the server, set site.url (or HERALD_SITE_URL) to ${at}/ and restart, before the first follower (ids are forever); or, if ${served}/ is the public address, run doctor with --url ${served}/.`,
    );
  if (configured.origin !== at && served === undefined)
    return fail(
      "site-url",
      `site.url is ${configured.origin}/, but Herald is reached at ${at}/ (and its ids could not be read there).`,
      `Set site.url (or HERALD_SITE_URL) to ${at}/ and restart, before the first follower (ids are forever); or run doctor with --url ${configured.origin}/.`,
    );
  if (configured.origin !== at)
    return warn(
      "site-url",
      `${at}/ answers as Herald, but this config's site.url is ${configured.origin}/: the test delivery is signed with this config's store.`,
      "Run doctor on the server, with its config (--config, HERALD_SITE_URL), for a complete check.",
    );
  return pass("site-url", `${at}/ is site.url, and Herald answers there without a redirect.`);
}

const WARN_SKEW_MS = 30_000;
const FAIL_SKEW_MS = 5 * 60_000;

/** The server's clock against this machine's, from the Date headers of the answers doctor got. */
export function checkClock(skews: readonly number[]): CheckResult {
  if (skews.length === 0)
    return warn(
      "clock",
      "No answer carried a Date header: the server's clock could not be compared.",
      "Let the proxy send Date (every HTTP server does by default).",
    );
  const sorted = [...skews].sort((a, b) => a - b);
  const skew = sorted[Math.floor(sorted.length / 2)]!;
  const size = Math.abs(skew);
  const how = `${duration(size)} ${skew > 0 ? "ahead of" : "behind"} this machine's`;
  const fix =
    "Keep both clocks synchronised with NTP (timedatectl set-ntp true, or chrony): Mastodon refuses signatures dated over an hour ahead, Fedify-based servers an hour either way, some servers 5 minutes.";
  if (size > FAIL_SKEW_MS) return fail("clock", `The server's clock is ${how}.`, fix);
  if (size > WARN_SKEW_MS) return warn("clock", `The server's clock is ${how}.`, fix);
  return pass(
    "clock",
    `The server's clock is within ${Math.max(1, Math.ceil(size / 1000))} s of this machine's.`,
  );
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
