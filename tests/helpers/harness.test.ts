/**
 * Proves the interop harness itself works, without Herald: the verifying inbox judges Fedify-signed
 * requests like Mastodon would, its independent signer is accepted by the independent verifiers, and the
 * activitypub.bot peer starts, answers and stops.
 */
import { signRequest } from "@fedify/fedify/sig";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APBOT_INSTALL_TIMEOUT_MS, type ApbotPeer, isAlive, startApbot } from "./apbot.ts";
import { type FakeActor, startVerifyingInbox, type VerifyingInbox } from "./inbox.ts";

type Spec = "draft-cavage-http-signatures-12" | "rfc9421";

async function cryptoKeyOf(actor: FakeActor): Promise<CryptoKey> {
  const der = actor.privateKey.export({ type: "pkcs8", format: "der" });
  return await crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, [
    "sign",
  ]);
}

/** Signs a POST of `activity` to `url` with Fedify's own signer and sends it with fetch. */
async function fedifyPost(
  url: string,
  actor: FakeActor,
  spec: Spec,
  o: {
    activity?: Record<string, unknown>;
    key?: CryptoKey;
    keyId?: string;
    date?: Date;
    tamperBody?: boolean;
  } = {},
): Promise<Response> {
  const activity = o.activity ?? {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor.id}#like-${Math.random()}`,
    type: "Like",
    actor: actor.id,
    object: "http://localhost:1/notes/1",
  };
  const headers: Record<string, string> = { "content-type": "application/activity+json" };
  if (o.date) headers.date = o.date.toUTCString();
  const request = new Request(url, { method: "POST", headers, body: JSON.stringify(activity) });
  const signed = await signRequest(
    request,
    o.key ?? (await cryptoKeyOf(actor)),
    new URL(o.keyId ?? actor.keyId),
    {
      spec,
    },
  );
  if (!o.tamperBody) return await fetch(signed);
  return await fetch(url, {
    method: "POST",
    headers: signed.headers,
    body: JSON.stringify({ ...activity, object: "http://localhost:1/notes/2" }),
  });
}

describe("verifying inbox (mode any)", () => {
  let inbox: VerifyingInbox;
  beforeAll(async () => {
    inbox = await startVerifyingInbox({ mode: "any" });
  });
  afterAll(async () => {
    await inbox.close();
  });

  it("serves the fake actor with its key and WebFinger", async () => {
    const a = inbox.actor("alice");
    const res = await fetch(inbox.actorUrl("alice"), { headers: { accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      id: a.id,
      type: "Person",
      inbox: a.inbox,
      endpoints: { sharedInbox: `${inbox.origin}/inbox` },
      publicKey: { id: a.keyId, owner: a.id, publicKeyPem: a.publicKeyPem },
    });
    const wf = await fetch(`${inbox.origin}/.well-known/webfinger?resource=acct:${a.handle}`);
    expect(((await wf.json()) as { links: { href: string }[] }).links[0]?.href).toBe(a.id);
  });

  it.each<Spec>(["draft-cavage-http-signatures-12", "rfc9421"])(
    "accepts a Fedify %s signature",
    async (spec) => {
      const a = inbox.actor("alice");
      const res = await fedifyPost(inbox.inboxUrl, a, spec);
      expect(res.status).toBe(202);
      const last = inbox.accepted.at(-1);
      expect(last?.verifiedWith).toBe(spec === "rfc9421" ? "rfc9421" : "cavage");
      expect(last?.keyId).toBe(a.keyId);
      expect(last?.keyOwner).toBe(a.id);
      expect(last?.activity.type).toBe("Like");
      expect(last?.path).toBe("/inbox");
    },
  );

  it("accepts a key served as a standalone key document", async () => {
    const a = inbox.actor("alice");
    const res = await fedifyPost(inbox.inboxUrl, a, "rfc9421", { keyId: a.standaloneKeyId });
    expect(res.status).toBe(202);
    expect(inbox.accepted.at(-1)?.keyId).toBe(a.standaloneKeyId);
  });

  it.each<Spec>(["draft-cavage-http-signatures-12", "rfc9421"])(
    "rejects a tampered body (%s)",
    async (spec) => {
      const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), spec, { tamperBody: true });
      expect(res.status).toBe(401);
      expect(inbox.rejected.at(-1)?.reason).toMatch(/digest does not match/i);
    },
  );

  it.each<Spec>(["draft-cavage-http-signatures-12", "rfc9421"])(
    "rejects a Date 13 hours old (%s)",
    async (spec) => {
      const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), spec, {
        date: new Date(Date.now() - 13 * 60 * 60 * 1000),
      });
      expect(res.status).toBe(401);
      expect(inbox.rejected.at(-1)?.reason).toMatch(/Date .* too far|clock skew/);
    },
  );

  it("accepts a Date 11 hours old (Mastodon's 12 h window)", async () => {
    const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), "draft-cavage-http-signatures-12", {
      date: new Date(Date.now() - 11 * 60 * 60 * 1000),
    });
    expect(res.status).toBe(202);
  });

  it("rejects an unsigned request", async () => {
    const res = await fetch(inbox.inboxUrl, {
      method: "POST",
      headers: { "content-type": "application/activity+json" },
      body: JSON.stringify({ type: "Like", actor: inbox.actorUrl("alice") }),
    });
    expect(res.status).toBe(401);
    expect(inbox.rejected.at(-1)).toMatchObject({ scheme: "none", reason: "request is not signed" });
  });

  it.each<Spec>(["draft-cavage-http-signatures-12", "rfc9421"])("rejects a wrong key (%s)", async (spec) => {
    const other = inbox.actor("mallory");
    // signed with mallory's private key, but claiming alice's keyId
    const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), spec, {
      key: await cryptoKeyOf(other),
    });
    expect(res.status).toBe(401);
    expect(inbox.rejected.at(-1)?.reason).toMatch(/does not verify/);
  });

  it("rejects a keyId that does not resolve", async () => {
    const a = inbox.actor("alice");
    const res = await fedifyPost(inbox.inboxUrl, a, "rfc9421", {
      keyId: `${inbox.origin}/users/nobody#main-key`,
    });
    expect(res.status).toBe(401);
    expect(inbox.rejected.at(-1)?.reason).toMatch(/not found/);
  });

  it("ignores (202, not recorded) an activity whose actor is not the key owner", async () => {
    const before = inbox.accepted.length;
    const a = inbox.actor("alice");
    const res = await fedifyPost(inbox.inboxUrl, a, "draft-cavage-http-signatures-12", {
      activity: { type: "Like", actor: inbox.actorUrl("bob"), object: "http://localhost:1/x" },
    });
    expect(res.status).toBe(202);
    expect(inbox.accepted.length).toBe(before);
    expect(inbox.rejected.at(-1)?.reason).toMatch(/not the key owner/);
  });

  it("rejects a body over 1 MB with 413", async () => {
    const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), "draft-cavage-http-signatures-12", {
      activity: { type: "Create", actor: inbox.actorUrl("alice"), content: "x".repeat(1024 * 1024) },
    });
    expect(res.status).toBe(413);
  });

  it.each(["cavage", "rfc9421"] as const)("its own independent %s signer is accepted", async (scheme) => {
    const res = await inbox.signedPost(
      `${inbox.origin}/users/bob/inbox`,
      { type: "Follow", object: "x" },
      {
        scheme,
      },
    );
    expect(res.status).toBe(202);
    const last = inbox.accepted.at(-1);
    expect(last).toMatchObject({
      verifiedWith: scheme,
      path: "/users/bob/inbox",
      keyOwner: inbox.actorUrl("alice"),
    });
    expect(last?.activity).toMatchObject({ type: "Follow", actor: inbox.actorUrl("alice") });
  });

  it.each([
    ["cavage", "body"],
    ["cavage", "date"],
    ["cavage", "key"],
    ["rfc9421", "body"],
    ["rfc9421", "date"],
    ["rfc9421", "key"],
  ] as const)("its %s signer can forge (tamper %s) and the forgery is rejected", async (scheme, tamper) => {
    const res = await inbox.signedPost(inbox.inboxUrl, { type: "Like", object: "x" }, { scheme, tamper });
    expect(res.status).toBe(401);
  });

  it("waitFor resolves on a later delivery", async () => {
    const id = `${inbox.actorUrl("carol")}#later`;
    const waiting = inbox.waitFor((d) => d.activity.id === id, 5_000);
    await inbox.signedPost(
      inbox.inboxUrl,
      { id, type: "Like", object: "x" },
      { scheme: "cavage", as: "carol" },
    );
    expect((await waiting).length).toBe(1);
  });
});

describe("verifying inbox (cavage-only / rfc9421-only)", () => {
  it("cavage-only rejects RFC 9421 with 401 and accepts draft-cavage", async () => {
    const inbox = await startVerifyingInbox({ mode: "cavage-only" });
    try {
      const a = inbox.actor("alice");
      expect((await fedifyPost(inbox.inboxUrl, a, "rfc9421")).status).toBe(401);
      expect(inbox.rejected.at(-1)?.scheme).toBe("rfc9421");
      expect((await fedifyPost(inbox.inboxUrl, a, "draft-cavage-http-signatures-12")).status).toBe(202);
      expect(inbox.accepted.map((d) => d.verifiedWith)).toEqual(["cavage"]);
    } finally {
      await inbox.close();
    }
  });

  it("cavage-only with silentDrop answers 202 to RFC 9421 but records nothing", async () => {
    const inbox = await startVerifyingInbox({ mode: "cavage-only", silentDrop: true });
    try {
      const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), "rfc9421");
      expect(res.status).toBe(202);
      expect(inbox.accepted).toEqual([]);
      expect(inbox.rejected.at(-1)).toMatchObject({ status: 202, scheme: "rfc9421" });
    } finally {
      await inbox.close();
    }
  });

  it("rfc9421-only rejects draft-cavage", async () => {
    const inbox = await startVerifyingInbox({ mode: "rfc9421-only" });
    try {
      const a = inbox.actor("alice");
      expect((await fedifyPost(inbox.inboxUrl, a, "draft-cavage-http-signatures-12")).status).toBe(401);
      expect((await fedifyPost(inbox.inboxUrl, a, "rfc9421")).status).toBe(202);
    } finally {
      await inbox.close();
    }
  });

  it("uses a custom fetchKey", async () => {
    const seen: string[] = [];
    const inbox = await startVerifyingInbox({
      fetchKey: async (keyId) => {
        seen.push(keyId);
        return inbox.actor("alice").publicKeyPem;
      },
    });
    try {
      const res = await fedifyPost(inbox.inboxUrl, inbox.actor("alice"), "rfc9421", {
        keyId: "http://localhost:1/elsewhere#k",
        activity: { type: "Like", object: "x" },
      });
      expect(res.status).toBe(202);
      expect(seen).toEqual(["http://localhost:1/elsewhere#k"]);
    } finally {
      await inbox.close();
    }
  });
});

describe("activitypub.bot peer", { timeout: 300_000 }, () => {
  let peer: ApbotPeer | undefined;
  let inbox: VerifyingInbox | undefined;
  afterAll(async () => {
    await peer?.stop();
    await inbox?.close();
  });

  it("starts and answers actor and WebFinger requests", { timeout: APBOT_INSTALL_TIMEOUT_MS }, async () => {
    // the first call installs the peer (a minute or two)
    peer = await startApbot();
    const p = peer;
    expect(p.origin).toBe(`http://localhost:${p.port}`);
    expect(isAlive(p.pid)).toBe(true);

    const wf = await fetch(
      `http://127.0.0.1:${p.port}/.well-known/webfinger?resource=acct:watcher@localhost:${p.port}`,
    );
    expect(wf.status).toBe(200);
    const jrd = (await wf.json()) as { subject: string; links: { rel: string; href: string }[] };
    // quirk: the subject drops the port
    expect(jrd.subject).toBe("acct:watcher@localhost");
    expect(jrd.links.find((l) => l.rel === "self")?.href).toBe(p.watcherUrl);

    const actorRes = await fetch(p.watcherUrl.replace("localhost", "127.0.0.1"), {
      headers: { accept: "application/activity+json" },
    });
    expect(actorRes.status).toBe(200);
    expect(await actorRes.json()).toMatchObject({
      id: p.watcherUrl,
      type: "Service",
      inbox: `${p.watcherUrl}/inbox`,
      endpoints: { sharedInbox: `${p.origin}/shared/inbox` },
    });
    expect(await p.following()).toEqual({ following: [], pending: [] });
    expect(p.received()).toEqual([]);
  });

  it("interoperates with the fake actor: follow, Accept, Create, forgery", async () => {
    const p = peer!;
    // a cavage-only receiver: the peer knocks with RFC 9421 first, gets 401 and retries with draft-cavage
    inbox = await startVerifyingInbox({ mode: "cavage-only", hostname: "localhost" });
    const me = inbox.actor("herald");
    const follow = await p.follow(me.id);
    expect(follow).toMatchObject({ type: "Follow", actor: p.watcherUrl, object: me.id });
    const [delivered] = await inbox.waitFor((d) => d.activity.type === "Follow", 15_000);
    expect(delivered).toMatchObject({ verifiedWith: "cavage", path: "/inbox", keyOwner: p.watcherUrl });
    expect(inbox.rejected.some((r) => r.scheme === "rfc9421" && r.status === 401)).toBe(true);
    expect(inbox.gets.some((g) => g.path === "/users/herald")).toBe(true);

    // our independent RFC 9421 signer is accepted by the peer's verifier
    const accept = await inbox.signedPost(
      `${p.watcherUrl}/inbox`,
      { id: `${me.id}#accept-1`, type: "Accept", object: delivered!.activity },
      { scheme: "rfc9421", as: "herald" },
    );
    expect(accept.status).toBe(202);
    await expect.poll(async () => (await p.following()).following, { timeout: 10_000 }).toEqual([me.id]);

    const note = `${me.id}/notes/1`;
    const create = await inbox.signedPost(
      `${p.watcherUrl}/inbox`,
      {
        id: `${note}#create`,
        type: "Create",
        to: ["https://www.w3.org/ns/activitystreams#Public"],
        object: { id: note, type: "Note", attributedTo: me.id, content: "<p>hi</p>" },
      },
      { scheme: "cavage", as: "herald" },
    );
    expect(create.status).toBe(202);
    const [got] = await p.waitFor((r) => r.activity?.type === "Create");
    expect(got).toMatchObject({ bot: "watcher", activity: { id: `${note}#create`, object: { id: note } } });
    // quirk: activitystrea.ms compacts the Public collection to "as:Public"
    expect(got?.activity?.to).toBe("as:Public");

    const forged = await inbox.signedPost(
      `${p.watcherUrl}/inbox`,
      { id: `${me.id}#like-1`, type: "Like", object: note },
      { scheme: "cavage", as: "herald", tamper: "body" },
    );
    expect(forged.status).toBe(401);
    await p.unfollow(me.id);
    await inbox.waitFor((d) => d.activity.type === "Undo", 15_000);
  });

  it("stops by PID", async () => {
    const p = peer!;
    await p.stop();
    expect(isAlive(p.pid)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${p.port}/`)).rejects.toThrow();
    expect(p.logs()).toContain("activitypub.bot on");
    // received.jsonl is kept in memory after stop
    expect(p.received().some((r) => r.activity?.type === "Create")).toBe(true);
  });
});
