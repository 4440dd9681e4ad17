import * as E from 'fp-ts/Either';
import { Backward, Forward, Wire, type Circuit, type Workspace } from './Circuit';
import { Calls, fused, loop, tape, type Fused, type FusedBatch, type Loop, type Tape } from './compiler/codegen';
import { plan, releasePlan, type Plan } from './compiler/plan';
import type { CircuitError, InputError } from './errors';
import * as scratch from './scratch';
import type { Gate } from './Gate';

// A client of the public API. compile() writes a circuit as JavaScript with
// the same emitter as printBackprop: a small circuit as one function with
// every value in a local, a larger one as loops over the runs of gates that
// repeat one shape (a layer of neurons, the steps of a chain: V8 optimises a
// short loop body well, and a function of 100,000 statements not at all)
// and a tape, a typed-array list of the other gates run by one generated
// switch. A pass keeps only what the backward pass needs, as a hand-written
// one does; every wire's value and gradient are worked out on request.

/**
 * Options of {@link compile}.
 *
 * @example
 * ```ts
 * const options: CompileOptions = { mode: 'loops' };
 * ```
 */
export interface CompileOptions {
  /**
   * `code`: the whole pass as one function with every value in a local
   * variable (the fastest for small circuits; V8 takes a long time to
   * optimise a large one); `loops`: a loop for every run of at least
   * {@link MIN_LOOP_INSTANCES} gates groups that repeat one shape, and the tape
   * for the rest; `tape`: every gate on the tape; `auto` (the default):
   * `code` up to {@link FUSED_LIMIT} gates, `loops` above.
   */
  readonly mode?: 'auto' | 'code' | 'loops' | 'tape';
}

/**
 * The largest circuit (in gates) that `compile` writes as one function in
 * `auto` mode; larger ones run as loops and the tape. Chosen by
 * measurement (`npm run bench`).
 *
 * @example
 * ```ts
 * compile(neuron).mode; // 'code': 4 gates
 * ```
 */
export const FUSED_LIMIT = 200;

/**
 * The fewest repetitions of a shape that `compile` runs as a loop (and the
 * loop must cover at least 16 gates); shorter runs go on the tape.
 *
 * @example
 * ```ts
 * MIN_LOOP_INSTANCES; // 4
 * ```
 */
export const MIN_LOOP_INSTANCES = 4;

/**
 * One part of a compiled circuit, in order: the whole pass written out
 * (`code`), a loop over `instances` repetitions of a `shape` of gates, or
 * gates on the tape.
 *
 * @example
 * ```ts
 * compile(layer).parts; // [{ kind: 'loop', gates: 400, instances: 100, shape: 4 }, { kind: 'tape', gates: 1, ... }]
 * ```
 */
export interface CompiledPart {
  /** How the part runs. */
  readonly kind: 'code' | 'loop' | 'tape';
  /** How many gates it covers. */
  readonly gates: number;
  /** For a loop, how many times its body runs; otherwise 1. */
  readonly instances: number;
  /** For a loop, how many gates its body has (a sum of its instances folded into it is counted in `gates`, not here); otherwise the part's gates. */
  readonly shape: number;
}

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

/** Why `backward` refuses to run (the same messages as a {@link Workspace}'s). */
const NO_FORWARD = {
  none: 'no forward pass to go back through: run forward first',
  failed: 'the last forward pass failed: run forward again before backward',
} as const;

/**
 * How many input values one block of a batch turns from columns into rows
 * (8 MB of them, and as many gradients). Each block reads every column's
 * array and memory once: with one small array per input, scattered, that
 * costs more than the passes when there are many inputs and few points
 * (a 10,000-neuron layer at 16 points: 27 ns a gate and point at 2^18
 * values a block, four blocks; 15 to 19.5 at 2^20, one).
 */
const BATCH_BLOCK = 1 << 20;

/**
 * Copies points `p0` to `p0 + m - 1` of every input column into `rows`
 * (point `p0 + q`'s inputs at `q * n`, in order); returns the sum of
 * `x - x` over them: 0 when all are finite numbers, NaN otherwise. A
 * function of its own, as `batch` runs its loops only a few times a call:
 * optimised there, they were thrown out again and again for want of type
 * feedback on the code after them, and ran unoptimised (25 of the 32 ns a
 * gate and point of a 10,000-neuron layer's batch).
 */
function columnsToRows(columns: readonly ArrayLike<number>[], p0: number, m: number, rows: Float64Array): number {
  const n = columns.length;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const col = columns[k] as ArrayLike<number>;
    if (col instanceof Float64Array) {
      // numbers all: only finiteness to check
      for (let q = 0, r = k; q < m; q++, r += n) {
        const x = col[p0 + q] ?? NaN;
        rows[r] = x;
        acc += x - x;
      }
      continue;
    }
    for (let q = 0; q < m; q++) {
      const x = col[p0 + q];
      if (typeof x !== 'number') acc = NaN;
      else {
        rows[q * n + k] = x;
        acc += x - x;
      }
    }
  }
  return acc;
}

/** The reverse of {@link columnsToRows} for gradients: point `p0 + q`'s, at `q * n` in `grads`, into the columns. */
function rowsToColumns(grads: Float64Array, p0: number, m: number, columns: readonly Float64Array[]): void {
  const n = columns.length;
  for (let k = 0; k < n; k++) {
    const col = columns[k] as Float64Array;
    for (let q = 0, r = k; q < m; q++, r += n) col[p0 + q] = grads[r] ?? NaN;
  }
}

/** Compiled circuits made so far: each one's own `run` has a source of its own (see {@link ownRun}). */
let serial = 0;

/**
 * The `run` of one compiled circuit in `code` mode, made for it alone: the
 * same steps as {@link CompiledCircuit.run}, with its one call to the
 * generated pass. V8 inlines a called function into its caller only when
 * the call has always gone to that function; `CompiledCircuit.run` is one
 * method for every compiled circuit, so once a process has run two, its call
 * to the generated pass is a plain call (7 ns of the chapter neuron's 45).
 * The serial number in the source keeps V8 from reusing the code, and with
 * it the record of calls, of another circuit's `run`.
 */
function ownRun(
  self: CompiledCircuit,
  pass: Fused,
  inputCount: number,
  V: Float64Array,
  D: Float64Array,
  G: readonly Gate[],
  ok: E.Either<CircuitError, Backward>,
): CompiledCircuit['run'] {
  serial++;
  const source = `// compiled circuit ${String(serial)}
return function run(inputs, upstream = 1) {
  self.pass++;
  self.upstream = upstream;
  const status = inputs.length === ${String(inputCount)} && typeof upstream === "number" ? pass(inputs, upstream, V, D, G) : 1;
  if (status === 0) {
    self.state = "ok";
    return ok;
  }
  return self.failedRun(inputs, upstream, status);
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a function of its own per circuit is the point
  const make = new Function('self', 'pass', 'V', 'D', 'G', 'ok', source) as (...args: unknown[]) => CompiledCircuit['run'];
  return make(self, pass, V, D, G, ok);
}

/** The forward pass of a compiled circuit: the inputs and output are at hand; every other wire's value is worked out when first asked for. */
class CompiledForward extends Forward {
  /**
   * @param owner - the compiled circuit whose last pass this is.
   * @param slots - its values: input k's at `k`, the output's at `out`.
   */
  constructor(
    private readonly owner: CompiledCircuit,
    private readonly slots: Float64Array,
    private readonly out: number,
  ) {
    super(owner.circuit, new Float64Array(0));
  }

  override get values(): Float64Array {
    return this.owner.allValues();
  }

  override get size(): number {
    return this.owner.wires;
  }

  override get output(): number {
    return this.slots[this.out] ?? NaN;
  }

  override value(wire: Wire): number {
    const k = this.owner.inputOf(wire);
    if (k >= 0) return this.slots[k] ?? NaN;
    if (wire.circuit === this.circuit && wire.index === this.owner.wires - 1) return this.output;
    return super.value(wire);
  }

  override inputs(): Record<string, number> {
    const out: Record<string, number> = {};
    this.circuit.inputNames.forEach((name, k) => (out[name] = this.slots[k] ?? NaN));
    return out;
  }
}

/** The backward pass of a compiled circuit: the inputs' gradients are at hand; every other wire's is worked out when first asked for. */
class CompiledBackward extends Backward {
  constructor(private readonly owner: CompiledCircuit, forward: CompiledForward) {
    super(forward, new Float64Array(0));
  }

  override get gradients(): Float64Array {
    return this.owner.allGradients();
  }

  override gradient(wire: Wire): number {
    const k = this.owner.inputOf(wire);
    return k >= 0 ? (this.owner.inputGradients[k] ?? NaN) : super.gradient(wire);
  }

  override inputs(): Record<string, number> {
    const out: Record<string, number> = {};
    const g = this.owner.inputGradients;
    this.forward.circuit.inputNames.forEach((name, k) => (out[name] = g[k] ?? NaN));
    return out;
  }
}

/**
 * A circuit compiled to JavaScript: the fast path for evaluating one circuit
 * many times. Its buffers are allocated once; each `forward` / `backward` /
 * `run` overwrites them and returns the same result objects (as a
 * {@link Workspace} does), allocating nothing per call.
 *
 * A pass computes the output value and every input's gradient
 * (`inputGradients`, or `gradient(input)` on the result) and keeps only the
 * values the backward pass needs. The value or gradient of any other wire
 * (`gradient(wire)`, `values`, `gradients`) is worked out on first request
 * after each pass, by the circuit's interpreter from the same inputs (one
 * interpreted pass, bit for bit the same numbers).
 *
 * Errors are the circuit's own: bad inputs and non-finite values are found
 * by cheap checks during the pass, and the circuit's interpreter then
 * replays the pass to name the gate and wire, with the same message as
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
 * fast.inputGradients;    // Float64Array [3, 2]: every input's gradient, in declaration order
 * ```
 */
export class CompiledCircuit {
  /** How the circuit runs: one generated function (`code`), loops and the tape (`loops`), or the tape alone (`tape`). */
  readonly mode: 'code' | 'loops' | 'tape';
  /** The generated source: the one function, or each loop's functions and the tape's. */
  readonly source: string;
  /** What runs, in order. */
  readonly parts: readonly CompiledPart[];
  /** The number of wires compiled (the circuit's size when it was compiled). */
  readonly wires: number;
  /**
   * Every input's gradient after the last backward pass, in declaration
   * order (a view of a buffer that the next pass overwrites).
   */
  readonly inputGradients: Float64Array;
  private readonly inputCount: number;
  private readonly V: Float64Array;
  private readonly D: Float64Array;
  private readonly outSlot: number;
  private readonly calls: readonly Gate[];
  private readonly fusedRun: Fused | undefined;
  private readonly fusedForward: Fused | undefined;
  private fusedBatchKernel: FusedBatch | undefined;
  private readonly makeFusedBatch: (() => FusedBatch) | undefined;
  private readonly steps: readonly Step[];
  private readonly zero: Int32Array;
  /** The inputs (by position) that no loop reads: a pass copies them into `V` and checks them before its steps. */
  private readonly unchecked: Int32Array;
  /**
   * The inputs (by position) a pass copies into `V` before its steps: those
   * no loop reads, and those the tape reads (a loop copies each input it
   * reads as it reads it, and the tape may come first); -1 alone for all.
   */
  private readonly copied: Int32Array;
  /** The inputs whose gradients the tape adds to unchecked: a pass checks them after the backward steps. */
  private readonly tapeInputs: Int32Array;
  private readonly fwd: CompiledForward;
  private readonly bwd: CompiledBackward;
  private readonly okForward: E.Either<CircuitError, Forward>;
  private readonly okBackward: E.Either<CircuitError, Backward>;
  private readonly outputWire: Wire;
  /** What the last forward pass left in the buffers: nothing yet, good values, or the values of a pass that failed. */
  private state: 'none' | 'ok' | 'failed' = 'none';
  /** Passes run so far, and the pass whose every-wire arrays were worked out. */
  private pass = 0;
  private valuesPass = -1;
  private gradientsPass = -1;
  private upstream = 1;
  private full: { values: Float64Array; gradients: Float64Array } | undefined;
  private interpreter: Workspace | undefined;
  /** The last batch's result, reused by the next batch over as many points. */
  private batchResult: { readonly result: BatchResult; readonly gradientColumns: readonly Float64Array[] } | undefined;

  /** @param circuit - the circuit to compile, as it is now. @param options - see {@link CompileOptions}. */
  constructor(readonly circuit: Circuit, options: CompileOptions = {}) {
    circuit.compact();
    const gates = circuit.size - circuit.inputCount;
    const asked = options.mode ?? 'auto';
    this.mode = asked === 'auto' ? (gates <= FUSED_LIMIT ? 'code' : 'loops') : asked;
    this.wires = circuit.size;
    this.outputWire = new Wire(circuit, circuit.size - 1);
    const calls = new Calls();
    const n = circuit.inputCount;
    this.inputCount = n;
    if (this.mode === 'code') {
      const f = fused(circuit, calls);
      this.fusedRun = f.run;
      this.fusedForward = f.forward;
      this.makeFusedBatch = f.batch;
      this.source = f.source;
      this.steps = [];
      this.unchecked = new Int32Array(0);
      this.copied = new Int32Array(0);
      this.tapeInputs = new Int32Array(0);
      this.zero = new Int32Array(0);
      this.V = new Float64Array(n + 1);
      this.D = new Float64Array(n + 1);
      const out = circuit.size - 1;
      this.outSlot = out < 0 ? 0 : circuit.inputPosition(out) >= 0 ? circuit.inputPosition(out) : n;
      this.parts = gates > 0 ? [{ kind: 'code', gates, instances: 1, shape: gates }] : [];
    } else {
      const p = plan(circuit, this.mode === 'loops');
      const built = steps(p, calls);
      this.steps = built.steps;
      this.source = built.source;
      this.unchecked = built.unchecked;
      this.copied = built.copied.length === n ? ALL : built.copied;
      this.tapeInputs = built.tapeInputs;
      this.fusedRun = undefined;
      this.fusedForward = undefined;
      this.makeFusedBatch = undefined;
      this.zero = p.zero;
      // (kept, but from the scratch pool when it has a buffer that fits: after a parse, its arrays are there)
      this.V = scratch.float64(p.slots, scratch.KEPT);
      this.D = scratch.float64(p.slots, scratch.KEPT);
      this.outSlot = p.output < 0 ? 0 : (p.slot[p.output] ?? 0);
      this.parts = p.segments.map((s) =>
        s.kind === 'loop'
          ? { kind: 'loop', gates: s.count * s.length + (s.sum === undefined ? 0 : 1), instances: s.count, shape: s.length }
          : { kind: 'tape', gates: s.count, instances: 1, shape: s.count },
      );
      // the plan's arrays back to the scratch pool, for the next parse or compile of this job (see scratch.ts)
      releasePlan(p);
    }
    this.calls = calls.gates;
    this.inputGradients = this.D.subarray(0, n);
    this.fwd = new CompiledForward(this, this.V, this.outSlot);
    this.bwd = new CompiledBackward(this, this.fwd);
    this.okForward = E.right(this.fwd);
    this.okBackward = E.right(this.bwd);
    if (this.fusedRun !== undefined && this.wires > 0) this.run = ownRun(this, this.fusedRun, n, this.V, this.D, this.calls, this.okBackward);
  }

  /** The forward pass from positional input values, in declaration order (as {@link Circuit.forwardArray}). */
  forward(inputs: ArrayLike<number>): E.Either<CircuitError, Forward> {
    this.pass++;
    const fusedForward = this.fusedForward;
    const ok = fusedForward !== undefined
      ? inputs.length === this.inputCount && this.wires > 0 && fusedForward(inputs, 1, this.V, this.D, this.calls) === 0
      : this.runForward(this.setInputs(inputs)) === 0;
    this.state = ok ? 'ok' : 'failed';
    return ok ? this.okForward : this.explainForward(inputs);
  }

  /**
   * The backward pass of the last `forward`, from the circuit's last wire
   * with this upstream gradient; refused (a `CompositionError`) when there
   * was no forward pass or it failed.
   */
  backward(upstream = 1): E.Either<CircuitError, Backward> {
    this.pass++;
    this.upstream = upstream;
    if (this.state !== 'ok') return E.left({ _tag: 'CompositionError', message: NO_FORWARD[this.state] });
    if (typeof upstream === 'number' && upstream - upstream === 0 && this.wires > 0) {
      if (this.fusedRun !== undefined) {
        if (this.fusedRun(this.V.subarray(0, this.inputCount), upstream, this.V, this.D, this.calls) === 0) return this.okBackward;
      } else if (this.runBackward(upstream) === 0) return this.okBackward;
    }
    return this.explainBackward(this.V.subarray(0, this.inputCount).slice(), upstream);
  }

  /** `forward(inputs)` then `backward(upstream)`: the value is `result.forward.output`. */
  run(inputs: ArrayLike<number>, upstream = 1): E.Either<CircuitError, Backward> {
    this.pass++;
    this.upstream = upstream;
    const fusedRun = this.fusedRun;
    if (fusedRun !== undefined) {
      const status = inputs.length === this.inputCount && typeof upstream === 'number' && this.wires > 0 ? fusedRun(inputs, upstream, this.V, this.D, this.calls) : 1;
      if (status === 0) {
        this.state = 'ok';
        return this.okBackward;
      }
      return this.failedRun(inputs, upstream, status);
    }
    const forwardOk = this.runForward(this.setInputs(inputs)) === 0;
    this.state = forwardOk ? 'ok' : 'failed';
    if (forwardOk && typeof upstream === 'number' && upstream - upstream === 0 && this.wires > 0 && this.runBackward(upstream) === 0) return this.okBackward;
    return this.explain(inputs, upstream);
  }

  /**
   * The end of a `run` in `code` mode whose generated pass did not finish
   * (`status` 1: the inputs or the forward pass; 2: the backward pass).
   * @internal
   */
  failedRun(inputs: ArrayLike<number>, upstream: number, status: number): E.Either<CircuitError, Backward> {
    // only the backward pass failed: keep the forward pass's values, as the other modes do
    this.state = status === 2 && this.fusedForward?.(inputs, 1, this.V, this.D, this.calls) === 0 ? 'ok' : 'failed';
    return this.explain(inputs, upstream);
  }

  /**
   * Evaluates the circuit at many points at once: `columns[k]` holds input
   * `k`'s value at every point (inputs in declaration order), and the result
   * holds the output value and every input's gradient at every point, as
   * columns. A small circuit (`code` mode) runs its pass inside one loop
   * over the points; a larger one runs point by point. A problem at a point
   * is the interpreter's error for that point, prefixed with `point <index>: `.
   *
   * The result's columns are reused, as the other results are: a later
   * `batch` over as many points overwrites them. A batch in `loops` or
   * `tape` mode also overwrites the buffers a `forward` left (run it again
   * before a `backward`).
   *
   * @param columns - one column per input, all of the same length.
   * @param upstream - the upstream gradient on the output, the same at every point.
   */
  batch(columns: readonly ArrayLike<number>[], upstream = 1): E.Either<CircuitError, BatchResult> {
    if (columns.length !== this.inputCount) {
      const names = this.circuit.inputNames;
      return E.left(inputError('', `expected ${String(names.length)} input columns (${names.join(', ')}), got ${String(columns.length)}`));
    }
    const points = columns[0]?.length ?? 0;
    const uneven = columns.findIndex((col) => col.length !== points);
    if (uneven >= 0) {
      const name = this.circuit.inputNames[uneven] ?? '';
      return E.left(inputError(name, `input column ${name} has ${String(columns[uneven]?.length ?? 0)} values, the first column ${String(points)}`));
    }
    if (this.batchResult?.result.points !== points) {
      const gradients: Record<string, Float64Array> = {};
      const gradientColumns = this.circuit.inputNames.map((name) => (gradients[name] = new Float64Array(points)));
      this.batchResult = { result: { points, value: new Float64Array(points), gradients }, gradientColumns };
    }
    const { result, gradientColumns } = this.batchResult;
    const value = result.value;
    const point = (p: number): number[] => columns.map((col) => col[p] ?? NaN);
    const atPoint = (p: number): E.Left<CircuitError> => {
      const explained = this.explain(point(p), upstream);
      return { _tag: 'Left', left: { ...explained.left, message: `point ${String(p)}: ${explained.left.message}` } };
    };
    if (this.makeFusedBatch !== undefined && this.wires > 0 && typeof upstream === 'number') {
      this.fusedBatchKernel ??= this.makeFusedBatch();
      const bad = this.fusedBatchKernel(columns, gradientColumns, value, points, upstream, this.calls);
      return bad >= 0 ? atPoint(bad) : E.right(result);
    }
    if (this.wires === 0 || typeof upstream !== 'number' || upstream - upstream !== 0) return points === 0 ? E.right(result) : atPoint(0);
    // Points in blocks: a block's inputs are turned from columns into rows (each column read in order, a
    // block of it at a time), each row is one pass, and the gradients go back to columns the same way.
    const n = this.inputCount;
    const V = this.V;
    const B = Math.max(1, Math.min(64, points, Math.floor(BATCH_BLOCK / Math.max(1, n))));
    // From the scratch pool: fresh memory costs a page fault every 4 KiB (about 14 µs here: 630 faults a
    // call, 13 ns a gate and point, for a 10,000-neuron layer at 16 points), and a batch in a loop takes them again.
    const rows = scratch.float64(B * n);
    const grads = scratch.float64(B * n);
    this.pass++;
    this.state = 'none'; // the buffers hold the batch's points now, not a forward pass of this circuit's user
    try {
      for (let p0 = 0; p0 < points; p0 += B) {
        const m = Math.min(B, points - p0);
        const acc = columnsToRows(columns, p0, m, rows);
        for (let q = 0; q < m; q++) {
          if (acc !== 0) {
            // a bad value in the block: find its point
            const row = columns.map((col) => col[p0 + q]);
            if (row.some((x) => typeof x !== 'number' || x - x !== 0)) return atPoint(p0 + q);
          }
          V.set(rows.subarray(q * n, q * n + n));
          if (this.runForward(V) !== 0 || this.runBackward(upstream) !== 0) return atPoint(p0 + q);
          value[p0 + q] = V[this.outSlot] ?? NaN;
          grads.set(this.inputGradients, q * n);
        }
        rowsToColumns(grads, p0, m, gradientColumns);
      }
    } finally {
      scratch.release(rows, grads);
    }
    this.pass++;
    return E.right(result);
  }

  // ---- for the result objects ---------------------------------------------

  /** @internal The position of `wire` among the inputs, or -1. */
  inputOf(wire: Wire): number {
    return wire instanceof Wire && wire.circuit === this.circuit && wire.index < this.wires ? this.circuit.inputPosition(wire.index) : -1;
  }

  /** @internal Every wire's value in the last pass, worked out by the interpreter on first request. */
  allValues(): Float64Array {
    if (this.valuesPass !== this.pass) this.replay(false);
    return this.full?.values ?? new Float64Array(this.wires).fill(NaN);
  }

  /** @internal Every wire's gradient in the last pass, worked out by the interpreter on first request. */
  allGradients(): Float64Array {
    if (this.gradientsPass !== this.pass) this.replay(true);
    return this.full?.gradients ?? new Float64Array(this.wires).fill(NaN);
  }

  // ---- internals -------------------------------------------------------------

  /** Replays the last pass on the interpreter, from the same inputs, to have every wire's value (and gradient). */
  private replay(gradients: boolean): void {
    const inputs = this.V.subarray(0, this.inputCount);
    let values: Float64Array;
    let grads: Float64Array | undefined;
    if (this.circuit.size === this.wires) {
      this.interpreter ??= this.circuit.workspace();
      const f = this.interpreter.forward(inputs);
      values = E.isRight(f) ? f.right.values : new Float64Array(this.wires).fill(NaN);
      if (gradients) {
        const b = this.interpreter.backward(this.upstream, this.outputWire);
        grads = E.isRight(b) ? b.right.gradients : new Float64Array(this.wires).fill(NaN);
      }
    } else {
      // the circuit grew since it was compiled: a fresh pass over it, cut to the compiled wires
      const f = this.circuit.forwardArray(inputs);
      values = E.isRight(f) ? f.right.values.subarray(0, this.wires) : new Float64Array(this.wires).fill(NaN);
      if (gradients) {
        const b = E.isRight(f) ? this.circuit.backward(f.right, this.upstream, this.outputWire) : f;
        grads = E.isRight(b) ? b.right.gradients.subarray(0, this.wires) : new Float64Array(this.wires).fill(NaN);
      }
    }
    this.full = { values, gradients: grads ?? this.full?.gradients ?? new Float64Array(this.wires).fill(NaN) };
    this.valuesPass = this.pass;
    if (gradients) this.gradientsPass = this.pass;
  }

  /**
   * Checks the inputs the loops do not read and copies to their slots those
   * the loops do not copy (see `LoopForward` in compiler/codegen.ts); returns the input
   * values the loops read, or `undefined` when one is not a finite number
   * (or the count is wrong). A `Float64Array` is read in place; other
   * array-likes are copied whole into `V` first (and `V` is returned), so
   * that the loops always read a `Float64Array`.
   */
  private setInputs(inputs: ArrayLike<number>): Float64Array | undefined {
    const n = this.inputCount;
    if (inputs.length !== n) return undefined;
    const V = this.V;
    let acc = 0;
    if (inputs instanceof Float64Array) {
      const copied = this.copied;
      if (copied === ALL) V.set(inputs);
      else {
        for (let r = 0; r < copied.length; r++) {
          const k = copied[r] ?? 0;
          V[k] = inputs[k] ?? NaN;
        }
      }
      const unchecked = this.unchecked;
      for (let r = 0; r < unchecked.length; r++) {
        const x = V[unchecked[r] ?? 0] ?? NaN;
        acc += x - x;
      }
      return acc === 0 ? inputs : undefined;
    }
    for (let k = 0; k < n; k++) {
      const x = inputs[k];
      if (typeof x !== 'number') return undefined;
      V[k] = x;
      acc += x - x;
    }
    return acc === 0 ? V : undefined;
  }

  /** Runs the forward steps on input values `I` (from {@link setInputs}: nothing runs when it refused them); 0 when every value was finite. */
  private runForward(I: Float64Array | undefined): number {
    if (I === undefined) return NaN;
    let acc = 0;
    const steps = this.steps;
    for (let k = 0; k < steps.length; k++) acc += (steps[k] as Step).forward(this.V, I, this.calls);
    return acc;
  }

  /** Seeds the output, runs the backward steps in reverse; 0 when every gradient was finite. */
  private runBackward(upstream: number): number {
    const D = this.D;
    const zero = this.zero;
    for (let r = 0; r < zero.length; r += 2) {
      const from = zero[r] ?? 0;
      const to = zero[r + 1] ?? 0;
      if (to - from < 32) for (let q = from; q < to; q++) D[q] = 0;
      else D.fill(0, from, to);
    }
    D[this.outSlot] = 0 + upstream;
    let acc = 0;
    const steps = this.steps;
    for (let k = steps.length - 1; k >= 0; k--) acc += (steps[k] as Step).backward(this.V, D, this.calls);
    const inputs = this.tapeInputs;
    for (let r = 0; r < inputs.length; r++) {
      const d = D[inputs[r] ?? 0] ?? NaN;
      acc += d - d;
    }
    return acc;
  }

  private explainForward(inputs: ArrayLike<number>): E.Left<CircuitError> {
    return disagree(this.circuit.forwardArray(inputs));
  }

  private explainBackward(inputs: ArrayLike<number>, upstream: number): E.Left<CircuitError> {
    const f = this.circuit.forwardArray(inputs);
    if (E.isLeft(f)) return f;
    return disagree(this.circuit.backward(f.right, upstream, this.outputWire));
  }

  /** The interpreter's verdict on a pass that went wrong here (it names the gate and wire). */
  private explain(inputs: ArrayLike<number>, upstream: number): E.Left<CircuitError> {
    const f = this.circuit.forwardArray(inputs);
    if (E.isLeft(f)) return f;
    if (this.wires === 0) return disagree(this.circuit.backward(f.right, upstream));
    return disagree(this.circuit.backward(f.right, upstream, this.outputWire));
  }
}

/** {@link CompiledCircuit}'s `copied` when a pass copies every input (one `set`). */
const ALL = Int32Array.of(-1);

/** One step of a compiled pass: a loop or a tape segment (`I`: the pass's input values, see `LoopForward` in compiler/codegen.ts). */
interface Step {
  forward(V: Float64Array, I: Float64Array, G: readonly Gate[]): number;
  backward(V: Float64Array, D: Float64Array, G: readonly Gate[]): number;
}

/** The steps of a plan, in order, and their source. */
function steps(p: Plan, calls: Calls): { steps: Step[]; source: string; unchecked: Int32Array; copied: Int32Array; tapeInputs: Int32Array } {
  const out: Step[] = [];
  const checked = new Uint8Array(p.inputs);
  const sources: string[] = [];
  const t: Tape | undefined = p.segments.some((s) => s.kind === 'tape') ? tape(p, calls) : undefined;
  let r = 0;
  for (const s of p.segments) {
    if (s.kind === 'loop') {
      const l: Loop = loop(p, s, calls, checked);
      sources.push(l.source);
      const IX = l.table;
      out.push({ forward: (V, I, G) => l.forward(V, I, G, IX), backward: (V, D, G) => l.backward(V, D, G, IX) });
    } else if (t !== undefined) {
      const [q0, q1, p0, p1, o0] = t.ranges[r++] ?? [0, 0, 0, 0, 0];
      const { T, C } = t;
      out.push({ forward: (V, _I, G) => t.forward(V, T, C, G, q0, q1, p0, o0), backward: (V, D, G) => t.backward(V, D, T, C, G, q0, q1, p1, o0) });
    }
  }
  if (t !== undefined) sources.push(t.source);
  // the pass copies the inputs no loop reads (and so copies), and those the tape reads (it may run before the loop that does)
  const copied = checked.slice();
  // (the inputs whose gradients the tape adds to are the inputs its records read)
  if (t !== undefined) for (const k of t.inputs) copied[k] = 0;
  return { steps: out, source: sources.join('\n'), unchecked: zeros(checked), copied: zeros(copied), tapeInputs: t?.inputs ?? new Int32Array(0) };
}

/** The positions of the zeros of `flags` (a plain loop: a callback per entry costs more, a million of them). */
function zeros(flags: Uint8Array): Int32Array {
  let n = 0;
  for (let k = 0; k < flags.length; k++) if (flags[k] === 0) n++;
  const out = new Int32Array(n);
  for (let k = 0, q = 0; k < flags.length; k++) if (flags[k] === 0) out[q++] = k;
  return out;
}

function inputError(input: string, message: string): InputError {
  return { _tag: 'InputError', input, message };
}

/** The interpreter's error; if it found none, the compiled code and the circuit disagree (a bug: say so). */
function disagree<A>(replay: E.Either<CircuitError, A>): E.Left<CircuitError> {
  if (E.isLeft(replay)) return replay;
  return { _tag: 'Left', left: { _tag: 'GateError', pass: 'forward', gate: 'compiled', wire: '', message: 'compiled code produced a non-finite value that the circuit does not reproduce' } };
}

/**
 * Compiles `circuit` to JavaScript with the same emitter as
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
