import * as E from 'fp-ts/Either';
// Only names that lib/index.ts exports, imported from their modules so that
// importing the parser does not load the whole library (the CLI starts fast).
import { Circuit, type CircuitSpec, type Wire } from '../Circuit';
import type { Gate } from '../Gate';
import { AddGate } from '../gates/AddGate';
import { ConstantGate } from '../gates/ConstantGate';
import { MaxGate } from '../gates/MaxGate';
import { MultiplyGate } from '../gates/MultiplyGate';
import { NegateGate } from '../gates/NegateGate';
import { PowGate } from '../gates/PowGate';
import { ReciprocalGate } from '../gates/ReciprocalGate';
import { ReluGate } from '../gates/ReluGate';
import { SigmoidGate } from '../gates/SigmoidGate';
import { SubtractGate } from '../gates/SubtractGate';
import * as scratch from '../scratch';
import { Names, grown } from './names';
import { parseError, positionOf, type ParseError, type SourcePosition } from './ParseError';
import {
  N_DIV, N_MATH_MAX, N_MATH_POW, N_MAX, N_MUL, N_NAME, N_NEG, N_NUM, N_POW, N_RELU, N_SIG, N_SIGMOID, N_SKIP, N_SUB, N_SUM,
  STATEMENT, S_FROM, S_ROOT, S_TARGET, S_TARGET_END, S_TARGET_START, functionOf, parseProgram, releaseProgram, type Program,
} from './syntax';

/**
 * The result of {@link parseCircuit}: the circuit, its output wire (always
 * the circuit's last wire, so `forward(...).output` is the program's value),
 * and, when the program went on to write its own backward pass (the
 * chapter's `var da = b * dx;`), where that starts: it is not parsed, since
 * the library computes the backward pass itself.
 *
 * @example
 * ```ts
 * const parsed = orThrowParse(parseCircuit('var x = a * b;\nvar da = b * dx;'));
 * parsed.circuit.inputNames; // ['a', 'b']
 * parsed.output.name;        // 'x'
 * parsed.backward;           // { line: 2, column: 1 }
 * ```
 */
export interface ParsedCircuit {
  /** The circuit: inputs first, in order of first use, then one gate per operation. */
  readonly circuit: Circuit;
  /** The output wire: the last assigned variable (or the final bare expression). */
  readonly output: Wire;
  /** Where the program's own backward pass starts (it was skipped), or `undefined`. */
  readonly backward: SourcePosition | undefined;
}

/**
 * Parses an expression (`a * b + c`) or a chapter-style program
 * (`var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2;`) into a
 * {@link Circuit} of the library's gates, or a {@link ParseError} with the
 * line, column and the offending text marked.
 *
 * The language: numbers (`1`, `1.0`, `.5`, `1e-3`), names, `+ - * /`, unary
 * minus, parentheses, `max(...)`/`Math.max(...)` (two or more arguments),
 * `pow(x, k)`/`Math.pow(x, k)` with a constant `k`, `sig(x)`/`sigmoid(x)`,
 * `relu(x)`; statements `var`/`let`/`const name = expr` (or `name = expr`)
 * separated by `;` or line breaks, and `//` and block comments. Names that are
 * used before being assigned are the inputs.
 *
 * How it maps to gates:
 * - `a + b + c` is one {@link AddGate} (a chain of `+` is flattened; a
 *   parenthesised chain stays a term of its own);
 * - `a - b` is a {@link SubtractGate}, `-a` a {@link NegateGate}, `-3` the constant `-3`;
 * - `a / b` is `a * (1.0 / b)`: a {@link ReciprocalGate} and a multiply, the
 *   chapter's own decomposition; `1 / b` is the reciprocal alone;
 * - `max(a, 0)` (and `max(0, a)`) is a {@link ReluGate}, as the chapter
 *   writes ReLU, so its gradient at 0 is ReLU's, not a max tie's;
 * - a number used as an operand is a {@link ConstantGate};
 * - `var y = x` (a variable or a number alone) is a one-input add gate
 *   named `y`, so every assigned name is a wire of its own;
 * - the last assigned variable is the output; a final bare expression is
 *   the output too, named `x` (or `out` if `x` is taken).
 *
 * A statement that assigns the gradient of a known variable (`var da = ...`
 * where `a` is known, `dc = ...`, `da += ...`) starts the program's own
 * backward pass: the rest of the text is not read, and
 * {@link ParsedCircuit.backward} says where it started.
 *
 * Parsing uses no recursion and takes time linear in the text: a program of
 * a million gates (333,334 statements, or one expression nested 333,334
 * deep) or 300,000 nested parentheses are fine.
 *
 * @example
 * ```ts
 * import * as E from 'fp-ts/Either';
 * const parsed = parseCircuit('var q = a * x + b * y + c;\nvar f = sig(q);');
 * if (E.isRight(parsed)) {
 *   const { circuit } = parsed.right;
 *   const fwd = orThrow(circuit.forward({ a: 1, b: 2, c: -3, x: -1, y: 3 }));
 *   fwd.output; // 0.8807970779778823
 * }
 * const bad = parseCircuit('a * )');
 * if (E.isLeft(bad)) console.log(bad.left.message);
 * // line 1, column 5: expected a number, a name or "(" after "*", got ")"
 * //   a * )
 * //       ^
 * ```
 */
export function parseCircuit(source: string): E.Either<ParseError, ParsedCircuit> {
  if (typeof source !== 'string') return E.left(parseError('', 0, 0, `the program must be a string, got ${typeof source}`));
  const parsed = parseProgram(source);
  if (!parsed.ok) return E.left(parsed.error);
  const program = parsed.value;
  const { statements, backward } = program;
  const backwardAt = backward === undefined ? undefined : positionOf(source, backward.start);
  if (statements.length === 0) {
    if (backward !== undefined) return E.left(parseError(source, backward.start, backward.end, 'the program has no forward pass before this backward pass'));
    return E.left(parseError(source, source.length, source.length, 'the expression is empty: nothing to compute'));
  }
  const result = build(source, program, backwardAt);
  // the parser's arrays back to the scratch pool, for the compile that usually follows (see scratch.ts)
  releaseProgram(program);
  // (see KEPT in syntax.ts: an empty layout keeps the layout's optimised code through a collection)
  KEPT.layout = new Layout(0, 0, new Names('', 0), '', '');
  return result;
}

/** An empty layout kept alive between parses, for V8's sake (see KEPT in syntax.ts). */
const KEPT: { layout?: Layout } = {};

// The library's gates, one of each (a circuit made by the parser has these
// gates, and one constant or pow gate per distinct number), made once.
const GATES: readonly Gate[] = [new MultiplyGate(), new AddGate(), new SubtractGate(), new NegateGate(), new SigmoidGate(), new ReluGate(), new MaxGate(), new ReciprocalGate()];
/** Their ids in the layout's gates. */
const G_MUL = 0;
const G_ADD = 1;
const G_SUB = 2;
const G_NEG = 3;
const G_SIG = 4;
const G_RELU = 5;
const G_MAX = 6;
const G_REC = 7;

/**
 * The circuit being lowered, as the flat arrays of {@link CircuitSpec}: a
 * wire per entry, made in order (no {@link Wire} objects: a million of them
 * cost more than the gates). Handed to {@link Circuit.fromLayout} at the end.
 */
class Layout {
  size = 0;
  gate: Int32Array;
  argStart: Int32Array;
  args: Int32Array;
  nArgs = 0;
  /** For each wire: where its name is in the source (`start === end` for none; see {@link Layout.wire}). */
  nameStart: Int32Array;
  nameEnd: Int32Array;
  /** Whether a wire has the output's made-up name, which comes after the source (`${source}\n${auto}`). */
  autoUsed = false;
  readonly gates: Gate[] = [...GATES];
  /** Constant and pow gates by number (`Object.is` keys: -0 is not 0). */
  private readonly numbered = new Map<number | string, number>();

  constructor(
    wires: number,
    args: number,
    private readonly names: Program['names'],
    private readonly source: string,
    private readonly auto: string,
  ) {
    this.gate = scratch.int32(Math.max(16, wires));
    this.nameStart = scratch.int32(Math.max(16, wires));
    this.nameEnd = scratch.int32(Math.max(16, wires));
    this.argStart = scratch.int32(Math.max(16, wires) + 1);
    this.args = scratch.int32(Math.max(16, args));
  }

  /** The inputs' wires of the last {@link Layout.spec}. */
  private inputWires: Int32Array | undefined;

  /** Hands the layout's arrays back to the scratch pool: the circuit has copied what it keeps. */
  release(): void {
    scratch.release(this.gate, this.nameStart, this.nameEnd, this.argStart, this.args, this.inputWires);
  }

  /** Whether wire `w` has the name `name` (as for {@link Layout.wire}). */
  hasName(w: number, name: number): boolean {
    return this.nameStart[w] === this.startOf(name) && this.nameEnd[w] === this.endOf(name);
  }

  /** Where the name `name` (as for {@link Layout.wire}) is in the names' text: the made-up one after the source and a line break, none an empty range. */
  private startOf(name: number): number {
    return name >= 0 ? this.names.startOf(name) : name === -2 ? this.source.length + 1 : 0;
  }

  /** See {@link Layout.startOf}. */
  private endOf(name: number): number {
    return name >= 0 ? this.names.endOf(name) : name === -2 ? this.source.length + 1 + this.auto.length : 0;
  }

  input(name: number): number {
    return this.wire(-1, name);
  }

  /** A gate wire reading `a` (and `b`, unless -1). */
  gate2(gate: number, a: number, b: number, name: number): number {
    if (this.nArgs + 2 > this.args.length) this.args = grown(this.args);
    this.args[this.nArgs++] = a;
    if (b >= 0) this.args[this.nArgs++] = b;
    return this.wire(gate, name);
  }

  /** A gate wire reading `terms[from .. to - 1]`. */
  gateN(gate: number, terms: Int32Array, from: number, to: number, name: number): number {
    while (this.nArgs + to - from > this.args.length) this.args = grown(this.args);
    const args = this.args;
    let a = this.nArgs;
    for (let k = from; k < to; k++) args[a++] = terms[k] ?? 0;
    this.nArgs = a;
    return this.wire(gate, name);
  }

  constant(value: number, name = -1): number {
    return this.wire(this.numberedGate(value, 'c'), name);
  }

  pow(a: number, k: number, name: number): number {
    return this.gate2(this.numberedGate(k, 'p'), a, -1, name);
  }

  private numberedGate(value: number, kind: 'c' | 'p'): number {
    const key = Object.is(value, -0) ? `${kind}-0` : kind === 'c' ? value : `p${String(value)}`;
    let id = this.numbered.get(key);
    if (id === undefined) {
      id = this.gates.length;
      this.gates.push(kind === 'c' ? new ConstantGate(value) : new PowGate(value));
      this.numbered.set(key, id);
    }
    return id;
  }

  /**
   * A new wire of gate `gate` (-1: an input) named `name`: a name id (its
   * first occurrence in the source), -2 for the output's made-up name (after
   * the source and a line break), or -1 for none.
   */
  private wire(gate: number, name: number): number {
    const i = this.size;
    if (i + 2 > this.gate.length) {
      this.gate = grown(this.gate);
      this.argStart = grown(this.argStart);
      this.nameStart = grown(this.nameStart);
      this.nameEnd = grown(this.nameEnd);
    }
    this.gate[i] = gate;
    this.argStart[i + 1] = this.nArgs;
    this.nameStart[i] = this.startOf(name);
    this.nameEnd[i] = this.endOf(name);
    if (name === -2) this.autoUsed = true;
    this.size = i + 1;
    return i;
  }

  /** The layout: the wires' names are ranges of the source (the made-up name after it), so no string is made per name. */
  spec(inputs: number): CircuitSpec {
    const size = this.size;
    const wires = scratch.int32(inputs);
    for (let k = 0; k < inputs; k++) wires[k] = k;
    this.inputWires = wires;
    return {
      size,
      inputs: wires,
      gate: this.gate.subarray(0, size),
      argStart: this.argStart.subarray(0, size + 1),
      args: this.args.subarray(0, this.nArgs),
      gates: this.gates,
      names: { text: this.autoUsed ? `${this.source}\n${this.auto}` : this.source, start: this.nameStart.subarray(0, size), end: this.nameEnd.subarray(0, size) },
    };
  }
}

function build(source: string, program: Program, backward: SourcePosition | undefined): E.Either<ParseError, ParsedCircuit> {
  // 1. Names used wrongly (found while parsing, reported only if the whole program parses).
  if (program.misuse !== undefined) return E.left(program.misuse);
  const { nodes, statements, names, inputs, firstUses } = program;
  const { op, arg, start, end } = nodes;
  const count = statements.length / STATEMENT;
  // every node makes at most one wire but a name (none: it reads one) and a division (a reciprocal and a
  // multiply), a statement one more (`var y = x`), and each wire is read at most once where it is made,
  // but a division's reciprocal
  const { divisions, names: uses } = nodes;
  const autoName = ['x', 'out', 'result'].find((n) => !program.isUsed(n));
  const out = new Layout(inputs.length + nodes.length - uses + divisions + count, nodes.length + divisions + count, names, source, autoName ?? '');
  /** Each name's wire index + 1 (0: none yet), by id: an input, or an assigned variable once its statement is lowered. */
  const wires = scratch.int32(names.count);
  /** The wire each statement assigned or computed, for locating a mistake the circuit finds. */
  const results = scratch.int32(count);
  /**
   * The value stack, values[0 .. sp - 1] (the parser's operand stack, free
   * now, and as deep as it gets): a wire index, or a number that is not a
   * wire yet (`-a` and `max(a, 0)` look at it) as `-1 - (2 * node + negated)`,
   * its number node and whether it is negated.
   */
  let stack = program.scratch;
  try {
    // 2. The inputs, then each statement's gates in order.
    for (let k = 0; k < inputs.length; k++) {
      const id = inputs.at(k);
      wires[id] = out.input(id) + 1;
    }
    /** The number of value `k` (which is not a wire). */
    const numberAt = (k: number): number => {
      const code = -1 - (stack[k] ?? 0);
      const x = nodes.value(code >> 1);
      return (code & 1) === 0 ? x : -x;
    };
    /** The wire of value `k`, made now if it is a number. */
    const wire = (k: number): number => {
      const w = stack[k] ?? -1;
      return w >= 0 ? w : out.constant(numberAt(k));
    };
    for (let s = 0; s < count; s++) {
      const target = statements.at(STATEMENT * s + S_TARGET);
      const root = statements.at(STATEMENT * s + S_ROOT);
      /** The name's id, -2 for the made-up name of a final bare expression, -1 for none. */
      const name = target !== -1 ? target : s === count - 1 && autoName !== undefined ? -2 : -1;
      let sp = 0;
      // lower the nodes in order (postfix: a node's operands are on the value stack)
      for (let i = statements.at(STATEMENT * s + S_FROM); i <= root; i++) {
        const gateName = i === root ? name : -1;
        const kind = op[i] ?? N_NUM;
        if (sp + 2 > stack.length) stack = grown(stack);
        switch (kind) {
          case N_NUM:
            stack[sp++] = -1 - 2 * i;
            break;
          case N_NAME:
            stack[sp++] = (wires[arg[i] ?? 0] ?? 0) - 1;
            break;
          case N_NEG:
            if ((stack[sp - 1] ?? -1) < 0) stack[sp - 1] = -1 - ((-1 - (stack[sp - 1] ?? 0)) ^ 1);
            else stack[sp - 1] = out.gate2(G_NEG, stack[sp - 1] ?? 0, -1, gateName);
            break;
          case N_SUB:
          case N_MUL: {
            const x = wire(sp - 2);
            stack[sp - 2] = out.gate2(kind === N_SUB ? G_SUB : G_MUL, x, wire(sp - 1), gateName);
            sp--;
            break;
          }
          case N_DIV: {
            // a / b = a * (1.0 / b), the chapter's decomposition; 1 / b is the reciprocal alone
            if ((stack[sp - 2] ?? 0) < 0 && numberAt(sp - 2) === 1) stack[sp - 2] = out.gate2(G_REC, wire(sp - 1), -1, gateName);
            else {
              const a = wire(sp - 2);
              stack[sp - 2] = out.gate2(G_MUL, a, out.gate2(G_REC, wire(sp - 1), -1, -1), gateName);
            }
            sp--;
            break;
          }
          case N_SUM:
          case N_MAX:
          case N_MATH_MAX: {
            const n = arg[i] ?? 0;
            if (kind !== N_SUM && n === 2) {
              // max(a, 0) is the chapter's ReLU
              const xZero = (stack[sp - 2] ?? 0) < 0 && numberAt(sp - 2) === 0;
              const yZero = (stack[sp - 1] ?? 0) < 0 && numberAt(sp - 1) === 0;
              const bothNumbers = (stack[sp - 2] ?? 0) < 0 && (stack[sp - 1] ?? 0) < 0;
              if (xZero !== yZero && !bothNumbers) {
                stack[sp - 2] = out.gate2(G_RELU, wire(xZero ? sp - 1 : sp - 2), -1, gateName);
                sp--;
                break;
              }
            }
            for (let k = sp - n; k < sp; k++) stack[k] = wire(k);
            sp -= n;
            stack[sp] = out.gateN(kind === N_SUM ? G_ADD : G_MAX, stack, sp, sp + n, gateName);
            sp++;
            break;
          }
          case N_SIG:
          case N_SIGMOID:
          case N_RELU:
            stack[sp - 1] = out.gate2(kind === N_RELU ? G_RELU : G_SIG, wire(sp - 1), -1, gateName);
            break;
          case N_POW:
          case N_MATH_POW: {
            const skip = arg[i] ?? 0;
            if (skip >= i) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
            const k = fold(exponentOf(program, skip + 1, i));
            if (typeof k !== 'number') return E.left(parseError(source, k.start, k.end, k.reason));
            stack[sp - 1] = out.pow(wire(sp - 1), k, gateName);
            break;
          }
          case N_SKIP:
            // over the exponent, to its pow (folded there)
            i = (arg[i] ?? 0) - 1;
            break;
          default:
            return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: unknown node'));
        }
      }
      if (sp !== 1) return E.left(parseError(source, start[root] ?? 0, end[root] ?? 0, 'internal: no value'));
      let w = stack[0] ?? 0;
      if (w < 0) w = out.constant(numberAt(0), name);
      else if (target !== -1 || w !== out.size - 1) {
        // `var y = x` (or a bare `x` that is not the last wire): a wire of its own.
        // (A root that made a gate gave it `name`, so only a name needs looking at.)
        const madeGate = op[root] !== N_NAME;
        if (name === -1 || (!madeGate && !out.hasName(w, name))) w = out.gate2(G_ADD, w, -1, name);
      }
      results[s] = w;
      if (target !== -1) wires[target] = w + 1;
    }

    // 3. The circuit, checked by the core (a name it keeps for itself, `_3`, is the one mistake left).
    const made = Circuit.fromLayout(out.spec(inputs.length));
    if (E.isLeft(made)) {
      const { wire: at = -1, message } = made.left;
      const reason = message.slice(`wire ${String(at)}: `.length);
      if (at >= 0 && at < inputs.length) {
        const from = start[firstUses.at(at)] ?? 0;
        return E.left(parseError(source, from, from + names.length(inputs.at(at)), reason));
      }
      const s = results.indexOf(at);
      if (s < 0) return E.left(parseError(source, 0, 0, message));
      const target = statements.at(STATEMENT * s + S_TARGET);
      const root = statements.at(STATEMENT * s + S_ROOT);
      const from = target !== -1 ? statements.at(STATEMENT * s + S_TARGET_START) : (start[root] ?? 0);
      const to = target !== -1 ? statements.at(STATEMENT * s + S_TARGET_END) : (end[root] ?? 0);
      return E.left(parseError(source, from, to, reason));
    }
    const circuit = made.right;
    const output = circuit.output;
    if (output === undefined) return E.left(parseError(source, 0, 0, 'the expression is empty: nothing to compute'));
    return E.right({ circuit, output, backward });
  } finally {
    // the lowering's arrays back to the scratch pool (the circuit copied what it keeps)
    out.release();
    scratch.release(wires, results, stack);
  }
}

/** A constant expression's tree (pow's exponent), rebuilt from its nodes to be folded. */
type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly kind: 'name'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'call'; readonly written: string; readonly start: number; readonly end: number }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly start: number; readonly end: number }
  | { readonly kind: 'bin'; readonly op: '-' | '*' | '/'; readonly left: Expr; readonly right: Expr; readonly start: number; readonly end: number }
  | { readonly kind: 'sum'; readonly terms: readonly Expr[]; readonly start: number; readonly end: number };

/** The tree of the expression whose postfix nodes are `from` to `to - 1` (skips are left out), without recursion. */
function exponentOf(program: Program, from: number, to: number): Expr {
  const { op, arg, start, end } = program.nodes;
  const stack: Expr[] = [];
  const pop = (n: number): Expr[] => stack.splice(stack.length - n, n);
  for (let j = from; j < to; j++) {
    const kind = op[j] ?? N_NUM;
    const s = start[j] ?? 0;
    const e = end[j] ?? 0;
    const a = arg[j] ?? 0;
    const fn = functionOf(kind);
    if (kind === N_SKIP) continue;
    if (kind === N_NUM) stack.push({ kind: 'num', value: program.nodes.value(j), start: s, end: e });
    else if (kind === N_NAME) stack.push({ kind: 'name', name: program.names.text(a), start: s, end: e });
    else if (fn !== undefined) {
      // a call is not folded (its arguments are not looked at)
      pop(kind === N_MAX || kind === N_MATH_MAX ? a : kind === N_POW || kind === N_MATH_POW ? 2 : 1);
      stack.push({ kind: 'call', written: fn.written, start: s, end: e });
    } else if (kind === N_NEG) {
      const [x] = pop(1);
      if (x !== undefined) stack.push({ kind: 'neg', arg: x, start: s, end: e });
    } else if (kind === N_SUM) stack.push({ kind: 'sum', terms: pop(a), start: s, end: e });
    else {
      const [left, right] = pop(2);
      if (left !== undefined && right !== undefined) stack.push({ kind: 'bin', op: kind === N_SUB ? '-' : kind === N_MUL ? '*' : '/', left, right, start: s, end: e });
    }
  }
  return stack.pop() ?? { kind: 'num', value: NaN, start: 0, end: 0 };
}

/** The children of a node that are folded. */
function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'num':
    case 'name':
    case 'call':
      return [];
    case 'neg':
      return [e.arg];
    case 'bin':
      return [e.left, e.right];
    case 'sum':
      return e.terms;
  }
}

/** The value of a constant expression (pow's exponent), without recursion, or where it is not constant. */
function fold(root: Expr): number | { start: number; end: number; reason: string } {
  const frames: { readonly e: Expr; done: boolean }[] = [{ e: root, done: false }];
  const values: number[] = [];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    if (frame === undefined) break;
    const e = frame.e;
    if (e.kind === 'name' || e.kind === 'call') {
      const what = e.kind === 'name' ? `${e.name} is a variable` : `${e.written}(...) is not a number`;
      return { start: e.start, end: e.end, reason: `the exponent of pow must be a constant number: ${what}` };
    }
    if (!frame.done) {
      frame.done = true;
      const kids = childrenOf(e);
      for (let k = kids.length - 1; k >= 0; k--) {
        const kid = kids[k];
        if (kid !== undefined) frames.push({ e: kid, done: false });
      }
      continue;
    }
    frames.pop();
    const n = childrenOf(e).length;
    const args = values.splice(values.length - n, n);
    const [x = NaN, y = NaN] = args;
    let v: number;
    switch (e.kind) {
      case 'num':
        v = e.value;
        break;
      case 'neg':
        v = -x;
        break;
      case 'sum':
        v = args.reduce((s, t) => s + t);
        break;
      case 'bin':
        v = e.op === '-' ? x - y : e.op === '*' ? x * y : x / y;
        break;
    }
    if (!Number.isFinite(v)) return { start: e.start, end: e.end, reason: `the exponent of pow must be a finite number, got ${String(v)}` };
    values.push(v);
  }
  return values[0] ?? NaN;
}
