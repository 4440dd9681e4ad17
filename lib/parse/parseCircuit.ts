import * as E from 'fp-ts/Either';
// Only names that lib/index.ts exports, imported from their modules so that
// importing the parser does not load the whole library (the CLI starts fast).
import { Circuit, Wire } from '../Circuit';
import { CircuitException } from '../errors';
import { parseError, positionOf, type ParseError, type SourcePosition } from './ParseError';
import {
  N_DIV, N_MATH_MAX, N_MATH_POW, N_MAX, N_MUL, N_NAME, N_NEG, N_NUM, N_POW, N_RELU, N_SIG, N_SIGMOID, N_SKIP, N_SUB, N_SUM,
  STATEMENT, S_FROM, S_ROOT, S_TARGET, S_TARGET_END, S_TARGET_START, functionOf, parseProgram, type Program,
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
  try {
    return build(source, program, backwardAt);
  } catch (e) {
    /* c8 ignore next */
    if (e instanceof CircuitException) return E.left(parseError(source, 0, 0, e.message));
    throw e;
  }
}

type Value = Wire | number;

function build(source: string, program: Program, backward: SourcePosition | undefined): E.Either<ParseError, ParsedCircuit> {
  // 1. Names used wrongly (found while parsing, reported only if the whole program parses).
  if (program.misuse !== undefined) return E.left(program.misuse);
  const { nodes, statements, names, inputs, firstUses } = program;
  const { op, arg, start, end, numbers } = nodes;

  // 2. The inputs, then each statement's gates in order.
  const circuit = new Circuit();
  /**
   * Each name's wire index + 1 (0: none yet), by id: an input, or an assigned
   * variable once its statement is lowered. (Indices, not `Wire`s: a million
   * objects kept to the end would be copied by every garbage collection.)
   */
  const wires = new Int32Array(names.count);
  for (let k = 0; k < inputs.length; k++) {
    const id = inputs.at(k);
    try {
      wires[id] = circuit.input(names.text(id)).index + 1;
    } catch (e) {
      const at = start[firstUses.at(k)] ?? 0;
      if (e instanceof CircuitException) return E.left(parseError(source, at, at + names.length(id), e.message));
      throw e;
    }
  }
  const count = statements.length / STATEMENT;
  const autoName = ['x', 'out', 'result'].find((n) => !program.isUsed(n));
  const wire = (v: Value): Wire => (typeof v === 'number' ? circuit.constant(v) : v);
  /** The value stack: values[0 .. sp - 1]. */
  const values: Value[] = [];
  for (let s = 0; s < count; s++) {
    const target = statements.at(STATEMENT * s + S_TARGET);
    const root = statements.at(STATEMENT * s + S_ROOT);
    const name = target !== -1 ? names.text(target) : s === count - 1 ? autoName : undefined;
    let sp = 0;
    // lower the nodes in order (postfix: a node's operands are on the value stack)
    let i = statements.at(STATEMENT * s + S_FROM);
    try {
      for (; i <= root; i++) {
        const gateName = i === root ? name : undefined;
        const kind = op[i] ?? N_NUM;
        switch (kind) {
          case N_NUM:
            values[sp++] = numbers[arg[i] ?? 0] ?? NaN;
            break;
          case N_NAME: {
            const w = circuit.wireAt((wires[arg[i] ?? 0] ?? 0) - 1);
            if (w === undefined) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, `internal: unknown name ${names.text(arg[i] ?? 0)}`));
            values[sp++] = w;
            break;
          }
          case N_NEG: {
            const x = values[sp - 1];
            if (x === undefined) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
            values[sp - 1] = typeof x === 'number' ? -x : circuit.neg(x, gateName);
            break;
          }
          case N_SUB:
          case N_MUL:
          case N_DIV: {
            const x = values[sp - 2];
            const y = values[sp - 1];
            if (x === undefined || y === undefined) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
            let v: Wire;
            if (kind === N_SUB) v = circuit.sub(wire(x), wire(y), gateName);
            else if (kind === N_MUL) v = circuit.mul(wire(x), wire(y), gateName);
            // a / b = a * (1.0 / b), the chapter's decomposition; 1 / b is the reciprocal alone
            else if (x === 1) v = circuit.reciprocal(wire(y), gateName);
            else {
              const a = wire(x);
              v = circuit.mul(a, circuit.reciprocal(wire(y)), gateName);
            }
            values[sp - 2] = v;
            sp--;
            break;
          }
          case N_SUM:
          case N_MAX:
          case N_MATH_MAX: {
            const n = arg[i] ?? 0;
            const x = values[sp - n];
            const y = values[sp - n + 1];
            if (kind !== N_SUM && n === 2 && x !== undefined && y !== undefined && (x === 0) !== (y === 0) && (typeof x !== 'number' || typeof y !== 'number')) {
              // max(a, 0) is the chapter's ReLU
              values[sp - 2] = circuit.relu(wire(x === 0 ? y : x), gateName);
              sp--;
              break;
            }
            const terms: Wire[] = [];
            for (let k = sp - n; k < sp; k++) {
              const t = values[k];
              if (t === undefined) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
              terms.push(wire(t));
            }
            sp -= n;
            values[sp++] = kind === N_SUM ? circuit.add(terms, gateName) : circuit.max(terms, gateName);
            break;
          }
          case N_SIG:
          case N_SIGMOID:
          case N_RELU: {
            const x = values[sp - 1];
            if (x === undefined) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
            values[sp - 1] = kind === N_RELU ? circuit.relu(wire(x), gateName) : circuit.sigmoid(wire(x), gateName);
            break;
          }
          case N_POW:
          case N_MATH_POW: {
            const x = values[sp - 1];
            const skip = arg[i] ?? 0;
            if (x === undefined || skip >= i) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, 'internal: no operand'));
            const k = fold(exponentOf(program, skip + 1, i));
            if (typeof k !== 'number') return E.left(parseError(source, k.start, k.end, k.reason));
            values[sp - 1] = circuit.pow(wire(x), k, gateName);
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
    } catch (err) {
      if (err instanceof CircuitException) return E.left(parseError(source, start[i] ?? 0, end[i] ?? 0, err.message));
      throw err;
    }
    let w = values[0];
    if (w === undefined || sp !== 1) return E.left(parseError(source, start[root] ?? 0, end[root] ?? 0, 'internal: no value'));
    try {
      if (typeof w === 'number') w = circuit.constant(w, name);
      else if (target !== -1 || w.index !== circuit.size - 1) {
        // `var y = x` (or a bare `x` that is not the last wire): a wire of its own.
        // (A root that made a gate gave it `name`, so only a name needs looking at.)
        const madeGate = op[root] !== N_NAME;
        if (name === undefined || (!madeGate && w.name !== name)) w = circuit.add([w], name);
      }
    } catch (e) {
      if (!(e instanceof CircuitException)) throw e;
      const from = target !== -1 ? statements.at(STATEMENT * s + S_TARGET_START) : (start[root] ?? 0);
      const to = target !== -1 ? statements.at(STATEMENT * s + S_TARGET_END) : (end[root] ?? 0);
      return E.left(parseError(source, from, to, e.message));
    }
    if (target !== -1) wires[target] = w.index + 1;
  }
  const output = circuit.output;
  if (output === undefined) return E.left(parseError(source, 0, 0, 'the expression is empty: nothing to compute'));
  return E.right({ circuit, output, backward });
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
  const { op, arg, start, end, numbers } = program.nodes;
  const stack: Expr[] = [];
  const pop = (n: number): Expr[] => stack.splice(stack.length - n, n);
  for (let j = from; j < to; j++) {
    const kind = op[j] ?? N_NUM;
    const s = start[j] ?? 0;
    const e = end[j] ?? 0;
    const a = arg[j] ?? 0;
    const fn = functionOf(kind);
    if (kind === N_SKIP) continue;
    if (kind === N_NUM) stack.push({ kind: 'num', value: numbers[a] ?? NaN, start: s, end: e });
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
