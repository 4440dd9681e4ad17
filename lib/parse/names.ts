// The names of a program, numbered in order of first appearance, found by
// their text in the source itself: finding a name compares characters of
// the source and allocates nothing (a `Map<string, ...>` would need each name
// sliced out of the source first), and a name's string is made only when it
// is needed (for the circuit, or a message).
//
// A large program is mostly numbered names (`x1`, `w20`, `b333333`), and a
// hash table of a million names is a cache miss per lookup (about 150 ns
// here, more than the rest of the parsing of the name). So a name that ends
// in a number is split into a prefix and that number (`w20` is `w` and 20,
// `x007` is `x00` and 7: every name splits one way only), the prefixes are
// kept in a small hash table, and the numbers of each prefix in blocks of
// BLOCK consecutive ones, allocated in the order they are first needed: the
// lookups of `w0`, `w1`, `w2`, ... read memory in order. Other names go to
// an ordinary hash table. The lexer computes the hashes as it reads a name.

import { HASH_SEED, Lexer, NAME, hashChars } from './lexer';
import { mix } from '../hash';
import * as scratch from '../scratch';

/** How many consecutive numbers of a prefix share a block. */
const BLOCK = 16;
const BLOCK_BITS = 4;

/**
 * Doubles a typed array's length, keeping its contents (the new half is 0):
 * the new array comes from the scratch pool, and the old one goes back to
 * it, so pass only an array nothing else holds (see scratch.ts). @internal
 */
export function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T): T {
  const n = 2 * a.length;
  const more = (a instanceof Int32Array ? scratch.int32(n) : a instanceof Uint8Array ? scratch.uint8(n) : scratch.float64(n)) as T;
  more.set(a);
  scratch.release(a);
  return more;
}

/**
 * An open-addressing hash table of ids by text, each text a range of the
 * program's source or one of a few strings of its own (`extra`).
 */
class TextTable {
  /** Four slots per entry: the hash, the id + 1 (0: empty), and the text's start and end (a start -1 - k is `extra[k]`). */
  private table = new Int32Array(4 * 64);
  private mask = 63;
  private count = 0;
  private readonly extra: string[] = [];

  constructor(private readonly home: string) {}

  /** The id of `source[start, end)`, whose hash is `hash`, or -1. */
  find(source: string, start: number, end: number, hash: number): number {
    const table = this.table;
    const length = end - start;
    for (let i = mix(hash) & this.mask; ; i = (i + 1) & this.mask) {
      const entry = table[4 * i + 1] ?? 0;
      if (entry === 0) return -1;
      if (table[4 * i] === hash) {
        const from = table[4 * i + 2] ?? 0;
        if ((table[4 * i + 3] ?? 0) - (from < 0 ? 0 : from) === length) {
          const text = from < 0 ? (this.extra[-1 - from] ?? '') : this.home;
          const at = from < 0 ? 0 : from;
          let k = 0;
          while (k < length && text.charCodeAt(at + k) === source.charCodeAt(start + k)) k++;
          if (k === length) return entry - 1;
        }
      }
    }
  }

  /** Adds `id`, whose text (not there yet) is `home[start, end)`, with hash `hash`. */
  add(hash: number, id: number, start: number, end: number): void {
    this.count++;
    if (2 * this.count > this.mask) this.grow();
    this.insert(hash, id, start, end);
  }

  /** Adds `id`, whose text (not there yet) is `text`, with hash `hash`. */
  addExtra(hash: number, id: number, text: string): void {
    this.extra.push(text);
    this.add(hash, id, -this.extra.length, text.length);
  }

  private insert(hash: number, id: number, start: number, end: number): void {
    const table = this.table;
    let i = mix(hash) & this.mask;
    while (table[4 * i + 1] !== 0) i = (i + 1) & this.mask;
    table[4 * i] = hash;
    table[4 * i + 1] = id + 1;
    table[4 * i + 2] = start;
    table[4 * i + 3] = end;
  }

  /** Hands the table back to the scratch pool (the table is not used afterwards). */
  release(): void {
    scratch.release(this.table);
  }

  private grow(): void {
    const old = this.table;
    this.table = scratch.int32(2 * old.length);
    this.mask = 2 * this.mask + 1;
    for (let i = 0; i < old.length; i += 4) {
      const entry = old[i + 1] ?? 0;
      if (entry !== 0) this.insert(old[i] ?? 0, entry - 1, old[i + 2] ?? 0, old[i + 3] ?? 0);
    }
    scratch.release(old);
  }
}

/** The names of one program by id, with what the parser keeps about each, found by their text. @internal */
export class Names {
  /** How many names there are (ids are 0 to count - 1). */
  count = 0;
  /** What each name is (the parser's own codes), by id. */
  kind: Uint8Array;
  /** What the parser knows of each name (its own bits), by id. */
  flags: Uint8Array;
  /** Where each name's text starts in the source (it ends where the name does), by id; a start -1 - k is `extra[k]`. */
  private starts: Int32Array;
  /** Where each name's text ends in the source, by id (for a name in the source). */
  private ends: Int32Array;
  private readonly extra: string[] = [];

  /** Names that do not end in a number. */
  private readonly plain: TextTable;
  /** The prefixes of numbered names, by prefix id. */
  private readonly prefixes: TextTable;
  private prefixCount = 0;
  /** Each prefix's last block used: its number (the name's number / BLOCK) and where it is in `slots` (a cache of `blocks`). */
  private readonly lastBlock: number[] = [];
  private readonly lastOffset: number[] = [];
  /** The blocks, three slots per entry: prefix id, block number, offset in `slots` + 1 (0: empty). */
  private blocks: Int32Array;
  private blockMask: number;
  private blockCount = 0;
  /** The numbered names' ids + 1 (0: none), BLOCK per block. */
  private slots: Int32Array;

  // what `locate` found (for `add` after `find` of the same name)
  /** Where the name `locate` last looked at starts in the source (-1: none, or not in the source). */
  private locatedStart = -1;
  /** A numbered name's prefix's id (-1 when it is new), and its number. */
  private prefix = -1;
  private number = 0;

  /** `capacity`: how many names to make room for at first. */
  constructor(
    private readonly source: string,
    capacity: number,
  ) {
    const n = Math.max(128, capacity);
    this.kind = scratch.uint8(n);
    this.flags = scratch.uint8(n);
    this.starts = scratch.int32(n);
    this.ends = scratch.int32(n);
    // room for `capacity` numbered names in full blocks, the block table at most half full
    const blocks = Math.ceil(n / BLOCK);
    this.slots = scratch.int32(BLOCK * blocks);
    let size = 64;
    while (size < 2 * blocks) size *= 2;
    this.blocks = scratch.int32(3 * size);
    this.blockMask = size - 1;
    this.plain = new TextTable(source);
    this.prefixes = new TextTable(source);
  }

  /** Hands the names' arrays back to the scratch pool: the names are not used afterwards. */
  release(): void {
    scratch.release(this.kind, this.flags, this.starts, this.ends, this.slots, this.blocks);
    this.plain.release();
    this.prefixes.release();
  }

  /** The text of name `id`. */
  text(id: number): string {
    const start = this.starts[id] ?? 0;
    return start < 0 ? (this.extra[-1 - start] ?? '') : this.source.slice(start, this.ends[id] ?? start);
  }

  /** The length of name `id`'s text. */
  length(id: number): number {
    const start = this.starts[id] ?? 0;
    return start < 0 ? (this.extra[-1 - start] ?? '').length : (this.ends[id] ?? start) - start;
  }

  /** Where name `id` is in the source: `[start, end)` is its first occurrence (-1, -1 for a word not in the source). */
  startOf(id: number): number {
    return Math.max(-1, this.starts[id] ?? -1);
  }

  /** See {@link Names.startOf}. */
  endOf(id: number): number {
    return (this.starts[id] ?? -1) < 0 ? -1 : (this.ends[id] ?? -1);
  }

  /**
   * The id of the name `source[start, end)` (the program's source), or -1.
   * The other arguments are the lexer's for the name: its hash, and where
   * its prefix ends (-1 if it is not numbered), the prefix's hash and the number.
   */
  find(start: number, end: number, hash: number, prefixEnd: number, prefixHash: number, number: number): number {
    return this.locate(this.source, start, end, hash, prefixEnd, prefixHash, number);
  }

  /** Adds the name `source[start, end)`, not there yet (the arguments as for `find`), and returns its id. */
  add(start: number, end: number, hash: number, prefixEnd: number, prefixHash: number, number: number, kind: number): number {
    const id = this.row(kind, start, end);
    // (`find` has just located it, usually)
    if (this.locatedStart !== start) this.locate(this.source, start, end, hash, prefixEnd, prefixHash, number);
    if (prefixEnd === -1) this.plain.add(hash, id, start, end);
    else {
      if (this.prefix === -1) {
        this.prefix = this.prefixCount++;
        this.prefixes.add(prefixHash, this.prefix, start, prefixEnd);
        this.lastBlock.push(-1);
        this.lastOffset.push(0);
      }
      const offset = this.block(true); // (may grow `slots`)
      this.slots[offset + (this.number & (BLOCK - 1))] = id + 1;
    }
    this.locatedStart = -1;
    return id;
  }

  /** Adds `text` (a reserved word, a function), which is not in the source, and returns its id. */
  addWord(text: string, kind: number): number {
    const hash = hashChars(HASH_SEED, text, 0, text.length);
    this.extra.push(text);
    const id = this.row(kind, -this.extra.length, 0);
    this.plain.addExtra(hash, id, text);
    return id;
  }

  /** The id of the name `source[start, end)` (the program's source), or -1. */
  findIn(start: number, end: number): number {
    return this.findText(this.source.slice(start, end));
  }

  /** The id of `text`, or -1: read as the lexer reads a name (a text that is not one name, as `Math.max`, is looked up whole). */
  findText(text: string): number {
    const lexer = new Lexer(text);
    let id: number;
    if (lexer.kind === NAME && lexer.start === 0 && lexer.end === text.length) {
      id = this.locate(text, 0, text.length, lexer.hash, lexer.prefixEnd, lexer.prefixHash, lexer.number);
    } else {
      id = this.plain.find(text, 0, text.length, hashChars(HASH_SEED, text, 0, text.length));
    }
    this.locatedStart = -1;
    return id;
  }

  /** The id in the block at `offset` (-1: none) for `number`, or -1. */
  private numbered(offset: number): number {
    return offset === -1 ? -1 : (this.slots[offset + (this.number & (BLOCK - 1))] ?? 0) - 1;
  }

  private row(kind: number, start: number, end: number): number {
    const id = this.count;
    if (id === this.kind.length) {
      this.kind = grown(this.kind);
      this.flags = grown(this.flags);
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
    }
    this.kind[id] = kind;
    this.starts[id] = start;
    this.ends[id] = end;
    this.count = id + 1;
    return id;
  }

  /** The id of the name `source[start, end)`, or -1; for a numbered name, sets `prefix` (-1 if it is new) and `number`. */
  private locate(source: string, start: number, end: number, hash: number, prefixEnd: number, prefixHash: number, number: number): number {
    this.locatedStart = start;
    if (prefixEnd === -1) {
      this.prefix = -1;
      return this.plain.find(source, start, end, hash);
    }
    this.number = number;
    this.prefix = this.prefixes.find(source, start, prefixEnd, prefixHash);
    return this.prefix === -1 ? -1 : this.numbered(this.block(false));
  }

  /** Where the block of `number` of `prefix` is in `slots`, or -1 if it has none (it is made when `make`). */
  private block(make: boolean): number {
    const p = this.prefix;
    const b = this.number >>> BLOCK_BITS;
    if (this.lastBlock[p] === b) return this.lastOffset[p] ?? 0;
    const blocks = this.blocks;
    for (let i = mix(Math.imul(p, 0x9e3779b1) ^ b) & this.blockMask; ; i = (i + 1) & this.blockMask) {
      const entry = blocks[3 * i + 2] ?? 0;
      if (entry === 0) break;
      if (blocks[3 * i] === p && blocks[3 * i + 1] === b) {
        this.lastBlock[p] = b;
        this.lastOffset[p] = entry - 1;
        return entry - 1;
      }
    }
    if (!make) return -1;
    const offset = BLOCK * this.blockCount++;
    if (offset + BLOCK > this.slots.length) this.slots = grown(this.slots);
    this.insertBlock(p, b, offset);
    if (2 * this.blockCount > this.blockMask) this.growBlocks();
    this.lastBlock[p] = b;
    this.lastOffset[p] = offset;
    return offset;
  }

  private insertBlock(p: number, b: number, offset: number): void {
    const blocks = this.blocks;
    let i = mix(Math.imul(p, 0x9e3779b1) ^ b) & this.blockMask;
    while (blocks[3 * i + 2] !== 0) i = (i + 1) & this.blockMask;
    blocks[3 * i] = p;
    blocks[3 * i + 1] = b;
    blocks[3 * i + 2] = offset + 1;
  }

  private growBlocks(): void {
    const old = this.blocks;
    this.blocks = scratch.int32(2 * old.length);
    this.blockMask = 2 * this.blockMask + 1;
    for (let i = 0; i < old.length; i += 3) {
      const entry = old[i + 2] ?? 0;
      if (entry !== 0) this.insertBlock(old[i] ?? 0, old[i + 1] ?? 0, entry - 1);
    }
    scratch.release(old);
  }
}
