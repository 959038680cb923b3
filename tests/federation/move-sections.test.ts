// Moving out with section accounts in `bot.mode: announce`: while the main account has moved it posts
// nothing new, boosts of section posts included; the section accounts keep posting; after --undo the
// boost that was due goes out, once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, followAs, type HeraldUnderTest, startHerald } from "./setup.ts";

describe("a moved main account in announce mode", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  let mainActor = "";
  const of = (type: string) => inbox.accepted.filter((d) => d.activity.type === type);

  beforeAll(async () => {
    inbox = await startVerifyingInbox({
      mode: "any",
      actorDocument: (a, doc) => (a.name === "newhome" ? { ...doc, alsoKnownAs: [mainActor] } : doc),
    });
    herald = await startHerald({
      bot: { username: "news", mode: "announce" },
      accounts: [{ username: "tech", name: "Herald Tech", tags: ["tech"] }],
    });
    mainActor = herald.actorUrl;
    for (const target of [mainActor, `${herald.origin}/users/tech`])
      await followAs(inbox, herald.origin, "reader", target);
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("boosts nothing while moved, and the due boost once after --undo", async () => {
    expect((await herald.server.federation!.account.move(inbox.actorUrl("newhome"))).ok).toBe(true);
    await inbox.waitFor((d) => d.activity.type === "Move");

    herald.write(
      "chips.md",
      ["---", "title: Chips", "id: chips", "tags: [tech]", "---", "", "Text."].join("\n"),
    );
    await herald.server.tick();
    await drained(herald.server);
    const create = `${herald.origin}/objects/@tech/chips#create`;
    await inbox.waitFor((d) => d.activity.type === "Create" && d.activity.id === create);
    // Another scan, to be sure nothing waits to be boosted on the next one either.
    await herald.server.tick();
    await drained(herald.server);
    expect(of("Announce")).toEqual([]);

    expect((await herald.server.federation!.account.undoMove()).ok).toBe(true);
    await herald.server.tick();
    await drained(herald.server);
    const [announce] = await inbox.waitFor((d) => d.activity.type === "Announce");
    expect(announce!.activity).toMatchObject({ actor: mainActor, object: create.replace("#create", "") });
    await herald.server.tick();
    await drained(herald.server);
    expect(of("Announce").length).toBe(1);
  });
});
