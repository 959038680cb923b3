// The pure reconcile step of a refresh: records + scan → what to read, which id and slug each file
// keeps, and which records are gone. No file system and no store: files are stat results, articles
// are parsed from strings.
import { describe, expect, it } from "vitest";
import { Reconciliation, specialFileErrors } from "../../src/content/reconcile.ts";
import type { ArticleRecord } from "../../src/content/records.ts";
import type { ContentFile } from "../../src/content/scan.ts";
import { markdown, parseOk } from "./factories.ts";

const FINGERPRINT = "settings-1";

function file(path: string, over: Partial<ContentFile> = {}): ContentFile {
  return { path, abs: `/content/${path}`, size: 100, mtimeMs: 1_000, ino: 1, ...over };
}

function record(id: string, path: string | null, over: Partial<ArticleRecord> = {}): ArticleRecord {
  return {
    id,
    path,
    slug: id,
    bodyHash: `body-${id}`,
    firstSeen: "2026-01-01T00:00:00.000Z",
    contentHash: `hash-${id}`,
    changedAt: null,
    removedAt: null,
    published: "2026-01-01T00:00:00.000Z",
    visibleFrom: "2026-01-01T00:00:00.000Z",
    federate: true,
    title: `Title ${id}`,
    tags: [],
    file: path === null ? null : { size: 100, mtimeMs: 1_000, ino: 1, fingerprint: FINGERPRINT },
    ...over,
  };
}

function reconcile(records: ArticleRecord[], files: ContentFile[], stableMs = 0, wallClock = 10_000) {
  return new Reconciliation(new Map(records.map((r) => [r.id, r])), files, {
    fingerprint: FINGERPRINT,
    stableMs,
    wallClock,
  });
}

describe("Reconciliation", () => {
  it("reads again an unchanged file whose stamped image beside it changed, and only that one", () => {
    const stamped = (id: string, stamp: string) =>
      record(id, `${id}/index.md`, {
        file: { size: 100, mtimeMs: 1_000, ino: 1, fingerprint: `${FINGERPRINT}\n${stamp}` },
      });
    const asked: string[] = [];
    const plan = new Reconciliation(
      new Map(
        [stamped("kept", "10:1:7:/c/kept/cover.png"), stamped("swapped", "10:1:8:/c/swapped/cover.png")].map(
          (r) => [r.id, r],
        ),
      ),
      [file("kept/index.md"), file("swapped/index.md")],
      {
        fingerprint: FINGERPRINT,
        stableMs: 0,
        wallClock: 10_000,
        assetHolds: (stamp) => {
          asked.push(stamp);
          return stamp.includes("/kept/");
        },
      },
    );
    expect(plan.triage.known.map((f) => f.path)).toEqual(["swapped/index.md"]);
    expect(plan.triage.unchanged).toBe(1);
    expect(asked.sort()).toEqual(["10:1:7:/c/kept/cover.png", "10:1:8:/c/swapped/cover.png"]);
    // Stamps under other settings never count as the same derivation.
    const other = new Reconciliation(
      new Map([["kept", stamped("kept", "10:1:7:/c/kept/cover.png")]]),
      [file("kept/index.md")],
      { fingerprint: "settings-2", stableMs: 0, wallClock: 10_000, assetHolds: () => true },
    );
    expect(other.triage.known.map((f) => f.path)).toEqual(["kept/index.md"]);
  });

  it("reads changed and new files only, in path order, and leaves files still being written", () => {
    const plan = reconcile(
      [record("same", "same.md"), record("edited", "edited.md"), record("stale", "stale.md")],
      [
        file("same.md"),
        file("new-b.md"),
        file("edited.md", { size: 200 }),
        file("new-a.md"),
        file("stale.md", { mtimeMs: 9_900 }),
      ],
      500,
    );
    expect(plan.triage.known.map((f) => f.path)).toEqual(["edited.md"]);
    expect(plan.triage.fresh.map((f) => f.path)).toEqual(["new-a.md", "new-b.md"]);
    expect(plan.triage.unchanged).toBe(1);
    expect(plan.triage.deferred).toBe(1);
  });

  it("re-reads every file when the derivation settings changed", () => {
    const plan = new Reconciliation(new Map([["a", record("a", "a.md")]]), [file("a.md")], {
      fingerprint: "settings-2",
      stableMs: 0,
      wallClock: 10_000,
    });
    expect(plan.triage.known.map((f) => f.path)).toEqual(["a.md"]);
    expect(plan.triage.unchanged).toBe(0);
  });

  it("continues a renamed file's record: same id, same slug, nothing removed", () => {
    const parsed = parseOk(markdown({ title: "Hello" }, "First sentence here."), undefined, "renamed.md");
    const old = record("hello", "hello.md", { bodyHash: parsed.bodyHash, file: null });
    const plan = reconcile([old], [file("renamed.md", { ino: 7 })]);
    const { id, base } = plan.identify(file("renamed.md", { ino: 7 }), parsed);
    expect(id).toBe("hello");
    expect(base).toBe(old);
    expect(plan.slugOf(parsed, base)).toBe("hello");
    plan.claim(id, "hello", "renamed.md");
    plan.accept({ ...old, path: "renamed.md" });
    expect([...plan.removals("2026-01-02T00:00:00.000Z")]).toEqual([]);
  });

  it("rejects a second file with a taken id or slug, naming the first", () => {
    const plan = reconcile([record("harbor", "harbor.md")], [file("harbor.md"), file("copy.md")]);
    expect(plan.idTaken("harbor", "harbor.md")).toBeUndefined();
    expect(plan.idTaken("harbor", "copy.md")).toEqual({
      type: "duplicate-id",
      path: "copy.md",
      message: 'Duplicate id "harbor": already used by harbor.md.',
    });
    expect(plan.slugTaken("harbor", "copy.md")).toMatchObject({ type: "duplicate-slug", path: "copy.md" });
  });

  it("gives a new file its slug as id, numbered when taken", () => {
    const parsed = parseOk(markdown({ title: "Taken" }, "Another body."), undefined, "taken.md");
    const plan = reconcile(
      [record("taken", null, { removedAt: "2026-01-01T00:00:00.000Z" })],
      [file("taken.md")],
    );
    expect(plan.identify(file("taken.md"), parsed).id).toBe("taken-2");
  });

  it("marks records whose file is gone removed, but not while a file is still being written", () => {
    const gone = record("gone", "gone.md");
    const settled = reconcile([record("kept", "kept.md"), gone], [file("kept.md")]);
    expect([...settled.removals("2026-01-02T00:00:00.000Z")]).toEqual([
      { ...gone, path: null, removedAt: "2026-01-02T00:00:00.000Z", file: null },
    ]);
    const writing = reconcile([gone], [file("new.md", { mtimeMs: 9_990 })], 500);
    expect([...writing.removals("2026-01-02T00:00:00.000Z")]).toEqual([]);
  });

  it("sets first-seen times of new files a millisecond apart, the last path newest", () => {
    const plan = reconcile([], [file("02.md"), file("01.md")]);
    const now = new Date("2026-01-10T00:00:00.000Z");
    expect([plan.seenAt("01.md", now), plan.seenAt("02.md", now)]).toEqual([
      "2026-01-09T23:59:59.999Z",
      "2026-01-10T00:00:00.000Z",
    ]);
  });

  it("reports symlinks and other special files without reading them", () => {
    expect(specialFileErrors([{ path: "link.md", kind: "symlink" }])).toEqual([
      {
        type: "io",
        path: "link.md",
        message: "Not a regular file (a symbolic link); Herald reads only plain files in content.dir.",
      },
    ]);
  });
});
