// The one bot the test peer hosts: it follows whom the control port says, and writes one JSON line per
// activity delivered to it, and per follower it gains, to WATCH_LOG (default received.jsonl):
//   {"at": ISO time, "bot": "watcher", "activity": {...as activitystrea.ms exports it}}
//   {"at": ISO time, "bot": "watcher", "event": "onFollow", "actor": actor id}
import { appendFileSync } from "node:fs";
import { Bot } from "@evanp/activitypub-bot";

export class Watcher extends Bot {
  #log;

  constructor(username, log) {
    super(username, { fullname: "Watcher", description: "Records what Herald delivers to it." });
    this.#log = log;
  }

  #record(entry) {
    appendFileSync(
      this.#log,
      `${JSON.stringify({ at: new Date().toISOString(), bot: this.username, ...entry })}\n`,
    );
  }

  async handleActivity(activity) {
    this.#record({ activity: await activity.export() });
    // Not handled here: the server still does its own bookkeeping (an Accept settles a pending follow).
    return false;
  }

  async onFollow(actor) {
    this.#record({ event: "onFollow", actor: actor.id });
  }
}
