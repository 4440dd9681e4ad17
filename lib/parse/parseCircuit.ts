import * as E from 'fp-ts/Either';
// Only names that lib/index.ts exports, imported from their modules so that
// importing the parser does not load the whole library (the CLI starts fast).
import { Circuit, Wire } from '../Circuit';
import { CircuitException } from '../errors';
import { parseError, positionOf, type ParseError, type SourcePosition } from './ParseError';
import { parseProgram, type Expr, type Statement } from './syntax';

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
 * Parsing uses no recursion: a sum of 200,000 terms, 50,000 statements or
 * 300,000 nested parentheses are fine.
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
  const { statements, backward } = parsed.value;
  const backwardAt = backward === undefined ? undefined : positionOf(source, backward.start);
  if (statements.length === 0) {
    if (backward !== undefined) return E.left(parseError(source, backward.start, backward.end, 'the program has no forward pass before this backward pass'));
    return E.left(parseError(source, source.length, source.length, 'the expression is empty: nothing to compute'));
  }
  try {
    return build(source, statements, backwardAt);
  } catch (e) {
    /* c8 ignore next */
    if (e instanceof CircuitException) return E.left(parseError(source, 0, 0, e.message));
    throw e;
  }
}

type Value = Wire | number;

/** The children of a node that are lowered to wires (pow's exponent is folded instead). */
function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'num':
    case 'name':
      return [];
    case 'neg':
      return [e.arg];
    case 'bin':
      return [e.left, e.right];
    case 'sum':
      return e.terms;
    case 'call':
      return e.fn === 'pow' ? e.args.slice(0, 1) : e.args;
  }
}

function build(source: string, statements: readonly Statement[], backward: SourcePosition | undefined): E.Either<ParseError, ParsedCircuit> {
  const where = (offset: number): string => {
    const p = positionOf(source, offset);
    return `line ${String(p.line)}, column ${String(p.column)}`;
  };
  // 1. Which names are inputs (used before any assignment), in order of first use.
  const inputs = new Map<string, number>();
  const assigned = new Map<string, number>();
  const stack: Expr[] = [];
  for (let s = 0; s < statements.length; s++) {
    const st = statements[s];
    if (st === undefined) continue;
    if (st.target === undefined && s < statements.length - 1) {
      return E.left(parseError(source, st.expr.start, st.expr.end, 'this expression is not used: assign it (var name = ...) or make it the last statement'));
    }
    stack.push(st.expr);
    while (stack.length > 0) {
      const e = stack.pop();
      if (e === undefined) break;
      if (e.kind === 'name') {
        if (!assigned.has(e.name) && !inputs.has(e.name)) inputs.set(e.name, e.start);
        continue;
      }
      const kids = childrenOf(e);
      for (let k = kids.length - 1; k >= 0; k--) {
        const kid = kids[k];
        if (kid !== undefined) stack.push(kid);
      }
    }
    const t = st.target;
    if (t !== undefined) {
      const before = assigned.get(t.name);
      if (before !== undefined) {
        return E.left(parseError(source, t.start, t.end, `${t.name} is already assigned (${where(before)}); assign each variable once`));
      }
      const used = inputs.get(t.name);
      if (used !== undefined) {
        return E.left(parseError(source, t.start, t.end, `${t.name} is used before it is assigned (${where(used)}), so it is an input; choose another name`));
      }
      assigned.set(t.name, t.start);
    }
  }

  // 2. The inputs, then each statement's gates in order.
  const circuit = new Circuit();
  const scope = new Map<string, Wire>();
  for (const [name, at] of inputs) {
    try {
      scope.set(name, circuit.input(name));
    } catch (e) {
      if (e instanceof CircuitException) return E.left(parseError(source, at, at + name.length, e.message));
      throw e;
    }
  }
  const last = statements[statements.length - 1];
  const autoName = ['x', 'out', 'result'].find((n) => !inputs.has(n) && !assigned.has(n));
  for (const st of statements) {
    const name = st.target?.name ?? (st === last ? autoName : undefined);
    const lowered = lower(source, circuit, scope, st.expr, name);
    if (E.isLeft(lowered)) return lowered;
    let wire = lowered.right;
    const at = st.target ?? st.expr;
    try {
      if (typeof wire === 'number') wire = circuit.constant(wire, name);
      else if (st.target !== undefined || wire.index !== circuit.size - 1) {
        // `var y = x` (or a bare `x` that is not the last wire): a wire of its own
        if (name === undefined || wire.name !== name) wire = circuit.add([wire], name);
      }
    } catch (e) {
      if (e instanceof CircuitException) return E.left(parseError(source, at.start, at.end, e.message));
      throw e;
    }
    if (st.target !== undefined) scope.set(st.target.name, wire);
  }
  const output = circuit.output;
  if (output === undefined) return E.left(parseError(source, 0, 0, 'the expression is empty: nothing to compute'));
  return E.right({ circuit, output, backward });
}

/** Lowers one expression to gates, without recursion; the root gate gets `name`. */
function lower(source: string, circuit: Circuit, scope: ReadonlyMap<string, Wire>, root: Expr, name: string | undefined): E.Either<ParseError, Value> {
  const frames: { readonly e: Expr; done: boolean }[] = [{ e: root, done: false }];
  const values: Value[] = [];
  const wire = (v: Value): Wire => (typeof v === 'number' ? circuit.constant(v) : v);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    if (frame === undefined) break;
    const e = frame.e;
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
    const gateName = e === root ? name : undefined;
    try {
      const v = make(e, args, gateName);
      if (typeof v === 'string') return E.left(parseError(source, e.start, e.end, v));
      if (typeof v === 'number' || v instanceof Wire) values.push(v);
      else return E.left(parseError(source, v.start, v.end, v.reason));
    } catch (err) {
      if (err instanceof CircuitException) return E.left(parseError(source, e.start, e.end, err.message));
      throw err;
    }
  }
  const result = values.pop();
  return result === undefined ? E.left(parseError(source, root.start, root.end, 'internal: no value')) : E.right(result);

  function make(e: Expr, args: Value[], gateName: string | undefined): Value | string | { start: number; end: number; reason: string } {
    const [x, y] = args;
    switch (e.kind) {
      case 'num':
        return e.value;
      case 'name':
        return scope.get(e.name) ?? `internal: unknown name ${e.name}`;
      case 'neg':
        if (x === undefined) return 'internal: no operand';
        return typeof x === 'number' ? -x : circuit.neg(x, gateName);
      case 'bin':
        if (x === undefined || y === undefined) return 'internal: no operand';
        if (e.op === '-') return circuit.sub(wire(x), wire(y), gateName);
        if (e.op === '*') return circuit.mul(wire(x), wire(y), gateName);
        // a / b = a * (1.0 / b), the chapter's decomposition; 1 / b is the reciprocal alone
        if (x === 1) return circuit.reciprocal(wire(y), gateName);
        {
          const a = wire(x);
          return circuit.mul(a, circuit.reciprocal(wire(y)), gateName);
        }
      case 'sum':
        return circuit.add(args.map(wire), gateName);
      case 'call':
        switch (e.fn) {
          case 'sig':
            return x === undefined ? 'internal: no operand' : circuit.sigmoid(wire(x), gateName);
          case 'relu':
            return x === undefined ? 'internal: no operand' : circuit.relu(wire(x), gateName);
          case 'max':
            // max(a, 0) is the chapter's ReLU
            if (args.length === 2 && x !== undefined && y !== undefined && (x === 0) !== (y === 0) && (typeof x !== 'number' || typeof y !== 'number')) {
              return circuit.relu(wire(x === 0 ? y : x), gateName);
            }
            return circuit.max(args.map(wire), gateName);
          case 'pow': {
            const exponent = e.args[1];
            if (x === undefined || exponent === undefined) return 'internal: no operand';
            const k = fold(exponent);
            if (typeof k !== 'number') return k;
            return circuit.pow(wire(x), k, gateName);
          }
        }
    }
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
