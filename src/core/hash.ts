/**
 * Fast non-cryptographic 64-bit hashes (two independent 32-bit lanes, murmur-style mixing),
 * used for structural graph hashing and compile-cache keys.
 */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
function hex(a: number, b: number): string {
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** 64-bit hash of a string, as 16 hex digits. */
export function hashString(s: string, seed = 0): string {
  let h1 = seed ^ 0x9747b28c;
  let h2 = seed ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = mix(h1, c);
    h2 = mix(h2, c ^ 0x2545f491);
  }
  h1 ^= s.length;
  h2 ^= s.length;
  return hex(fmix(h1), fmix(h2 ^ h1));
}

/** 64-bit hash of raw bytes, as 16 hex digits. */
export function hashBytes(bytes: Uint8Array, seed = 0): string {
  let h1 = seed ^ 0x3c6ef372;
  let h2 = seed ^ 0xa54ff53a;
  const n4 = bytes.length >>> 2;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n4; i++) {
    const w = dv.getUint32(i * 4, true);
    h1 = mix(h1, w);
    h2 = mix(h2, w ^ 0x2545f491);
  }
  for (let i = n4 * 4; i < bytes.length; i++) {
    h1 = mix(h1, bytes[i]!);
    h2 = mix(h2, bytes[i]! ^ 0x51ed270b);
  }
  h1 ^= bytes.length;
  h2 ^= bytes.length;
  return hex(fmix(h1), fmix(h2 ^ h1));
}
