// A list of wire names stored compactly, for circuits with a million named
// inputs: the characters of every name in one byte array (wire names are
// ASCII identifiers, checked by `scanName`), where each name starts, and an
// open-addressing hash table from a name to its position in the list.
// A name costs about 22 bytes here (its characters, where they start, its
// hash and its table slots); as a JavaScript string in an array and a Map it
// costs about 70, and takes several times longer to add. Internal to the
// core (lib/Circuit.ts).

import { mix } from './hash';

/** What {@link scanName} found: not an identifier, an identifier kept for unnamed wires (`_12`), or an identifier with its hash. */
export const NOT_A_NAME = -1;
/** See {@link NOT_A_NAME}. */
export const RESERVED_NAME = -2;

/**
 * The 31-bit hash of a name, from the FNV-1a hash of the whole name, and of
 * its prefix and the number it ends in (`w20`: `w` and 20; `done` is all
 * prefix). A name that ends in a number gets the same slot group as the
 * other numbers of its block of 16 (`w16` to `w31`) and a lane in it from
 * the number, so that a million numbered inputs fill the table in order:
 * consecutive names share a cache line, where a plain hash would miss the
 * cache on every one of them (a table of a million names is 8 MB). The
 * lane is offset by the prefix, so that `a0`, `b0`, ... spread over lanes.
 */
function finish(whole: number, prefix: number, number: number, digits: boolean): number {
  if (!digits) return mix(whole) & 0x7fffffff;
  return ((mix(prefix + Math.imul(number >>> 4, 0x9e3779b1)) << 4) | ((number + (mix(prefix) >>> 28)) & 15)) & 0x7fffffff;
}

/**
 * Checks that `name` is a JavaScript identifier of ASCII letters, digits,
 * `_` and `$` not starting with a digit, and not of the form `_<digits>`;
 * returns its 31-bit hash, {@link NOT_A_NAME} or {@link RESERVED_NAME}.
 * @internal
 */
export function scanName(name: string): number {
  return scanRange(name, 0, name.length);
}

/** What each ASCII character is in a name: 1 a letter, `_` or `$`; 2 a digit; 0 neither. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CHAR[c] = /[A-Za-z_$]/.test(String.fromCharCode(c)) ? 1 : c >= 48 && c <= 57 ? 2 : 0;

/** {@link scanName} of `text.slice(from, to)`, without making that string. @internal */
export function scanRange(text: string, from: number, to: number): number {
  if (to <= from) return NOT_A_NAME;
  const first = text.charCodeAt(from);
  if (first >= 128 || NAME_CHAR[first] !== 1) return NOT_A_NAME;
  let h = Math.imul((0x811c9dc5 | 0) ^ first, 16777619);
  /** the hash up to the last character that is not a digit (at `letter`), and the number of the digits after it */
  let prefix = h;
  let number = 0;
  let letter = from;
  for (let k = from + 1; k < to; k++) {
    const c = text.charCodeAt(k);
    const kind = c < 128 ? (NAME_CHAR[c] ?? 0) : 0;
    if (kind === 0) return NOT_A_NAME;
    h = Math.imul(h ^ c, 16777619);
    if (kind === 2) number = (Math.imul(number, 10) + c - 48) | 0;
    else {
      prefix = h;
      number = 0;
      letter = k;
    }
  }
  // `_` and digits alone: kept for unnamed wires
  if (first === 95 && letter === from && to - from > 1) return RESERVED_NAME;
  return finish(h, prefix, number, letter !== to - 1);
}

/** The hash {@link scanName} gives a valid name. */
function hashOf(name: string): number {
  const h = scanName(name);
  return h < 0 ? 0 : h;
}

/**
 * How far apart a name's probes are: odd, so that they visit every slot of
 * the table (its size is a power of two), and more than the 16 lanes of a
 * slot group, so that the next name's probes do not run into this one's.
 */
const STEP = 17;

/** The most names a list holds: a slot keeps a name's position in 26 bits, and 6 bits of its hash. */
export const MAX_NAMES = (1 << 26) - 2;

/** Names in the order they were added, each found by name in constant time. @internal */
export class NameList {
  private chars = new Uint8Array(256);
  /** Name k is `chars[starts[k] .. starts[k + 1])`. */
  private starts = new Int32Array(33);
  /** Name k's hash (what {@link scanName} gave), so that growing the table hashes no name again. */
  private hashes = new Int32Array(32);
  private count = 0;
  /**
   * Open addressing: a slot holds 0 when empty, else 1 + the position of a
   * name in its low 26 bits and 6 more bits of the name's hash above them,
   * so a probe compares characters only when those bits match, and reads
   * one array (a table of a million names does not fit in a cache: every
   * probe is a memory access).
   */
  private table = new Int32Array(64);

  /** The number of names. */
  get length(): number {
    return this.count;
  }

  /** The position of `name` in the list, or -1. */
  indexOf(name: string, hash = hashOf(name)): number {
    return this.indexOfRange(name, 0, name.length, hash);
  }

  /** The position of the name `text.slice(from, to)` in the list, or -1 (`hash`: what {@link scanRange} gave). */
  indexOfRange(text: string, from: number, to: number, hash: number): number {
    const s = this.probe(text, from, to, hash);
    const e = this.table[s] ?? 0;
    return e === 0 ? -1 : (e & 0x3ffffff) - 1;
  }

  /**
   * Adds `name` (a valid name: the caller checked), with the hash
   * {@link scanName} gave, unless it is in the list already; returns its new
   * position, or -1 when it was there (or the list is full, {@link MAX_NAMES}).
   */
  add(name: string, hash: number): number {
    return this.addRange(name, 0, name.length, hash);
  }

  /** {@link NameList.add} of the name `text.slice(from, to)`, without making that string. */
  addRange(text: string, from: number, to: number, hash: number): number {
    const k = this.count;
    if (k >= MAX_NAMES) return -1;
    // at most 70% full: a miss probes a few slots on average
    if ((k + 1) * 10 > this.table.length * 7) this.rehash();
    const s = this.probe(text, from, to, hash);
    if ((this.table[s] ?? 0) !== 0) return -1;
    if (k + 2 > this.starts.length) this.starts = grow(this.starts, new Int32Array(this.starts.length * 2));
    if (k + 1 > this.hashes.length) this.hashes = grow(this.hashes, new Int32Array(Math.max(16, this.hashes.length * 2)));
    this.hashes[k] = hash;
    const at = this.starts[k] ?? 0;
    const end = at + to - from;
    if (end > this.chars.length) this.chars = grow(this.chars, new Uint8Array(Math.max(end, this.chars.length * 2)));
    const chars = this.chars;
    for (let j = from, c = at; j < to; j++, c++) chars[c] = text.charCodeAt(j);
    this.starts[k + 1] = end;
    this.count = k + 1;
    this.table[s] = entry(k, hash);
    return k;
  }

  /** The name at position `k`. */
  at(k: number): string {
    const from = this.starts[k] ?? 0;
    const to = this.starts[k + 1] ?? from;
    if (to - from <= 64) return String.fromCharCode(...this.chars.subarray(from, to));
    let s = '';
    for (let j = from; j < to; j += 4096) s += String.fromCharCode(...this.chars.subarray(j, Math.min(to, j + 4096)));
    return s;
  }

  /**
   * Makes room for `names` more names of `chars` characters in all, so
   * that adding them grows nothing (a circuit built in one call knows how
   * many names it has: the table is sized once instead of rehashed ~20
   * times on the way to a million).
   */
  reserve(names: number, chars: number): void {
    const k = this.count;
    const total = k + names;
    if (total + 1 > this.starts.length) this.starts = grow(this.starts, new Int32Array(total + 1));
    if (total > this.hashes.length) this.hashes = grow(this.hashes, new Int32Array(total));
    const used = (this.starts[k] ?? 0) + chars;
    if (used > this.chars.length) this.chars = grow(this.chars, new Uint8Array(used));
    let size = this.table.length;
    while ((total + 1) * 10 > size * 7) size *= 2;
    if (size > this.table.length) this.rehash(size);
  }

  /** Releases spare capacity (a circuit that stops growing keeps only what it uses). */
  trim(): void {
    const used = this.starts[this.count] ?? 0;
    if (this.chars.length > used) this.chars = this.chars.slice(0, used);
    if (this.starts.length > this.count + 1) this.starts = this.starts.slice(0, this.count + 1);
    if (this.hashes.length > this.count) this.hashes = this.hashes.slice(0, this.count);
  }

  /** The slot that holds the name `text.slice(from, to)`, or the empty slot where it would go. */
  private probe(text: string, from: number, to: number, hash: number): number {
    const table = this.table;
    const mask = table.length - 1;
    const tag = (hash >>> 25) << 26;
    for (let s = hash & mask; ; s = (s + STEP) & mask) {
      const e = table[s] ?? 0;
      if (e === 0 || ((e & ~0x3ffffff) === tag && this.equals((e & 0x3ffffff) - 1, text, from, to))) return s;
    }
  }

  private equals(k: number, text: string, from: number, to: number): boolean {
    const at = this.starts[k] ?? 0;
    if ((this.starts[k + 1] ?? 0) - at !== to - from) return false;
    const chars = this.chars;
    for (let j = from, c = at; j < to; j++, c++) if (chars[c] !== text.charCodeAt(j)) return false;
    return true;
  }

  private rehash(size = this.table.length * 2): void {
    const table = new Int32Array(size);
    const mask = table.length - 1;
    const hashes = this.hashes;
    for (let k = 0; k < this.count; k++) {
      const hash = hashes[k] ?? 0;
      let s = hash & mask;
      while ((table[s] ?? 0) !== 0) s = (s + STEP) & mask;
      table[s] = entry(k, hash);
    }
    this.table = table;
  }
}

/** A table slot for the name at position `k` with this hash. */
function entry(k: number, hash: number): number {
  return (k + 1) | ((hash >>> 25) << 26);
}

/** Copies `from` into the larger `to`. @internal */
export function grow<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
