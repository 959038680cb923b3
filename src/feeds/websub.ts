// WebSub (PubSubHubbub) publisher side: tell the hub which feeds changed, so subscribed readers
// fetch them at once. A failed ping is logged and never fails a scan; readers still poll.
import type { Logger } from "../log.ts";

export async function pingHub(hub: string, feedUrls: readonly string[], log: Logger): Promise<void> {
  for (const url of feedUrls) {
    try {
      const res = await fetch(hub, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ "hub.mode": "publish", "hub.url": url }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (res.ok) log.info({ hub, feed: url, status: res.status }, "websub hub notified");
      else log.warn({ hub, feed: url, status: res.status }, "websub hub refused the ping");
    } catch (error) {
      log.warn({ hub, feed: url, err: error }, "websub hub unreachable");
    }
  }
}
