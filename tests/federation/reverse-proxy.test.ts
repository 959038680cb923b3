// Behind a reverse proxy, remote users can follow: the signature is verified against site.url's host,
// whatever Host the proxy forwards. Debian's nginx with a plain `proxy_pass` forwards its upstream
// (`Host: 127.0.0.1:PORT`); Caddy keeps the client's. Both are the README's examples.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/apbot.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { CADDY, NGINX, type RunningProxy, startCaddy, startNginx } from "../helpers/proxies.ts";
import { type HeraldUnderTest, startHerald, until } from "./setup.ts";

type Json = Record<string, unknown>;

const proxies = [
  ["nginx (plain proxy_pass)", NGINX, startNginx],
  ["Caddy (reverse_proxy)", CADDY, startCaddy],
] as const;

describe.each(proxies)("a follow through %s", (_name, binary, start) => {
  let proxy: RunningProxy;
  let herald: HeraldUnderTest;
  let peers: VerifyingInbox;

  beforeAll(async () => {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install nginx-light caddy`);
    const port = await freePort();
    proxy = await start(port);
    peers = await startVerifyingInbox();
    herald = await startHerald({
      site: { url: `${proxy.origin}/`, timezone: "UTC", language: "en", title: "Herald behind a proxy" },
      server: { port, host: "127.0.0.1" },
    });
  });
  afterAll(async () => {
    await herald?.stop();
    await peers?.close();
    await proxy?.stop();
  });

  it("is accepted, answered with a verified Accept, and the follower gets the Create", async () => {
    expect(herald.origin).toBe(proxy.origin);
    const alice = peers.actor("alice");
    for (const scheme of ["cavage", "rfc9421"] as const) {
      const name = `${scheme}-follower`;
      const res = await peers.signedPost(
        `${proxy.origin}/inbox`,
        { id: `${peers.actorUrl(name)}#follow`, type: "Follow", object: herald.actorUrl },
        { scheme, as: name },
      );
      expect(res.status, res.body).toBe(202);
      await until(
        async () => (await herald.server.storage.federation.getFollower(peers.actorUrl(name))) !== undefined,
      );
    }
    const [accept] = await peers.waitFor((d) => d.activity.type === "Accept");
    expect(accept!.keyOwner).toBe(`${proxy.origin}/users/news`);
    expect(alice).toBeDefined();
    herald.write("proxied.md", "---\ntitle: Through the proxy\nlang: en\n---\n\nHello.\n");
    await herald.server.tick();
    const [create] = await peers.waitFor((d) => d.activity.type === "Create");
    expect((create!.activity.object as Json).id).toBe(`${proxy.origin}/objects/proxied`);
  });
});
