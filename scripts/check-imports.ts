// Import direction, checked by `npm run lint`: each layer of src/ may import only the layers listed
// for it below, so the graph points one way (pure core at the bottom, CLI and HTTP at the top).
// Biome's noImportCycles catches cycles; this catches an upward import before it becomes one.
// A layer is a folder under src/ (content, store, …) or a top-level file (app.ts, serve.ts, …).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

/** Leaf modules anyone may import: they import no other layer. */
const LEAVES = ["urls.ts", "version.ts", "roles.ts", "log.ts"];

/** Layer → the layers it may import (besides itself and the leaves). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "urls.ts": [],
  "version.ts": [],
  "roles.ts": [],
  "log.ts": [],
  content: [],
  config: ["content"],
  render: ["content"],
  net: [],
  // Store implements content's record interface; storage.ts opens the backend config names.
  store: ["content", "config"],
  media: ["content", "render", "net", "store"],
  feeds: ["content", "render"],
  sync: ["content", "config", "store"],
  // Section accounts: which articles each gets (pure), and each one's settings from the config.
  accounts: ["content", "config", "sync"],
  "scheduler.ts": [],
  federation: ["accounts", "content", "config", "render", "net", "store", "media", "sync"],
  "build.ts": ["accounts", "content", "config", "feeds"],
  "app.ts": ["accounts", "build.ts", "content", "config", "federation", "media", "store", "sync"],
  ops: ["accounts", "app.ts", "content", "config", "federation", "scheduler.ts", "store", "sync"],
  web: [
    "accounts",
    "ops",
    "app.ts",
    "build.ts",
    "content",
    "config",
    "feeds",
    "federation",
    "media",
    "net",
    "render",
    "store",
  ],
  "coordination.ts": ["federation", "store"],
  // Reloading the config while serving: validates with config/, reports through the store.
  "live-config.ts": ["config", "store"],
  "serve.ts": [
    "app.ts",
    "content",
    "config",
    "coordination.ts",
    "federation",
    "live-config.ts",
    "scheduler.ts",
    "store",
    "web",
  ],
  // herald doctor: looks at a deployment from outside; reads only the signing key from the store.
  doctor: ["config", "net", "store"],
  commands: [
    "accounts",
    "ops",
    "app.ts",
    "build.ts",
    "serve.ts",
    "content",
    "config",
    "media",
    "store",
    "doctor",
  ],
  "cli.ts": ["commands", "config"],
};

/** Upward imports that predate this check, each to be removed (not added to). None are left. */
const KNOWN: ReadonlySet<string> = new Set<string>([]);

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

function layerOf(file: string): string {
  const [first] = file.split("/");
  return first!;
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const root = join(dirname(new URL(import.meta.url).pathname), "..", "src");
const problems: string[] = [];
const seenKnown = new Set<string>();
for (const path of sources(root)) {
  const from = relative(root, path).split(sep).join("/");
  const fromLayer = layerOf(from);
  const allowed = ALLOWED[fromLayer];
  if (allowed === undefined) {
    problems.push(
      `${from}: layer "${fromLayer}" is not listed in scripts/check-imports.ts; give it a place.`,
    );
    continue;
  }
  for (const match of readFileSync(path, "utf8").matchAll(IMPORT)) {
    const to = relative(root, normalize(join(dirname(path), match[1]!)))
      .split(sep)
      .join("/");
    if (to.startsWith("..")) continue;
    const toLayer = layerOf(to);
    if (toLayer === fromLayer || LEAVES.includes(toLayer) || allowed.includes(toLayer)) continue;
    const edge = `${from} -> ${to}`;
    if (KNOWN.has(edge)) {
      seenKnown.add(edge);
      continue;
    }
    problems.push(`${edge}: ${fromLayer} may import only ${[...allowed, "the leaves"].join(", ")}.`);
  }
}
for (const edge of KNOWN)
  if (!seenKnown.has(edge))
    problems.push(`${edge} is gone: remove it from KNOWN in scripts/check-imports.ts.`);

if (problems.length > 0) {
  process.stderr.write(`Imports against the layer direction:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
  process.exit(1);
}
