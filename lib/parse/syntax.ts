import { ASSIGN, BAD, COMMA, DOT, EOF, LPAREN, Lexer, MINUS, NAME, NUM, PLUS, PLUS_ASSIGN, RPAREN, SEMI, isBinaryOperator } from './lexer';
import { Names, grown } from './names';
import * as scratch from '../scratch';
import { parseError, positionOf, type ParseError } from './ParseError';

// Program text -> statements of expressions in postfix order. Expressions are
// parsed by operator precedence with explicit operand and operator stacks (no
// recursion), so nesting depth is limited only by memory: 300,000 nested
// parentheses parse like one pair.
//
// There is no tree of objects: each node of an expression is a row of a few
// typed arrays (its operation, one integer argument, where it starts and
// ends), written in postfix order as the operators are reduced, so a node's
// children are the nodes just before it and lowering it to gates is one loop
// over the rows with a value stack. Names are numbered as they are read
// (see names.ts), and the inputs (names used before being assigned) and the
// misuses of names are found while parsing, in the order the tree walk of
// the lowering used to find them.

/** A number: see {@link Nodes.value}. @internal */
export const N_NUM = 0;
/** A variable: `arg` is its name's id. @internal */
export const N_NAME = 1;
/** Unary minus. @internal */
export const N_NEG = 2;
/** `a - b`. @internal */
export const N_SUB = 3;
/** `a * b`. @internal */
export const N_MUL = 4;
/** `a / b`. @internal */
export const N_DIV = 5;
/** `a + b + ...`, `arg` terms (a chain of `+` is one node; a parenthesised chain stays a term of its own). @internal */
export const N_SUM = 6;
/** `max(...)`, `arg` arguments. @internal */
export const N_MAX = 7;
/** `Math.max(...)`, `arg` arguments. @internal */
export const N_MATH_MAX = 8;
/** `pow(x, k)`: `arg` is its {@link N_SKIP} node; the exponent is the nodes between the two. @internal */
export const N_POW = 9;
/** `Math.pow(x, k)`, as {@link N_POW}. @internal */
export const N_MATH_POW = 10;
/** `sig(x)`. @internal */
export const N_SIG = 11;
/** `sigmoid(x)`. @internal */
export const N_SIGMOID = 12;
/** `relu(x)`. @internal */
export const N_RELU = 13;
/** Before a pow's exponent, which is folded to a number rather than lowered: `arg` is the pow node. @internal */
export const N_SKIP = 14;

/** The functions, by node kind: the name as written, and how many arguments each takes. @internal */
export const FUNCTIONS: readonly { readonly node: number; readonly written: string; readonly min: number; readonly max: number; readonly usage: string }[] = [
  { node: N_MAX, written: 'max', min: 2, max: Infinity, usage: 'max(a, b, ...)' },
  { node: N_MATH_MAX, written: 'Math.max', min: 2, max: Infinity, usage: 'Math.max(a, b, ...)' },
  { node: N_POW, written: 'pow', min: 2, max: 2, usage: 'pow(x, k) with a constant k' },
  { node: N_MATH_POW, written: 'Math.pow', min: 2, max: 2, usage: 'Math.pow(x, k) with a constant k' },
  { node: N_SIG, written: 'sig', min: 1, max: 1, usage: 'sig(x)' },
  { node: N_SIGMOID, written: 'sigmoid', min: 1, max: 1, usage: 'sigmoid(x)' },
  { node: N_RELU, written: 'relu', min: 1, max: 1, usage: 'relu(x)' },
];
const FUNCTION_LIST = 'max, Math.max, pow, Math.pow, sig, sigmoid, relu';

/** The function of a call node, or `undefined`. @internal */
export const functionOf = (node: number): (typeof FUNCTIONS)[number] | undefined => (node >= N_MAX && node <= N_RELU ? FUNCTIONS[node - N_MAX] : undefined);

/** The names a program may not use for a variable. @internal */
export const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity Math')
    .split(' '),
);

const DECLARATIONS = new Set(['var', 'let', 'const']);

// what a name is (names.kind)
const VARIABLE = 0;
const RESERVED_WORD = 1;
const DECLARATION = 2;
/** kinds from FUNCTION on: FUNCTION + the function's index in FUNCTIONS */
const FUNCTION = 3;

// what is known of a variable so far (names.flags)
/** Read in an expression, or assigned: `d` + this name starts the backward pass. */
const KNOWN = 1;
/** Used before being assigned: an input. */
const INPUT = 2;
const ASSIGNED = 4;

/** The nodes of every expression of a program, in postfix order, one row of typed arrays each. @internal */
export class Nodes {
  /** The number of nodes. */
  length = 0;
  op: Uint8Array;
  arg: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** The values of the number nodes. */
  numbers = new Float64Array(16);
  numberCount = 0;
  /** How many nodes are names, and how many divisions (counted by {@link Nodes.push}, for sizing the lowering's arrays). */
  names = 0;
  divisions = 0;

  constructor(capacity: number) {
    this.op = scratch.uint8(capacity);
    this.arg = scratch.int32(capacity);
    this.start = scratch.int32(capacity);
    this.end = scratch.int32(capacity);
  }

  /** Hands the rows back to the scratch pool: the nodes are not used afterwards. */
  release(): void {
    scratch.release(this.op, this.arg, this.start, this.end, this.numbers);
  }

  push(op: number, arg: number, start: number, end: number): number {
    const i = this.length;
    if (i === this.op.length) this.grow();
    this.op[i] = op;
    this.arg[i] = arg;
    this.start[i] = start;
    this.end[i] = end;
    this.length = i + 1;
    if (op === N_NAME) this.names++;
    else if (op === N_DIV) this.divisions++;
    return i;
  }

  /** The value of number node `i`. */
  value(i: number): number {
    const a = this.arg[i] ?? 0;
    return a < 0 ? -1 - a : (this.numbers[a] ?? NaN);
  }

  /**
   * A number node. A whole number from 0 to 2^30 - 1 (the common constants:
   * `0` in every `max(x, 0)` of a program) is kept in the node itself, as
   * `-1 - value` in `arg`; another indexes {@link Nodes.numbers}.
   */
  number(value: number, start: number, end: number): number {
    if (value >= 0 && value < 0x40000000 && Math.floor(value) === value && !Object.is(value, -0)) return this.push(N_NUM, -1 - value, start, end);
    const k = this.numberCount;
    if (k === this.numbers.length) this.numbers = grown(this.numbers);
    this.numbers[k] = value;
    this.numberCount = k + 1;
    return this.push(N_NUM, k, start, end);
  }

  private grow(): void {
    this.op = grown(this.op);
    this.arg = grown(this.arg);
    this.start = grown(this.start);
    this.end = grown(this.end);
  }
}

/** A growable list of 32-bit integers. @internal */
export class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = scratch.int32(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.data = grown(this.data);
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i] ?? 0;
  }
}

// A statement, `var name = expr` (also `let`, `const`, or no keyword) or a
// bare expression, is STATEMENT integers of Program.statements:
/** The assigned variable's name id, or -1 for a bare expression. @internal */
export const S_TARGET = 0;
/** Where the assigned name starts and ends. @internal */
export const S_TARGET_START = 1;
/** @internal */
export const S_TARGET_END = 2;
/** The expression's first node; its nodes are this one to the root. @internal */
export const S_FROM = 3;
/** The expression's root, its last node. @internal */
export const S_ROOT = 4;
/** How many integers a statement is. @internal */
export const STATEMENT = 5;

/** A parsed program. @internal */
export interface Program {
  readonly nodes: Nodes;
  /** The statements, STATEMENT integers each (see S_TARGET). */
  readonly statements: IntList;
  /** The names, by id. */
  readonly names: Names;
  /** The inputs' name ids, in order of first use. */
  readonly inputs: IntList;
  /** For each input (as ordered in `inputs`), the node of its first use. */
  readonly firstUses: IntList;
  /** Whether `name` is an input or an assigned variable of the program. */
  readonly isUsed: (name: string) => boolean;
  /**
   * The first mistake in the use of names (an expression not used, a
   * variable assigned twice or after being used as an input), in statement
   * order: it is reported only if the program parses.
   */
  readonly misuse: ParseError | undefined;
  /** Where the program's backward pass starts if it has one (that text is not parsed). */
  readonly backward: { readonly start: number; readonly end: number } | undefined;
  /**
   * The parser's operand stack, free once the program is parsed: at least as
   * long as the most operands an expression had at once, which is as deep as
   * a value stack evaluating its nodes gets (the lowering's).
   */
  readonly scratch: Int32Array;
}

type Result<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: ParseError };
const fail = (error: ParseError): { readonly ok: false; readonly error: ParseError } => ({ ok: false, error });

// the operator stack's entries: OP_STRIDE integers each
const OP_STRIDE = 8;
/** kind: one of the O_* below */
const O_KIND = 0;
/** the operator's (or the bracket's) token */
const O_TOK_START = 1;
const O_TOK_END = 2;
/** a pending sum: how many terms so far; a call: where its name starts */
const O_COUNT = 3;
/** a call: how many arguments so far */
const O_ARGC = 4;
/** a call: the operand stack's height when it opened */
const O_BASE = 5;
/** a call: its function's index in FUNCTIONS */
const O_FN = 6;
/** a pow call: its N_SKIP node once its exponent has started, else -1 */
const O_SKIP = 7;

/** `a + b + ...`: the terms so far are on the operand stack. */
const O_SUM = 0;
const O_SUB = 1;
const O_MUL = 2;
const O_DIV = 3;
const O_NEG = 4;
const O_PLUS = 5;
const O_PAREN = 6;
const O_CALL = 7;

const BINARY_OP = [O_SUM, O_SUB, O_MUL, O_DIV];
const BINARY_NODE = [N_SUM, N_SUB, N_MUL, N_DIV];
/** 1 for + and -, 2 for * and / (an O_* binary kind, or a token kind minus PLUS) */
const prec = (binary: number): number => (binary < O_MUL ? 1 : 2);

/**
 * Parses a program into statements. A statement that assigns the gradient of
 * a known variable (`var da = b * dx;`, `dc = 1.0 * dx;`, `da += ...`) starts
 * the program's backward pass: parsing stops there.
 * @internal
 */
export function parseProgram(source: string): Result<Program> {
  const parser = new Parser(source);
  const result = parser.program();
  parser.releaseOperators();
  KEPT.parser = new Parser('');
  return result;
}

/**
 * Hands a parsed program's arrays back to the scratch pool (see scratch.ts),
 * but its `scratch`, which the lowering takes over: the program is not used
 * afterwards. @internal
 */
export function releaseProgram(program: Program): void {
  program.nodes.release();
  program.names.release();
  scratch.release(program.statements.data, program.inputs.data, program.firstUses.data);
}

/**
 * An empty parser kept alive between parses, so that V8 keeps its optimised
 * code. A class's object shapes ("maps") live only as long as some object
 * has them; when a full garbage collection finds no parser (its lexer, name
 * table, node rows) alive, the shapes go, and with them every optimised
 * function that was specialised on them: the next parse starts over in the
 * interpreter and re-optimises on the way (measured with valgrind, `npm run
 * bench:parse -- --instructions`: keeping this parser makes a million-gate
 * parse and compile 6% to 7.5% fewer instructions).
 * A parser made after a parse has the shapes that parse ended with.
 */
const KEPT: { parser?: Parser } = {};

class Parser {
  private readonly lexer: Lexer;
  private readonly nodes: Nodes;
  /** The names: reserved words and functions are there from the start. */
  private readonly names: Names;
  private readonly inputs: IntList;
  private readonly firstUses: IntList;
  private readonly statements: IntList;
  private misuse: ParseError | undefined;

  /** The operand stack: the root node of each operand. */
  private operands = new Int32Array(64);
  private operandCount = 0;
  /** The operator stack, OP_STRIDE integers an entry. */
  private ops = new Int32Array(64 * OP_STRIDE);
  /** The top entry's offset in `ops`, -OP_STRIDE when empty. */
  private top = -OP_STRIDE;
  /** How many pow calls are open in their exponent: names there are not inputs (the exponent is folded, not lowered). */
  private inExponent = 0;

  constructor(private readonly source: string) {
    this.lexer = new Lexer(source);
    // room for typical programs (a node per 4 characters, a name per 8, ...), so that the arrays rarely grow:
    // growing copies an array into one twice as long, which touches memory the machine must hand out fresh
    // (slow: see docs/performance.md), while room that is never used is never touched
    this.nodes = new Nodes(64 + (source.length >> 2));
    this.names = new Names(source, source.length >> 3);
    this.inputs = new IntList(source.length >> 3);
    this.firstUses = new IntList(source.length >> 3);
    this.statements = new IntList(source.length >> 3);
    for (const w of RESERVED) this.names.addWord(w, DECLARATIONS.has(w) ? DECLARATION : RESERVED_WORD);
    FUNCTIONS.forEach((f, i) => this.names.addWord(f.written, FUNCTION + i));
  }

  /** Hands the operator stack back to the scratch pool (the operand stack is the program's `scratch`). */
  releaseOperators(): void {
    scratch.release(this.ops);
  }

  private isDeclaration(start: number, end: number): boolean {
    const s = this.source;
    const c = s.charCodeAt(start);
    if (end - start === 3) return (c === 118 || c === 108) && (s.startsWith('var', start) || s.startsWith('let', start));
    return end - start === 5 && c === 99 && s.startsWith('const', start);
  }

  /** The text of the next token, as the messages quote it. */
  private quoted(): string {
    return JSON.stringify(this.lexer.text());
  }

  program(): Result<Program> {
    const source = this.source;
    const lexer = this.lexer;
    const statements = this.statements;
    /** The previous statement's root if it was a bare expression, else -1. */
    let bare = -1;
    let backward: Program['backward'];
    for (;;) {
      const first = lexer.kind;
      if (first === BAD) return fail(lexer.error());
      if (first === EOF) break;
      if (first === SEMI) {
        lexer.next();
        continue;
      }
      // `var name =`, `name =`, or an expression (the tokens are read in order, as a lookahead of two would)
      const firstStart = lexer.start;
      const firstEnd = lexer.end;
      const declared = first === NAME && this.isDeclaration(firstStart, firstEnd);
      if (declared) lexer.next();
      else if (first === NAME) lexer.mark();
      else {
        // (the token after it is read too, and a mistake there is reported first)
        lexer.mark();
        lexer.next();
        if (lexer.kind === BAD) return fail(lexer.error());
        lexer.reset();
      }
      let target = -1;
      let targetStart = 0;
      let targetEnd = 0;
      const nameTok = lexer.kind;
      if (nameTok === BAD) return fail(lexer.error());
      if (nameTok === NAME) {
        targetStart = lexer.start;
        targetEnd = lexer.end;
        const hash = lexer.hash;
        const prefixEnd = lexer.prefixEnd;
        const prefixHash = lexer.prefixHash;
        const number = lexer.number;
        lexer.next();
        const opTok = lexer.kind;
        if (opTok === BAD) return fail(lexer.error());
        if (opTok === ASSIGN || opTok === PLUS_ASSIGN) {
          const gradient = targetEnd - targetStart > 1 && source.charCodeAt(targetStart) === 100 && this.isKnown(targetStart + 1, targetEnd);
          if (opTok === PLUS_ASSIGN || gradient) {
            if (!gradient) {
              const name = source.slice(targetStart, targetEnd);
              return fail(parseError(source, lexer.start, lexer.end, `+= is not supported: assign each variable once (var y = ${name} + ...)`));
            }
            backward = { start: firstStart, end: targetEnd };
            break;
          }
          target = this.names.find(targetStart, targetEnd, hash, prefixEnd, prefixHash, number);
          if (target === -1) target = this.names.add(targetStart, targetEnd, hash, prefixEnd, prefixHash, number, VARIABLE);
          const kind = this.names.kind[target] ?? VARIABLE;
          if (kind === RESERVED_WORD || kind === DECLARATION) {
            return fail(parseError(source, targetStart, targetEnd, `${this.names.text(target)} is a reserved word; choose another name`));
          }
          if (kind >= FUNCTION) return fail(parseError(source, targetStart, targetEnd, `${this.names.text(target)} is a function; choose another name`));
          lexer.next();
        } else if (declared) {
          const got = opTok === EOF ? 'the end' : this.quoted();
          return fail(parseError(source, lexer.start, lexer.end, `expected "=" after ${source.slice(firstStart, firstEnd)} ${source.slice(targetStart, targetEnd)}, got ${got}`));
        } else {
          // an expression that starts with a name: read it again
          lexer.reset();
        }
      } else if (declared) {
        const what = nameTok === EOF ? 'the end' : this.quoted();
        const error = parseError(source, lexer.start, lexer.end, `expected a variable name after ${source.slice(firstStart, firstEnd)}, got ${what}`);
        // (the token after it is read too, and a mistake there is reported first)
        lexer.next();
        return fail(lexer.kind === BAD ? lexer.error() : error);
      }
      // a statement follows: the previous one, a bare expression, is not used
      if (bare !== -1 && this.misuse === undefined) {
        this.misuse = parseError(source, this.nodes.start[bare] ?? 0, this.nodes.end[bare] ?? 0, 'this expression is not used: assign it (var name = ...) or make it the last statement');
      }
      const from = this.nodes.length;
      const error = this.expression();
      if (error !== undefined) return fail(error);
      const root = this.operands[0] ?? -1;
      if (target !== -1) this.assign(target, targetStart, targetEnd);
      bare = target === -1 ? root : -1;
      statements.push(target);
      statements.push(targetStart);
      statements.push(targetEnd);
      statements.push(from);
      statements.push(root);
      const end = lexer.kind;
      if (end === BAD) return fail(lexer.error());
      if (end === SEMI) lexer.next();
    }
    const names = this.names;
    const isUsed = (name: string): boolean => {
      const id = names.findText(name);
      return id !== -1 && ((names.flags[id] ?? 0) & (INPUT | ASSIGNED)) !== 0;
    };
    return {
      ok: true,
      value: { nodes: this.nodes, statements, names, inputs: this.inputs, firstUses: this.firstUses, isUsed, misuse: this.misuse, backward, scratch: this.operands },
    };
  }

  /** Whether the name source[start, end) has been read or assigned. */
  private isKnown(start: number, end: number): boolean {
    const id = this.names.findIn(start, end);
    return id !== -1 && ((this.names.flags[id] ?? 0) & KNOWN) !== 0;
  }

  /** The end of a statement that assigns `id`: a second assignment, or one of an input, is a misuse. */
  private assign(id: number, start: number, end: number): void {
    const names = this.names;
    const flags = names.flags[id] ?? 0;
    names.flags[id] = flags | KNOWN | ASSIGNED;
    if (this.misuse !== undefined) return;
    if ((flags & (ASSIGNED | INPUT)) === 0) return;
    const name = names.text(id);
    if ((flags & ASSIGNED) !== 0) {
      // the first assignment (there has been no misuse: it was the only one)
      let before = 0;
      for (let s = 0; s < this.statements.length; s += STATEMENT) {
        if (this.statements.at(s + S_TARGET) === id) {
          before = this.statements.at(s + S_TARGET_START);
          break;
        }
      }
      this.misuse = parseError(this.source, start, end, `${name} is already assigned (${this.where(before)}); assign each variable once`);
    } else {
      // the use that made it an input
      let k = 0;
      while (k < this.inputs.length && this.inputs.at(k) !== id) k++;
      const used = this.nodes.start[this.firstUses.at(k)] ?? 0;
      this.misuse = parseError(this.source, start, end, `${name} is used before it is assigned (${this.where(used)}), so it is an input; choose another name`);
    }
  }

  private where(offset: number): string {
    const p = positionOf(this.source, offset);
    return `line ${String(p.line)}, column ${String(p.column)}`;
  }

  // ---- the operand and operator stacks --------------------------------------

  private pushOperand(node: number): void {
    if (this.operandCount === this.operands.length) this.operands = grown(this.operands);
    this.operands[this.operandCount++] = node;
  }

  private pushOp(kind: number, tokStart: number, tokEnd: number): number {
    const t = this.top + OP_STRIDE;
    if (t === this.ops.length) this.ops = grown(this.ops);
    const ops = this.ops;
    ops[t + O_KIND] = kind;
    ops[t + O_TOK_START] = tokStart;
    ops[t + O_TOK_END] = tokEnd;
    ops[t + O_COUNT] = 0;
    this.top = t;
    return t;
  }

  private opAt(t: number, field: number): number {
    return this.ops[t + field] ?? 0;
  }

  /** The kind of the top operator, or -1. */
  private topKind(): number {
    return this.top < 0 ? -1 : this.opAt(this.top, O_KIND);
  }

  /** Pops the top operator and writes its node. */
  private reduce(): ParseError | undefined {
    const t = this.top;
    const kind = this.opAt(t, O_KIND);
    const nodes = this.nodes;
    const operands = this.operands;
    if (kind === O_NEG || kind === O_PLUS) {
      const arg = operands[this.operandCount - 1] ?? -1;
      if (this.operandCount === 0) return parseError(this.source, this.opAt(t, O_TOK_START), this.opAt(t, O_TOK_END), 'internal: missing operand');
      this.top -= OP_STRIDE;
      // unary plus is its operand, spanning the +
      if (kind === O_PLUS) nodes.start[arg] = this.opAt(t, O_TOK_START);
      else operands[this.operandCount - 1] = nodes.push(N_NEG, 0, this.opAt(t, O_TOK_START), nodes.end[arg] ?? 0);
      return undefined;
    }
    if (kind === O_PAREN || kind === O_CALL) {
      const call = kind === O_CALL ? FUNCTIONS[this.opAt(t, O_FN)] : undefined;
      return parseError(this.source, this.opAt(t, O_TOK_START), this.opAt(t, O_TOK_END), `this ${call === undefined ? '(' : `${call.written}(`} is never closed with ")"`);
    }
    const n = kind === O_SUM ? this.opAt(t, O_COUNT) : 2;
    if (this.operandCount < n) return parseError(this.source, this.opAt(t, O_TOK_START), this.opAt(t, O_TOK_END), 'internal: missing operand');
    this.top -= OP_STRIDE;
    const first = operands[this.operandCount - n] ?? 0;
    const last = operands[this.operandCount - 1] ?? 0;
    this.operandCount -= n - 1;
    operands[this.operandCount - 1] = nodes.push(BINARY_NODE[kind] ?? N_SUM, n, nodes.start[first] ?? 0, nodes.end[last] ?? 0);
    return undefined;
  }

  // ---- one expression ---------------------------------------------------

  /**
   * Parses one expression, stopping before `;`, the end, or a line break where
   * the expression is complete and no bracket is open (as JavaScript inserts a
   * semicolon). Its nodes are appended to `nodes`, its root last.
   */
  private expression(): ParseError | undefined {
    const source = this.source;
    const lexer = this.lexer;
    const nodes = this.nodes;
    this.operandCount = 0;
    this.top = -OP_STRIDE;
    let expectOperand = true;
    // the previous token
    let previous = -1;
    let previousStart = 0;
    let previousEnd = 0;
    let depth = 0;

    for (;;) {
      const tok = lexer.kind;
      if (tok === BAD) return lexer.error();
      const tokStart = lexer.start;
      const tokEnd = lexer.end;
      if (expectOperand) {
        if (tok === NAME) {
          const called = this.nameOrCall(tokStart);
          if (called !== false && called !== true) return called;
          if (called) {
            // a call opened: its "(" is the previous token
            depth++;
            previous = LPAREN;
            previousStart = this.opAt(this.top, O_TOK_START);
            previousEnd = this.opAt(this.top, O_TOK_END);
            continue;
          }
          expectOperand = false;
        } else if (tok === NUM) {
          const integer = lexer.integer;
          lexer.next();
          const value = integer >= 0 ? integer : Number(source.slice(tokStart, tokEnd));
          if (!Number.isFinite(value)) return parseError(source, tokStart, tokEnd, `the number ${source.slice(tokStart, tokEnd)} is too large for a double`);
          this.pushOperand(nodes.number(value, tokStart, tokEnd));
          expectOperand = false;
        } else if (tok === LPAREN) {
          lexer.next();
          this.pushOp(O_PAREN, tokStart, tokEnd);
          depth++;
        } else if (tok === MINUS || tok === PLUS) {
          lexer.next();
          this.pushOp(tok === MINUS ? O_NEG : O_PLUS, tokStart, tokEnd);
        } else if (tok === RPAREN && this.topKind() === O_CALL && previous === LPAREN) {
          // a call with no arguments: close it, and let the arity check speak
          const error = this.closeCall(tokEnd);
          if (error !== undefined) return error;
          depth--;
          lexer.next();
          expectOperand = false;
        } else {
          const got = tok === EOF ? 'the end' : tok === SEMI ? '";"' : this.quoted();
          const reason =
            previous === -1
              ? `expected an expression, got ${got}`
              : `expected a number, a name or "(" after ${JSON.stringify(source.slice(previousStart, previousEnd))}, got ${got}`;
          return parseError(source, tokStart, tokEnd, reason);
        }
        previous = tok;
        previousStart = tokStart;
        previousEnd = tokEnd;
        continue;
      }

      // an operand is complete: an operator, a closing bracket, a comma, or the end
      if (tok === EOF || tok === SEMI || (depth === 0 && !isBinaryOperator(tok) && lexer.newline)) {
        if (depth > 0) {
          // the innermost open bracket
          let t = this.top;
          while (t >= 0 && this.opAt(t, O_KIND) !== O_PAREN && this.opAt(t, O_KIND) !== O_CALL) t -= OP_STRIDE;
          const call = this.opAt(t, O_KIND) === O_CALL ? FUNCTIONS[this.opAt(t, O_FN)] : undefined;
          const start = call !== undefined ? this.opAt(t, O_COUNT) : this.opAt(t, O_TOK_START);
          const text = call !== undefined ? `${call.written}(` : '(';
          return parseError(source, start, start + text.length, `this ${text} is never closed with ")"`);
        }
        while (this.top >= 0) {
          const e = this.reduce();
          if (e !== undefined) return e;
        }
        if (this.operandCount !== 1) return parseError(source, tokStart, tokEnd, 'internal: unbalanced expression');
        return undefined;
      }
      if (isBinaryOperator(tok)) {
        const op = BINARY_OP[tok - PLUS] ?? O_SUM;
        const p = prec(op);
        for (let k = this.topKind(); k === O_NEG || k === O_PLUS || (k >= 0 && k <= O_DIV && prec(k) >= p); k = this.topKind()) {
          // a chain of +: one more term
          if (k === O_SUM && op === O_SUM) break;
          const e = this.reduce();
          if (e !== undefined) return e;
        }
        lexer.next();
        if (op === O_SUM && this.topKind() === O_SUM) this.ops[this.top + O_COUNT] = this.opAt(this.top, O_COUNT) + 1;
        else {
          const t = this.pushOp(op, tokStart, tokEnd);
          if (op === O_SUM) this.ops[t + O_COUNT] = 2;
        }
        expectOperand = true;
        previous = tok;
        previousStart = tokStart;
        previousEnd = tokEnd;
        continue;
      }
      if (tok === RPAREN || tok === COMMA) {
        // pop operators down to the innermost open bracket (not included)
        for (let k = this.topKind(); k !== -1 && k !== O_PAREN && k !== O_CALL; k = this.topKind()) {
          const e = this.reduce();
          if (e !== undefined) return e;
        }
        const k = this.topKind();
        if (k === -1) {
          return parseError(source, tokStart, tokEnd, tok === RPAREN ? 'this ")" has no matching "("' : 'unexpected ",": commas separate the arguments of a function call');
        }
        lexer.next();
        previous = tok;
        previousStart = tokStart;
        previousEnd = tokEnd;
        if (k === O_PAREN) {
          if (tok === COMMA) return parseError(source, tokStart, tokEnd, 'unexpected ",": commas separate the arguments of a function call');
          const parenStart = this.opAt(this.top, O_TOK_START);
          this.top -= OP_STRIDE;
          depth--;
          // the parenthesised expression spans its brackets
          const inner = this.operands[this.operandCount - 1] ?? -1;
          if (this.operandCount > 0) {
            nodes.start[inner] = parenStart;
            nodes.end[inner] = tokEnd;
          }
          continue;
        }
        // a call
        const t = this.top;
        const argc = this.opAt(t, O_ARGC) + 1;
        this.ops[t + O_ARGC] = argc;
        if (tok === COMMA) {
          const fn = FUNCTIONS[this.opAt(t, O_FN)];
          if (argc === 1 && (fn?.node === N_POW || fn?.node === N_MATH_POW)) {
            // pow's exponent is folded, not lowered: skip over it
            this.ops[t + O_SKIP] = nodes.push(N_SKIP, -1, tokStart, tokEnd);
            this.inExponent++;
          }
          expectOperand = true;
          continue;
        }
        const error = this.closeCall(tokEnd);
        if (error !== undefined) return error;
        depth--;
        continue;
      }
      const got = this.quoted();
      if (tok === ASSIGN || tok === PLUS_ASSIGN) {
        return parseError(source, tokStart, tokEnd, `unexpected ${got}: only a variable can be assigned, as in var x = a * b`);
      }
      return parseError(source, tokStart, tokEnd, `expected an operator (+ - * /) or the end of the statement, got ${got}`);
    }
  }

  /**
   * A name where an operand is expected: a variable (pushed on the operand
   * stack; false), or a function name and its "(" (a call pushed on the
   * operator stack; true). `Math.max` is one name.
   */
  private nameOrCall(start: number): ParseError | boolean {
    const source = this.source;
    const lexer = this.lexer;
    const names = this.names;
    let end = lexer.end;
    const hash = lexer.hash;
    const prefixEnd = lexer.prefixEnd;
    const prefixHash = lexer.prefixHash;
    const number = lexer.number;
    let id = names.find(start, end, hash, prefixEnd, prefixHash, number);
    let kind = id === -1 ? VARIABLE : (names.kind[id] ?? VARIABLE);
    /** `Math.max`, as written */
    let dottedName: string | undefined;
    if (kind === DECLARATION) {
      return parseError(source, start, end, `unexpected ${source.slice(start, end)}: a declaration starts a new statement (end the previous one with ";" or a new line)`);
    }
    lexer.next();
    let after = lexer.kind;
    if (after === BAD) return lexer.error();
    if (after === DOT) {
      lexer.next();
      const member = lexer.kind;
      if (member === BAD) return lexer.error();
      if (member !== NAME) {
        return parseError(source, lexer.start, lexer.end, `expected a function name after ${source.slice(start, end)}., got ${member === EOF ? 'the end' : this.quoted()}`);
      }
      dottedName = `${source.slice(start, end)}.${lexer.text()}`;
      end = lexer.end;
      lexer.next();
      id = names.findText(dottedName);
      kind = id === -1 ? VARIABLE : (names.kind[id] ?? VARIABLE);
      after = lexer.kind;
      if (after === BAD) return lexer.error();
    }
    const fn = kind >= FUNCTION ? FUNCTIONS[kind - FUNCTION] : undefined;
    if (after === LPAREN) {
      if (fn === undefined) return parseError(source, start, end, `unknown function ${dottedName ?? source.slice(start, end)} (the functions are ${FUNCTION_LIST})`);
      const t = this.pushOp(O_CALL, lexer.start, lexer.end);
      lexer.next();
      const ops = this.ops;
      ops[t + O_COUNT] = start;
      ops[t + O_ARGC] = 0;
      ops[t + O_BASE] = this.operandCount;
      ops[t + O_FN] = kind - FUNCTION;
      ops[t + O_SKIP] = -1;
      return true;
    }
    if (fn !== undefined) return parseError(source, start, end, `${dottedName ?? source.slice(start, end)} is a function: call it, as in ${fn.usage}`);
    if (dottedName !== undefined) return parseError(source, start, end, `unknown name ${dottedName} (the functions are ${FUNCTION_LIST})`);
    if (kind === RESERVED_WORD) {
      const name = source.slice(start, end);
      const why = name === 'NaN' || name === 'Infinity' ? 'is not a finite number' : 'is a reserved word, not a variable';
      return parseError(source, start, end, `${name} ${why}`);
    }
    if (id === -1) id = names.add(start, end, hash, prefixEnd, prefixHash, number, VARIABLE);
    const flags = names.flags[id] ?? 0;
    const node = this.nodes.push(N_NAME, id, start, end);
    if (this.inExponent === 0 && (flags & (INPUT | ASSIGNED)) === 0) {
      // used before any assignment: an input
      names.flags[id] = flags | KNOWN | INPUT;
      this.inputs.push(id);
      this.firstUses.push(node);
    } else names.flags[id] = flags | KNOWN;
    this.pushOperand(node);
    return false;
  }

  /** Replaces the top call's arguments on the operand stack by the call, checking how many it takes. */
  private closeCall(closeEnd: number): ParseError | undefined {
    const t = this.top;
    const fn = FUNCTIONS[this.opAt(t, O_FN)];
    const callStart = this.opAt(t, O_COUNT);
    const n = this.opAt(t, O_ARGC);
    if (fn === undefined) return parseError(this.source, callStart, this.opAt(t, O_TOK_END), 'internal: unknown function');
    if (n < fn.min || n > fn.max) {
      const want = fn.min === fn.max ? `${String(fn.min)} argument${fn.min === 1 ? '' : 's'}` : `at least ${String(fn.min)} arguments`;
      return parseError(this.source, callStart, closeEnd, `${fn.written} takes ${want}, got ${String(n)}: ${fn.usage}`);
    }
    const skip = this.opAt(t, O_SKIP);
    const node = this.nodes.push(fn.node, skip === -1 ? n : skip, callStart, closeEnd);
    if (skip !== -1) {
      this.nodes.arg[skip] = node;
      this.inExponent--;
    }
    this.top -= OP_STRIDE;
    this.operandCount = this.opAt(t, O_BASE);
    this.pushOperand(node);
    return undefined;
  }
}
