// How one batch of Fedify's per-inbox messages becomes fan-outs: one body per activity, and an inbox
// that two sends of the same activity name (a relay that also follows) reached once.
import { describe, expect, it } from "vitest";
import { fanoutsOf } from "../../src/store/outbox-messages.ts";

const CREATE = "https://www.w3.org/ns/activitystreams#Create";

function messagesOf(activity: Record<string, unknown>, inboxes: string[], orderingKey = "k") {
  return inboxes.map((inbox) => ({
    type: "outbox",
    activityId: activity.id as string,
    activityType: CREATE,
    activity,
    inbox,
    orderingKey: `${orderingKey}\n${new URL(inbox).origin}`,
  }));
}

describe("fanoutsOf", () => {
  it("sends an activity once to an inbox both its followers' and its relays' sends name", () => {
    const id = "https://news.example/objects/a#create";
    // Two sends of one activity (followers, then relays): Fedify compacts each into its own object.
    const followers = messagesOf({ id, type: "Create" }, [
      "https://relay.example/inbox",
      "https://m.example/inbox",
    ]);
    const relays = messagesOf({ id, type: "Create" }, [
      "https://relay.example/inbox",
      "https://r2.example/inbox",
    ]);
    const fanouts = fanoutsOf([...followers, ...relays], true);
    expect(fanouts.map((f) => f.inboxes)).toEqual([
      ["https://relay.example/inbox", "https://m.example/inbox"],
      ["https://r2.example/inbox"],
    ]);
    expect(fanouts.every((f) => f.activityId === id && f.orderKey === "k")).toBe(true);
  });

  it("leaves out a send whose every inbox was reached, and keeps different activities apart", () => {
    const a = { id: "https://news.example/objects/a#create", type: "Create" };
    const b = { id: "https://news.example/objects/b#create", type: "Create" };
    const fanouts = fanoutsOf([
      ...messagesOf(a, ["https://relay.example/inbox"]),
      ...messagesOf({ ...a }, ["https://relay.example/inbox"]),
      ...messagesOf(b, ["https://relay.example/inbox"]),
    ]);
    expect(fanouts.map((f) => [f.activityId, f.inboxes])).toEqual([
      [a.id, ["https://relay.example/inbox"]],
      [b.id, ["https://relay.example/inbox"]],
    ]);
  });
});
