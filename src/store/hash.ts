// A small non-cryptographic hash both backends use: ordering buckets, channel names, spread offsets.

/** 32-bit FNV-1a: a stable, well-spread hash for bucketing, channel names and spreading. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
