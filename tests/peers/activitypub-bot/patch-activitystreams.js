// Backports to activitystrea.ms 3.1.0 the three functions @evanp/activitypub-bot 0.51.2 calls.
//
// The bot asks for activitystrea.ms ^4.0.0, which the npm registry Herald's CI uses does not carry;
// package.json's "overrides" installs 3.1.0, the newest there. 3.1.0 lacks:
//   1. `AS2.registerContext(url, context)`: the bot registers the JSON-LD contexts it knows (security,
//      FEP-5711, GoToSocial, ...) at import time;
//   2. one loader shared by every parse: 3.1.0's jsonld.js builds its own private loader, so contexts
//      registered on the shared one would be unseen by the signing/compaction path;
//   3. `isActivity()` on every object: the bot's remote-object cache uses it to choose how long to keep
//      a fetched object.
//
// Run from this directory after `npm ci` (package.json's postinstall does it). Idempotent: each edit is
// recognised by a marker and skipped when present. Exits non-zero when an anchor is missing (another
// activitystrea.ms version) or when the patched module does not offer the functions afterwards.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const src = dirname(require.resolve("activitystrea.ms/src/activitystreams.js"));
const MARKER = "herald peer backport";

const ACTIVITY_TYPES = [
  "Activity",
  "IntransitiveActivity",
  "Accept",
  "Add",
  "Announce",
  "Arrive",
  "Block",
  "Create",
  "Delete",
  "Dislike",
  "Flag",
  "Follow",
  "Ignore",
  "Invite",
  "Join",
  "Leave",
  "Like",
  "Listen",
  "Move",
  "Offer",
  "Question",
  "Read",
  "Reject",
  "Remove",
  "TentativeAccept",
  "TentativeReject",
  "Travel",
  "Undo",
  "Update",
  "View",
];

const edits = [
  {
    file: "activitystreams.js",
    what: "AS2.registerContext",
    anchor: "class AS2 {\n",
    replacement: [
      "class AS2 {\n",
      `  // ${MARKER}: registerContext (activitystrea.ms 3.2.0)\n`,
      "  static registerContext(url, context) {\n",
      "    require('./contextloader').defaultInstance.register(url, context);\n",
      "    return AS2;\n",
      "  }\n",
    ].join(""),
  },
  {
    file: "jsonld.js",
    what: "one shared JSON-LD loader",
    anchor: "jsonld.documentLoader = (new Loader()).makeDocLoader();\n",
    replacement: [
      `// ${MARKER}: the shared loader, so registered contexts are seen (activitystrea.ms 3.2.0)\n`,
      "jsonld.documentLoader = Loader.defaultInstance.makeDocLoader();\n",
    ].join(""),
  },
  {
    file: join("models", "_base.js"),
    what: "isActivity()",
    anchor: "module.exports = Base;",
    replacement: [
      `// ${MARKER}: isActivity (activitystrea.ms 3.3.0): an activity type, or an activity's properties\n`,
      `const ACTIVITY_TYPE_IRIS = new Set(${JSON.stringify(ACTIVITY_TYPES)}.map((t) => as[t]));\n`,
      "Base.prototype.isActivity = function isActivity() {\n",
      "  const types = this[_expanded]['@type'] || [];\n",
      "  if (types.some((t) => ACTIVITY_TYPE_IRIS.has(t))) return true;\n",
      "  return ['actor', 'object', 'target', 'result', 'origin', 'instrument'].some((p) => this.has(p));\n",
      "};\n",
      "module.exports = Base;",
    ].join(""),
  },
];

for (const edit of edits) {
  const path = join(src, edit.file);
  const text = readFileSync(path, "utf8");
  if (text.includes(`${MARKER}: `) && text.includes(edit.replacement)) {
    console.log(`already patched: ${edit.what} (${edit.file})`);
    continue;
  }
  const at = text.indexOf(edit.anchor);
  if (at < 0 || text.indexOf(edit.anchor, at + 1) >= 0) {
    console.error(`cannot patch ${edit.what}: "${edit.anchor.trim()}" is not in ${path} exactly once`);
    process.exit(1);
  }
  writeFileSync(path, text.slice(0, at) + edit.replacement + text.slice(at + edit.anchor.length));
  console.log(`patched: ${edit.what} (${edit.file})`);
}

// Check the result the way the bot uses it.
const as2 = require("activitystrea.ms");
as2.registerContext("https://herald.invalid/ns", {
  "@context": { heraldTest: "https://herald.invalid/ns#test" },
});
const follow = await as2.import({
  "@context": "https://www.w3.org/ns/activitystreams",
  type: "Follow",
  actor: "https://a.invalid/u",
  object: "https://b.invalid/u",
});
// The registered context must be served from memory (herald.invalid cannot be fetched).
const note = await as2.import({
  "@context": ["https://www.w3.org/ns/activitystreams", "https://herald.invalid/ns"],
  type: "Note",
  heraldTest: "x",
});
if (follow?.isActivity() !== true || note?.isActivity() !== false) {
  console.error("activitystrea.ms was patched but isActivity() does not tell a Follow from a Note");
  process.exit(1);
}
console.log("activitystrea.ms backports in place");
