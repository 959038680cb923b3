// Moving in and out, judged by a Mastodon-style verifying inbox: alsoKnownAs on the actor (what
// Mastodon checks before it moves followers to Herald), `herald move` refused without the new
// account's alias, the Move sent once to every follower (also across a crash and restarts),
// movedTo, no new posts while moved, and --undo.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatStatus } from "../../src/commands/status.ts";
import { liveStatus } from "../../src/ops/status.ts";
import { openSqliteStorage } from "../../src/store/sqlite-storage.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, followAs, type HeraldUnderTest, startHerald } from "./setup.ts";

type Json = Record<string, unknown>;
const AP = { Accept: "application/activity+json" };

describe("moving the account, with a verifying inbox", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  let actorUrl = "";
  let aliases = ["oldhome"];
  const config = () => ({ bot: { username: "news", alsoKnownAs: aliases.map((a) => inbox.actorUrl(a)) } });
  const moves = () => inbox.accepted.filter((d) => d.activity.type === "Move");
  const actor = async () => (await (await fetch(actorUrl, { headers: AP })).json()) as Json;
  /** The same instance again: same data dir, same port (ids and keys name the origin). */
  const again = (dir: string, origin: string) =>
    startHerald(
      {
        ...config(),
        site: { url: `${origin}/`, timezone: "Asia/Shanghai", language: "zh-CN", title: "Herald test" },
        server: { port: Number(new URL(origin).port), host: "127.0.0.1" },
      },
      dir,
    );
  const restart = async () => {
    await herald.stop();
    herald = await again(herald.dir, herald.origin);
  };

  beforeAll(async () => {
    inbox = await startVerifyingInbox({
      mode: "any",
      // The new account names Herald as an alias, as Mastodon's "Moving from a different account" does.
      actorDocument: (a, doc) => (a.name === "newhome" ? { ...doc, alsoKnownAs: [actorUrl] } : doc),
    });
    herald = await startHerald(config());
    actorUrl = herald.actorUrl;
    for (const name of ["alice", "bob"])
      await followAs(inbox, herald.origin, name, actorUrl, `${inbox.actorUrl(name)}#follow`);
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("moving in: the actor lists the old account in alsoKnownAs, and its followers' Follows are accepted", async () => {
    expect((await actor()).alsoKnownAs).toEqual(inbox.actorUrl("oldhome"));
    // Mastodon's "move followers" makes each follower of the old account send Herald a Follow.
    const follow = { id: `${inbox.actorUrl("carol")}#follow`, type: "Follow", object: actorUrl };
    expect(
      (await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "rfc9421", as: "carol" })).status,
    ).toBe(202);
    await inbox.waitFor((d) => d.activity.type === "Accept" && (d.activity.object as Json).id === follow.id);
    expect((await herald.server.storage.federation.getFollower(inbox.actorUrl("carol")))?.state).toBe(
      "accepted",
    );
  });

  it("refuses to move to an account that does not list Herald in its alsoKnownAs", async () => {
    const result = await herald.server.federation!.account.move(inbox.actorUrl("stranger"));
    expect(result).toMatchObject({ ok: false });
    expect(result.message).toContain("does not list");
    expect(result.message).toContain("alsoKnownAs");
    await drained(herald.server);
    expect(moves()).toEqual([]);
    expect(await herald.server.storage.moves.current()).toBeUndefined();
    expect((await actor()).movedTo).toBeUndefined();
  });

  it("sends one verified Move to the followers, shows movedTo, and posts nothing new", async () => {
    const target = inbox.actorUrl("newhome");
    const result = await herald.server.federation!.account.move(target);
    expect(result.ok).toBe(true);
    const [move] = await inbox.waitFor((d) => d.activity.type === "Move");
    expect(move!.activity).toMatchObject({ actor: actorUrl, object: actorUrl, target });
    expect(move!.activity.id).toMatch(new RegExp(`^${actorUrl}#move-[0-9a-f]{16}$`));
    expect(move!.keyOwner).toBe(actorUrl);
    // All three followers share the peer's shared inbox: one delivery there.
    expect(move!.path).toBe("/inbox");
    expect((await actor()).movedTo).toBe(target);

    // Moving again to the same account repeats nothing.
    expect((await herald.server.federation!.account.move(target)).ok).toBe(true);
    // A new article builds pages and feeds, but is not posted.
    herald.write(
      "after-move.md",
      ["---", "title: After the move", "id: after-move", "---", "", "Text."].join("\n"),
    );
    const scan = await herald.server.tick();
    expect(scan.federation?.held).toContainEqual({
      account: "news",
      articleId: "after-move",
      kind: "create",
      reason: "moved",
    });
    expect((await fetch(`${herald.origin}/feed.xml`)).status).toBe(200);
    expect(await (await fetch(`${herald.origin}/feed.xml`)).text()).toContain("After the move");
    await drained(herald.server);
    expect(moves()).toHaveLength(1);
    expect(inbox.accepted.filter((d) => d.activity.type === "Create")).toEqual([]);
    const status = await liveStatus(herald.server.herald);
    expect(status.moved).toMatchObject({ to: target, queued: true });
    expect(status.articles).toContainEqual(
      expect.objectContaining({ id: "after-move", state: "held", reason: "moved" }),
    );
    expect(formatStatus(status, "UTC")).toContain(`Moved to ${target}`);
    // Herald keeps answering: a Follow is still accepted while moved.
    const follow = { id: `${inbox.actorUrl("dave")}#follow`, type: "Follow", object: actorUrl };
    await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: "dave" });
    await inbox.waitFor((d) => d.activity.type === "Accept" && (d.activity.object as Json).id === follow.id);
  });

  it("a restart neither loses nor repeats the Move", async () => {
    await restart();
    await drained(herald.server);
    expect(moves()).toHaveLength(1);
    expect((await actor()).movedTo).toBe(inbox.actorUrl("newhome"));
  });

  it("--undo clears movedTo, tells followers, and posting resumes", async () => {
    const result = await herald.server.federation!.account.undoMove();
    expect(result.ok).toBe(true);
    const [update] = await inbox.waitFor(
      (d) => d.activity.type === "Update" && String(d.activity.id).includes("#unmove-"),
    );
    expect((update!.activity.object as Json).movedTo).toBeUndefined();
    expect((await actor()).movedTo).toBeUndefined();
    await herald.server.tick();
    await inbox.waitFor(
      (d) =>
        d.activity.type === "Create" &&
        (d.activity.object as Json).id === `${herald.origin}/objects/after-move`,
    );
    expect((await herald.server.federation!.account.undoMove()).ok).toBe(false);
  });

  it("a Move recorded but not queued when the process died goes out once after the restart", async () => {
    await herald.stop();
    // What `herald move` leaves behind when it dies between recording the Move and queueing it.
    const storage = openSqliteStorage(`${herald.dir}/data/herald.sqlite`);
    const id = `${actorUrl}#move-crashed`;
    expect(
      await storage.moves.record({
        id,
        target: inbox.actorUrl("newhome"),
        state: "pending",
        activity: {
          "@context": "https://www.w3.org/ns/activitystreams",
          id,
          type: "Move",
          actor: actorUrl,
          object: actorUrl,
          target: inbox.actorUrl("newhome"),
          to: `${actorUrl}/followers`,
        },
        createdAt: new Date().toISOString(),
        undoneAt: null,
      }),
    ).toBe(true);
    await storage.close();
    herald = await again(herald.dir, herald.origin);
    await inbox.waitFor((d) => d.activity.type === "Move" && d.activity.id === id);
    await restart();
    await drained(herald.server);
    expect(moves().filter((d) => d.activity.id === id)).toHaveLength(1);
    expect(moves()).toHaveLength(2);
  });

  it("a new alias in the config reaches followers as an Update of the actor", async () => {
    aliases = ["oldhome", "otherhome"];
    await restart();
    const [update] = await inbox.waitFor(
      (d) => d.activity.type === "Update" && String(d.activity.id).includes("#profile-"),
    );
    expect((update!.activity.object as Json).alsoKnownAs).toEqual([
      inbox.actorUrl("oldhome"),
      inbox.actorUrl("otherhome"),
    ]);
  });
});

describe("moving out on PostgreSQL", () => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  let actorUrl = "";

  beforeAll(async () => {
    inbox = await startVerifyingInbox({
      actorDocument: (a, doc) => (a.name === "newhome" ? { ...doc, alsoKnownAs: [actorUrl] } : doc),
    });
    herald = await startHerald({}, undefined, "postgres");
    actorUrl = herald.actorUrl;
    const follow = { id: `${inbox.actorUrl("alice")}#follow`, type: "Follow", object: actorUrl };
    await inbox.signedPost(`${herald.origin}/inbox`, follow, { scheme: "cavage", as: "alice" });
    await inbox.waitFor((d) => d.activity.type === "Accept");
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("queues the Move once through the PostgreSQL outbox, and undoes it", async () => {
    const target = inbox.actorUrl("newhome");
    expect((await herald.server.federation!.account.move(target)).ok).toBe(true);
    expect((await herald.server.federation!.account.move(target)).ok).toBe(true);
    // Recovery at a scheduler's start finds nothing pending.
    expect(await herald.server.federation!.recover()).toBe(0);
    await inbox.waitFor((d) => d.activity.type === "Move");
    await drained(herald.server);
    const moves = inbox.accepted.filter((d) => d.activity.type === "Move");
    expect(moves).toHaveLength(1);
    expect(moves[0]!.activity).toMatchObject({ actor: actorUrl, object: actorUrl, target });
    expect(await herald.server.storage.moves.current()).toMatchObject({ target, state: "queued" });
    expect((await herald.server.federation!.account.undoMove()).ok).toBe(true);
    expect(await herald.server.storage.moves.current()).toBeUndefined();
  });
});
