import { HASH_SEED, hashStep } from './names';
import { parseError, type ParseError } from './ParseError';

// The tokens of the expression language, read one at a time on demand, so
// that the text after the end of a program's forward pass (the chapter's
// backward code, which may use `===` and `? :`) is never tokenised.
//
// Tokens are not objects: the lexer keeps a small ring of lookahead tokens
// in typed arrays (kind, start, end, line break before it) and the parser
// reads them by position, so a million-token program allocates nothing per
// token. A token's text is `source.slice(start, end)`, taken only when needed.

/** A number literal. @internal */
export const NUM = 0;
/** A name. @internal */
export const NAME = 1;
/** The end of the text. @internal */
export const EOF = 2;
/** Text that is no token; {@link Lexer.error} says why. @internal */
export const BAD = 3;
/** `+` @internal */
export const PLUS = 4;
/** `-` @internal */
export const MINUS = 5;
/** `*` @internal */
export const STAR = 6;
/** `/` @internal */
export const SLASH = 7;
/** `(` @internal */
export const LPAREN = 8;
/** `)` @internal */
export const RPAREN = 9;
/** `,` @internal */
export const COMMA = 10;
/** `;` @internal */
export const SEMI = 11;
/** `=` @internal */
export const ASSIGN = 12;
/** `+=` @internal */
export const PLUS_ASSIGN = 13;
/** `.` @internal */
export const DOT = 14;

/** The kind of a token: one of the constants above. @internal */
export type TokenKind = number;

/** Whether a kind is one of the binary operators `+ - * /`. @internal */
export const isBinaryOperator = (kind: TokenKind): boolean => kind >= PLUS && kind <= SLASH;

/** The lookahead ring's size (a power of two, more than the parser ever peeks). */
const RING = 4;
const MASK = RING - 1;

// the kind of token each ASCII character starts (-1: none; 0: see `read`)
const SINGLE = new Int8Array(128).fill(-1);
SINGLE[42] = STAR; // *
SINGLE[40] = LPAREN;
SINGLE[41] = RPAREN;
SINGLE[44] = COMMA;
SINGLE[59] = SEMI;
SINGLE[46] = DOT;
SINGLE[45] = MINUS;
SINGLE[47] = SLASH;

/** `[A-Za-z_$]` */
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
/** `[A-Za-z0-9_$]` */
const isNamePart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Reads tokens from `source` on demand, with a lookahead ring. @internal */
export class Lexer {
  private pos = 0;
  private readonly kinds = new Int32Array(RING);
  private readonly starts = new Int32Array(RING);
  private readonly ends = new Int32Array(RING);
  private readonly newlines = new Uint8Array(RING);
  private readonly hashes = new Int32Array(RING);
  private readonly runStarts = new Int32Array(RING);
  private readonly runHashes = new Int32Array(RING);
  /** The ring slot of the next token. */
  private head = 0;
  /** How many tokens are buffered, from `head`. */
  private count = 0;
  /** Why the buffered `BAD` token is no token (the lexer reads nothing after it). */
  private bad: ParseError | undefined;

  constructor(readonly source: string) {}

  /**
   * The kind of the k-th token ahead (0: the next one). Past the end it is
   * `EOF`; a token at or after a `BAD` one is `BAD` (see {@link Lexer.error}).
   */
  peek(k = 0): TokenKind {
    while (this.count <= k) {
      if (this.count > 0) {
        const last = this.kinds[(this.head + this.count - 1) & MASK] ?? EOF;
        if (last === EOF || last === BAD) return last;
      }
      this.read((this.head + this.count) & MASK);
      this.count++;
    }
    // (a BAD token is always the last one buffered)
    return this.kinds[(this.head + k) & MASK] ?? EOF;
  }

  /** Where the k-th token ahead starts (call `peek(k)` first). */
  start(k = 0): number {
    return this.starts[(this.head + k) & MASK] ?? 0;
  }

  /** Where the k-th token ahead ends (call `peek(k)` first). */
  end(k = 0): number {
    return this.ends[(this.head + k) & MASK] ?? 0;
  }

  /** Whether a line break (or a comment containing one) comes before the k-th token ahead (call `peek(k)` first). */
  newline(k = 0): boolean {
    return this.newlines[(this.head + k) & MASK] === 1;
  }

  /** The hash of the k-th token ahead if it is a name (see `names.ts`; call `peek(k)` first). */
  hash(k = 0): number {
    return this.hashes[(this.head + k) & MASK] ?? 0;
  }

  /** Where the final run of digits of the k-th token ahead starts if it is a name (its end if none; call `peek(k)` first). */
  runStart(k = 0): number {
    return this.runStarts[(this.head + k) & MASK] ?? 0;
  }

  /** The hash of the k-th token ahead up to `runStart(k)` if it is a name (call `peek(k)` first). */
  runHash(k = 0): number {
    return this.runHashes[(this.head + k) & MASK] ?? 0;
  }

  /** The text of the k-th token ahead (call `peek(k)` first); `''` at the end. */
  text(k = 0): string {
    return this.source.slice(this.start(k), this.end(k));
  }

  /** Why the text at the first `BAD` token ahead is no token. */
  error(): ParseError {
    return this.bad ?? parseError(this.source, this.pos, this.pos, 'internal: no lexing error');
  }

  /** Consumes the next token (call `peek()` first; the end and a `BAD` token stay). */
  next(): void {
    const kind = this.kinds[this.head];
    if (this.count > 0 && kind !== EOF && kind !== BAD) {
      this.head = (this.head + 1) & MASK;
      this.count--;
    }
  }

  private token(slot: number, kind: TokenKind, start: number, end: number, newline: boolean): void {
    this.kinds[slot] = kind;
    this.starts[slot] = start;
    this.ends[slot] = end;
    this.newlines[slot] = newline ? 1 : 0;
    this.pos = end;
  }

  private fail(slot: number, error: ParseError): void {
    this.bad = error;
    this.kinds[slot] = BAD;
    this.starts[slot] = this.pos;
    this.ends[slot] = this.pos;
    this.newlines[slot] = 0;
  }

  private read(slot: number): void {
    const s = this.source;
    const n = s.length;
    let pos = this.pos;
    let newline = false;
    let c: number;
    // skip white space and comments
    for (;;) {
      c = pos < n ? s.charCodeAt(pos) : -1;
      if (c === 32) pos++;
      else if (c === 10) {
        newline = true;
        pos++;
      } else if (c === 9 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) pos++;
      else if (c === 0x2028 || c === 0x2029) {
        newline = true;
        pos++;
      } else if (c === 47 && s.charCodeAt(pos + 1) === 47) {
        const end = s.indexOf('\n', pos);
        pos = end === -1 ? n : end;
      } else if (c === 47 && s.charCodeAt(pos + 1) === 42) {
        const end = s.indexOf('*/', pos + 2);
        if (end === -1) {
          this.pos = pos;
          this.fail(slot, parseError(s, pos, pos + 2, 'this /* comment is never closed with */'));
          return;
        }
        for (let i = pos + 2; i < end && !newline; i++) if (s.charCodeAt(i) === 10) newline = true;
        pos = end + 2;
      } else break;
    }
    this.pos = pos;
    const start = pos;
    if (c === -1) {
      this.token(slot, EOF, n, n, newline);
      return;
    }
    if (isNameStart(c)) {
      let h = hashStep(HASH_SEED, c);
      let runStart = pos + 1;
      let runHash = h;
      for (pos++; pos < n; pos++) {
        const d = s.charCodeAt(pos);
        if (!isNamePart(d)) break;
        h = hashStep(h, d);
        if (!isDigit(d)) {
          runStart = pos + 1;
          runHash = h;
        }
      }
      this.hashes[slot] = h;
      this.runStarts[slot] = runStart;
      this.runHashes[slot] = runHash;
      this.token(slot, NAME, start, pos, newline);
      return;
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(pos + 1)))) {
      // (?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
      while (isDigit(s.charCodeAt(pos))) pos++;
      if (s.charCodeAt(pos) === 46) {
        pos++;
        while (isDigit(s.charCodeAt(pos))) pos++;
      }
      const e = s.charCodeAt(pos);
      if (e === 101 || e === 69) {
        let p = pos + 1;
        const sign = s.charCodeAt(p);
        if (sign === 43 || sign === 45) p++;
        if (isDigit(s.charCodeAt(p))) {
          while (isDigit(s.charCodeAt(p))) p++;
          pos = p;
        }
      }
      if (pos < n && isNamePart(s.charCodeAt(pos))) {
        // a number glued to a name, as in 2a
        let end = pos + 1;
        if (isNameStart(s.charCodeAt(pos))) while (end < n && isNamePart(s.charCodeAt(end))) end++;
        this.fail(slot, parseError(s, start, end, `${JSON.stringify(s.slice(start, end))} is not a number or a name (names do not start with a digit)`));
        return;
      }
      this.token(slot, NUM, start, pos, newline);
      return;
    }
    const next = s.charCodeAt(pos + 1);
    // comparisons: === == !== != <= >=
    if ((c === 61 || c === 33 || c === 60 || c === 62) && next === 61) {
      const length = (c === 61 || c === 33) && s.charCodeAt(pos + 2) === 61 ? 3 : 2;
      const comparison = s.slice(start, start + length);
      this.fail(slot, parseError(s, start, start + length, `unexpected ${JSON.stringify(comparison)}: comparisons are not part of the language (it has + - * / and the functions max, pow, sig and relu)`));
      return;
    }
    if (c === 43) {
      if (next === 61) this.token(slot, PLUS_ASSIGN, start, start + 2, newline);
      else this.token(slot, PLUS, start, start + 1, newline);
      return;
    }
    if (c === 61) {
      this.token(slot, ASSIGN, start, start + 1, newline);
      return;
    }
    const single = c < 128 ? (SINGLE[c] ?? -1) : -1;
    if (single >= 0) {
      this.token(slot, single, start, start + 1, newline);
      return;
    }
    const cp = s.codePointAt(start) ?? 0;
    const ch = String.fromCodePoint(cp);
    this.fail(slot, parseError(s, start, start + ch.length, `unexpected character ${JSON.stringify(ch)} (the expressions use + - * / and the functions max, pow, sig and relu)`));
  }
}
