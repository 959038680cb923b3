// The dashboard's deliveries, rendered from a real SQLite outbox: receipts made by claiming and
// settling deliveries as the worker does (a post's Deliveries section), and circuits as the worker
// records them (the main page's "Servers not answering"). Hostile host names and answers are escaped.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedCircuit } from "../../src/federation/circuit.ts";
import { deliveriesFromReceipts, troubleFromCircuits } from "../../src/ops/deliveries.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { SqliteOutbox } from "../../src/store/sqlite-outbox.ts";
import type { ClaimedDelivery, DeliveryResult, HostCircuit } from "../../src/store/types.ts";
import { timeFormatter } from "../../src/web/admin/dashboard.ts";
import { deliveriesSection, serversSection } from "../../src/web/admin/deliveries.ts";

const T0 = Date.parse("2026-12-01T09:00:00Z");
const OBJECT = "https://news.example/objects/harbor";
const time = timeFormatter("UTC");
const HOSTILE = `<img src=x onerror="alert('host')">`;
const HOSTILE_ANSWER = `HTTP 500: <script>alert("answer")</script> & more`;

const ACTIVITIES = {
  create: { id: `${OBJECT}#create`, type: "Create" },
  update: { id: `${OBJECT}#update`, type: "Update" },
};

/** One of Fedify's per-inbox messages of a fan-out, as the publisher enqueues them (one activity object). */
function message(activity: keyof typeof ACTIVITIES, inbox: string) {
  const object = ACTIVITIES[activity];
  return {
    type: "outbox",
    activityId: object.id,
    activityType: `https://www.w3.org/ns/activitystreams#${object.type}`,
    activity: object,
    inbox,
    orderingKey: `${OBJECT}\n${new URL(inbox).origin}`,
  };
}

/** An element's text as a person reads it: tags out, times as shown, spaces collapsed. */
function readable(html: string): string {
  return html
    .replace(/<br>/g, " ")
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

const delivered: DeliveryResult = { kind: "delivered", status: 202 };
const gone: DeliveryResult = { kind: "failed", status: 410, error: "HTTP 410: Gone" };
const retry: DeliveryResult = { kind: "retry", status: 500, error: "HTTP 500: Internal trouble", dueMs: T0 };

describe("a post's Deliveries section", () => {
  let dir: string;
  let store: SqliteStore;
  let outbox: SqliteOutbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "herald-dash-deliveries-"));
    store = new SqliteStore(join(dir, "herald.sqlite"));
    outbox = new SqliteOutbox(store.database, { now: () => T0 });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Claims every due delivery and settles each as `outcome(inbox)` says; undefined leaves it leased. */
  async function settle(
    outcome: (d: ClaimedDelivery) => DeliveryResult | undefined,
    change: (d: ClaimedDelivery) => ClaimedDelivery = (d) => d,
  ) {
    const claimed = await outbox.claim(1000);
    const settlements = claimed.flatMap((d) => {
      const result = outcome(d);
      return result ? [{ delivery: change(d), result, atMs: T0 + 60_000 }] : [];
    });
    await outbox.settle(settlements, []);
  }

  async function section(): Promise<string> {
    const receipts = await outbox.receipts([`${OBJECT}#create`, `${OBJECT}#update`]);
    return deliveriesSection(deliveriesFromReceipts("harbor", receipts), time);
  }

  it("says delivered to N of M, lists the servers that failed or wait with the reason, and sums up the rest", async () => {
    const fine = ["ok", ...Array.from({ length: 13 }, (_, i) => `s${String(i + 1).padStart(2, "0")}`)];
    await outbox.enqueueMany([
      ...fine.map((name) => message("create", `https://${name}.example/inbox`)),
      ...["a", "b", "c"].map((u) => message("create", `https://big.example/users/${u}/inbox`)),
      message("create", "https://gone.example/users/x/inbox"),
      message("create", "https://new.example/inbox"),
    ]);
    // new.example's delivery is in flight: not tried yet.
    await settle((d) =>
      d.host === "new.example"
        ? undefined
        : d.host === "gone.example" || d.inbox.endsWith("/b/inbox")
          ? gone
          : d.inbox.endsWith("/c/inbox")
            ? retry
            : delivered,
    );
    const html = await section();

    expect(html).toContain('<h2 id="deliveries-title">Deliveries</h2>');
    expect(html).toMatch(
      /<h3>Create: the post <small class="nowrap">queued <time datetime="2026-12-01T09:00:00.000Z">/,
    );
    expect(readable(html)).toContain("Delivered to 15 of 19 inboxes · 2 failed · 2 waiting");
    const servers = [...html.matchAll(/<li>(.*?)<\/li>/gs)].map((m) => readable(m[1]!));
    expect(servers).toEqual([
      // Several inboxes on one server: aggregated, the last answer as the reason.
      "big.example: 1 failed, 1 waiting, 1 delivered HTTP 500: Internal trouble · last try 2026-12-01 09:01 · 3 attempts",
      // One inbox: named.
      "gone.example: 1 failed HTTP 410: Gone · last try 2026-12-01 09:01 · 1 attempt Inbox https://gone.example/users/x/inbox",
      "new.example: 1 waiting not tried yet Inbox https://new.example/inbox",
    ]);
    // Fourteen servers took everything: one line, the first eight named.
    expect(html).toContain(
      '<p class="fine">14 servers took every delivery: ok.example, s01.example, s02.example, s03.example, s04.example, s05.example, s06.example, s07.example and 6 more.</p>',
    );
    expect(html).not.toContain("s08.example");
  });

  it("shows each activity, newest first, and caps a long list of failing servers", async () => {
    await outbox.enqueueMany([message("create", "https://one.example/inbox")]);
    await settle(() => delivered);
    await outbox.enqueueMany(
      Array.from({ length: 25 }, (_, i) => message("update", `https://dead${i + 10}.example/inbox`)),
    );
    await settle(() => gone);
    const html = await section();
    const blocks = html.split('<article class="delivery"').slice(1);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain("Update: an edit");
    expect(readable(blocks[0]!)).toContain("Delivered to 0 of 25 inboxes · 25 failed");
    expect(blocks[0]!.match(/<li>/g)).toHaveLength(20);
    expect(blocks[0]).toContain(
      "And 5 more servers with failed or waiting deliveries: <code>herald deliveries harbor</code> lists them all.",
    );
    expect(blocks[1]).toContain("Create: the post");
    expect(blocks[1]).toContain("Delivered to <strong>1 of 1</strong> inbox</p>");
    expect(blocks[1]).toContain('<p class="fine">1 server took every delivery: one.example.</p>');
  });

  it("shows the newest ten activities sent, and says how many older ones there are", async () => {
    // An Update sent again to one follower at a time (a backfill) is a fan-out of its own each time.
    for (let i = 0; i < 12; i++)
      await outbox.enqueueMany([
        { ...message("update", `https://r${i}.example/inbox`), activity: { ...ACTIVITIES.update } },
      ]);
    await settle(() => delivered);
    const html = await section();
    expect(html.split('<article class="delivery"')).toHaveLength(11);
    expect(html).toContain("r11.example");
    expect(html).not.toContain("r1.example");
    expect(html).toContain(
      '<p class="note">2 older activities are not shown; <code>herald deliveries harbor</code> lists every one.</p>',
    );
  });

  it("escapes a hostile server name and answer", async () => {
    await outbox.enqueueMany([message("create", "https://x.example/inbox")]);
    await settle(
      () => ({ kind: "failed", status: 500, error: HOSTILE_ANSWER }),
      (d) => ({ ...d, host: HOSTILE }),
    );
    const html = await section();
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain(`<strong>&lt;img src=x onerror="alert('host')"&gt;</strong>`);
    expect(html).toContain(`HTTP 500: &lt;script&gt;alert("answer")&lt;/script&gt; &amp; more`);
  });

  it("says why there is nothing to show", async () => {
    expect(await section()).toContain("No deliveries recorded: it had no followers when it went out");
  });
});

describe("servers not answering", () => {
  let dir: string;
  let store: SqliteStore;
  let outbox: SqliteOutbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "herald-dash-servers-"));
    store = new SqliteStore(join(dir, "herald.sqlite"));
    outbox = new SqliteOutbox(store.database, { now: () => T0 });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const circuit = (host: string, c: Partial<HostCircuit>): HostCircuit => ({ ...closedCircuit(host), ...c });

  it("lists them unreachable first, with since, next try and the last error; nothing when all answer", async () => {
    expect(serversSection(troubleFromCircuits(await outbox.circuits(), T0), time, T0)).toBe("");
    const day = 86_400_000;
    await outbox.settle(
      [],
      [
        circuit("answers.example", { lastSuccessMs: T0 }),
        circuit("flaky.example", { failures: 2, firstFailureMs: T0 - 600_000, lastError: "HTTP 502" }),
        circuit("paused.example", {
          failures: 6,
          opens: 1,
          firstFailureMs: T0 - 3_600_000,
          openUntilMs: T0 + 60_000,
          lastError: "connect ECONNREFUSED",
        }),
        circuit("dead.example", {
          failures: 40,
          opens: 12,
          firstFailureMs: T0 - 8 * day,
          unreachableSinceMs: T0 - day,
          openUntilMs: T0 + 6 * 3_600_000,
          lastError: "getaddrinfo ENOTFOUND dead.example",
        }),
        circuit(HOSTILE, { failures: 1, firstFailureMs: T0, lastError: HOSTILE_ANSWER }),
      ],
    );
    const html = serversSection(troubleFromCircuits(await outbox.circuits(), T0), time, T0);
    expect(html).toContain('<h2 id="servers-title">Servers not answering</h2>');
    const items = [...html.matchAll(/<li class="item" data-state="([a-z]+)">(.*?)<\/li>/gs)].map((m) => [
      m[1],
      readable(m[2]!),
    ]);
    expect(items).toEqual([
      [
        "unreachable",
        "unreachable dead.example failing since 2026-11-23 09:00 · 40 failed attempts in a row · next try 2026-12-01 15:00 Last error: getaddrinfo ENOTFOUND dead.example",
      ],
      [
        "open",
        "paused paused.example failing since 2026-12-01 08:00 · 6 failed attempts in a row · next try 2026-12-01 09:01 Last error: connect ECONNREFUSED",
      ],
      [
        "failing",
        `failing &lt;img src=x onerror="alert('host')"&gt; failing since 2026-12-01 09:00 · 1 failed attempt in a row · retried with each delivery's own schedule Last error: HTTP 500: &lt;script&gt;alert("answer")&lt;/script&gt; &amp; more`,
      ],
      [
        "failing",
        "failing flaky.example failing since 2026-12-01 08:50 · 2 failed attempts in a row · retried with each delivery's own schedule Last error: HTTP 502",
      ],
    ]);
    expect(html).not.toContain("answers.example");
    expect(html).not.toMatch(/<script|<img/);
  });
});
