// A hash helper shared by the core's name table (names.ts) and the parser's
// (parse/names.ts). It knows nothing of either: it mixes bits.

/**
 * Mixes a 32-bit hash's bits (murmur3's finaliser), for a table slot: the
 * low bits of an FNV-1a hash depend only on the characters' low bits.
 * @internal
 */
export function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
