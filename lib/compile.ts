import * as E from 'fp-ts/Either';
import { Backward, Forward, type Circuit, type Workspace } from './Circuit';
import { emit, type EmittedStep } from './emit';
import type { CircuitError } from './errors';
import type { Gate } from './Gate';
import { sigmoid } from './gates/SigmoidGate';

// A client of the public API: the circuit written out as straight-line code
// by the same emitter as printBackprop, split into functions of bounded size
// (V8 stops optimising very large functions), run over two Float64Arrays.

/**
 * Options of {@link compile}.
 *
 * @example
 * ```ts
 * const options: CompileOptions = { chunk: 500 };
 * ```
 */
export interface CompileOptions {
  /** The most statements in one generated function. Default 200. */
  readonly chunk?: number;
  /**
   * `code`: straight-line JavaScript; `tape`: the circuit's own typed-array
   * interpreter (a {@link Workspace}); `auto` (the default): code for circuits
   * of at most {@link CODE_LIMIT} gates, the tape above. V8's optimising
   * compiler takes time superlinear in a function's size and at least
   * ~0.1 ms per statement here, so generated code only pays off on small
   * circuits evaluated many times; large ones run faster on the tape.
   */
  readonly mode?: 'auto' | 'code' | 'tape';
}

/**
 * The largest circuit (in gates) that `compile` writes out as code in
 * `auto` mode; larger ones run on the tape. Chosen by measurement (`npm run bench`).
 *
 * @example
 * ```ts
 * compile(circuit).mode; // 'code' when circuit has at most CODE_LIMIT gates
 * ```
 */
export const CODE_LIMIT = 1000;

/**
 * The largest circuit (in gates) whose `run` is one generated function
 * keeping every value and gradient in local variables (registers), as a
 * hand-written function would; larger code-mode circuits run in chunks over
 * the value and gradient arrays.
 *
 * @example
 * ```ts
 * compile(neuron).source.startsWith('function run('); // true: 4 gates
 * ```
 */
export const FUSED_LIMIT = 200;

/**
 * The result of {@link CompiledCircuit.batch}: the output value and every
 * input's gradient at every point, as columns.
 *
 * @example
 * ```ts
 * const r = orThrow(compile(c).batch([Float64Array.of(1, 2), Float64Array.of(3, 4)]));
 * r.value[1];        // the output at the second point
 * r.gradients.a[1];  // d output / d a there
 * ```
 */
export interface BatchResult {
  /** The number of points. */
  readonly points: number;
  /** The output value at each point. */
  readonly value: Float64Array;
  /** Each input's gradient at each point, by input name. */
  readonly gradients: Readonly<Record<string, Float64Array>>;
}

/** Points per block in batch evaluation: values and gradients of a block stay in cache. */
const BATCH_BLOCK = 256;

type BatchKernel = (V: Float64Array, D: Float64Array, m: number, B: number, G: readonly Gate[], sig: (q: number) => number, num: (x: unknown) => number) => void;

type Fused = (inputs: ArrayLike<number>, upstream: number, v: Float64Array, g: Float64Array, G: readonly Gate[], sig: (q: number) => number, num: (x: unknown) => number) => number;

type ForwardChunk = (v: Float64Array, G: readonly Gate[], sig: (q: number) => number, num: (x: unknown) => number) => void;
type BackwardChunk = (v: Float64Array, g: Float64Array, G: readonly Gate[], sig: (q: number) => number, num: (x: unknown) => number) => void;

const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);

/**
 * A circuit compiled to straight-line JavaScript: the fast path for
 * evaluating one circuit many times. Its buffers are allocated once; each
 * `forward` / `backward` / `run` overwrites them and returns the same result
 * objects (as a {@link Workspace} does), allocating nothing per call.
 *
 * Errors are the circuit's own: bad inputs and non-finite values are found
 * by a scan after the pass, and the circuit's interpreter then replays the
 * pass to name the gate and wire, with the same message as
 * {@link Circuit.forward}.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const fast = compile(c);
 * const grads = orThrow(fast.run([2, 3], 1));
 * grads.gradient(a);      // 3
 * grads.forward.output;   // 6
 * ```
 */
export class CompiledCircuit {
  /** How this circuit runs: generated `code`, or the interpreter's `tape`. */
  readonly mode: 'code' | 'tape';
  /** The generated source, forward functions then backward functions (empty on the tape). */
  readonly source: string;
  private readonly tape: Workspace | undefined;
  private readonly forwardChunks: readonly ForwardChunk[];
  private readonly backwardChunks: readonly BackwardChunk[];
  private readonly calls: readonly Gate[];
  private readonly fwd: Forward;
  private readonly bwd: Backward;
  private readonly okForward: E.Either<CircuitError, Forward>;
  private readonly okBackward: E.Either<CircuitError, Backward>;
  private readonly inputIndices: Int32Array;
  private readonly fused: Fused | undefined;
  private batchKernel: BatchKernel | undefined;
  private fusedBatchKernel: FusedBatch | undefined;
  private upstream = 1;

  /** @param circuit - the circuit to compile, as it is now. @param options - see {@link CompileOptions}. */
  constructor(readonly circuit: Circuit, options: CompileOptions = {}) {
    const chunk = Math.max(1, options.chunk ?? 200);
    const gates = circuit.size - circuit.inputIndices.length;
    const mode = options.mode ?? 'auto';
    this.mode = mode === 'tape' || (mode === 'auto' && gates > CODE_LIMIT) ? 'tape' : 'code';
    this.tape = this.mode === 'tape' ? circuit.workspace() : undefined;
    const program = this.mode === 'tape' ? { forward: [], backward: [], calls: [] } : emit(circuit, {
      value: (i) => `v[${String(i)}]`,
      gradient: (i) => `g[${String(i)}]`,
      gate: (k) => `G[${String(k)}]`,
    });
    this.calls = program.calls;
    const forwardLines = program.forward.map((s) => `${s.target} = ${s.gate === undefined ? s.expression : `num(${s.expression})`};`);
    const backwardLines = backwardStatements(program.backward);
    const forwardBodies = chunks(forwardLines, chunk);
    const backwardBodies = chunks(backwardLines, chunk);
    const fusedSource = this.mode === 'code' && gates <= FUSED_LIMIT ? fusedRun(circuit, program.calls) : undefined;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- as below
    this.fused = fusedSource === undefined ? undefined : (new Function('inputs', 'up', 'v', 'g', 'G', 'sig', 'num', fusedSource) as Fused);
    this.source = [
      ...(fusedSource === undefined ? [] : [`function run(inputs, up, v, g, G, sig, num) {\n${fusedSource}\n}`]),
      ...forwardBodies.map((b, k) => `function forward${String(k)}(v, G, sig, num) {\n${b}\n}`),
      ...backwardBodies.map((b, k) => `function backward${String(k)}(v, g, G, sig, num) {\n${b}\n}`),
    ].join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generating code is the point of a compiler
    this.forwardChunks = forwardBodies.map((b) => new Function('v', 'G', 'sig', 'num', b) as ForwardChunk);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- as above
    this.backwardChunks = backwardBodies.map((b) => new Function('v', 'g', 'G', 'sig', 'num', b) as BackwardChunk);
    this.fwd = new Forward(circuit, new Float64Array(circuit.size));
    this.bwd = new Backward(this.fwd, new Float64Array(circuit.size));
    this.okForward = E.right(this.fwd);
    this.okBackward = E.right(this.bwd);
    this.inputIndices = Int32Array.from(circuit.inputIndices);
  }

  /** The forward pass from positional input values, in declaration order (as {@link Circuit.forwardArray}). */
  forward(inputs: ArrayLike<number>): E.Either<CircuitError, Forward> {
    if (this.tape !== undefined) return this.tape.forward(inputs);
    const v = this.fwd.values;
    const idx = this.inputIndices;
    const n = idx.length;
    let ok = inputs.length === n;
    for (let k = 0; ok && k < n; k++) {
      const x = inputs[k];
      if (typeof x !== 'number' || x - x !== 0) ok = false;
      else v[idx[k] ?? 0] = x;
    }
    if (ok) {
      const G = this.calls;
      const fs = this.forwardChunks;
      for (let k = 0; k < fs.length; k++) fs[k]?.(v, G, sigmoid, num);
      if (allFinite(v)) return this.okForward;
    }
    return this.explain(this.circuit.forwardArray(inputs));
  }

  /** The backward pass of the last `forward`, from the circuit's last wire with this upstream gradient. */
  backward(upstream = 1): E.Either<CircuitError, Backward> {
    if (this.tape !== undefined) return this.tape.backward(upstream);
    const g = this.bwd.gradients;
    const out = g.length - 1;
    // a loop beats the fill builtin's call overhead on small circuits
    if (g.length < 256) for (let i = 0; i < g.length; i++) g[i] = 0;
    else g.fill(0);
    this.upstream = upstream;
    if (typeof upstream === 'number' && upstream - upstream === 0 && out >= 0) {
      g[out] = 0 + upstream; // as the interpreter seeds it, so -0 becomes +0
      const v = this.fwd.values;
      const G = this.calls;
      const bs = this.backwardChunks;
      for (let k = 0; k < bs.length; k++) bs[k]?.(v, g, G, sigmoid, num);
      if (allFinite(g)) return this.okBackward;
    }
    return this.explain(this.circuit.backward(this.fwd, this.upstream));
  }

  /** `forward(inputs)` then `backward(upstream)`: the value is `result.forward.output`. */
  run(inputs: ArrayLike<number>, upstream = 1): E.Either<CircuitError, Backward> {
    const fused = this.fused;
    if (fused !== undefined && inputs.length === this.inputIndices.length && typeof upstream === 'number') {
      const status = fused(inputs, upstream, this.fwd.values, this.bwd.gradients, this.calls, sigmoid, num);
      if (status === 0) return this.okBackward;
      // 1: an input or value was not finite; 2: a gradient was not: the interpreter names it
      const f = this.circuit.forwardArray(inputs);
      if (E.isLeft(f) || status === 1) return this.explain(f);
      return this.explain(this.circuit.backward(f.right, upstream));
    }
    const f = this.forward(inputs);
    return E.isLeft(f) ? f : this.backward(upstream);
  }

  /**
   * Evaluates the circuit at many points at once: `columns[k]` holds input
   * `k`'s value at every point (inputs in declaration order), and the result
   * holds the output value and every input's gradient at every point, as
   * columns. In code mode each gate runs as one loop over a block of points,
   * so the per-gate cost is shared by the block; on the tape the points run
   * one by one. A problem at a point is the interpreter's error for that
   * point, prefixed with `point <index>: `.
   *
   * @param columns - one column per input, all of the same length.
   * @param upstream - the upstream gradient on the output, the same at every point.
   */
  batch(columns: readonly ArrayLike<number>[], upstream = 1): E.Either<CircuitError, BatchResult> {
    const names = this.circuit.inputNames;
    if (columns.length !== names.length) {
      return E.left({ _tag: 'InputError', input: '', message: `expected ${String(names.length)} input columns (${names.join(', ')}), got ${String(columns.length)}` });
    }
    const points = columns[0]?.length ?? 0;
    const uneven = columns.findIndex((col) => col.length !== points);
    if (uneven >= 0) {
      return E.left({ _tag: 'InputError', input: names[uneven] ?? '', message: `input column ${names[uneven] ?? ''} has ${String(columns[uneven]?.length ?? 0)} values, the first column ${String(points)}` });
    }
    const value = new Float64Array(points);
    const gradients: Record<string, Float64Array> = {};
    for (const name of names) gradients[name] = new Float64Array(points);
    const gradientColumns = names.map((name) => gradients[name] ?? new Float64Array(points));
    const result = { points, value, gradients };
    const point = (p: number): number[] => columns.map((col) => col[p] ?? NaN);
    const atPoint = (p: number, r: E.Either<CircuitError, unknown>): E.Either<CircuitError, never> => {
      const explained = this.explain(r);
      return E.isLeft(explained) ? E.left({ ...explained.left, message: `point ${String(p)}: ${explained.left.message}` }) : explained;
    };
    const n = this.circuit.size;
    const out = n - 1;
    if (this.mode === 'tape' || n === 0) {
      for (let p = 0; p < points; p++) {
        const r = this.run(point(p), upstream);
        if (E.isLeft(r)) return atPoint(p, r);
        value[p] = r.right.forward.output;
        const g = r.right.gradients;
        this.inputIndices.forEach((w, k) => ((gradientColumns[k] ?? value)[p] = g[w] ?? NaN));
      }
      return E.right(result);
    }
    if (this.fused !== undefined) {
      // small circuits: one loop over the points, every value in a local
      this.fusedBatchKernel ??= fusedBatch(this.circuit, this.calls);
      const bad = this.fusedBatchKernel(columns, gradientColumns, value, points, upstream, this.calls, sigmoid, num);
      if (bad >= 0) return atPoint(bad, this.run(point(bad), upstream));
      return E.right(result);
    }
    this.batchKernel ??= batchKernel(this.circuit, this.calls);
    const kernel = this.batchKernel;
    const B = Math.max(1, Math.min(BATCH_BLOCK, points));
    const V = new Float64Array(n * B);
    const D = new Float64Array(n * B);
    const idx = this.inputIndices;
    for (let start = 0; start < points; start += B) {
      const m = Math.min(B, points - start);
      // inputs into the block, checked: a bad one is the interpreter's error at its point
      for (let k = 0; k < idx.length; k++) {
        const col = columns[k] ?? [];
        const base = (idx[k] ?? 0) * B;
        for (let p = 0; p < m; p++) {
          const x = col[start + p];
          if (typeof x !== 'number' || x - x !== 0) return atPoint(start + p, this.circuit.forwardArray(point(start + p)));
          V[base + p] = x;
        }
      }
      D.fill(0);
      for (let p = 0; p < m; p++) D[out * B + p] = 0 + upstream;
      kernel(V, D, m, B, this.calls, sigmoid, num);
      if (!allFinite(V) || !allFinite(D)) {
        for (let p = 0; p < m; p++) {
          const r = this.run(point(start + p), upstream);
          if (E.isLeft(r)) return atPoint(start + p, r);
        }
      }
      for (let p = 0; p < m; p++) value[start + p] = V[out * B + p] ?? NaN;
      for (let k = 0; k < idx.length; k++) {
        const col = gradientColumns[k] ?? value;
        const base = (idx[k] ?? 0) * B;
        for (let p = 0; p < m; p++) col[start + p] = D[base + p] ?? NaN;
      }
    }
    return E.right(result);
  }

  /** The interpreter's verdict where the compiled pass saw a problem (it names gate and wire). */
  private explain<A>(replay: E.Either<CircuitError, A>): E.Either<CircuitError, never> {
    if (E.isLeft(replay)) return replay;
    return E.left({ _tag: 'GateError', pass: 'forward', gate: 'compiled', wire: '', message: 'compiled code produced a non-finite value that the circuit does not reproduce' });
  }
}

/**
 * Compiles `circuit` to straight-line JavaScript with the same emitter as
 * {@link printBackprop}. See {@link CompiledCircuit}.
 *
 * @example
 * ```ts
 * const fast = compile(circuit);
 * orThrow(fast.run([1, 2, -3, -1, 3])).inputs(); // every input's gradient
 * ```
 */
export function compile(circuit: Circuit, options: CompileOptions = {}): CompiledCircuit {
  return new CompiledCircuit(circuit, options);
}

/** Backward statements: the first contribution assigns, later ones add; a call-through gate's backward runs once per wire. */
function backwardStatements(steps: readonly EmittedStep[]): string[] {
  const lines: string[] = [];
  let k = 0;
  while (k < steps.length) {
    const s = steps[k];
    if (s === undefined) break;
    if (s.gate === undefined) {
      lines.push(`${s.target} += ${s.expression};`);
      k++;
      continue;
    }
    // a gate without code: call its backward once, then add each input's share
    const call = s.expression.slice(0, s.expression.lastIndexOf('['));
    const parts = [`const l = ${call};`];
    let m = 0;
    for (; k < steps.length && steps[k]?.wire === s.wire; k++, m++) {
      const t = steps[k];
      if (t !== undefined) parts.push(`${t.target} += num(l[${String(m)}]);`);
    }
    parts.push(`if (!Array.isArray(l) || l.length !== ${String(m)}) ${s.target} = NaN;`);
    lines.push(`{ ${parts.join(' ')} }`);
  }
  return lines;
}

/**
 * One function for the whole pass with every value and gradient in a local
 * variable: inputs are read and checked, the forward pass runs, values are
 * checked and stored, the backward pass runs from `0 + up` on the last wire,
 * gradients are checked and stored. Returns 0, or 1 / 2 for a non-finite
 * value / gradient (the caller asks the interpreter which gate it was).
 */
function fusedRun(circuit: Circuit, calls: readonly Gate[]): string {
  const all = Array.from({ length: circuit.size }, (_, i) => i);
  return fusedBody(circuit, calls, {
    read: (k) => `inputs[${String(k)}]`,
    fail: (pass) => `return ${String(pass)};`,
    store: (x, d) => [...all.map((i) => `v[${String(i)}] = ${x(i)};`), ...all.map((i) => `g[${String(i)}] = ${d(i)};`)],
  }).join('\n') + '\nreturn 0;';
}

/**
 * The batch kernel for a small circuit: the fused pass inside one loop over
 * the points, reading input k from column `C[k]` and writing the output
 * value to `OUT` and input k's gradient to `GC[k]`. Returns -1, or the first
 * point where something was not finite (the caller asks the interpreter).
 */
function fusedBatch(circuit: Circuit, calls: readonly Gate[]): FusedBatch {
  const idx = circuit.inputIndices;
  const out = circuit.size - 1;
  const body = fusedBody(circuit, calls, {
    read: (k) => `C${String(k)}[p]`,
    fail: () => 'return p;',
    store: (x, d) => [`OUT[p] = ${x(out)};`, ...idx.map((w, k) => `GC${String(k)}[p] = ${d(w)};`)],
  });
  const source = [
    ...idx.map((_, k) => `const C${String(k)} = C[${String(k)}], GC${String(k)} = GC[${String(k)}];`),
    'for (let p = 0; p < m; p++) {',
    ...body,
    '}',
    'return -1;',
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generating code is the point of a compiler
  return new Function('C', 'GC', 'OUT', 'm', 'up', 'G', 'sig', 'num', source) as FusedBatch;
}

type FusedBatch = (C: readonly ArrayLike<number>[], GC: readonly Float64Array[], OUT: Float64Array, m: number, up: number, G: readonly Gate[], sig: (q: number) => number, num: (x: unknown) => number) => number;

/**
 * One pass with every value and gradient in a local variable: inputs read
 * and checked, the forward pass, values checked, the backward pass from
 * `0 + up` on the last wire, gradients checked, then `store`. `fail(1)` /
 * `fail(2)` is what to do on a non-finite value / gradient.
 */
function fusedBody(
  circuit: Circuit,
  calls: readonly Gate[],
  io: { read(k: number): string; fail(pass: 1 | 2): string; store(x: (i: number) => string, d: (i: number) => string): string[] },
): string[] {
  const n = circuit.size;
  const x = (i: number): string => `x${String(i)}`;
  const d = (i: number): string => `d${String(i)}`;
  const program = emit(circuit, { value: x, gradient: d, gate: (k) => `G[${String(k)}]` });
  if (program.calls.length !== calls.length) throw new Error('emit gave different calls');
  const idx = circuit.inputIndices;
  const lines: string[] = [];
  idx.forEach((w, k) => lines.push(`const ${x(w)} = ${io.read(k)};`));
  if (idx.length > 0) lines.push(`if (${idx.map((w) => `typeof ${x(w)} !== "number"`).join(' || ')}) ${io.fail(1)}`);
  for (const s of program.forward) lines.push(`const ${s.target} = ${s.gate === undefined ? s.expression : `num(${s.expression})`};`);
  const all = Array.from({ length: n }, (_, i) => i);
  if (n > 0) {
    lines.push(`if (!(${all.map((i) => `${x(i)} - ${x(i)} === 0`).join(' && ')})) ${io.fail(1)}`);
    lines.push(`let ${all.map((i) => `${d(i)} = 0`).join(', ')};`);
    lines.push(`${d(n - 1)} = 0 + up;`);
  }
  lines.push(...backwardStatements(program.backward));
  if (n > 0) lines.push(`if (!(${all.map((i) => `${d(i)} - ${d(i)} === 0`).join(' && ')})) ${io.fail(2)}`);
  lines.push(...io.store(x, d));
  return lines;
}

/**
 * The batch kernel: each gate's statement as a loop over the `m` points of a
 * block, wire `i` of point `p` at `V[i * B + p]` (its gradient in `D`).
 */
function batchKernel(circuit: Circuit, calls: readonly Gate[]): BatchKernel {
  const program = emit(circuit, {
    value: (i) => `V[${String(i)} * B + p]`,
    gradient: (i) => `D[${String(i)} * B + p]`,
    gate: (k) => `G[${String(k)}]`,
  });
  if (program.calls.length !== calls.length) throw new Error('emit gave different calls');
  const loop = (statement: string): string => `for (let p = 0; p < m; p++) ${statement}`;
  const body = [
    ...program.forward.map((s) => loop(`${s.target} = ${s.gate === undefined ? s.expression : `num(${s.expression})`};`)),
    ...backwardStatements(program.backward).map(loop),
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generating code is the point of a compiler
  return new Function('V', 'D', 'm', 'B', 'G', 'sig', 'num', body) as BatchKernel;
}

function chunks(lines: readonly string[], size: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < lines.length; k += size) out.push(lines.slice(k, k + size).join('\n'));
  return out;
}

function allFinite(xs: Float64Array): boolean {
  // x - x is 0 for a finite x and NaN otherwise: one branch-free sum
  let acc = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] ?? NaN;
    acc += x - x;
  }
  return acc === 0;
}
