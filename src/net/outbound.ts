import { AsyncLocalStorage } from "node:async_hooks";
import { BlockList, isIP } from "node:net";
import { Agent, buildConnector, Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { type GuardOptions, guardedLookup, refusal } from "./guard.ts";

// Fedify sends deliveries, fetches keys and actors with the global `fetch`, and offers no way to pass
// it a connector. So the guard sits where every `fetch` of this process connects: a global undici
// dispatcher that, inside `guard.run()`, connects only to addresses the guard checked at connect time
// (after DNS resolution, on every new connection: a follower's inbox is checked when a delivery goes
// out, not when the follower was stored). Outside any `run()` it is the dispatcher Node had, so code
// that is not Herald's outbound traffic (tests talking to Herald, say) is untouched.

/** The agent of the innermost `run()`; `null` inside an unguarded run (allowPrivateAddress). */
const scope = new AsyncLocalStorage<Dispatcher | null>();

class ScopedDispatcher extends Dispatcher {
  readonly #fallback: Dispatcher;

  constructor(fallback: Dispatcher) {
    super();
    this.#fallback = fallback;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return (scope.getStore() ?? this.#fallback).dispatch(options, handler);
  }
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  setGlobalDispatcher(new ScopedDispatcher(getGlobalDispatcher()));
}

export interface OutboundGuard {
  readonly options: GuardOptions;
  /** Runs `fn` (and everything it starts, timers and promises included) with its fetches guarded. */
  run<T>(fn: () => T): T;
  /** Ends the guarded connections (kept alive for reuse). Idempotent. */
  close(): Promise<void>;
}

/** One guard per Herald instance; fetches inside its `run()` reach only addresses `options` allow. */
export function outboundGuard(options: GuardOptions): OutboundGuard {
  install();
  const agent = options.allowPrivateAddress ? null : new Agent({ connect: guardedConnector(options) });
  return {
    options,
    run: (fn) => scope.run(agent, fn),
    close: async () => {
      // Deliveries in flight had their grace period before this; what is left is cut.
      if (agent && !agent.destroyed) await agent.destroy();
    },
  };
}

/**
 * A connection pool of its own for deliveries (kept alive per server, at most `connections` each),
 * connecting only where `options` allow, as `run()` does for `fetch`.
 */
export function deliveryAgent(options: GuardOptions, pool: { connections: number }): Agent {
  return new Agent({
    connections: pool.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    ...(options.allowPrivateAddress
      ? { connect: { timeout: 10_000 } }
      : { connect: guardedConnector(options) }),
  });
}

/**
 * The connector of a guarded agent: a literal address is checked here (net.connect does not call
 * `lookup` for one), a name is resolved by `guardedLookup`, which refuses the whole name if any of its
 * addresses is not public, and hands the socket exactly the addresses it checked.
 */
function guardedConnector(options: GuardOptions): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(options), timeout: 10_000 });
  return (target, callback) => {
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const refused =
      isIP(host) !== 0 ? refusal(`${target.protocol}//${target.hostname}`, host, options) : undefined;
    if (refused) callback(refused, null);
    else connect(target, callback);
  };
}

/**
 * `federation.allowAddresses`: single addresses or CIDR ranges outside the public internet that
 * Herald may reach all the same (an egress proxy, a peer on the same private network).
 */
export function addressAllowList(entries: readonly string[]): ((address: string) => boolean) | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split("/") as [string, string | undefined];
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
  };
}
