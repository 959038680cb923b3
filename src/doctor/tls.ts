// The certificate remote servers see: trusted, naming the host, and not about to expire. Fediverse
// servers refuse plain http and any certificate a browser would refuse, without telling anyone.
import { isIP } from "node:net";
import { connect, type PeerCertificate, rootCertificates } from "node:tls";
import { classifyAddress } from "../net/addresses.ts";
import { checkTarget, type GuardOptions, guardedLookup } from "../net/guard.ts";
import { REQUEST_TIMEOUT_MS } from "./probe.ts";
import { type CheckResult, fail, pass, warn } from "./report.ts";

export interface TlsOptions {
  guard: GuardOptions;
  /** Extra trusted CAs (PEM), beside the system's: a private CA, and tests. NODE_EXTRA_CA_CERTS works too. */
  ca?: readonly string[];
  now?: Date;
  timeoutMs?: number;
}

/** Certificates renewed by certbot or Caddy are renewed 30 days ahead: 14 days left means renewal broke. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

export async function checkTls(target: URL, options: TlsOptions): Promise<CheckResult> {
  const host = target.hostname.replace(/^\[|\]$/g, "");
  if (target.protocol === "http:") {
    const finding = `${target.origin}/ is not https.`;
    const fix =
      "Put a TLS-terminating proxy in front of Herald (see the README, “Deploying behind a domain”) and set site.url to https://….";
    return isLoopbackHost(host)
      ? warn(
          "tls",
          `${finding} Fine for a test on this machine; remote servers only follow https accounts.`,
          fix,
        )
      : fail("tls", `${finding} Mastodon and most servers fetch and deliver only over https.`, fix);
  }
  const seen = await handshake(target, host, options);
  if ("error" in seen)
    return fail(
      "tls",
      `No TLS handshake with ${target.host}: ${seen.error}`,
      "Make the proxy listen with TLS on this port (nginx: listen 443 ssl; with ssl_certificate and ssl_certificate_key).",
    );
  const { cert, problem } = seen;
  const now = options.now ?? new Date();
  const notAfter = new Date(cert.valid_to);
  const notBefore = new Date(cert.valid_from);
  const until = notAfter.toISOString().slice(0, 10);
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const renew =
    "Renew it and reload the proxy; check that renewal runs by itself (certbot renew --dry-run, systemctl list-timers).";
  if (notAfter.getTime() <= now.getTime())
    return fail("tls", `The certificate of ${host} expired on ${until}.`, renew);
  if (notBefore.getTime() > now.getTime())
    return fail(
      "tls",
      `The certificate of ${host} is not valid before ${notBefore.toISOString().slice(0, 10)}.`,
      "Check the server's clock, or reissue the certificate.",
    );
  if (problem !== undefined) return fail("tls", problem.finding(host), problem.fix);
  const issuer = cert.issuer?.O ?? cert.issuer?.CN ?? "an unnamed issuer";
  if (daysLeft < EXPIRY_WARNING_DAYS)
    return warn("tls", `The certificate of ${host} expires on ${until}, in ${daysLeft} day(s).`, renew);
  return pass(
    "tls",
    `Trusted certificate for ${host} from ${issuer}, valid until ${until} (${daysLeft} days).`,
  );
}

interface Problem {
  finding(host: string): string;
  fix: string;
}

const UNTRUSTED: Problem = {
  finding: (host) =>
    `The certificate of ${host} is self-signed or from an untrusted issuer: remote servers refuse it.`,
  fix: "Use a certificate from a public CA: Let's Encrypt with certbot, or Caddy's automatic HTTPS.",
};

/** OpenSSL's verdicts (node's authorizationError), in words. Expiry is read from the dates instead. */
const PROBLEMS: Readonly<Record<string, Problem>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    finding: (host) =>
      `${host} sends its certificate without the intermediate ones: many servers cannot verify it.`,
    fix: "Serve the full chain (nginx: ssl_certificate fullchain.pem, not cert.pem).",
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    finding: (host) => `The certificate does not name ${host}.`,
    fix: "Get a certificate that lists this host name (certbot -d host), or reach Herald by a name it lists.",
  },
};

async function handshake(
  target: URL,
  host: string,
  options: TlsOptions,
): Promise<{ cert: PeerCertificate; problem: Problem | undefined } | { error: string }> {
  try {
    checkTarget(target, options.guard);
  } catch (error) {
    return { error: (error as Error).message };
  }
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(target.port || 443),
      servername: isIP(host) === 0 ? host : undefined,
      lookup: guardedLookup(options.guard, target.href),
      // The verdict is read below, so that an untrusted certificate can still be described.
      rejectUnauthorized: false,
      ca: options.ca ? [...rootCertificates, ...options.ca] : undefined,
      ALPNProtocols: ["http/1.1"],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: `no answer within ${(options.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000} s.` });
    }, options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      const verdict = socket.authorized ? undefined : String(socket.authorizationError ?? "UNKNOWN");
      socket.end();
      resolve({
        cert,
        problem:
          verdict === undefined
            ? undefined
            : (PROBLEMS[verdict] ?? {
                finding: (name: string) => `The certificate of ${name} is refused: ${verdict}.`,
                fix: "Serve a valid certificate for this host, with its full chain, from a public CA.",
              }),
      });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({
        error: error.name === "GuardedFetchError" ? error.message : `${error.code ?? error.message}.`,
      });
    });
  });
}

/** localhost, *.localhost and loopback addresses: a test on this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost") || classifyAddress(name) === "loopback";
}
