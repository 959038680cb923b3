// Attacks on `herald move --to`: the target is fetched from an address the operator typed (or was
// given). A target whose document claims an id on another server (so another account would be named
// as where the followers went), a target on a private address when those are not allowed, and the
// honest target as the control. The real command, on a real SQLite store in a temp dir, against fake
// remote actors on loopback.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moveCommand } from "../../src/commands/move.ts";
import { fromObject } from "../../src/config/load.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";

const SITE = "http://localhost:1/";
const ME = `${SITE}users/news`;

let remote: VerifyingInbox;
let other: VerifyingInbox;

beforeAll(async () => {
  other = await startVerifyingInbox({ hostname: "127.0.0.1" });
  remote = await startVerifyingInbox({
    hostname: "127.0.0.1",
    actorDocument: (actor, document) => {
      const aliased = { ...document, alsoKnownAs: [ME] };
      // Served at this server's URL, claiming to be an account of another server.
      if (actor.name === "impostor") return { ...aliased, id: other.actorUrl("victim") };
      return actor.name === "honest" ? aliased : document;
    },
  });
}, 30_000);

afterAll(async () => {
  await remote?.close();
  await other?.close();
});

function config(federation: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(tmpdir(), "herald-move-attack-"));
  mkdirSync(join(root, "content"), { recursive: true });
  return fromObject(
    {
      site: { url: SITE, timezone: "UTC", language: "en", title: "Herald test" },
      bot: { username: "news", name: "Herald News", summary: "Test bot." },
      federation,
    },
    { base: root, env: {} },
  );
}

describe("herald move --to", () => {
  it("refuses a target whose document names an account on another server", async () => {
    const result = await moveCommand(config({ allowPrivateAddress: true }), {
      to: remote.actorUrl("impostor"),
    });
    expect(result.ok).toBe(false);
    expect(result.message).not.toContain(other.origin);
  });

  it("refuses a target that does not list Herald in alsoKnownAs", async () => {
    const result = await moveCommand(config({ allowPrivateAddress: true }), { to: remote.actorUrl("plain") });
    expect(result.ok).toBe(false);
    expect(result.message).toContain("alsoKnownAs");
  });

  it("fetches nothing from a private address unless those are allowed", async () => {
    remote.clear();
    for (const to of [remote.actorUrl("honest"), `honest@${new URL(remote.origin).host}`]) {
      const result = await moveCommand(config(), { to });
      expect(result.ok, to).toBe(false);
    }
    expect(remote.gets).toEqual([]);
  });

  it("moves to the honest target (the control)", async () => {
    const result = await moveCommand(config({ allowPrivateAddress: true }), {
      to: remote.actorUrl("honest"),
    });
    expect(result.message).toContain(remote.actorUrl("honest"));
    expect(result.ok).toBe(true);
  });
});
