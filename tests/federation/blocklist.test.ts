// Blocklists as Mastodon exports them, and what a block matches (domains with their subdomains,
// actors by id and by the keys named after them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBlocklist } from "../../src/federation/blocklist.ts";
import { BlockSet, normalizeDomain, parseBlockTarget } from "../../src/federation/blocks.ts";

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "fixtures", "blocklists", name), "utf8");

describe("parseBlocklist", () => {
  it("reads Mastodon's export: suspensions are blocks, silence and noop are skipped, comments kept", () => {
    const list = parseBlocklist(fixture("mastodon-export.csv"));
    expect(list.blocks).toEqual([
      { domain: "spam.example", comment: "Spam, scams and harassment" },
      { domain: "hostile.example", comment: null },
      { domain: "wildcard.example", comment: 'Quoted "comment"' },
    ]);
    expect(list.skipped).toEqual([
      {
        line: 4,
        text: expect.stringMatching(/^limited\.example/),
        reason: "severity silence: only suspend is a block",
      },
      {
        line: 5,
        text: expect.stringMatching(/^media\.example/),
        reason: "severity noop: only suspend is a block",
      },
      { line: 7, text: expect.stringMatching(/^not a domain/), reason: "not a domain" },
    ]);
  });

  it("reads a plain list, one domain per line, with comments, blank lines and CRLF", () => {
    expect(parseBlocklist(fixture("plain.txt")).blocks.map((b) => b.domain)).toEqual([
      "plain-one.example",
      "plain-two.example",
    ]);
    expect(parseBlocklist("\uFEFFa.example\r\nb.example\r\n").blocks.map((b) => b.domain)).toEqual([
      "a.example",
      "b.example",
    ]);
  });
});

describe("block targets and matching", () => {
  it("normalises domains and tells domains, handles and actor URLs apart", () => {
    expect(normalizeDomain("https://Example.Social/")).toBe("example.social");
    expect(normalizeDomain("bücher.example")).toBe("xn--bcher-kva.example");
    expect(normalizeDomain("a b")).toBeUndefined();
    expect(parseBlockTarget("example.social")).toEqual({ kind: "domain", target: "example.social" });
    expect(parseBlockTarget("@someone@example.social")).toEqual({
      kind: "handle",
      target: "someone@example.social",
    });
    expect(parseBlockTarget("https://example.social/users/x#main-key")).toEqual({
      kind: "actor",
      target: "https://example.social/users/x",
    });
    expect(parseBlockTarget("no way")).toBeUndefined();
  });

  it("matches a domain's subdomains, not look-alikes, and actors by id and by key", () => {
    const set = new BlockSet([
      { kind: "domain", target: "example.social" },
      { kind: "actor", target: "https://other.example/users/troll" },
    ]);
    expect(set.blocksHost("example.social")).toBe(true);
    expect(set.blocksHost("eu.EXAMPLE.social")).toBe(true);
    expect(set.blocksHost("notexample.social")).toBe(false);
    expect(set.blocksActor("https://example.social:8443/users/a")).toBe(true);
    expect(set.blocksActor("https://other.example/users/troll")).toBe(true);
    expect(set.blocksActor("https://other.example/users/friend")).toBe(false);
    expect(set.blocksKey(new URL("https://other.example/users/troll#main-key"))).toBe(true);
    expect(set.blocksKey(new URL("https://other.example/users/troll/main-key"))).toBe(true);
    expect(set.blocksKey(new URL("https://other.example/users/friend#main-key"))).toBe(false);
  });
});
