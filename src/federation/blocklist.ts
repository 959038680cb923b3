// Domain blocklists as Mastodon exports them (Moderation → Federation → Export): a CSV with the header
// `#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`, as shared lists
// (Oliphant, Garden Fence, IFTAS DNI) are published too; or a plain file with one domain per line.
//
// Severities: `suspend` is a block. `silence` (Mastodon's "limit": off public timelines, follows need
// approval) and `noop` (only media or reports rejected) are skipped: Herald has no timeline to hide a
// server from, and removing the followers of a server a list only limits would go further than the
// list's author meant.
import { normalizeDomain } from "./blocks.ts";

export interface ListedBlock {
  domain: string;
  /** The list's public comment, if any. */
  comment: string | null;
}

export interface ParsedBlocklist {
  blocks: ListedBlock[];
  /** Lines left out, with why (1-based line numbers). */
  skipped: { line: number; text: string; reason: string }[];
}

/** Parses a Mastodon-format CSV or a plain one-domain-per-line list. */
export function parseBlocklist(text: string): ParsedBlocklist {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = csvFields(lines[0] ?? "").map((h) => h.trim().replace(/^#/, "").toLowerCase());
  const hasHeader = header[0] === "domain";
  const column = (name: string) => (hasHeader ? header.indexOf(name) : -1);
  const severityAt = column("severity");
  const commentAt = column("public_comment");
  const result: ParsedBlocklist = { blocks: [], skipped: [] };
  const seen = new Set<string>();
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if ((hasHeader && index === 0) || line === "" || (!hasHeader && line.startsWith("#"))) continue;
    const fields = csvFields(line);
    const skip = (reason: string) => {
      result.skipped.push({ line: index + 1, text: line.slice(0, 200), reason });
    };
    const severity =
      severityAt >= 0 ? (fields[severityAt] ?? "").trim().toLowerCase() || "suspend" : "suspend";
    if (severity !== "suspend") {
      skip(`severity ${severity}: only suspend is a block`);
      continue;
    }
    const domain = normalizeDomain(fields[0] ?? "");
    if (!domain) {
      skip("not a domain");
      continue;
    }
    if (seen.has(domain)) continue;
    seen.add(domain);
    const comment = commentAt >= 0 ? (fields[commentAt] ?? "").trim() : "";
    result.blocks.push({ domain, comment: comment || null });
  }
  return result;
}

/** The fields of one CSV line (RFC 4180 quoting: `"a, b"` and `""` inside quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}
