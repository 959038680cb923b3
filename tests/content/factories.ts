import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import type { ParseContext } from "../../src/content/parse.ts";
import { parseArticle } from "../../src/content/parse.ts";
import type { ParsedArticle } from "../../src/content/parsed.ts";
import { siteUrls } from "../../src/urls.ts";

// Factories, not fixtures: every test builds its own context, files and bytes.

export const SITE = "https://news.example.org/";

export function makeContext(overrides: Partial<ParseContext> = {}): ParseContext {
  return {
    urls: siteUrls(SITE),
    contentDir: "/nonexistent-content-dir",
    timezone: "Asia/Shanghai",
    language: "zh-CN",
    summaryLength: 140,
    maxBytes: 5 * 1024 * 1024,
    ...overrides,
  };
}

/** A Markdown file: front matter from `fields` (YAML written by hand, values as given) and a body. */
export function markdown(fields: Record<string, string>, body: string): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join("\n")}\n---\n\n${body}`;
}

/** Parses and asserts success, returning the article. */
export function parseOk(text: string, ctx: ParseContext = makeContext(), path = "post.md"): ParsedArticle {
  const result = parseArticle(path, Buffer.from(text, "utf8"), ctx);
  if (!result.ok) throw new Error(`expected success, got ${result.error.type}: ${result.error.message}`);
  return result.value;
}

export function makeContentDir(): string {
  return mkdtempSync(join(tmpdir(), "herald-content-"));
}

export function writeFile(root: string, rel: string, data: string | Uint8Array): string {
  const abs = join(root, ...rel.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, data);
  return abs;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, decodable RGB PNG of the given size (solid grey). */
export function pngBytes(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const row = Buffer.alloc(1 + width * 3, 0x80);
  row[0] = 0; // filter: none
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array()),
  ]);
}

/** The head of a baseline JPEG (SOI, JFIF APP0, SOF0, EOI): enough for sniffing and dimensions. */
export function jpegBytes(width: number, height: number): Buffer {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3];
  const components = [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof0, ...components, 0xff, 0xd9]);
}
