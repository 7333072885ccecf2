/**
 * DICOM UIDs under the `2.25` root (PS3.5 §B.2): `2.25.` followed by a random 128-bit UUID (version 4
 * bits set) written as a decimal integer — at most 44 characters.
 *
 * @example newUid() // '2.25.290235981223450983413958744582963014537'
 */
export function newUid(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return `2.25.${v.toString(10)}`;
}
