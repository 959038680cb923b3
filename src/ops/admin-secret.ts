// The dashboard's secret: HERALD_ADMIN_TOKEN, or a password kept only as an scrypt hash in config.
// Comparisons are constant-time: the token is compared as two SHA-256 digests (equal lengths
// whatever the guess), the password as two scrypt keys.
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** Cost of new hashes: about 50 ms and 16 MiB per check, which the login rate limit multiplies. */
const NEW_HASH = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

export interface AdminSecrets {
  token: string | undefined;
  passwordHash: string | undefined;
}

/** Checks what someone typed into the login form; undefined when no secret is configured. */
export type SecretCheck = (candidate: string) => Promise<boolean>;

export function secretCheck(secrets: AdminSecrets): SecretCheck | undefined {
  const token = secrets.token === undefined ? undefined : sha256(secrets.token);
  const hash = secrets.passwordHash === undefined ? undefined : parseHash(secrets.passwordHash);
  if (!token && !hash) return undefined;
  return async (candidate) => {
    // Both run when both are set, so the time taken does not tell which one matched.
    const tokenOk = token ? timingSafeEqual(sha256(candidate), token) : false;
    const passwordOk = hash
      ? timingSafeEqual(await derive(candidate, hash.salt, hash.key.length, hash), hash.key)
      : false;
    return tokenOk || passwordOk;
  };
}

/** `scrypt$N$r$p$salt$key`, salt and key base64url: what `herald hash-password` prints. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, NEW_HASH.keyLength, NEW_HASH);
  return `scrypt$${NEW_HASH.N}$${NEW_HASH.r}$${NEW_HASH.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** The config schema has checked the format and the limits already. */
function parseHash(value: string): ParsedHash {
  const [, n, r, p, salt, key] = value.split("$");
  return {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt!, "base64url"),
    key: Buffer.from(key!, "base64url"),
  };
}

function derive(
  password: string,
  salt: Buffer,
  keyLength: number,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((ok, fail) => {
    // Node refuses scrypt parameters above its default 32 MiB memory cap; allow what N and r need.
    const maxmem = 128 * cost.N * cost.r * 2 + 1024 * 1024;
    scrypt(password.normalize("NFC"), salt, keyLength, { ...cost, maxmem }, (error, key) =>
      error ? fail(error) : ok(key),
    );
  });
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
