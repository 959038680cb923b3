// Operator blocks: what a block names, whom it matches, and the list each process keeps in memory.
// A blocked domain covers its subdomains (as Mastodon's domain blocks do). Matching is by host name,
// without the port: a block is about a server, not one of its listeners.
import type { Logger } from "../log.ts";
import type { Block, FederationStore } from "../store/types.ts";

export type BlockTarget = Pick<Block, "kind" | "target">;

/**
 * A domain as written by an operator or a blocklist: `Example.Social`, `example.social.`, `*.example.social`
 * and `https://example.social/` all name `example.social`; internationalised names become punycode.
 * Undefined when it is not a host name.
 */
export function normalizeDomain(input: string): string | undefined {
  let text = input.trim().toLowerCase().replace(/^\*\./, "");
  if (/^https?:\/\//.test(text)) text = URL.parse(text)?.hostname ?? "";
  text = text.replace(/\.$/, "");
  if (!text || /[\s/@:*?#]/.test(text)) return undefined;
  return URL.parse(`https://${text}/`)?.hostname || undefined;
}

/**
 * What an operator typed: an actor URL (an actor block), a bare domain (a domain block), or
 * `@user@host`, which the caller resolves to an actor id first (WebFinger). Undefined otherwise.
 */
export function parseBlockTarget(
  input: string,
): BlockTarget | { kind: "handle"; target: string } | undefined {
  const text = input.trim();
  if (/^@?[^@\s/]+@[^@\s/]+$/.test(text)) return { kind: "handle", target: text.replace(/^@/, "") };
  if (/^https?:\/\/[^/]+\/./.test(text)) {
    const url = URL.parse(text);
    if (!url) return undefined;
    url.hash = "";
    return { kind: "actor", target: url.href };
  }
  const domain = normalizeDomain(text);
  return domain ? { kind: "domain", target: domain } : undefined;
}

/** A snapshot of the blocks, for matching hosts, actors and signing keys. */
export class BlockSet {
  readonly #domains: ReadonlySet<string>;
  readonly #actors: ReadonlySet<string>;

  constructor(blocks: readonly BlockTarget[]) {
    this.#domains = new Set(blocks.filter((b) => b.kind === "domain").map((b) => b.target));
    this.#actors = new Set(blocks.filter((b) => b.kind === "actor").map((b) => b.target));
  }

  get size(): number {
    return this.#domains.size + this.#actors.size;
  }

  /** The host name (no port) or one of its parent domains is blocked. */
  blocksHost(hostname: string): boolean {
    if (this.#domains.size === 0) return false;
    let host = hostname.toLowerCase().replace(/\.$/, "");
    for (;;) {
      if (this.#domains.has(host)) return true;
      const dot = host.indexOf(".");
      if (dot < 0) return false;
      host = host.slice(dot + 1);
    }
  }

  /** The actor, or its server, is blocked. */
  blocksActor(id: URL | string): boolean {
    const url = typeof id === "string" ? URL.parse(id) : id;
    if (!url) return false;
    return this.blocksHost(url.hostname) || this.#actors.has(withoutHash(url));
  }

  /**
   * A request signed with this key comes from a blocked server or actor. Keys are named after their
   * actor: `…/users/x#main-key` (Mastodon) or `…/users/x/main-key` (GoToSocial).
   */
  blocksKey(keyId: URL): boolean {
    if (this.blocksHost(keyId.hostname)) return true;
    if (this.#actors.size === 0) return false;
    const id = withoutHash(keyId);
    return this.#actors.has(id) || this.#actors.has(id.replace(/\/[^/]*$/, ""));
  }
}

function withoutHash(url: URL): string {
  return url.hash ? url.href.slice(0, url.href.indexOf("#")) : url.href;
}

/** How often a process reads the blocks again: another process's block applies within this. */
export const BLOCKS_REFRESH_MS = 5_000;

/**
 * The blocks as this process knows them: read at start, then every few seconds (they change rarely,
 * and the table is small), and at once after this process changes them. A failed read keeps the
 * last list: blocks never lapse because the database hiccuped.
 */
export class BlockList {
  readonly #store: Pick<FederationStore, "listBlocks">;
  readonly #log: Logger;
  #set = new BlockSet([]);
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Pick<FederationStore, "listBlocks">, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  get current(): BlockSet {
    return this.#set;
  }

  async refresh(): Promise<BlockSet> {
    this.#set = new BlockSet(await this.#store.listBlocks());
    return this.#set;
  }

  /** Reads now and then every `everyMs`. */
  async start(everyMs = BLOCKS_REFRESH_MS): Promise<void> {
    await this.refresh();
    this.#timer ??= setInterval(() => {
      this.refresh().catch((error: unknown) => this.#log.warn({ err: error }, "reading the blocks failed"));
    }, everyMs).unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
