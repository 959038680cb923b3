// Golden JSON-LD of everything Herald federates, from the pure mapping in objects.ts with a fixed clock
// and fixed inputs. A change of the wire format shows up here as a diff; `UPDATE_GOLDEN=1` accepts it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Article } from "../../src/content/model.ts";
import { actorObject, type BotProfile } from "../../src/federation/actor.ts";
import { createHeraldFederation } from "../../src/federation/federation.ts";
import { loadOrCreateKeys } from "../../src/federation/keys.ts";
import {
  createActivity,
  deleteActivity,
  type ObjectContext,
  objectId,
  toPost,
  updateActivity,
} from "../../src/federation/objects.ts";
import { createLogger } from "../../src/log.ts";
import { outboundGuard } from "../../src/net/outbound.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { siteUrls } from "../../src/urls.ts";

const GOLDEN = join(import.meta.dirname, "..", "golden", "activitypub");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

type Json = Record<string, unknown>;

async function compact(object: { toJsonLd(o: { format: "compact" }): Promise<unknown> }): Promise<Json> {
  return (await object.toJsonLd({ format: "compact" })) as Json;
}

function golden(name: string, actual: Json): void {
  const file = join(GOLDEN, `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toEqual(JSON.parse(readFileSync(file, "utf8")));
}

const urls = siteUrls("https://news.example.org/");
const ctx: ObjectContext = {
  urls,
  actorId: new URL("https://news.example.org/users/news"),
  followersId: new URL("https://news.example.org/users/news/followers"),
  objectType: "note",
  visibility: "public",
};
const FEDERATED = new Date("2024-05-01T08:00:00Z");
const EDITED = new Date("2024-05-02T09:30:00Z");
const DELETED = new Date("2024-05-03T10:00:00Z");

const article: Article = {
  id: "harbor-morning",
  slug: "harbor-morning",
  path: "harbor-morning/index.md",
  url: "https://news.example.org/articles/harbor-morning/",
  title: "港口的早晨 <after the storm>",
  summary: "台风过后，港口很快恢复了秩序。",
  contentHtml:
    '<p>天还没亮，码头上已经站满了人。</p><p><img src="https://news.example.org/articles/harbor-morning/cover.png" alt="清晨的码头"></p>',
  lang: "zh-CN",
  tags: ["港口", "天气", "2024", "C++"],
  authors: [{ name: "林晓" }],
  cover: {
    url: "https://news.example.org/articles/harbor-morning/cover.png",
    alt: "清晨的码头",
    mediaType: "image/png",
    width: 1200,
    height: 630,
    length: 48213,
    blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
  },
  attribution: {
    source: { url: "https://news.example.com/a/1", name: "东岸时报", title: "港口的早晨" },
    translators: [{ name: "王一", url: "https://example.com/wang" }],
    editors: [],
  },
  published: "2019-11-02T00:00:00.000Z",
  updated: "2019-11-02T00:00:00.000Z",
  draft: false,
  federate: true,
  sensitive: false,
  pinned: false,
  contentHash: "3f7a9c0e5b2d41e8a6c7b9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4",
  extra: {},
  warnings: [],
};

describe("golden ActivityPub JSON-LD", () => {
  it("Note", async () => {
    golden("note", await compact(toPost(article, ctx, { published: FEDERATED })));
  });

  it("Note with a content warning, unlisted", async () => {
    const cw = {
      ...article,
      contentWarning: "台风灾后照片",
      visibility: "unlisted" as const,
      cover: undefined,
    };
    golden("note-cw-unlisted", await compact(toPost(cw, ctx, { published: FEDERATED })));
  });

  it("Article with a FEP-b2b8 preview", async () => {
    const post = toPost(
      { ...article, lang: "en", title: "Harbor morning" },
      { ...ctx, objectType: "article" },
      {
        published: FEDERATED,
      },
    );
    const json = await compact(post);
    expect(json.type).toBe("Article");
    expect((json.preview as Json).type).toBe("Note");
    golden("article", json);
  });

  it("Create", async () => {
    golden("create", await compact(createActivity(toPost(article, ctx, { published: FEDERATED }), ctx)));
  });

  it("Update", async () => {
    const post = toPost({ ...article, title: "港口的早晨（更新）" }, ctx, {
      published: FEDERATED,
      updated: EDITED,
    });
    const json = await compact(updateActivity(post, ctx, article.contentHash));
    expect(json.id).toBe("https://news.example.org/objects/harbor-morning#update-3f7a9c0e5b2d41e8");
    golden("update", json);
  });

  it("Delete", async () => {
    golden("delete", await compact(deleteActivity(objectId(ctx, article), ctx, DELETED)));
  });

  it("the same inputs give the same JSON-LD", async () => {
    const a = await compact(createActivity(toPost(article, ctx, { published: FEDERATED }), ctx));
    const b = await compact(
      createActivity(toPost(structuredClone(article), ctx, { published: FEDERATED }), ctx),
    );
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("golden actor", () => {
  let dir: string;
  let store: SqliteStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "herald-golden-"));
    store = new SqliteStore(join(dir, "herald.sqlite"));
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Service actor (key material masked: keys are generated per store)", async () => {
    const profile: BotProfile = {
      username: "news",
      name: "Herald News",
      summary: "<p>Articles from the harbor.</p>",
      avatar: { url: "https://news.example.org/profile/avatar.png", mediaType: "image/png" },
      header: { url: "https://news.example.org/profile/header.jpg", mediaType: "image/jpeg" },
      fields: [{ name: "Website", value: '<a href="https://news.example.org/">news.example.org/</a>' }],
      discoverable: true,
      indexable: true,
      manualApproval: false,
      published: "2024-01-01T00:00:00.000Z",
    };
    const federation = createHeraldFederation({
      origin: "https://news.example.org",
      urls,
      profile,
      keys: await loadOrCreateKeys(store.federation),
      store: store.federation,
      kv: new MemoryKvStore(),
      queue: new InProcessMessageQueue(),
      outbox: new InProcessMessageQueue(),
      log: createLogger("silent"),
      guard: outboundGuard({}),
      version: "0.0.0-test",
    });
    const actor = await actorObject(federation.createContext(new URL(urls.home)), profile, urls);
    const json = await compact(actor);
    const key = json.publicKey as Json;
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    key.publicKeyPem = "<masked>";
    const methods = json.assertionMethod as Json[];
    expect(methods.map((m) => String(m.publicKeyMultibase).slice(0, 1))).toEqual(["z", "z"]);
    for (const m of methods) m.publicKeyMultibase = "<masked>";
    golden("actor", json);
  });
});
