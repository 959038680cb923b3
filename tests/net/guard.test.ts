// The guarded fetcher against real HTTP servers on loopback. Private and link-local targets are
// only ever named, never reached: they are refused before any connection is made.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyAddress, isPublicAddress } from "../../src/net/addresses.ts";
import {
  checkTarget,
  DEFAULT_MAX_BYTES,
  type GuardedFetchError,
  guardedGet,
  guardedLookup,
  guardedRequest,
} from "../../src/net/guard.ts";
import { type ImageServer, routes, startImageServer } from "../helpers/image-server.ts";

async function refusal(promise: Promise<unknown>): Promise<GuardedFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected the fetch to fail").toBeInstanceOf(Error);
  expect((error as Error).name).toBe("GuardedFetchError");
  return error as GuardedFetchError;
}

const ALLOW = { allowPrivateAddress: true };

describe("address classes", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fe80::1", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:c0a8:0101::1", "private"],
    ["2001:db8::1", "documentation"],
  ])("%s is %s", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.215.14", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(classifyAddress(address)).toBeUndefined();
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe("guarded fetch", () => {
  let site: ImageServer;
  beforeAll(async () => {
    site = await startImageServer();
    site.route("/ok.bin", routes.bytes(Buffer.from("hello")));
    site.route("/missing", routes.status(404));
    site.route("/slow", routes.slow(5_000, Buffer.from("late")));
    site.route("/declares-11mb", routes.declares(DEFAULT_MAX_BYTES + 1));
    site.route("/chunked-11mb", routes.chunked(DEFAULT_MAX_BYTES + 64 * 1024));
    site.route("/chunked-1mb", routes.chunked(1024 * 1024));
    site.route("/to-metadata", routes.redirect("http://169.254.169.254/latest/meta-data/"));
    site.route("/to-ten", routes.redirect("http://10.0.0.1/cover.jpg", 301));
    site.route("/to-v6-loopback", routes.redirect("http://[::1]/cover.jpg", 307));
    for (let i = 1; i <= 4; i++) site.route(`/hop${i}`, routes.redirect(`/hop${i + 1}`));
    site.route("/hop5", routes.bytes(Buffer.from("arrived")));
    site.route("/echo", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(418, { "Content-Type": "text/plain" });
        res.end(`${req.method} ${req.headers["x-probe"]} ${Buffer.concat(chunks).toString()}`);
      });
    });
  });
  afterAll(() => site.close());

  describe("with allowPrivateAddress off (production)", () => {
    it("refuses loopback and private targets before connecting", async () => {
      const before = site.hits.get("/ok.bin") ?? 0;
      const loopback = await refusal(guardedGet(`${site.origin}/ok.bin`));
      expect(loopback.reason).toBe("private-address");
      expect(loopback.address).toEqual({ address: "127.0.0.1", class: "loopback" });
      for (const url of [
        "http://10.0.0.1/x.jpg",
        "http://192.168.0.10/x.jpg",
        "http://[::1]/x",
        "http://[fe80::1]/x",
      ])
        expect((await refusal(guardedGet(url))).reason).toBe("private-address");
      expect(site.hits.get("/ok.bin") ?? 0).toBe(before);
    });

    it("refuses the cloud metadata address 169.254.169.254", async () => {
      const error = await refusal(guardedGet("http://169.254.169.254/latest/meta-data/iam/"));
      expect(error.reason).toBe("private-address");
      expect(error.address?.class).toBe("link-local");
      expect(error.message).toMatch(/169\.254\.169\.254, a link-local address\.$/);
    });

    it("refuses a host name that resolves to loopback (localhost), checked at connect time", async () => {
      const error = await refusal(guardedGet(`http://localhost:${site.port}/ok.bin`));
      expect(error.reason).toBe("private-address");
      expect(error.address?.class).toBe("loopback");
      // The lookup itself, as node:http and undici call it, refuses every address it resolved.
      const looked = await new Promise<Error | null>((done) =>
        guardedLookup()("localhost", { all: true }, (err) => done(err)),
      );
      expect(looked?.name).toBe("GuardedFetchError");
    });

    it("refuses schemes other than http(s) and non-URLs", async () => {
      expect(() => checkTarget("file:///etc/passwd")).toThrow(/only http and https/);
      expect(() => checkTarget("gopher://127.0.0.1/")).toThrow(/only http and https/);
      expect((await refusal(guardedGet("not a url"))).reason).toBe("invalid-url");
    });

    it("checks every redirect again: a public-looking first hop cannot lead to a private address", async () => {
      // Only 127.0.0.1 is let through, as a trusted proxy would be: the hops after it are checked as usual.
      const first = { allowAddress: (address: string) => address === "127.0.0.1" };
      expect((await guardedGet(`${site.origin}/ok.bin`, first)).body.toString()).toBe("hello");
      for (const path of ["/to-metadata", "/to-ten", "/to-v6-loopback"]) {
        const error = await refusal(guardedGet(`${site.origin}${path}`, first));
        expect(error.reason).toBe("private-address");
        expect(error.url).not.toContain(`${site.port}`);
      }
    });
  });

  describe("with allowPrivateAddress on (tests)", () => {
    it("fetches from loopback, by address and by name", async () => {
      const direct = await guardedGet(`${site.origin}/ok.bin`, ALLOW);
      expect(direct).toMatchObject({ status: 200, url: `${site.origin}/ok.bin` });
      expect(direct.body.toString()).toBe("hello");
      expect((await guardedGet(`http://localhost:${site.port}/ok.bin`, ALLOW)).body.toString()).toBe("hello");
    });

    it("follows up to 3 redirects and refuses a 4th", async () => {
      const three = await guardedGet(`${site.origin}/hop2`, ALLOW);
      expect(three.url).toBe(`${site.origin}/hop5`);
      expect(three.body.toString()).toBe("arrived");
      const error = await refusal(guardedGet(`${site.origin}/hop1`, ALLOW));
      expect(error.reason).toBe("too-many-redirects");
    });

    it("answers a 404 as http-status", async () => {
      const error = await refusal(guardedGet(`${site.origin}/missing`, ALLOW));
      expect(error).toMatchObject({ reason: "http-status", status: 404 });
    });

    it("refuses a body over 10 MB by its Content-Length, without reading it", async () => {
      const started = Date.now();
      const error = await refusal(guardedGet(`${site.origin}/declares-11mb`, ALLOW));
      expect(error.reason).toBe("too-large");
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("stops reading a chunked body once it passes 10 MB", async () => {
      const error = await refusal(guardedGet(`${site.origin}/chunked-11mb`, ALLOW));
      expect(error.reason).toBe("too-large");
      expect(error.message).toMatch(/more than the 10485760-byte limit/);
      // Below the limit the same kind of body arrives whole.
      expect((await guardedGet(`${site.origin}/chunked-1mb`, ALLOW)).body.length).toBe(1024 * 1024);
    });

    it("gives up on a slow server after the timeout", async () => {
      const started = Date.now();
      const error = await refusal(guardedGet(`${site.origin}/slow`, { ...ALLOW, timeoutMs: 300 }));
      expect(error.reason).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it("one exchange: any method and status, the body of any answer, redirects left to the caller", async () => {
      const echo = await guardedRequest(`${site.origin}/echo`, {
        ...ALLOW,
        method: "POST",
        headers: { "X-Probe": "yes" },
        body: Buffer.from("payload"),
      });
      expect(echo).toMatchObject({ status: 418, url: `${site.origin}/echo` });
      expect(echo.body.toString()).toBe("POST yes payload");
      const hop = await guardedRequest(`${site.origin}/hop1`, ALLOW);
      expect(hop.status).toBe(302);
      expect(hop.headers.location).toBe("/hop2");
      const missing = await guardedRequest(`${site.origin}/missing`, ALLOW);
      expect([missing.status, missing.body.toString()]).toEqual([404, "<h1>404</h1>"]);
      // Headers only: a huge body is not read, and not refused either.
      const huge = await guardedRequest(`${site.origin}/declares-11mb`, { ...ALLOW, readBody: false });
      expect([huge.status, huge.headers["content-type"], huge.body.length]).toEqual([200, "image/jpeg", 0]);
      expect((await refusal(guardedRequest(`${site.origin}/chunked-11mb`, ALLOW))).reason).toBe("too-large");
      expect(
        (await refusal(guardedRequest(`${site.origin}/slow`, { ...ALLOW, timeoutMs: 300 }))).reason,
      ).toBe("timeout");
      // The guard applies as to guardedGet.
      expect((await refusal(guardedRequest(`${site.origin}/echo`))).reason).toBe("private-address");
    });

    it("reports a server that is down as a network failure", async () => {
      const gone = await startImageServer();
      const url = `${gone.origin}/x.jpg`;
      await gone.close();
      expect((await refusal(guardedGet(url, ALLOW))).reason).toBe("network");
    });
  });
});
