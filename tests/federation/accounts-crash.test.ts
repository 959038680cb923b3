// `herald serve` killed with SIGKILL in the middle of a multi-account fan-out: one article goes to the
// main account and to a section account, two fan-outs to every follower's server, each signed by its
// own account. After a restart every server has each account's Create exactly once, signed by that
// account's key. (The limits of "exactly once" across a kill: see crash.test.ts.)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CrashSite, CrashSites, withSiteStore } from "../helpers/crash-site.ts";
import { HeraldProcesses } from "../helpers/herald-process.ts";
import { startVerifyingInbox, type VerifyingInbox } from "../helpers/inbox.ts";
import { type TestStore, until } from "./setup.ts";

const FOLLOWERS = 10;
const CONCURRENCY = 4;
const DELAY_MS = 400;
const LEASE_SECONDS = 5;

const processes = new HeraldProcesses();
const sites = new CrashSites();
let inboxes: VerifyingInbox[] = [];

beforeAll(async () => {
  inboxes = await Promise.all(
    Array.from({ length: FOLLOWERS }, () => startVerifyingInbox({ delayMs: DELAY_MS })),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(inboxes.map((i) => i.close()));
  await sites.cleanUp();
});
afterEach(async () => {
  await processes.stopAll();
  for (const inbox of inboxes) inbox.clear();
});

const makeSite = (store: TestStore) =>
  sites.make(store, {
    concurrency: CONCURRENCY,
    leaseSeconds: LEASE_SECONDS,
    yaml: ["accounts:", "  - username: tech", "    name: Herald Tech", "    tags: [tech]"],
  });

const start = (site: CrashSite) =>
  processes.start({
    name: "herald",
    args: ["serve", "--config", site.config],
    cwd: site.dir,
    env: { DATABASE_URL: site.databaseUrl },
  });

const withStore = withSiteStore;

/** Every inbox's reader follows both accounts; resolves once both recorded them all. */
async function followBoth(site: CrashSite): Promise<void> {
  for (const account of ["news", "tech"]) {
    await Promise.all(
      inboxes.map(async (inbox) => {
        const actor = inbox.actor("reader");
        const res = await inbox.signedPost(
          `${site.origin}/inbox`,
          { id: `${actor.id}#follow-${account}`, type: "Follow", object: `${site.origin}/users/${account}` },
          { scheme: "cavage", as: "reader" },
        );
        expect(res.status).toBeLessThan(300);
      }),
    );
    await until(async () => {
      const res = await fetch(`${site.origin}/users/${account}/followers`, {
        headers: { Accept: "application/activity+json" },
      });
      return res.ok && ((await res.json()) as { totalItems?: number }).totalItems === FOLLOWERS;
    }, 30_000);
  }
  await until(
    () => inboxes.every((i) => i.accepted.filter((d) => d.activity.type === "Accept").length === 2),
    30_000,
  );
}

const creates = (inbox: VerifyingInbox) => inbox.accepted.filter((d) => d.activity.type === "Create");
const deliveredCount = () => inboxes.reduce((n, i) => n + creates(i).length, 0);

describe.each<TestStore>(["sqlite", "postgres"])("on %s", (store) => {
  it("kill -9 mid multi-account fan-out: after restart each server has each account's Create once", async () => {
    const site = await makeSite(store);
    const first = await start(site);
    await followBoth(site);
    writeFileSync(
      join(site.content, "chips.md"),
      "---\ntitle: Chips\ntags: [tech]\n---\n\nSmall and many.\n",
    );
    // Two fan-outs of FOLLOWERS deliveries each, CONCURRENCY at a time: kill once some landed.
    await until(() => deliveredCount() >= CONCURRENCY, 30_000);
    await new Promise((r) => setTimeout(r, DELAY_MS / 2));
    await first.kill("SIGKILL");
    expect(deliveredCount()).toBeLessThan(2 * FOLLOWERS);

    const second = await start(site);
    await until(() => deliveredCount() === 2 * FOLLOWERS, 60_000);
    await until(
      () => withStore(site, async (s) => (await s.outbox().exportOutbox()).deliveries.length === 0),
      30_000,
    );
    const ids = {
      news: `${site.origin}/objects/chips#create`,
      tech: `${site.origin}/objects/@tech/chips#create`,
    };
    for (const inbox of inboxes) {
      const got = creates(inbox);
      expect(got.map((d) => d.activity.id).sort(), inbox.origin).toEqual([ids.news, ids.tech].sort());
      for (const d of got) {
        const account = d.activity.id === ids.tech ? "tech" : "news";
        expect(d.keyId).toBe(`${site.origin}/users/${account}#main-key`);
      }
      expect(inbox.rejected.filter((r) => r.status !== 499).map((r) => r.reason)).toEqual([]);
    }
    // The restart recorded nothing new: both ledger entries came from the first run, queued once.
    expect(second.logs.filter((l) => l.msg === "activity recorded")).toEqual([]);
    const ledger = await withStore(site, async (s) => (await s.federation.exportAll()).activities);
    expect(ledger.map((a) => [a.account, a.id, a.state]).sort()).toEqual(
      [
        ["", ids.news, "queued"],
        ["tech", ids.tech, "queued"],
      ].sort(),
    );
  }, 120_000);
});
