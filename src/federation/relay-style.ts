import type { Relay } from "../store/types.ts";

/**
 * A LitePub relay is named by its actor, whose path ends in /actor (aode-relay, Activity-Relay's
 * LitePub side) or /relay (Pleroma's and Akkoma's own relay actor); anything else is a Mastodon-style
 * relay's inbox. Apart from relays.ts so `herald status` tells them apart without loading Fedify.
 */
export function relayStyle(url: string): Relay["style"] {
  return /\/(?:actor|relay)\/?$/.test(new URL(url).pathname) ? "litepub" : "mastodon";
}
