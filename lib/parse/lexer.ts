import { parseError, type ParseError } from './ParseError';

// The tokens of the expression language, read one at a time on demand, so
// that the text after the end of a program's forward pass (the chapter's
// backward code, which may use `===` and `? :`) is never tokenised.

/** The kinds of token. @internal */
export type TokenKind = 'num' | 'name' | 'op' | 'eof';

/** One token: its kind, its text, where it is, and whether a line break precedes it. @internal */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** True when a line break (or a comment containing one) comes between this token and the previous one. */
  readonly newline: boolean;
}

const NAME_START = /[A-Za-z_$]/;
const NAME_REST = /[A-Za-z0-9_$]/y;
const NUMBER = /(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const OPERATORS = ['+=', '+', '-', '*', '/', '(', ')', ',', ';', '=', '.'];

/** Reads tokens from `source` on demand, with a lookahead buffer. @internal */
export class Lexer {
  private pos = 0;
  private readonly buffer: Token[] = [];

  constructor(readonly source: string) {}

  /** The k-th token ahead (0: the next one), or a ParseError for text that is no token. */
  peek(k = 0): Token | ParseError {
    while (this.buffer.length <= k && this.buffer[this.buffer.length - 1]?.kind !== 'eof') {
      const t = this.read();
      if ('_tag' in t) return t;
      this.buffer.push(t);
    }
    return this.buffer[Math.min(k, this.buffer.length - 1)] ?? this.eof(false);
  }

  /** Consumes and returns the next token. */
  next(): Token | ParseError {
    const t = this.peek();
    if (!('_tag' in t) && this.buffer.length > 0 && t.kind !== 'eof') this.buffer.shift();
    return t;
  }

  private eof(newline: boolean): Token {
    return { kind: 'eof', text: '', start: this.source.length, end: this.source.length, newline };
  }

  private read(): Token | ParseError {
    const s = this.source;
    let newline = false;
    // skip white space and comments
    for (;;) {
      const ch = s.charCodeAt(this.pos);
      if (ch === 10) {
        newline = true;
        this.pos++;
      } else if (ch === 32 || ch === 9 || ch === 13 || ch === 11 || ch === 12 || ch === 0xa0 || ch === 0xfeff || ch === 0x2028 || ch === 0x2029) {
        if (ch === 0x2028 || ch === 0x2029) newline = true;
        this.pos++;
      } else if (ch === 47 && s.charCodeAt(this.pos + 1) === 47) {
        const end = s.indexOf('\n', this.pos);
        this.pos = end === -1 ? s.length : end;
      } else if (ch === 47 && s.charCodeAt(this.pos + 1) === 42) {
        const end = s.indexOf('*/', this.pos + 2);
        if (end === -1) return parseError(s, this.pos, this.pos + 2, 'this /* comment is never closed with */');
        if (s.slice(this.pos, end).includes('\n')) newline = true;
        this.pos = end + 2;
      } else break;
    }
    const start = this.pos;
    if (start >= s.length) return this.eof(newline);
    const c = s.charAt(start);
    if (/[0-9.]/.test(c) && (c !== '.' || /[0-9]/.test(s.charAt(start + 1)))) {
      NUMBER.lastIndex = start;
      const m = NUMBER.exec(s);
      const text = m?.[0] ?? c;
      this.pos = start + text.length;
      NAME_REST.lastIndex = this.pos;
      if (NAME_REST.test(s)) {
        IDENT.lastIndex = this.pos;
        const rest = IDENT.exec(s)?.[0] ?? s.charAt(this.pos);
        return parseError(s, start, this.pos + rest.length, `${JSON.stringify(text + rest)} is not a number or a name (names do not start with a digit)`);
      }
      return { kind: 'num', text, start, end: this.pos, newline };
    }
    if (NAME_START.test(c)) {
      IDENT.lastIndex = start;
      const text = IDENT.exec(s)?.[0] ?? c;
      this.pos = start + text.length;
      return { kind: 'name', text, start, end: this.pos, newline };
    }
    const comparison = /^(?:===?|!==?|<=|>=)/.exec(s.slice(start, start + 3))?.[0];
    if (comparison !== undefined) {
      return parseError(s, start, start + comparison.length, `unexpected ${JSON.stringify(comparison)}: comparisons are not part of the language (it has + - * / and the functions max, pow, sig and relu)`);
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: 'op', text: op, start, end: this.pos, newline };
      }
    }
    const cp = s.codePointAt(start) ?? 0;
    const ch = String.fromCodePoint(cp);
    return parseError(s, start, start + ch.length, `unexpected character ${JSON.stringify(ch)} (the expressions use + - * / and the functions max, pow, sig and relu)`);
  }
}
