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

/** The hash of the empty name; `hashStep` adds a character (FNV-1a). @internal */
export const HASH_SEED = 0x811c9dc5 | 0;

/** The hash of a name followed by the character `c`. @internal */
export const hashStep = (h: number, c: number): number => Math.imul(h ^ c, 16777619);

/** The hash `h` followed by the characters `text[from, to)`. @internal */
export function hashChars(h: number, text: string, from: number, to: number): number {
  for (let j = from; j < to; j++) h = hashStep(h, text.charCodeAt(j));
  return h;
}

/** The longest number a name is split into a prefix and (so that it fits an int; see `names.ts`). */
const MAX_DIGITS = 9;

/** The kind of a token: one of the constants above. @internal */
export type TokenKind = number;

/** Whether a kind is one of the binary operators `+ - * /`. @internal */
export const isBinaryOperator = (kind: TokenKind): boolean => kind >= PLUS && kind <= SLASH;


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

// what each ASCII character is (one table read instead of a chain of comparisons)
/** `[A-Za-z_$]` */
const LETTER = 1;
/** `[0-9]` */
const DIGIT = 2;
/** A token of its own: `* ( ) , ; - /` (a comment was skipped before). */
const OPERATOR = 4;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) CLASS[c] = LETTER;
  else if (/[0-9]/.test(ch)) CLASS[c] = DIGIT;
  else if ((SINGLE[c] ?? -1) >= 0 && ch !== '.') CLASS[c] = OPERATOR;
}
/** The class of character `c` (0 for any other, and for NaN past the end). */
const classOf = (c: number): number => (c < 128 ? (CLASS[c] ?? 0) : 0);

/** `[A-Za-z_$]` */
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
/** `[A-Za-z0-9_$]` */
const isNamePart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Reads tokens from `source` on demand. The next token is in the lexer's
 * own fields (`kind`, `start`, ...), read when the previous one is consumed
 * (a statement's start looks no further: it consumes `var name =` in order,
 * and goes back to the name with `mark` and `reset` when it starts an
 * expression instead). @internal
 */
export class Lexer {
  /** The next token's kind: `EOF` past the end, `BAD` for text that is no token (see {@link Lexer.error}). */
  kind: TokenKind = EOF;
  /** Where the next token starts and ends. */
  start = 0;
  end = 0;
  /** Whether a line break (or a comment containing one) comes before the next token. */
  newline = false;
  /**
   * For a name that ends in a number (of at most MAX_DIGITS digits): where
   * the prefix before the number ends (the number's leading zeros are the
   * prefix's, a lone 0 is the number: `x007` is `x00` and 7), the prefix's
   * hash and the number, and `hash` 0; for another name, its hash and
   * `prefixEnd` -1 (see `names.ts`).
   */
  hash = 0;
  prefixEnd = -1;
  /** For a number: its value if it is digits alone (at most 15), else -1. */
  integer = -1;
  prefixHash = 0;
  number = 0;

  /** Where the reading of the next token began (before the white space and comments before it). */
  private from = 0;
  /** Where the reading of the token `mark` remembered began. */
  private marked = 0;

  /** Where reading goes on: after the last token read. */
  private pos = 0;
  /** Why the `BAD` token is no token (the lexer reads nothing after it). */
  private bad: ParseError | undefined;

  constructor(readonly source: string) {
    this.read();
  }

  /** Consumes the next token (the end and a `BAD` token stay). */
  next(): void {
    if (this.kind !== EOF && this.kind !== BAD) this.read();
  }

  /** Remembers the next token, to come back to it with `reset`. */
  mark(): void {
    this.marked = this.from;
  }

  /** Makes the token `mark` remembered the next one again: it is read again. */
  reset(): void {
    this.pos = this.marked;
    this.read();
  }

  /** The next token's text (`''` at the end). */
  text(): string {
    return this.source.slice(this.start, this.end);
  }

  /** Why the text at the `BAD` token is no token. */
  error(): ParseError {
    return this.bad ?? parseError(this.source, this.pos, this.pos, 'internal: no lexing error');
  }

  private token(kind: TokenKind, start: number, end: number, newline: boolean): void {
    this.kind = kind;
    this.start = start;
    this.end = end;
    this.newline = newline;
    this.pos = end;
  }

  private fail(error: ParseError): void {
    this.bad = error;
    this.kind = BAD;
    this.start = this.pos;
    this.end = this.pos;
    this.newline = false;
  }

  /** Reads the token at `pos` into the fields. */
  private read(): void {
    const s = this.source;
    const n = s.length;
    let pos = this.pos;
    this.from = pos;
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
          this.fail(parseError(s, pos, pos + 2, 'this /* comment is never closed with */'));
          return;
        }
        for (let i = pos + 2; i < end && !newline; i++) if (s.charCodeAt(i) === 10) newline = true;
        pos = end + 2;
      } else break;
    }
    this.pos = pos;
    const start = pos;
    if (c === -1) {
      this.token(EOF, n, n, newline);
      return;
    }
    const kind = classOf(c);
    if (kind === OPERATOR) {
      this.token(SINGLE[c] ?? BAD, start, start + 1, newline);
      return;
    }
    if (kind === LETTER) {
      // The hash runs through the last letter and the leading zeros after it, not the digits after those:
      // a numbered name is found by its prefix's hash and its number (digits are hashed when a letter or
      // too many digits follow them, which makes the name plain).
      let h = hashStep(HASH_SEED, c);
      /** the hash before the last leading zero */
      let previous = h;
      /** after the last character that is not a digit, and after the leading zeros of the digits since then */
      let digitsStart = pos + 1;
      let zerosEnd = digitsStart;
      let number = 0;
      for (pos++; pos < n; pos++) {
        const d = s.charCodeAt(pos);
        const dClass = classOf(d);
        if (dClass === LETTER) {
          h = hashStep(hashChars(h, s, zerosEnd, pos), d);
          digitsStart = zerosEnd = pos + 1;
          number = 0;
        } else if (dClass !== DIGIT) break;
        else if (d === 48 && zerosEnd === pos) {
          previous = h;
          h = hashStep(h, d);
          zerosEnd = pos + 1;
        } else number = 10 * number + d - 48;
      }
      const digits = pos - digitsStart;
      if (digits === 0 || digits > MAX_DIGITS) {
        this.hash = hashChars(h, s, zerosEnd, pos);
        this.prefixEnd = -1;
      } else if (zerosEnd === pos) {
        // all zeros: the last is the number
        this.hash = 0;
        this.prefixEnd = pos - 1;
        this.prefixHash = previous;
        this.number = 0;
      } else {
        this.hash = 0;
        this.prefixEnd = zerosEnd;
        this.prefixHash = h;
        this.number = number;
      }
      this.token(NAME, start, pos, newline);
      return;
    }
    if (kind === DIGIT || (c === 46 && isDigit(s.charCodeAt(pos + 1)))) {
      // (?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
      let integer = 0;
      for (let d = c; isDigit(d); d = s.charCodeAt(++pos)) integer = 10 * integer + d - 48;
      // digits alone, few enough to be exact: the value, else Number() of the text
      this.integer = pos - start <= 15 ? integer : -1;
      if (s.charCodeAt(pos) === 46) {
        this.integer = -1;
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
          this.integer = -1;
        }
      }
      if (pos < n && isNamePart(s.charCodeAt(pos))) {
        // a number glued to a name, as in 2a
        let end = pos + 1;
        if (isNameStart(s.charCodeAt(pos))) while (end < n && isNamePart(s.charCodeAt(end))) end++;
        this.fail(parseError(s, start, end, `${JSON.stringify(s.slice(start, end))} is not a number or a name (names do not start with a digit)`));
        return;
      }
      this.token(NUM, start, pos, newline);
      return;
    }
    const next = s.charCodeAt(pos + 1);
    // comparisons: === == !== != <= >=
    if ((c === 61 || c === 33 || c === 60 || c === 62) && next === 61) {
      const length = (c === 61 || c === 33) && s.charCodeAt(pos + 2) === 61 ? 3 : 2;
      const comparison = s.slice(start, start + length);
      this.fail(parseError(s, start, start + length, `unexpected ${JSON.stringify(comparison)}: comparisons are not part of the language (it has + - * / and the functions max, pow, sig and relu)`));
      return;
    }
    if (c === 43) {
      if (next === 61) this.token(PLUS_ASSIGN, start, start + 2, newline);
      else this.token(PLUS, start, start + 1, newline);
      return;
    }
    if (c === 61) {
      this.token(ASSIGN, start, start + 1, newline);
      return;
    }
    const single = c < 128 ? (SINGLE[c] ?? -1) : -1;
    if (single >= 0) {
      this.token(single, start, start + 1, newline);
      return;
    }
    const cp = s.codePointAt(start) ?? 0;
    const ch = String.fromCodePoint(cp);
    this.fail(parseError(s, start, start + ch.length, `unexpected character ${JSON.stringify(ch)} (the expressions use + - * / and the functions max, pow, sig and relu)`));
  }
}
