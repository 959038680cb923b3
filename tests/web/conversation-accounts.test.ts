// The conversation's reply links name a post that exists: with `bot.mode: none` only the section
// account posts an article, so readers reply to (and copy) the section account's post, not a main
// account object that would answer 404.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";

describe("conversation links with section accounts", () => {
  let herald: HeraldUnderTest;

  beforeAll(async () => {
    herald = await startHerald({
      bot: { username: "news", mode: "none" },
      accounts: [{ username: "tech", name: "Herald Tech", tags: ["tech"] }],
      pages: { showInteractions: true },
    });
    // The first scan marks the first run; what is written after it is published.
    await herald.server.tick();
    herald.write(
      "chips.md",
      ["---", "title: Chips", "id: chips", "tags: [tech]", "---", "", "Text."].join("\n"),
    );
    await herald.server.tick();
    await drained(herald.server);
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("points the copy link and the reply redirect at the section account's post", async () => {
    const post = `${herald.origin}/objects/@tech/chips`;
    const served = await fetch(post, { headers: { Accept: "application/activity+json" } });
    expect(served.status).toBe(200);
    expect(
      (await fetch(`${herald.origin}/objects/chips`, { headers: { Accept: "application/activity+json" } }))
        .status,
    ).toBe(404);

    const page = await (await fetch(`${herald.origin}/articles/chips/`)).text();
    expect(page).toContain(`data-copy="${post}"`);
    const reply = await fetch(`${herald.origin}/reply?article=chips&instance=mastodon.social`, {
      redirect: "manual",
    });
    expect(reply.status).toBe(302);
    const location = new URL(reply.headers.get("location")!);
    expect(location.host).toBe("mastodon.social");
    expect(location.searchParams.get("uri")).toBe(post);
  });
});
