// The TLS check against real https servers on loopback, with certificates openssl made for the test:
// trusted, about to expire, expired, self-signed, for another name, and a port that speaks no TLS.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTls } from "../../src/doctor/tls.ts";
import { makeTestCa, type TestCa, type TestCertificate } from "../helpers/certificates.ts";

const DAY = 86_400_000;
const LOOPBACK = { allowPrivateAddress: true };

let ca: TestCa;
const servers: Server[] = [];

beforeAll(() => {
  ca = makeTestCa();
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  ca?.dispose();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** An https server with `certificate`, at https://localhost:PORT/. */
async function httpsWith(certificate: TestCertificate): Promise<URL> {
  const port = await listen(createHttpsServer(certificate, (_req, res) => res.end("ok")));
  return new URL(`https://localhost:${port}/`);
}

describe("the TLS check", () => {
  it("passes a trusted certificate for the host, naming the issuer and the end date", async () => {
    const end = new Date(Date.now() + 90 * DAY);
    const url = await httpsWith(ca.issue(["localhost", "127.0.0.1"], new Date(Date.now() - DAY), end));
    const result = await checkTls(url, { guard: LOOPBACK, ca: [ca.cert] });
    expect(result).toEqual({
      id: "tls",
      status: "pass",
      finding: `Trusted certificate for ${url.hostname} from Herald tests, valid until ${end.toISOString().slice(0, 10)} (89 days).`,
    });
  });

  it("warns under 14 days before expiry", async () => {
    const end = new Date(Date.now() + 5 * DAY + 3_600_000);
    const url = await httpsWith(ca.issue(["localhost"], new Date(Date.now() - DAY), end));
    const result = await checkTls(url, { guard: LOOPBACK, ca: [ca.cert] });
    expect(result.status).toBe("warn");
    expect(result.finding).toBe(
      `The certificate of ${url.hostname} expires on ${end.toISOString().slice(0, 10)}, in 5 day(s).`,
    );
    expect(result.fix).toMatch(/^Renew it and reload the proxy/);
  });

  it("fails an expired certificate", async () => {
    const url = await httpsWith(
      ca.issue(["localhost"], new Date("2020-01-01T00:00:00Z"), new Date("2020-02-01T00:00:00Z")),
    );
    const result = await checkTls(url, { guard: LOOPBACK, ca: [ca.cert] });
    expect(result).toMatchObject({
      status: "fail",
      finding: `The certificate of ${url.hostname} expired on 2020-02-01.`,
    });
  });

  it("fails a self-signed certificate, and one from an issuer nobody trusts", async () => {
    const self = await httpsWith(ca.selfSigned(["localhost"], 30));
    const selfSigned = await checkTls(self, { guard: LOOPBACK });
    expect(selfSigned.status).toBe("fail");
    expect(selfSigned.finding).toBe(
      `The certificate of ${self.hostname} is self-signed or from an untrusted issuer: remote servers refuse it.`,
    );
    expect(selfSigned.fix).toMatch(/Let's Encrypt/);
    // The test CA's certificate, without the CA trusted: what a remote server sees of a private CA.
    const privateCa = await httpsWith(
      ca.issue(["localhost"], new Date(Date.now() - DAY), new Date(Date.now() + 90 * DAY)),
    );
    expect((await checkTls(privateCa, { guard: LOOPBACK })).status).toBe("fail");
  });

  it("fails a certificate for another name", async () => {
    const url = await httpsWith(
      ca.issue(["news.example.org"], new Date(Date.now() - DAY), new Date(Date.now() + 90 * DAY)),
    );
    const result = await checkTls(url, { guard: LOOPBACK, ca: [ca.cert] });
    expect(result).toMatchObject({ status: "fail", finding: "The certificate does not name localhost." });
  });

  it("fails a port that speaks no TLS", async () => {
    const port = await listen(createHttpServer((_req, res) => res.end("plain")));
    const result = await checkTls(new URL(`https://localhost:${port}/`), { guard: LOOPBACK });
    expect(result.status).toBe("fail");
    expect(result.finding).toMatch(new RegExp(`^No TLS handshake with localhost:${port}: `));
  });

  it("says plain http is not https: a failure on the internet, a warning on this machine", async () => {
    const remote = await checkTls(new URL("http://news.example.org/"), { guard: {} });
    expect(remote).toMatchObject({
      status: "fail",
      finding: expect.stringMatching(/^http:\/\/news\.example\.org\/ is not https\./),
    });
    for (const local of [
      "http://localhost:8080/",
      "http://127.0.0.1:8080/",
      "http://[::1]:8080/",
      "http://herald.localhost/",
    ])
      expect((await checkTls(new URL(local), { guard: {} })).status, local).toBe("warn");
  });

  it("connects only where the guard allows", async () => {
    const url = await httpsWith(ca.selfSigned(["localhost"], 30));
    const result = await checkTls(url, { guard: {} });
    expect(result.status).toBe("fail");
    expect(result.finding).toMatch(/a loopback address\.$/);
  });
});
