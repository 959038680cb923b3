// Test certificates made with Debian's openssl: a private CA and leaves it issues with any validity
// period (`openssl ca` takes explicit start and end dates, so an expired certificate is real, not a
// clock trick), and self-signed ones. Keys are fresh per run; nothing is committed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  key: string;
  cert: string;
}

export interface TestCa {
  /** The CA's certificate (PEM), to trust. */
  cert: string;
  /** A leaf for `names` (DNS names and IPs), valid from `notBefore` to `notAfter`. */
  issue(names: readonly string[], notBefore: Date, notAfter: Date): TestCertificate;
  /** A self-signed leaf for `names`, valid for `days`. */
  selfSigned(names: readonly string[], days: number): TestCertificate;
  dispose(): void;
}

const CA_CONFIG = `[ ca ]
default_ca = test
[ test ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
`;

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "herald-ca-"));
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "01\n");
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "30",
    "-subj",
    "/CN=Herald Test CA/O=Herald tests",
  );
  // One key for every leaf: only the certificates differ between the cases.
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=leaf",
  );
  const key = readFileSync(join(dir, "leaf.key"), "utf8");
  let serial = 0;
  const san = (names: readonly string[]) =>
    `subjectAltName=${names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}\n`;
  return {
    cert: readFileSync(join(dir, "ca.pem"), "utf8"),
    issue(names, notBefore, notAfter) {
      const name = `leaf-${++serial}`;
      writeFileSync(join(dir, `${name}.ext`), san(names));
      openssl(
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca.key",
        "-in",
        "leaf.csr",
        "-out",
        `${name}.pem`,
        "-notext",
        "-extfile",
        `${name}.ext`,
        "-startdate",
        opensslDate(notBefore),
        "-enddate",
        opensslDate(notAfter),
      );
      return { key, cert: readFileSync(join(dir, `${name}.pem`), "utf8") };
    },
    selfSigned(names, days) {
      const name = `self-${++serial}`;
      openssl(
        "req",
        "-x509",
        "-key",
        "leaf.key",
        "-out",
        `${name}.pem`,
        "-days",
        String(days),
        "-subj",
        "/CN=self-signed",
        "-addext",
        san(names).trim(),
      );
      return { key, cert: readFileSync(join(dir, `${name}.pem`), "utf8") };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** YYYYMMDDHHMMSSZ, as `openssl ca -startdate/-enddate` takes it. */
function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}
