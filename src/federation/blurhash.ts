// Mastodon's `blurhash` on image attachments, which Fedify 2.3's vocabulary does not have.
//
// Mastodon reads `attachment[].blurhash` as a plain JSON key (its parser does not expand JSON-LD),
// defined in its namespace as `toot:blurhash`. Fedify builds every object's JSON-LD from its own
// model, on every serialisation (when storing, when signing with an Object Integrity Proof, when
// sending), so a property it does not know is dropped each time. An object carrying blurhashes is
// therefore turned into an instance of a subclass whose compact JSON-LD adds them back, with the
// term in its `@context` so that it means the same to JSON-LD processors (and survives the Linked
// Data signature, which is computed over that document). Copies Fedify makes (`clone`, used to add
// proofs) keep the blurhashes.
//
// Attachments are matched by URL: within one post each image has its own.

const TOOT = "http://joinmastodon.org/ns#";
const TERM = { toot: TOOT, blurhash: "toot:blurhash" } as const;
const EXPANDED = `${TOOT}blurhash`;

type Json = Record<string, unknown>;
type Blurhashes = ReadonlyMap<string, string>;

interface Serialisable {
  toJsonLd(options?: { format?: "compact" | "expand"; [key: string]: unknown }): Promise<unknown>;
  clone(values?: Record<string, unknown>, options?: Record<string, unknown>): unknown;
}
type SerialisableClass = abstract new (...args: never[]) => Serialisable;

const carried = new WeakMap<object, Blurhashes>();
const subclasses = new WeakMap<SerialisableClass, SerialisableClass>();

function subclassOf(base: SerialisableClass): SerialisableClass {
  let sub = subclasses.get(base);
  if (sub === undefined) {
    abstract class WithBlurhash extends base {
      override async toJsonLd(options?: Parameters<Serialisable["toJsonLd"]>[0]): Promise<unknown> {
        const json = await super.toJsonLd(options);
        const hashes = carried.get(this);
        // `expand` is only asked for nested objects; the compact document is what goes on the wire.
        return hashes && options?.format !== "expand" ? addBlurhashes(json, hashes) : json;
      }
      override clone(values?: Record<string, unknown>, options?: Record<string, unknown>): unknown {
        const copy = super.clone(values, options);
        const hashes = carried.get(this);
        if (hashes && copy && typeof copy === "object") carried.set(copy, hashes);
        return copy;
      }
    }
    sub = WithBlurhash;
    subclasses.set(base, sub);
  }
  return sub;
}

/**
 * The same object, whose compact JSON-LD gives each attachment (and `image`) with a URL in `hashes`
 * its blurhash. Nothing changes when `hashes` is empty.
 */
export function withBlurhashes<T extends object>(object: T, hashes: Blurhashes): T {
  if (hashes.size === 0) return object;
  // The object keeps every field Fedify set; only its methods come from the subclass.
  Object.setPrototypeOf(object, subclassOf(object.constructor as SerialisableClass).prototype);
  carried.set(object, hashes);
  return object;
}

/** What `withBlurhashes` gave an object (empty for any other). */
export function blurhashesOf(object: object): Blurhashes {
  return carried.get(object) ?? new Map();
}

/** The blurhashes of an object or activity as stored (compact JSON-LD), by image URL. */
export function blurhashesIn(json: unknown): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === "object") {
      const node = value as Json;
      const hash = node.blurhash ?? node["toot:blurhash"] ?? node[EXPANDED];
      const url = typeof node.url === "string" ? node.url : undefined;
      if (typeof hash === "string" && url) found.set(url, hash);
      for (const [key, v] of Object.entries(node)) if (key !== "@context") visit(v);
    }
  };
  visit(json);
  return found;
}

/** Adds `blurhash` to every node whose `url` has one, and the term to the top-level context. */
function addBlurhashes(json: unknown, hashes: Blurhashes): unknown {
  if (!json || typeof json !== "object" || Array.isArray(json)) return json;
  let added = false;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (!value || typeof value !== "object") return value;
    const node: Json = {};
    for (const [key, v] of Object.entries(value as Json)) {
      // A nested object's own serialisation may have added it already, under a compacted name.
      if (key === "toot:blurhash" || key === EXPANDED) continue;
      node[key] = key === "@context" ? v : visit(v);
    }
    const hash = typeof node.url === "string" ? hashes.get(node.url) : undefined;
    if (hash !== undefined) {
      node.blurhash = hash;
      added = true;
    }
    return node;
  };
  const out = visit(json) as Json;
  if (added) out["@context"] = withTerm(out["@context"]);
  return out;
}

function withTerm(context: unknown): unknown {
  const list = context === undefined ? [] : Array.isArray(context) ? [...context] : [context];
  const last = list.at(-1);
  if (last && typeof last === "object" && !Array.isArray(last)) list[list.length - 1] = { ...last, ...TERM };
  else list.push({ ...TERM });
  return list;
}
