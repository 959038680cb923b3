// Fedify inside Herald's outbound guard: the document loaders it fetches actors, keys and contexts
// with, and the queue whose messages (deliveries, queued inbox activities) it handles.
// Fedify's own private-address check (`allowPrivateAddress: false`) resolves a name, then lets fetch
// resolve it again: a name that answers a public address first and 127.0.0.1 next passes it. The guard
// checks the address the socket actually connects to, so the loaders below leave Fedify's check off
// and run every fetch inside `guard.run()`, whoever calls them.
import {
  getAuthenticatedDocumentLoader,
  type HttpMessageSignaturesSpec,
  type HttpMessageSignaturesSpecDeterminer,
  type KvStore,
  kvCache,
  type MessageQueue,
} from "@fedify/fedify";
import {
  type AuthenticatedDocumentLoaderFactory,
  type DocumentLoader,
  type DocumentLoaderFactory,
  getDocumentLoader,
} from "@fedify/vocab-runtime";
import type { OutboundGuard } from "../net/outbound.ts";

export interface GuardedLoaders {
  documentLoaderFactory: DocumentLoaderFactory;
  contextLoaderFactory: DocumentLoaderFactory;
  authenticatedDocumentLoaderFactory: AuthenticatedDocumentLoaderFactory;
}

/** Where Fedify caches fetched documents by default; the same keys, so its cache stays warm. */
const REMOTE_DOCUMENT_PREFIX = ["_fedify", "remoteDocument"] as const;

const within =
  (guard: OutboundGuard, loader: DocumentLoader): DocumentLoader =>
  (url, options) =>
    guard.run(() => loader(url, options));

/** A loader without cache: a key fetched again after a signature failed with the cached one. */
export function freshDocumentLoader(guard: OutboundGuard, userAgent: string): DocumentLoader {
  return within(guard, getDocumentLoader({ allowPrivateAddress: true, userAgent }));
}

export function guardedLoaders(guard: OutboundGuard, kv: KvStore, userAgent: string): GuardedLoaders {
  const plain = freshDocumentLoader(guard, userAgent);
  const documents = kvCache({ loader: plain, kv, prefix: REMOTE_DOCUMENT_PREFIX, kind: "object" });
  const contexts = kvCache({ loader: plain, kv, prefix: REMOTE_DOCUMENT_PREFIX, kind: "context" });
  const specs = new FirstKnock();
  return {
    documentLoaderFactory: () => documents,
    contextLoaderFactory: () => contexts,
    authenticatedDocumentLoaderFactory: (identity) =>
      within(
        guard,
        getAuthenticatedDocumentLoader(identity, {
          allowPrivateAddress: true,
          userAgent,
          specDeterminer: specs,
        }),
      ),
  };
}

/**
 * Signed fetches knock with draft-cavage first (servers that only read it answer 202 or 401 to RFC
 * 9421; see `firstKnock` in federation.ts) and remember what each origin accepted, as Fedify's own
 * determiner does; bounded, since every origin that ever sent a Follow would stay otherwise.
 */
class FirstKnock implements HttpMessageSignaturesSpecDeterminer {
  static readonly LIMIT = 10_000;
  readonly #known = new Map<string, HttpMessageSignaturesSpec>();

  determineSpec(origin: string): HttpMessageSignaturesSpec {
    return this.#known.get(origin) ?? "draft-cavage-http-signatures-12";
  }

  rememberSpec(origin: string, spec: HttpMessageSignaturesSpec): void {
    this.#known.delete(origin);
    this.#known.set(origin, spec);
    if (this.#known.size > FirstKnock.LIMIT) this.#known.delete(this.#known.keys().next().value!);
  }
}

/**
 * The queue as Fedify sees it: every message is handled inside `guard.run()`, so the deliveries Fedify
 * sends with the global fetch (Accept, Create, Update, Delete, to inboxes and shared inboxes) connect
 * only to addresses the guard allows, checked after resolving the inbox's host at send time.
 */
export function guardedQueue<Q extends MessageQueue>(queue: Q, guard: OutboundGuard): Q {
  return new Proxy(queue, {
    get(target, property) {
      if (property === "listen")
        return (handler: (message: unknown) => Promise<void> | void, options?: unknown) =>
          target.listen(
            (message) => guard.run(() => handler(message)),
            options as Parameters<Q["listen"]>[1],
          );
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
