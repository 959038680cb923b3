// `herald hash-password`: an admin.passwordHash for the dashboard, from a password on stdin.
import { hashPassword } from "../ops/admin-secret.ts";
import { EXIT } from "./exit.ts";

export async function hashPasswordCommand(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if ([...password].length < 12) {
    console.error("herald hash-password: the password needs at least 12 characters.");
    return EXIT.usage;
  }
  console.log(await hashPassword(password));
  return EXIT.ok;
}
