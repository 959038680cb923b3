// Size and blurhash of real images made here with sharp, and the limits on what is decoded.

import { crc32 } from "node:zlib";
import { decode, isBlurhashValid } from "blurhash";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../src/media/facts.ts";

const solid = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } });

/** Number of components a blurhash encodes on each axis (its first character). */
function components(hash: string): { x: number; y: number } {
  const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
  const size = digits.indexOf(hash[0]!);
  return { x: (size % 9) + 1, y: Math.floor(size / 9) + 1 };
}

/** A PNG whose header claims `width`×`height` with almost no data: a decompression bomb's shape. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from("\x89PNG\r\n\x1a\n", "latin1"),
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("inspectImage", () => {
  it("reads the size and a 4×3 blurhash of a landscape PNG", async () => {
    const png = await solid(120, 80, "#c81e1e").png().toBuffer();
    const facts = await inspectImage(png);
    expect(facts).toMatchObject({ width: 120, height: 80 });
    expect(isBlurhashValid(facts.blurhash).result).toBe(true);
    expect(components(facts.blurhash)).toEqual({ x: 4, y: 3 });
    // The placeholder has the image's colour.
    const [r, g, b] = decode(facts.blurhash, 4, 4);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it("uses 3×4 components for a portrait WebP, and reads files as well as bytes", async () => {
    const webp = await solid(60, 100, "#1e50c8").webp().toBuffer();
    const facts = await inspectImage(webp);
    expect(facts).toMatchObject({ width: 60, height: 100 });
    expect(components(facts.blurhash)).toEqual({ x: 3, y: 4 });
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "herald-facts-")), "cover.webp");
    writeFileSync(file, webp);
    expect(await inspectImage(file)).toEqual(facts);
  });

  it("gives the displayed size of a JPEG rotated by its EXIF orientation", async () => {
    const jpeg = await solid(90, 60, "#336699").jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await inspectImage(jpeg)).toMatchObject({ width: 60, height: 90 });
  });

  it("reads only the first frame of an animated GIF", async () => {
    const gif = await sharp({
      create: { width: 16, height: 8, channels: 4, background: "#00ff00" },
    })
      .gif()
      .toBuffer();
    expect(await inspectImage(gif)).toMatchObject({ width: 16, height: 8 });
  });

  it("refuses an image over the pixel limit without decoding it, and bytes that are no image", async () => {
    await expect(inspectImage(pngClaiming(20_000, 20_000))).rejects.toThrow(/pixel limit/i);
    await expect(inspectImage(Buffer.from("<html><body>Not found</body></html>"))).rejects.toThrow(
      /unsupported image format/,
    );
    const jpeg = await solid(64, 64, "#808080").jpeg().toBuffer();
    await expect(inspectImage(jpeg.subarray(0, jpeg.length / 2))).rejects.toThrow();
  });
});
