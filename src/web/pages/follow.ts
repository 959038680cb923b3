// Remote follow: the visitor names their own server and is sent to its authorize_interaction
// page (Mastodon, and the servers that copy its URL) with our actor's URL to follow.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The visitor's server from what they typed: `mastodon.social`, `https://mastodon.social/`,
 * `@me@mastodon.social` or `mastodon.social/@me`. Undefined unless it is a public DNS name
 * (no IP literals, no single-label or local names, no credentials).
 */
export function instanceHost(input: string): string | undefined {
  let value = input.trim();
  if (value === "" || value.length > 300) return undefined;
  // A full handle: keep what follows the last "@" unless a scheme says it is a URL.
  if (!/^https?:\/\//i.test(value) && value.includes("@")) value = value.slice(value.lastIndexOf("@") + 1);
  if (!/^https?:\/\//i.test(value)) value = `https://${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  const labels = url.hostname.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  if (/^[0-9]+$/.test(labels.at(-1)!)) return undefined; // 192.168.1.1
  if (["localhost", "local", "internal", "test", "invalid", "example"].includes(labels.at(-1)!))
    return undefined;
  return url.host;
}

export function remoteFollowUrl(host: string, actorUrl: string): string {
  return `https://${host}/authorize_interaction?uri=${encodeURIComponent(actorUrl)}`;
}
