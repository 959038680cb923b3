// Several accounts from one content folder, against the verifying inbox (independent signature
// checks): each account is its own actor with its own key and followers, and an article reaches
// each account's followers exactly once, signed by that account, under ids that carry the account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockOn } from "../../src/ops/blocks.ts";
import { type AcceptedDelivery, startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { drained, type HeraldUnderTest, startHerald, type TestStore } from "./setup.ts";

type Json = Record<string, unknown>;
const AP_JSON = { Accept: "application/activity+json" };
let serial = 0;

const ACCOUNTS = [
  { username: "tech", name: "Herald Tech", summary: "Technology.", tags: ["tech"] },
  { username: "city", name: "Herald City", folders: ["city/**"], objectType: "article" },
];

describe.each<TestStore>(["sqlite", "postgres"])("several accounts on %s", (store) => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  const actor = (name: string) => `${herald.origin}/users/${name}`;
  const object = (account: string, id: string) =>
    account === "news" ? `${herald.origin}/objects/${id}` : `${herald.origin}/objects/@${account}/${id}`;

  /** Follows `target` (an account's username) as the inbox's actor `name`; waits for the Accept. */
  const follow = async (name: string, target: string) => {
    const activity = {
      id: `${inbox.actorUrl(name)}#follow-${++serial}`,
      type: "Follow",
      object: actor(target),
    };
    // A loaded machine (the suite shares it) can make the inbox shed load with 503: retry, as servers do.
    let res = await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme: "cavage", as: name });
    for (let tries = 0; res.status === 503 && tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme: "cavage", as: name });
    }
    expect(res.status).toBe(202);
    const [accept] = await inbox.waitFor(
      (d) => d.activity.type === "Accept" && (d.activity.object as Json | undefined)?.id === activity.id,
      15_000,
    );
    return accept!;
  };
  /** Deliveries of one activity id (each fan-out reaches the inbox server's shared inbox once). */
  const deliveriesOf = (id: string): AcceptedDelivery[] => inbox.accepted.filter((d) => d.activity.id === id);
  const activityIds = (type: string) =>
    inbox.accepted.filter((d) => d.activity.type === type).map((d) => String(d.activity.id));

  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    herald = await startHerald({ accounts: ACCOUNTS }, undefined, store);
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("serves each account as its own actor, with its own key, WebFinger and collections", async () => {
    const host = new URL(herald.origin).host;
    const finger = await fetch(`${herald.origin}/.well-known/webfinger?resource=acct:tech@${host}`);
    expect(finger.status).toBe(200);
    const links = ((await finger.json()) as { links: Json[] }).links;
    expect(links.find((l) => l.rel === "self")?.href).toBe(actor("tech"));
    expect((await fetch(`${herald.origin}/.well-known/webfinger?resource=acct:nobody@${host}`)).status).toBe(
      404,
    );

    const main = (await (await fetch(actor("news"), { headers: AP_JSON })).json()) as Json;
    const tech = (await (await fetch(actor("tech"), { headers: AP_JSON })).json()) as Json;
    expect(tech.id).toBe(actor("tech"));
    expect(tech.preferredUsername).toBe("tech");
    expect(tech.name).toBe("Herald Tech");
    expect(tech.type).toBe("Service");
    expect(tech.followers).toBe(`${actor("tech")}/followers`);
    const pem = (doc: Json) => (doc.publicKey as Json).publicKeyPem;
    expect(pem(tech)).toMatch(/BEGIN PUBLIC KEY/);
    expect(pem(tech)).not.toBe(pem(main));
    // Keys are made once: the same key on the next fetch.
    expect(pem((await (await fetch(actor("tech"), { headers: AP_JSON })).json()) as Json)).toBe(pem(tech));
    expect((await fetch(actor("nobody"), { headers: AP_JSON })).status).toBe(404);

    // Browsers get the account's page at the same URL.
    const page = await fetch(actor("tech"), { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Herald Tech</h1>");

    const nodeinfo = (await (await fetch(`${herald.origin}/nodeinfo/2.1`)).json()) as {
      usage: { users: { total: number } };
    };
    expect(nodeinfo.usage.users.total).toBe(3);
  });

  it("delivers each article exactly once per account that gets it, signed by that account", async () => {
    // alice follows all three; bob only tech; carol only the main account.
    for (const target of ["news", "tech", "city"]) await follow("alice", target);
    await follow("bob", "tech");
    await follow("carol", "news");
    const fed = herald.server.storage.federation;
    expect(await fed.countFollowers("accepted")).toBe(2);
    expect(await fed.forAccount("tech").countFollowers("accepted")).toBe(2);
    expect(await fed.forAccount("city").countFollowers("accepted")).toBe(1);
    const techFollowers = (await (
      await fetch(`${actor("tech")}/followers`, { headers: AP_JSON })
    ).json()) as Json;
    expect(techFollowers.totalItems).toBe(2);

    herald.write("chips.md", "---\ntitle: Chips\ntags: [tech]\n---\nChips are small.\n");
    herald.write("city/tram.md", "---\ntitle: Tram\ntags: [Tech]\n---\nThe tram runs on software.\n");
    herald.write("weather.md", "---\ntitle: Weather\ntags: [sky]\n---\nRain.\n");
    await herald.server.tick();
    await drained(herald.server);

    const expected = [
      ["news", "chips"],
      ["tech", "chips"],
      ["news", "tram"],
      ["tech", "tram"],
      ["city", "tram"],
      ["news", "weather"],
    ] as const;
    expect(activityIds("Create").sort()).toEqual(expected.map(([a, id]) => `${object(a, id)}#create`).sort());
    for (const [account, id] of expected) {
      const [delivery, ...more] = deliveriesOf(`${object(account, id)}#create`);
      expect(more).toEqual([]);
      // Signed with the account's own key, checked by independent code against its actor document.
      expect(delivery!.keyId).toBe(`${actor(account)}#main-key`);
      expect(delivery!.activity.actor).toBe(actor(account));
      const post = delivery!.activity.object as Json;
      expect(post.attributedTo).toBe(actor(account));
      expect(post.url).toBe(`${herald.origin}/articles/${id}/`);
      expect(post.type).toBe(account === "city" ? "Article" : "Note");
    }
    // Each account's object answers at its id; its outbox lists it.
    const served = await fetch(object("tech", "chips"), { headers: AP_JSON });
    expect(served.status).toBe(200);
    const techPost = (await served.json()) as Json;
    expect(techPost.attributedTo).toBe(actor("tech"));
    // Quote consent is the main account's: a section post offers quoting to its author only, while
    // the main account's post of an article offers it to everyone (federation.quotes' default).
    const approval = (post: Json) =>
      ((post.interactionPolicy as Json | undefined)?.canQuote as Json | undefined)?.automaticApproval;
    expect(approval(techPost)).toBe(actor("tech"));
    const mainPost = (await (await fetch(object("news", "chips"), { headers: AP_JSON })).json()) as Json;
    expect(approval(mainPost)).toBe("as:Public");
    const outbox = (await (await fetch(`${actor("city")}/outbox`, { headers: AP_JSON })).json()) as Json;
    expect(outbox.totalItems).toBe(1);
  });

  it("updates and deletes per account: an article that leaves an account is deleted there only", async () => {
    inbox.clear();
    // chips loses its tech tag: tech deletes its post, the main account updates its own.
    herald.write("chips.md", "---\ntitle: Chips, again\ntags: [food]\n---\nChips are potatoes.\n");
    herald.remove("weather.md");
    await herald.server.tick();
    await drained(herald.server);
    expect(activityIds("Delete").sort()).toEqual(
      [`${object("news", "weather")}#delete`, `${object("tech", "chips")}#delete`].sort(),
    );
    expect(activityIds("Update").map((id) => id.split("#")[0])).toEqual([object("news", "chips")]);
    for (const id of [...activityIds("Delete"), ...activityIds("Update")]) {
      expect(deliveriesOf(id)).toHaveLength(1);
      expect(deliveriesOf(id)[0]!.keyId).toBe(`${String(deliveriesOf(id)[0]!.activity.actor)}#main-key`);
    }
    const gone = await fetch(object("tech", "chips"), { headers: AP_JSON });
    expect(gone.status).toBe(410);
    // Nothing else moved: another scan sends nothing.
    inbox.clear();
    await herald.server.tick();
    await drained(herald.server);
    expect(inbox.accepted.filter((d) => d.activity.type !== "Accept")).toEqual([]);
  });

  it("removes a follower from the account an Undo names only, and a blocked server's from every account", async () => {
    const fed = () => herald.server.storage.federation;
    const bob = inbox.actorUrl("bob");
    const undo = {
      id: `${bob}#undo-${++serial}`,
      type: "Undo",
      actor: bob,
      object: { type: "Follow", actor: bob, object: actor("tech") },
    };
    expect(
      (await inbox.signedPost(`${herald.origin}/inbox`, undo, { scheme: "cavage", as: "bob" })).status,
    ).toBe(202);
    await drained(herald.server);
    expect(await fed().forAccount("tech").getFollower(bob)).toBeUndefined();
    expect(await fed().forAccount("tech").getFollower(inbox.actorUrl("alice"))).toBeDefined();

    // Blocking the inbox's server: alice leaves all three accounts, each telling her with a Reject.
    inbox.clear();
    const result = await blockOn(herald.server.herald, "127.0.0.1");
    expect(result.ok).toBe(true);
    for (const account of ["", "tech", "city"])
      expect(await fed().forAccount(account).countFollowers()).toBe(0);
    const rejects = await inbox.waitFor((d) => d.activity.type === "Reject");
    await drained(herald.server);
    expect(
      inbox.accepted
        .filter(
          (d) =>
            d.activity.type === "Reject" && (d.activity.object as Json).actor === inbox.actorUrl("alice"),
        )
        .map((d) => d.activity.actor)
        .sort(),
    ).toEqual([actor("city"), actor("news"), actor("tech")].sort());
    expect(rejects.length).toBeGreaterThan(0);
  });
});

describe.each<TestStore>(["sqlite", "postgres"])("bot.mode announce on %s", (store) => {
  let herald: HeraldUnderTest;
  let inbox: VerifyingInbox;
  const actor = (name: string) => `${herald.origin}/users/${name}`;

  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
    herald = await startHerald(
      { bot: { username: "news", name: "News", mode: "announce" }, accounts: ACCOUNTS },
      undefined,
      store,
    );
  });
  afterAll(async () => {
    await herald?.stop();
    await inbox?.close();
  });

  it("boosts each section post from the main account instead of posting it again, once", async () => {
    for (const target of ["news", "tech"]) {
      const activity = {
        id: `${inbox.actorUrl("dora")}#follow-${++serial}`,
        type: "Follow",
        object: actor(target),
      };
      let res = await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme: "cavage", as: "dora" });
      for (let tries = 0; res.status === 503 && tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await inbox.signedPost(`${herald.origin}/inbox`, activity, { scheme: "cavage", as: "dora" });
      }
      expect(res.status).toBe(202);
      await inbox.waitFor(
        (d) => d.activity.type === "Accept" && (d.activity.object as Json).id === activity.id,
      );
    }
    herald.write("chips.md", "---\ntitle: Chips\ntags: [tech]\n---\nChips are small.\n");
    herald.write("city/tram.md", "---\ntitle: Tram\ntags: [tech]\n---\nIn two sections.\n");
    herald.write("weather.md", "---\ntitle: Weather\n---\nRain.\n");
    await herald.server.tick();
    await drained(herald.server);
    // Another scan, as after a restart: nothing is announced twice.
    await herald.server.tick();
    await drained(herald.server);

    const ids = (type: string) =>
      inbox.accepted
        .filter((d) => d.activity.type === type)
        .map((d) => String(d.activity.id))
        .sort();
    // The main account posts only what no section gets; tech posts its own (dora does not follow city).
    expect(ids("Create")).toEqual(
      [
        `${herald.origin}/objects/@tech/chips#create`,
        `${herald.origin}/objects/@tech/tram#create`,
        `${herald.origin}/objects/weather#create`,
      ].sort(),
    );
    // One Announce per article, of its first section's post, signed by the main account.
    const announces = inbox.accepted.filter((d) => d.activity.type === "Announce");
    expect(announces.map((d) => [d.activity.object, d.activity.actor, d.keyId]).sort()).toEqual(
      [
        [`${herald.origin}/objects/@tech/chips`, actor("news"), `${actor("news")}#main-key`],
        [`${herald.origin}/objects/@tech/tram`, actor("news"), `${actor("news")}#main-key`],
      ].sort(),
    );
    expect(ids("Announce")).toEqual(
      [
        `${herald.origin}/objects/@tech/chips#announce`,
        `${herald.origin}/objects/@tech/tram#announce`,
      ].sort(),
    );
  });
});

describe("publishing controls per account", () => {
  let herald: HeraldUnderTest;
  afterAll(async () => {
    await herald?.stop();
  });

  it("holds a section account's posts by its own drip feed while the main account posts at once", async () => {
    herald = await startHerald({
      accounts: [{ username: "tech", name: "Tech", tags: ["tech"], publishing: { maxPerHour: 1 } }],
    });
    // Past the first run (which would put these in the outboxes silently).
    herald.write("seed.md", "---\ntitle: Seed\n---\nSeed.\n");
    await herald.server.tick();
    herald.write("a.md", "---\ntitle: A\ntags: [tech]\n---\nA.\n");
    herald.write("b.md", "---\ntitle: B\ntags: [tech]\n---\nB.\n");
    const scan = await herald.server.tick();
    const fed = herald.server.storage.federation;
    expect((await fed.listObjects()).map((o) => o.articleId)).toEqual(["a", "b", "seed"]);
    expect((await fed.forAccount("tech").listObjects()).map((o) => o.articleId)).toHaveLength(1);
    expect(scan.federation?.held.map((h) => [h.account, h.reason])).toEqual([["tech", "drip"]]);
  });
});
