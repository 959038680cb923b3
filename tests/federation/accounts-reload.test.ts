// Section accounts under live configuration: one added to config/herald.yaml while `serve` runs
// answers without a restart; one taken out keeps its actor answering and posts nothing new.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, startServer } from "../../src/serve.ts";
import { freePort } from "../helpers/apbot.ts";

const AP_JSON = { Accept: "application/activity+json" };
const running: RunningServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("section accounts and live configuration", () => {
  it("serves an account added without a restart, and keeps serving it once removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-accounts-live-"));
    dirs.push(dir);
    mkdirSync(join(dir, "content"));
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const file = join(dir, "herald.yaml");
    const yaml = (accounts: string) =>
      `site:\n  url: ${origin}/\nserver:\n  port: ${port}\n  host: 127.0.0.1\ncontent:\n  dir: content\n  watch: false\nschedule:\n  scan: "0 0 1 1 *"\nfederation:\n  allowPrivateAddress: true\n${accounts}`;
    writeFileSync(file, yaml(""));
    const server = await startServer(loadConfig({ file, env: {} }), createLogger("silent"), {
      settleMs: 0,
      schedules: false,
      watchConfig: false,
      loadConfig: () => loadConfig({ file, env: {} }),
    });
    running.push(server);
    const actor = () => fetch(`${origin}/users/tech`, { headers: AP_JSON });
    expect((await actor()).status).toBe(404);

    writeFileSync(file, yaml("accounts:\n  - username: tech\n    name: Herald Tech\n    tags: [tech]\n"));
    expect((await server.reload("signal")).status).toBe("applied");
    const added = await actor();
    expect(added.status).toBe(200);
    const key = ((await added.json()) as { publicKey: { publicKeyPem: string } }).publicKey.publicKeyPem;
    writeFileSync(join(dir, "content", "chips.md"), "---\ntitle: Chips\ntags: [tech]\n---\nSmall.\n");
    await server.tick();
    // A reload opens the store anew: always the running one's.
    const tech = () => server.storage.federation.forAccount("tech");
    expect((await tech().listObjects()).map((o) => o.articleId)).toEqual(["chips"]);

    // Taken out of the file: the actor still answers with the same key; new articles skip it.
    writeFileSync(file, yaml(""));
    expect((await server.reload("signal")).status).toBe("applied");
    const kept = await actor();
    expect(kept.status).toBe(200);
    const doc = (await kept.json()) as { name: string; publicKey: { publicKeyPem: string } };
    expect(doc.publicKey.publicKeyPem).toBe(key);
    expect(doc.name).toBe("Herald Tech");
    expect((await fetch(`${origin}/objects/@tech/chips`, { headers: AP_JSON })).status).toBe(200);
    writeFileSync(join(dir, "content", "robots.md"), "---\ntitle: Robots\ntags: [tech]\n---\nBeep.\n");
    await server.tick();
    expect((await tech().listObjects()).map((o) => [o.articleId, o.deletedAt])).toEqual([["chips", null]]);
  });
});
