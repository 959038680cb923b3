import { describe, expect, it } from "vitest";
import type { ArticleError } from "../../src/content/model.ts";
import { parseArticle } from "../../src/content/parse.ts";
import { makeContext, markdown } from "./factories.ts";

function failure(bytes: Buffer | string, ctx = makeContext(), path = "news/bad.md"): ArticleError {
  const result = parseArticle(path, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes, ctx);
  if (result.ok) throw new Error("expected a failure");
  return result.error;
}

function expectError(error: ArticleError, type: ArticleError["type"], message: RegExp): void {
  expect(error.type).toBe(type);
  expect(error.path).toBe("news/bad.md");
  expect(error.message).toMatch(message);
  expect(error.message).toMatch(/\.$/);
}

describe("article errors", () => {
  it("too-large is checked before decoding", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.alloc(2000, 0x61)]);
    expectError(failure(bytes, makeContext({ maxBytes: 1024 })), "too-large", /over the 1 KB limit/);
  });

  it("binary for NUL bytes", () => {
    expectError(failure(Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02])), "binary", /NUL/);
  });

  it("encoding for invalid UTF-8 and for UTF-16", () => {
    expectError(failure(Buffer.from([0x23, 0x20, 0xc3, 0x28, 0x0a])), "encoding", /not valid UTF-8/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("# Title", "utf16le")]);
    expectError(failure(utf16), "encoding", /UTF-16/);
  });

  it("accepts a UTF-8 byte-order mark and CRLF line endings", () => {
    const text = "\ufeff---\r\ntitle: BOM\r\n---\r\n\r\nBody.\r\n";
    const result = parseArticle("news/ok.md", Buffer.from(text, "utf8"), makeContext());
    expect(result.ok && result.value.title).toBe("BOM");
  });

  it("yaml with the line of the problem", () => {
    const error = failure("---\ntitle: T\ntags: [a, b\ndate: 2024-05-01\n---\nBody.");
    expectError(error, "yaml", /^Front matter is not valid YAML at line \d+: .+\.$/);
  });

  it("yaml for duplicate keys, a non-mapping, and a non-YAML front-matter language", () => {
    expectError(failure("---\ntitle: A\ntitle: B\n---\nBody."), "yaml", /YAML/);
    expectError(failure("---\n- a\n- b\n---\nBody."), "yaml", /mapping/);
    expectError(failure("---js\n{ title: (globalThis.pwned = 1, 'x') }\n---\nBody."), "yaml", /must be YAML/);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it("missing-title when there is neither a title nor a heading", () => {
    expectError(
      failure(markdown({ date: "2024-05-01" }, "Just text.\n\n### Small heading")),
      "missing-title",
      /title/,
    );
  });

  it("invalid-date names the field", () => {
    expectError(failure(markdown({ title: "T", date: "2024-02-30" }, "B.")), "invalid-date", /"date"/);
    expectError(failure(markdown({ title: "T", updated: "soon" }, "B.")), "invalid-date", /"updated"/);
    expectError(
      failure(markdown({ title: "T", publish_at: "[2024]" }, "B.")),
      "invalid-date",
      /"publish_at"/,
    );
  });

  it.each([
    ["tags", "{a: 1}"],
    ["author", "{url: https://x.org}"],
    ["author", "{name: A, url: 'javascript:alert(1)'}"],
    ["source", "{url: not-a-url}"],
    ["draft", "maybe"],
    ["visibility", "private"],
    ["quotes", "friends"],
    ["lang", "'not a tag!'"],
    ["cover", "[a, b]"],
    ["title", "{a: 1}"],
    ["id", "[1]"],
  ])("invalid-field names the key %s", (key, value) => {
    expectError(
      failure(markdown({ title: "T", [key]: value }, "B.")),
      "invalid-field",
      new RegExp(`"${key}"`),
    );
  });

  it("invalid-field when the slug has no letters or digits", () => {
    expectError(failure(markdown({ title: "T", slug: "'!!!'" }, "B.")), "invalid-field", /slug/);
    const error = failure(markdown({ title: "T" }, "B."), makeContext(), "news/——.md");
    expect(error).toMatchObject({ type: "invalid-field", path: "news/——.md" });
    expect(error.message).toMatch(/file name "——"/);
  });
});
