// Attacks on section accounts: Follows of accounts that do not exist, an Undo aimed at another
// account's follow, encoded and traversing paths under /users/<name>/ and /tags/<tag>/, and front
// matter `accounts:` of every wrong shape. A real Herald on loopback (SQLite) with one section account,
// and fake remote actors that sign with independent code.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drained, type HeraldUnderTest, startHerald } from "../federation/setup.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

let herald: HeraldUnderTest;
let remote: VerifyingInbox;
let inbox: string;

/** GET of a path exactly as written: fetch() would resolve `%2e%2e` and `..` before sending. */
function raw(path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${herald.origin}/`, { path }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
  });
}

const md = (title: string, extra = "") =>
  `---\ntitle: ${title}\ndate: 2026-01-02\nlang: en\n${extra}---\n\nBody of ${title}.\n`;

beforeAll(async () => {
  remote = await startVerifyingInbox({ hostname: "127.0.0.1" });
  herald = await startHerald({ accounts: [{ username: "books", name: "Books", tags: ["books"] }] });
  herald.write("plain/index.md", md("Plain"));
  herald.write("string/index.md", md("Named by a string", "accounts: books\n"));
  herald.write("object/index.md", md("Named by an object", "accounts:\n  books: true\n"));
  herald.write("nested/index.md", md("Named in a nested list", "accounts: [[books]]\n"));
  herald.write("numbers/index.md", md("Named by numbers", "accounts: [1, null, true, {a: 1}]\n"));
  herald.write("listed/index.md", md("Named in a list", "accounts: [books]\n"));
  const names = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`).join(", ");
  herald.write("many/index.md", md("Named among many", `accounts: [${names(1_000)}, books]\n`));
  // Front matter keys Herald does not know are kept only while small (16 KiB): this one is dropped.
  herald.write("huge/index.md", md("Named among too many", `accounts: [${names(10_000)}, books]\n`));
  herald.write(
    "unknown/index.md",
    md("Named unknown", "accounts: [nobody, __proto__, constructor, NEWS, news]\n"),
  );
  await herald.server.tick();
  await drained(herald.server);
  inbox = `${herald.origin}/inbox`;
}, 90_000);

afterAll(async () => {
  await herald?.stop();
  await remote?.close();
});

describe("front matter accounts", () => {
  it("routes only a list of names, and survives every other shape", async () => {
    const res = await fetch(`${herald.origin}/users/books/feed.xml`);
    expect(res.status).toBe(200);
    const feed = await res.text();
    expect(feed).toContain("Named in a list");
    expect(feed).toContain("Named among many");
    for (const title of [
      "Named among too many",
      "Plain",
      "Named by a string",
      "Named by an object",
      "Named in a nested list",
      "Named by numbers",
      "Named unknown",
    ])
      expect(feed, title).not.toContain(title);
    // The main account still has them all.
    const main = await (await fetch(`${herald.origin}/feed.xml`)).text();
    for (const title of ["Plain", "Named by a string", "Named unknown", "Named among too many"])
      expect(main).toContain(title);
  });
});

describe("paths under /users/ and /tags/", () => {
  // Paths are matched percent-decoded, after the URL's dot segments (`..`, `%2e%2e`) are resolved as
  // the URL standard says: `/users/%2E%2E/feed.xml` is `/feed.xml`, the main feed, and
  // `/users/books%2Ffeed.xml` is the books feed. What matters: no other account's or tag's feed, no
  // file from the disk, no 5xx.
  const leaks = (text: string) => text.includes('"dependencies"') || text.includes("root:x:0:0");

  it("serves no feed for a name that is not exactly a section account's", async () => {
    for (const name of [
      "nobody",
      "__proto__",
      "constructor",
      "BOOKS",
      "..%2Fbooks",
      "books%00",
      "bo%C3%B6ks",
    ]) {
      for (const file of ["feed.xml", "atom.xml", "feed.json"]) {
        const res = await raw(`/users/${name}/${file}`);
        expect(res.status, name).toBe(404);
      }
    }
  });

  it("answers traversing and malformed paths without a file, a crash or a 5xx", async () => {
    for (const path of [
      "/users/%2E%2E/feed.xml",
      "/users/books/../../etc/passwd",
      "/users/books/%2e%2e/%2e%2e/package.json",
      "/users/books/..%2f..%2fpackage.json",
      "/users/books/feed.xml%00",
      "/users/books/feed.xml/",
      "/users/%/feed.xml",
      "/tags/..%2F..%2Fpackage.json/feed.xml",
      "/tags/%2e%2e/feed.xml",
      "/tags/%/",
      "/tags/%E0%A4%A/feed.xml",
      "/tags/%00/",
      "/tags/books/../../package.json",
      `/tags/${"a".repeat(10_000)}/feed.xml`,
      "/tags/__proto__/",
      "/tags/constructor/feed.json",
    ]) {
      const res = await raw(path);
      expect(res.status, path.slice(0, 60)).toBeLessThan(500);
      expect(leaks(res.text), path.slice(0, 60)).toBe(false);
    }
    expect((await raw("/users/books/feed.xml")).status).toBe(200);
  });
});

describe("Follow and Undo addressed to one account", () => {
  const follow = (as: string, object: string, n: number) => ({
    id: `${remote.actorUrl(as)}#follow-${n}`,
    type: "Follow",
    object,
  });

  it("answers no Follow of an account that does not exist, and keeps no follower anywhere", async () => {
    for (const [n, name] of ["nobody", "BOOKS", "__proto__", "books%00", "..%2Fbooks"].entries()) {
      const res = await remote.signedPost(inbox, follow("eve", `${herald.origin}/users/${name}`, n), {
        scheme: "cavage",
        as: "eve",
      });
      expect([202, 400], name).toContain(res.status);
    }
    await drained(herald.server);
    const eve = remote.actorUrl("eve");
    for (const account of ["", "books", "nobody", "__proto__"])
      expect(
        (await herald.server.storage.federation.forAccount(account).getFollower(eve)) ?? null,
      ).toBeNull();
    expect(remote.accepted.filter((d) => d.path.includes("/users/eve"))).toEqual([]);
  });

  it("lets nobody undo another actor's follow, of either account", async () => {
    const ann = remote.actorUrl("ann");
    const main = `${herald.origin}/users/news`;
    const books = `${herald.origin}/users/books`;
    for (const [n, object] of [main, books].entries()) {
      const res = await remote.signedPost(inbox, follow("ann", object, 10 + n), {
        scheme: "cavage",
        as: "ann",
      });
      expect(res.status).toBe(202);
    }
    await drained(herald.server);
    const fed = herald.server.storage.federation;
    expect((await fed.getFollower(ann))?.state).toBe("accepted");
    expect((await fed.forAccount("books").getFollower(ann))?.state).toBe("accepted");
    // Mallory undoes Ann's follows: by their ids, and embedded with Ann as their actor.
    const undos = [
      { id: `${remote.actorUrl("mallory")}#undo-1`, type: "Undo", object: `${ann}#follow-10` },
      { id: `${remote.actorUrl("mallory")}#undo-2`, type: "Undo", object: `${ann}#follow-11` },
      {
        id: `${remote.actorUrl("mallory")}#undo-3`,
        type: "Undo",
        object: { id: `${ann}#follow-11`, type: "Follow", actor: ann, object: books },
      },
      {
        id: `${remote.actorUrl("mallory")}#undo-4`,
        type: "Undo",
        actor: ann,
        object: { id: `${ann}#follow-10`, type: "Follow", actor: ann, object: main },
      },
    ];
    for (const undo of undos) {
      const res = await remote.signedPost(inbox, undo, { scheme: "cavage", as: "mallory" });
      expect(res.status).toBeLessThan(500);
    }
    await drained(herald.server);
    expect((await fed.getFollower(ann))?.state).toBe("accepted");
    expect((await fed.forAccount("books").getFollower(ann))?.state).toBe("accepted");
    // Ann's own Undo of the section account's follow leaves the main account's.
    const own = await remote.signedPost(
      inbox,
      { id: `${ann}#undo-books`, type: "Undo", object: `${ann}#follow-11` },
      { scheme: "cavage", as: "ann" },
    );
    expect(own.status).toBe(202);
    await drained(herald.server);
    expect(await fed.forAccount("books").getFollower(ann)).toBeUndefined();
    expect((await fed.getFollower(ann))?.state).toBe("accepted");
  });
});
