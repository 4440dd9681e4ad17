import type { Circuit } from '../Circuit';
import { emit, gateExpressions } from '../emit';
import type { Gate } from '../Gate';
import { AddGate } from '../gates/AddGate';
import { ConstantGate } from '../gates/ConstantGate';
import { MaxGate } from '../gates/MaxGate';
import { MultiplyGate } from '../gates/MultiplyGate';
import { NegateGate } from '../gates/NegateGate';
import { PowGate } from '../gates/PowGate';
import { ReciprocalGate } from '../gates/ReciprocalGate';
import { ReluGate } from '../gates/ReluGate';
import { SigmoidGate, sigmoid } from '../gates/SigmoidGate';
import { SubtractGate } from '../gates/SubtractGate';
import { GRAD_LOCAL, GRAD_NONE, GRAD_SLOT, TAPE_ARITY, isVariadic, localGradients, readsInput, readsOf, type LoopSegment, type Plan } from './plan';

// Code generation from a plan: a function pair (forward, backward) per loop,
// a tape with generated cases for the irregular gates, or one fused
// function for a small circuit. Every gate is written by the one emitter
// (`gateExpressions`, the same as the printed code), or called through its
// methods when it has no code.

/** Turns a value a user's gate returned into a number (anything else is NaN, which the checks report). */
export const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);

/**
 * A loop's forward pass over its `n` instances; returns 0, or NaN when a
 * value was not finite. It reads the inputs it needs from `I` (the pass's
 * input values, by position) and copies each into its slot of `V` as it
 * reads it, so that a pass need not copy them first: one trip through
 * memory instead of two.
 */
export type LoopForward = (V: Float64Array, I: Float64Array, G: readonly Gate[], IX: Int32Array) => number;
/** A loop's backward pass, instances in reverse; returns 0, or NaN when a gradient was not finite. */
export type LoopBackward = (V: Float64Array, D: Float64Array, G: readonly Gate[], IX: Int32Array) => number;
/** The tape's forward pass over gates `q0` to `q1 - 1`, records from `p0`, output slots from `o0`. */
export type TapeForward = (V: Float64Array, T: Int32Array, C: Uint16Array, G: readonly Gate[], q0: number, q1: number, p0: number, o0: number) => number;
/** The tape's backward pass over the same gates, in reverse, records ending at `p1`. */
export type TapeBackward = (V: Float64Array, D: Float64Array, T: Int32Array, C: Uint16Array, G: readonly Gate[], q0: number, q1: number, p1: number, o0: number) => number;

/** A loop, generated: its two functions, their index table and source. */
export interface Loop {
  readonly forward: LoopForward;
  readonly backward: LoopBackward;
  readonly table: Int32Array;
  readonly source: string;
}

/** The tape of a plan: records, cases and the two generated functions. */
export interface Tape {
  readonly T: Int32Array;
  readonly C: Uint16Array;
  /** The inputs (by position) whose gradients the tape adds to: checked after the pass, as no gate reads them. */
  readonly inputs: Int32Array;
  /** Per tape segment: `[q0, q1, p0, p1, o0]`. */
  readonly ranges: readonly (readonly [number, number, number, number, number])[];
  readonly forward: TapeForward;
  readonly backward: TapeBackward;
  readonly source: string;
}

/** The gates without code that generated code calls, `G[k]`. */
export class Calls {
  readonly gates: Gate[] = [];
  private readonly index = new Map<Gate, number>();

  /** The index of `gate` in `gates`, adding it on first use. */
  of(gate: Gate): number {
    let k = this.index.get(gate);
    if (k === undefined) {
      k = this.gates.length;
      this.gates.push(gate);
      this.index.set(gate, k);
    }
    return k;
  }
}

// The finiteness checks (`acc += x - x` is NaN once any x is not finite) are
// left out where a value cannot be the first non-finite one: the output of a
// gate that maps finite inputs to a finite output, and a gradient
// contribution that is finite whenever the upstream gradient is (which was
// checked). Sums are always checked: two finite terms can overflow.
const exactly = (g: Gate, ...classes: (abstract new (...args: never[]) => Gate)[]): boolean => classes.some((c) => Object.getPrototypeOf(g) === c.prototype);
/** A finite output for finite inputs: sigmoid, ReLU, negation, max, a constant. */
const safeForward = (g: Gate): boolean => exactly(g, SigmoidGate, ReluGate, NegateGate, MaxGate, ConstantGate);
/** A built-in gate: its contributions are products of the upstream gradient, or 0 (see `z`). */
const builtIn = (g: Gate): boolean =>
  exactly(g, MultiplyGate, AddGate, SubtractGate, NegateGate, SigmoidGate, ReluGate, MaxGate, PowGate, ReciprocalGate, ConstantGate);
/** Finite contributions for a finite upstream gradient: add, subtract, negate, ReLU, sigmoid (`|f (1 - f)| <= 1/4`), max. */
const safeBackward = (g: Gate): boolean => exactly(g, AddGate, SubtractGate, NegateGate, ReluGate, SigmoidGate, MaxGate, ConstantGate);

/**
 * `z(t)` is `0 + t`, the first contribution to a gradient as the
 * interpreter's zeroed buffer gives it (+0 for -0, NaN for NaN, t
 * otherwise: adding 0 is exact). Written as the addition itself: it was
 * `t === 0 ? 0 : t`, the same numbers, but a compare and a select cost
 * more than an addition (the deep chain's compiled pass: 0.15 ns a gate,
 * a tenth of it).
 *
 * A loop keeps it off the backward pass's chain of dependencies: a gradient in a local (within an
 * instance, or carried to the next) may be -0 where the interpreter has +0,
 * and `z` is applied where a gradient is stored in `D` and to the upstream
 * gradient a gate that is not built in is given. That gives the same
 * numbers bit for bit, because a built-in gate's contributions are
 * products of the upstream gradient (or 0): the sign of a zero upstream
 * gradient changes only the sign of a zero contribution, and a sum with a
 * nonzero term does not depend on it.
 */
const ZERO = 'const z = (t) => t + 0;';

/** Compiles generated code to a function of `params`, with `sig`, `num` and `z` in scope; the caller states its type. */
function make(params: readonly string[], body: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generating code is the point of a compiler
  return (new Function('sig', 'num', `${ZERO}\nreturn function (${params.join(', ')}) {\n${body}\n};`) as (s: typeof sigmoid, n: typeof num) => unknown)(sigmoid, num);
}

/** `base + step * k` as code. */
function affine(base: number, step: number, k: string): string {
  if (step === 0) return String(base);
  const term = step === 1 ? k : `${String(step)} * ${k}`;
  return base === 0 ? term : `${String(base)} + ${term}`;
}

/** The forward expression of a gate (its code, or a call through its methods). */
function forwardExpression(gate: Gate, xs: readonly string[], calls: Calls): string {
  const code = gateExpressions(gate, xs, '', '');
  return code === undefined ? `num(G[${String(calls.of(gate))}].forward([${xs.join(', ')}]))` : code.forward;
}

/**
 * The backward contributions of a gate, as statements that first compute
 * them into `c0, c1, ...` (prefixed), then the expressions to use.
 */
function backwardContributions(gate: Gate, xs: readonly string[], y: string, dy: string, calls: Calls, prefix: string): { setup: string[]; terms: string[] } {
  const code = gateExpressions(gate, xs, y, dy);
  if (code !== undefined) return { setup: [], terms: xs.map((_, m) => `(${code.backward[m] ?? 'NaN'})`) };
  const l = `${prefix}l`;
  return {
    setup: [
      `const ${l} = G[${String(calls.of(gate))}].backward([${xs.join(', ')}], ${y}, ${dy});`,
      `if (!Array.isArray(${l}) || ${l}.length !== ${String(xs.length)}) acc = NaN;`,
    ],
    terms: xs.map((_, m) => `num(${l}[${String(m)}])`),
  };
}

// An address over a loop's instances is gathered into a scratch array by a plain loop, then looked at: module
// functions, so that V8 keeps one optimised copy across loops and compiles (a closure per address, called once per
// instance, cost more than the rest of the code generation).

/** `scratch[k] = of[gateWires[t + k * L]] + add` for the R instances. */
function gatherWires(scratch: Int32Array, of: Int32Array, gateWires: Int32Array, t: number, L: number, R: number, add: number): void {
  for (let k = 0; k < R; k++, t += L) scratch[k] = (of[gateWires[t] ?? 0] ?? 0) + add;
}

/** `scratch[k]` = the slot of input m of the gate at `gateWires[t + k * L]`, for the R instances. */
function gatherInputs(scratch: Int32Array, slot: Int32Array, args: Int32Array, argStart: Int32Array, gateWires: Int32Array, t: number, L: number, R: number, m: number): void {
  for (let k = 0; k < R; k++, t += L) scratch[k] = slot[args[(argStart[gateWires[t] ?? 0] ?? 0) + m] ?? 0] ?? -1;
}

/** `checked[scratch[k]] = 1` for the R instances. */
function mark(checked: Uint8Array, scratch: Int32Array, R: number): void {
  for (let k = 0; k < R; k++) checked[scratch[k] ?? 0] = 1;
}

/** Whether `scratch[0 .. R)` is `a0 + k * step`. */
function isAffine(scratch: Int32Array, R: number): boolean {
  if (R < 3) return true;
  const step = (scratch[1] ?? 0) - (scratch[0] ?? 0);
  for (let k = 2, a = (scratch[1] ?? 0) + step; k < R; k++, a += step) if (scratch[k] !== a) return false;
  return true;
}

/**
 * Whether position u of each instance of a loop (from `first`, `L` gates,
 * `R` instances) is the only reader of position v of the instance before,
 * and reads it as its input m only.
 */
function onlyReader(p: Plan, first: number, L: number, R: number, v: number, u: number, m: number): boolean {
  const { gateWires, readers, lastReader } = p;
  const { argStart, args } = p.layout;
  for (let k = 0, tv = first + v, tu = first + L + u; k + 1 < R; k++, tv += L, tu += L) {
    const w = gateWires[tv] ?? 0;
    const reader = gateWires[tu] ?? 0;
    if (readers[w] !== 1 || lastReader[w] !== reader) return false;
    for (let a = argStart[reader] ?? 0, e = argStart[reader + 1] ?? 0, q = 0; a < e; a++, q++) if (q !== m && args[a] === w) return false;
  }
  return true;
}

/**
 * Generates the functions of one loop of the plan. The inputs the loop
 * reads are checked where they are read, and marked in `checked` (by
 * position), so the pass need not scan them.
 */
export function loop(p: Plan, s: LoopSegment, calls: Calls, checked: Uint8Array): Loop {
  const { layout, gateWires, gateIndex, slot } = p;
  const { gate, argStart, args } = layout;
  const L = s.length;
  const R = s.count;
  /** The index table, `tableLength` entries used (it grows by doubling). */
  let table = new Int32Array(0);
  let tableLength = 0;
  /** An address over the instances, `scratch[k]` for instance k (see the `gather` functions). */
  const scratch = new Int32Array(R);
  /** The address in `scratch` as code: affine in k, or read from the table (each address is computed once per instance). */
  const address = (): string => {
    const a0 = scratch[0] ?? 0;
    if (isAffine(scratch, R)) return affine(a0, R > 1 ? (scratch[1] ?? 0) - a0 : 0, 'k');
    const at = tableLength;
    if (at + R > table.length) {
      const more = new Int32Array(Math.max(at + R, 2 * table.length));
      more.set(table.subarray(0, at));
      table = more;
    }
    table.set(scratch, at);
    tableLength = at + R;
    return `IX[${affine(at, 1, 'k')}]`;
  };
  const start = s.first;
  /** `of[wire of position u] + add`, instance by instance, into `scratch`. */
  const gatherOwn = (of: Int32Array, u: number, add: number): void => {
    gatherWires(scratch, of, gateWires, start + u, L, R, add);
  };
  /** The slot of input m of position u, instance by instance, into `scratch`. */
  const gatherLoad = (u: number, m: number): void => {
    gatherInputs(scratch, slot, args, argStart, gateWires, start + u, L, R, m);
  };
  const wireOf = (u: number, k: number): number => gateWires[start + k * L + u] ?? 0;
  /**
   * The position of the previous instance that input m of position u reads
   * (a chain: the step before), or -1. Its value and, where this is its
   * only reader and the first contribution, its gradient pass from one
   * instance to the next in a local instead of through memory.
   */
  const carriedFrom = (u: number, m: number): number => {
    if (R < 2) return -1;
    const j1 = args[(argStart[wireOf(u, 1)] ?? 0) + m] ?? -1;
    const v = (gateIndex[j1] ?? -1) - start;
    return v >= 0 && v < L && wireOf(v, 0) === j1 ? v : -1;
  };
  interface Position {
    gate: Gate;
    id: number;
    xs: string[];
    /** Each input's value in the backward pass (nothing of the instance is in a local there). */
    valueAt: string[];
    /** Each input's gradient: a local (the position), or a slot, assigned or added to. */
    targets: { local: number; slot: string; assign: boolean }[];
    outAt: string;
    stored: boolean;
    grad: number;
    /** For a gate in local form ({@link Reads.local}): where each input's local gradient is kept. */
    localAt: string[];
    /**
     * The forward pass's loads of wires from outside the instance (inputs
     * among them); a load of the previous instance's position `carried` comes
     * from a local instead (and its gradient goes to one, with `gradient`).
     */
    loads: { name: string; at: string; at0: number; input: boolean; carried: number; gradient: boolean }[];
    /** The positions of the instance this gate reads. */
    reads: number[];
  }
  const positions: Position[] = [];
  for (let u = 0; u < L; u++) {
    const w = wireOf(u, 0);
    const id = gate[w] ?? 0;
    const g = layout.gates[id] as Gate;
    const from = argStart[w] ?? 0;
    const n = (argStart[w + 1] ?? 0) - from;
    const pos: Position = { gate: g, id, xs: [], valueAt: [], targets: [], outAt: '', stored: (p.stored[w] ?? 0) === 1, grad: p.gradient[w] ?? GRAD_NONE, localAt: [], loads: [], reads: [] };
    if ((p.localSlot[w] ?? -1) >= 0) {
      for (let m = 0; m < n; m++) {
        gatherOwn(p.localSlot, u, m);
        pos.localAt.push(address());
      }
    }
    for (let m = 0; m < n; m++) {
      const j0 = args[from + m] ?? 0;
      const t0 = gateIndex[j0] ?? -1;
      if (t0 >= start && t0 < start + L) {
        // a wire of the same instance: a local in the forward pass
        const v = t0 - start;
        pos.reads.push(v);
        pos.xs.push(`x${String(v)}`);
        gatherOwn(slot, v, 0);
        const own = address();
        pos.valueAt.push((p.stored[j0] ?? 0) === 1 ? `V[${own}]` : 'NaN');
        pos.targets.push(p.gradient[j0] === GRAD_SLOT ? { local: -1, slot: `D[${own}]`, assign: false } : { local: v, slot: '', assign: false });
      } else {
        gatherLoad(u, m);
        const input = (gateIndex[j0] ?? 0) < 0;
        // an input is checked where it is read (see the forward pass below)
        if (input) mark(checked, scratch, R);
        const at0 = scratch[0] ?? -1;
        const at = address();
        const name = `a${String(u)}_${String(m)}`;
        const carried = carriedFrom(u, m);
        const assign = p.assign[from + m] === 1;
        const gradient = carried >= 0 && assign && onlyReader(p, start, L, R, carried, u, m);
        pos.loads.push({ name, at, at0, input, carried, gradient });
        pos.xs.push(name);
        pos.valueAt.push(`V[${at}]`);
        pos.targets.push({ local: -1, slot: gradient ? `c${name}` : `D[${at}]`, assign });
      }
    }
    if ((slot[w] ?? -1) >= 0) {
      gatherOwn(slot, u, 0);
      pos.outAt = address();
    }
    positions.push(pos);
  }
  // Which values are checked: a value that a later gate of the instance adds, subtracts, multiplies or negates
  // need not be, when that gate's output is checked (or covered so in turn): a non-finite term makes it non-finite.
  const covered = new Uint8Array(L + 1);
  const check = new Uint8Array(L);
  const propagates = (q: number): boolean => {
    const g = positions[q]?.gate;
    return g !== undefined && exactly(g, MultiplyGate, AddGate, SubtractGate, NegateGate);
  };
  const detected = (q: number): boolean => check[q] === 1 || covered[q] === 1;
  for (let u = L - 1; u >= 0; u--) {
    let by = s.sum?.position === u; // the folded sum adds it, and is checked
    for (let v = u + 1; v < L && !by; v++) if (positions[v]?.reads.includes(u) === true && propagates(v) && detected(v)) by = true;
    covered[u] = by ? 1 : 0;
    const pos = positions[u];
    check[u] = pos !== undefined && !safeForward(pos.gate) && !by ? 1 : 0;
  }
  const fwd: string[] = [];
  const before: string[] = []; // the forward pass's locals that carry a value from one instance to the next
  const after: string[] = []; // the updates of those locals at the end of an instance
  positions.forEach((pos, u) => {
    for (const l of pos.loads) {
      // an input is read from I, and copied into its slot of V (slots 0 .. inputs - 1 are the inputs by position)
      if (l.carried >= 0) {
        before.push(l.input ? `let v${l.name} = I[${String(l.at0)}];` : `let v${l.name} = V[${String(l.at0)}];`);
        if (l.input) before.push(`V[${String(l.at0)}] = v${l.name};`);
        fwd.push(`const ${l.name} = v${l.name};`);
        after.push(`v${l.name} = x${String(l.carried)};`);
      } else if (l.input) fwd.push(`const ${l.name} = I[${l.at}];`, `V[${l.at}] = ${l.name};`);
      else fwd.push(`const ${l.name} = V[${l.at}];`);
      if (!l.input) continue;
      // an input: checked here, where it is read, unless the gate reading it covers it
      if (!(propagates(u) && detected(u))) fwd.push(`acc += ${l.name} - ${l.name};`);
    }
    const x = `x${String(u)}`;
    fwd.push(`const ${x} = ${forwardExpression(pos.gate, pos.xs, calls)};`);
    if (check[u] === 1) fwd.push(`acc += ${x} - ${x};`);
    // a gate in local form: its local gradients, worked out here where its inputs and output are at hand
    if (pos.localAt.length > 0) {
      localGradients(pos.gate, pos.xs, x)?.forEach((l, m) => fwd.push(`V[${pos.localAt[m] ?? ''}] = ${l};`));
    }
    if (pos.stored) fwd.push(`V[${pos.outAt}] = ${x};`);
    if (s.sum?.position === u) fwd.push(`sum += ${x};`);
  });
  const sumSlot = s.sum === undefined ? -1 : (slot[s.sum.wire] ?? -1);
  const sumGate = s.sum === undefined ? undefined : (layout.gates[gate[s.sum.wire] ?? 0] as Gate);
  // the backward pass of an instance: its gates in reverse; a local gradient is declared by its first contribution
  const declared = new Set<number>();
  /** The locals that must be checked: an unsafe contribution or a sum. */
  const unsure = new Set<number>();
  const bwd: string[] = [];
  // a gradient carried from instance k + 1 to instance k: read first, at the top of the body
  const carriedGradient = new Map<number, string>();
  const bwdBefore: string[] = [];
  const bwdAfter: string[] = [];
  positions.forEach((pos) => {
    for (const l of pos.loads) {
      if (!l.gradient) continue;
      const v = positions[l.carried];
      if (v === undefined) continue;
      carriedGradient.set(l.carried, `c${l.name}`);
      // the last instance's gradient comes from outside the loop; the first instance's contribution goes out of it
      bwdBefore.push(`let c${l.name} = D[${String(slot[wireOf(l.carried, R - 1)] ?? -1)}];`, `acc += c${l.name} - c${l.name};`);
      bwdAfter.push(`D[${String(l.at0)}] = z(c${l.name});`);
      bwd.push(`const d${String(l.carried)} = c${l.name};`);
    }
  });
  for (let u = L - 1; u >= 0; u--) {
    const pos = positions[u];
    if (pos === undefined) continue;
    const n = pos.xs.length;
    const dy = `d${String(u)}`;
    if (s.sum?.position === u && sumGate !== undefined) {
      // its one contribution: the folded sum's, the first
      bwd.push(`const ${dy} = ${gateExpressions(sumGate, [`x${String(u)}`], 'sum', 'dsum')?.backward[0] ?? 'NaN'};`);
    } else if (carriedGradient.has(u)) {
      // read at the top of the body
    } else if (pos.grad === GRAD_SLOT) {
      // the tape adds into it unchecked: checked here, where it is complete
      bwd.push(`const ${dy} = D[${pos.outAt}];`, `acc += ${dy} - ${dy};`);
    }
    else if (pos.grad === GRAD_LOCAL && unsure.has(u)) bwd.push(`acc += ${dy} - ${dy};`);
    if (n === 0) continue;
    // (a gradient in a local may be -0: see `z`)
    const upstream = pos.grad === GRAD_NONE ? '0' : builtIn(pos.gate) ? dy : `z(${dy})`;
    let terms: string[];
    if (pos.localAt.length > 0) {
      // (L) * dy, with L kept by the forward pass: the same numbers as the gate's code
      terms = pos.localAt.map((at, m) => {
        const l = `l${String(u)}_${String(m)}`;
        bwd.push(`const ${l} = V[${at}];`);
        return `((${l}) * ${upstream})`;
      });
    } else {
      const reads = p.reads(pos.id, n);
      const bx = pos.xs.map((_, m) => `b${String(u)}_${String(m)}`);
      bx.forEach((b, m) => {
        if (readsInput(reads, m)) bwd.push(`const ${b} = ${pos.valueAt[m] ?? 'NaN'};`);
      });
      const y = `y${String(u)}`;
      if (reads.output) bwd.push(`const ${y} = ${pos.stored ? `V[${pos.outAt}]` : 'NaN'};`);
      const written = backwardContributions(pos.gate, bx, y, upstream, calls, `q${String(u)}`);
      bwd.push(...written.setup);
      terms = written.terms;
    }
    const safe = safeBackward(pos.gate);
    pos.targets.forEach((t, m) => {
      const c = terms[m] ?? 'NaN';
      if (t.local >= 0) {
        const d = `d${String(t.local)}`;
        if (declared.has(t.local) || !safe) unsure.add(t.local);
        bwd.push(declared.has(t.local) ? `${d} += ${c};` : `let ${d} = ${c};`);
        declared.add(t.local);
      } else if (t.assign) {
        // (a carried gradient's slot is a local, which may be -0: see `z`)
        const first = t.slot.startsWith('D[') ? `z(${c})` : c;
        bwd.push(safe ? `${t.slot} = ${first};` : `{ const t = ${first}; ${t.slot} = t; acc += t - t; }`);
      } else {
        bwd.push(`{ const t = ${t.slot} + ${c}; ${t.slot} = t; acc += t - t; }`);
      }
    });
  }
  // a folded sum: -0 + x is x for every x, so starting from -0 adds up the terms as the add gate does
  const forwardSource = [
    'let acc = 0;',
    ...(sumSlot >= 0 ? ['let sum = -0;'] : []),
    ...before,
    `for (let k = 0; k < ${String(R)}; k++) {`,
    ...fwd.map((l) => `  ${l}`),
    ...after.map((l) => `  ${l}`),
    '}',
    ...(sumSlot >= 0 ? ['acc += sum - sum;', `V[${String(sumSlot)}] = sum;`] : []),
    'return acc;',
  ].join('\n');
  const backwardSource = [
    'let acc = 0;',
    ...(sumSlot >= 0 ? [`const dsum = D[${String(sumSlot)}];`, 'acc += dsum - dsum;'] : []),
    ...bwdBefore,
    `for (let k = ${String(R - 1)}; k >= 0; k--) {`,
    ...bwd.map((l) => `  ${l}`),
    '}',
    ...bwdAfter,
    'return acc;',
  ].join('\n');
  return {
    forward: make(['V', 'I', 'G', 'IX'], forwardSource) as LoopForward,
    backward: make(['V', 'D', 'G', 'IX'], backwardSource) as LoopBackward,
    table: table.length === tableLength ? table : table.slice(0, tableLength),
    source: `function loopForward(V, I, G, IX) {\n${forwardSource}\n}\nfunction loopBackward(V, D, G, IX) {\n${backwardSource}\n}`,
  };
}


/** Generates the tape of a plan's tape segments: records of slot indices and one case per kind of gate. */
export function tape(p: Plan, calls: Calls): Tape {
  const { layout, gateWires, slot } = p;
  const { gate, argStart, args } = layout;
  const cases = new Map<number, number>();
  const forwardCases: string[] = [];
  const backwardCases: string[] = [];
  // the records (at most every gate's inputs, and a count either side of a variadic one), and a case per
  // gate, sized for the tape's own gates (a plan of loops with a few gates left over has a short tape)
  let records = 0;
  let tapeGates = 0;
  for (const s of p.segments) {
    if (s.kind !== 'tape') continue;
    const a = argStart[gateWires[s.first] ?? 0] ?? 0;
    const b = argStart[(gateWires[s.first + s.count - 1] ?? 0) + 1] ?? 0;
    records += b - a + 2 * s.count;
    tapeGates += s.count;
  }
  const T = new Int32Array(records);
  let tp = 0;
  const C = new Uint16Array(tapeGates);
  let cp = 0;
  const ranges: [number, number, number, number, number][] = [];
  /** The inputs some tape record reads (their slots are the first): 1 each. */
  const written = new Uint8Array(p.inputs);
  // a case per gate, number of inputs, and which contributions come first (they assign; the others add):
  // for up to TAPE_ARITY inputs a bit per input, for a variadic record all, none or some
  const addCase = (key: number, [f, b]: [string, string]): number => {
    const c = cases.size;
    cases.set(key, c);
    forwardCases.push(`case ${String(c)}: {\n${f}\nbreak;\n}`);
    backwardCases.push(`case ${String(c)}: {\n${b}\nbreak;\n}`);
    return c;
  };
  let q = 0;
  for (const s of p.segments) {
    if (s.kind !== 'tape') continue;
    const q0 = q;
    const p0 = tp;
    const o0 = slot[gateWires[s.first] ?? 0] ?? 0;
    for (let t = s.first; t < s.first + s.count; t++, q++) {
      const w = gateWires[t] ?? 0;
      const from = argStart[w] ?? 0;
      const n = (argStart[w + 1] ?? 0) - from;
      const id = gate[w] ?? 0;
      const g = layout.gates[id] as Gate;
      const variadic = n > TAPE_ARITY && isVariadic(g, n);
      let mask = 0;
      let count = 0;
      for (let m = 0; m < n; m++) {
        if (p.assign[from + m] === 1) {
          count++;
          if (m < TAPE_ARITY) mask |= 1 << m;
        }
      }
      const first = count === n ? 'all' : count === 0 ? 'none' : 'mixed';
      const key = variadic ? -1 - (id * 4 + (first === 'all' ? 0 : first === 'none' ? 1 : 2)) : (id * (TAPE_ARITY + 1) + n) * (1 << TAPE_ARITY) + mask;
      C[cp++] =
        cases.get(key) ??
        addCase(key, variadic ? variadicCase(g instanceof MaxGate, first) : fixedCase(g, n, Array.from({ length: n }, (_, m) => (mask & (1 << m)) !== 0), calls));
      if (variadic) T[tp++] = n;
      // a mixed variadic record marks the inputs whose contribution comes first as -1 - slot
      const mixed = variadic && count > 0 && count < n;
      for (let m = 0; m < n; m++) {
        const q = slot[args[from + m] ?? 0] ?? 0;
        T[tp++] = mixed && p.assign[from + m] === 1 ? -1 - q : q;
        if (q < p.inputs) written[q] = 1;
      }
      if (variadic) T[tp++] = n;
    }
    ranges.push([q0, q, p0, tp, o0]);
  }
  if (cases.size > 65535) throw new Error('too many kinds of gate for the tape');
  const forwardSource = [
    'let acc = 0;',
    'for (let q = q0, p = p0, o = o0; q < q1; q++, o++) {',
    'switch (C[q]) {',
    ...forwardCases,
    '}',
    '}',
    'return acc;',
  ].join('\n');
  const backwardSource = [
    'let acc = 0;',
    'for (let q = q1 - 1, p = p1, o = o0 + (q1 - 1 - q0); q >= q0; q--, o--) {',
    // every gate's gradient is checked here, once it is complete: its contributions need no checks of their own
    'const dy = D[o];',
    'acc += dy - dy;',
    'switch (C[q]) {',
    ...backwardCases,
    '}',
    '}',
    'return acc;',
  ].join('\n');
  return {
    T: T.slice(0, tp),
    C: C.slice(0, cp),
    inputs: positionsOfOnes(written),
    ranges,
    forward: make(['V', 'T', 'C', 'G', 'q0', 'q1', 'p0', 'o0'], forwardSource) as TapeForward,
    backward: make(['V', 'D', 'T', 'C', 'G', 'q0', 'q1', 'p1', 'o0'], backwardSource) as TapeBackward,
    source: `function tapeForward(V, T, C, G, q0, q1, p0, o0) {\n${forwardSource}\n}\nfunction tapeBackward(V, D, T, C, G, q0, q1, p1, o0) {\n${backwardSource}\n}`,
  };
}


/** The positions of the 1s of `flags`, in order. */
function positionsOfOnes(flags: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let k = 0; k < flags.length; k++) if (flags[k] === 1) out.push(k);
  return Int32Array.from(out);
}

/** A tape case for a gate with `n` inputs: forward reads `V[T[p + m]]`, writes `V[o]` and moves `p` past the record; backward moves `p` back first. */
function fixedCase(g: Gate, n: number, first: readonly boolean[], calls: Calls): [string, string] {
  const xs = Array.from({ length: n }, (_, m) => `x${String(m)}`);
  const loads = xs.map((x, m) => `const ${x} = V[T[p + ${String(m)}]];`);
  const f = [...loads, `const y = ${forwardExpression(g, xs, calls)};`, 'V[o] = y;', ...(safeForward(g) ? [] : ['acc += y - y;']), `p += ${String(n)};`];
  const b: string[] = [`p -= ${String(n)};`];
  if (n > 0) {
    const r = readsOf(g, n);
    xs.forEach((_, m) => b.push(`const a${String(m)} = T[p + ${String(m)}];`));
    xs.forEach((x, m) => {
      if (readsInput(r, m)) b.push(`const ${x} = V[a${String(m)}];`);
    });
    if (r.output) b.push('const y = V[o];');
    const { setup, terms } = backwardContributions(g, xs, 'y', 'dy', calls, 'k');
    b.push(...setup);
    terms.forEach((c, m) => {
      const a = `a${String(m)}`;
      b.push(first[m] === true ? `D[${a}] = z(${c});` : `D[${a}] += ${c};`);
    });
  }
  return [f.join('\n'), b.join('\n')];
}

/**
 * The tape case of a built-in add or max with many inputs: a loop over the
 * record `[n, inputs..., n]`, the interpreter's math. `first` says which
 * contributions assign: all, none, or those marked `-1 - slot`.
 */
function variadicCase(max: boolean, first: 'all' | 'none' | 'mixed'): [string, string] {
  const at = (a: string): string => (first === 'mixed' ? `${a} < 0 ? -1 - ${a} : ${a}` : a);
  const f = max
    ? ['const n = T[p];', 'let y = -Infinity;', `for (let k = p + 1; k <= p + n; k++) { const a = T[k]; y = Math.max(y, V[${at('a')}]); }`, 'V[o] = y;', 'p += n + 2;']
    : ['const n = T[p];', 'const a1 = T[p + 1];', `let y = V[${at('a1')}];`, `for (let k = p + 2; k <= p + n; k++) { const a = T[k]; y += V[${at('a')}]; }`, 'V[o] = y;', 'acc += y - y;', 'p += n + 2;'];
  const add = (c: string): string =>
    first === 'all' ? `D[a] = z(${c});` : first === 'none' ? `D[a] += ${c};` : `if (a < 0) D[-1 - a] = z(${c}); else D[a] += ${c};`;
  const b = max
    ? [
      'const n = T[p - 1];',
      'p -= n + 2;',
      'const y = V[o];',
      'let ties = 0;',
      `for (let k = p + 1; k <= p + n; k++) { const a = T[k]; if (V[${at('a')}] === y) ties++; }`,
      'const share = dy / ties;',
      `for (let k = p + 1; k <= p + n; k++) { const a = T[k]; if (V[${at('a')}] === y) ${add('share')} else if (${first === 'all' ? 'true' : 'a < 0'}) { D[${first === 'all' ? 'a' : '-1 - a'}] = 0; } }`,
    ]
    : ['const n = T[p - 1];', 'p -= n + 2;', `for (let k = p + 1; k <= p + n; k++) { const a = T[k]; ${add('1.0 * dy')} }`];
  return [f.join('\n'), b.join('\n')];
}

/** A small circuit's whole pass as one function: status 0, or 1 / 2 for a bad input or value / gradient. */
export type Fused = (inputs: ArrayLike<number>, up: number, V: Float64Array, D: Float64Array, G: readonly Gate[]) => number;
/** A small circuit's pass at every point of a batch. */
export type FusedBatch = (C: readonly ArrayLike<number>[], GC: readonly Float64Array[], OUT: Float64Array, m: number, up: number, G: readonly Gate[]) => number;

/**
 * One function for the whole pass of a small circuit with every value and
 * gradient in a local variable: inputs read, checked and copied to
 * `V[0 .. inputs)`, the forward pass, the backward pass from `0 + up` on the
 * last wire, the output's value to `V[inputs]` and the input gradients to
 * `D[0 .. inputs)`.
 */
export function fused(circuit: Circuit, calls: Calls): { run: Fused; forward: Fused; batch: () => FusedBatch; source: string } {
  const idx = circuit.inputIndices;
  const out = circuit.size - 1;
  const body = fusedBody(circuit, calls, {
    read: (k) => `inputs[${String(k)}]`,
    fail: (pass) => `return ${String(pass)};`,
    store: (x, d) => [
      ...idx.map((w, k) => `V[${String(k)}] = ${x(w)};`),
      ...(out < 0 ? [] : [`V[${String(idx.length)}] = ${x(out)};`]),
      ...idx.map((w, k) => `D[${String(k)}] = ${d(w)};`),
    ],
  });
  const source = [...body, 'return 0;'].join('\n');
  const run = make(['inputs', 'up', 'V', 'D', 'G'], source) as Fused;
  // the forward pass alone (its values are kept even where the backward pass would fail)
  const forwardOnly = fusedBody(circuit, calls, {
    read: (k) => `inputs[${String(k)}]`,
    fail: (pass) => `return ${String(pass)};`,
    store: (x) => [...idx.map((w, k) => `V[${String(k)}] = ${x(w)};`), ...(out < 0 ? [] : [`V[${String(idx.length)}] = ${x(out)};`])],
  }, false);
  const forward = make(['inputs', 'up', 'V', 'D', 'G'], [...forwardOnly, 'return 0;'].join('\n')) as Fused;
  const batch = (): FusedBatch => {
    const b = fusedBody(circuit, calls, {
      read: (k) => `C${String(k)}[p]`,
      fail: () => 'return p;',
      store: (x, d) => [...(out < 0 ? [] : [`OUT[p] = ${x(out)};`]), ...idx.map((w, k) => `GC${String(k)}[p] = ${d(w)};`)],
    });
    return make(['C', 'GC', 'OUT', 'm', 'up', 'G'], [
      ...idx.map((_, k) => `const C${String(k)} = C[${String(k)}], GC${String(k)} = GC[${String(k)}];`),
      'for (let p = 0; p < m; p++) {',
      ...b,
      '}',
      'return -1;',
    ].join('\n')) as FusedBatch;
  };
  return { run, forward, batch, source: `function run(inputs, up, V, D, G) {\n${source}\n}` };
}

function fusedBody(
  circuit: Circuit,
  calls: Calls,
  io: { read(k: number): string; fail(pass: 1 | 2): string; store(x: (i: number) => string, d: (i: number) => string): string[] },
  backward = true,
): string[] {
  const n = circuit.size;
  const x = (i: number): string => `x${String(i)}`;
  const d = (i: number): string => `d${String(i)}`;
  const program = emit(circuit, { value: x, gradient: d, gate: (k) => `G[${String(k)}]` });
  // emit numbers its calls itself; register them in the same order
  for (const g of program.calls) calls.of(g);
  const idx = circuit.inputIndices;
  const lines: string[] = [];
  idx.forEach((w, k) => lines.push(`const ${x(w)} = ${io.read(k)};`));
  if (idx.length > 0) lines.push(`if (${idx.map((w) => `typeof ${x(w)} !== "number"`).join(' || ')}) ${io.fail(1)}`);
  for (const s of program.forward) lines.push(`const ${s.target} = ${s.gate === undefined ? s.expression : `num(${s.expression})`};`);
  const { values, gradients } = fusedChecks(circuit);
  if (values.length > 0) lines.push(`if (!(${values.map((i) => `${x(i)} - ${x(i)} === 0`).join(' && ')})) ${io.fail(1)}`);
  if (!backward) {
    lines.push(...io.store(x, d));
    return lines;
  }
  const all = Array.from({ length: n }, (_, i) => i);
  if (n > 0) {
    lines.push(`let ${all.map((i) => `${d(i)} = 0`).join(', ')};`);
    lines.push(`${d(n - 1)} = 0 + up;`);
  }
  let k = 0;
  const steps = program.backward;
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
  if (gradients.length > 0) lines.push(`if (!(${gradients.map((i) => `${d(i)} - ${d(i)} === 0`).join(' && ')})) ${io.fail(2)}`);
  lines.push(...io.store(x, d));
  return lines;
}

/**
 * The wires whose value, and those whose gradient, a fused pass checks: a
 * non-finite value can only start at an input or at the output of a gate
 * that can make one (not sigmoid, ReLU, negate, max or a constant), and
 * needs no check of its own where a gate that adds, subtracts, multiplies
 * or negates it has its output checked (or covered so in turn); in the
 * backward pass a gradient flows through every gate but ReLU, max, pow and
 * a user's gate into its inputs' gradients, of which the inputs' are all
 * checked.
 */
function fusedChecks(circuit: Circuit): { values: number[]; gradients: number[] } {
  const n = circuit.size;
  const nodes = Array.from({ length: n }, (_, i) => circuit.node(i));
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((node) => { node.inputs.forEach((j) => readers[j]?.push(node.index)); });
  const forwardCarries = (g: Gate | undefined): boolean => g !== undefined && exactly(g, MultiplyGate, AddGate, SubtractGate, NegateGate);
  const backwardCarries = (g: Gate | undefined): boolean => g !== undefined && exactly(g, MultiplyGate, AddGate, SubtractGate, NegateGate, SigmoidGate, ReciprocalGate);
  const detected = new Uint8Array(n);
  const values: number[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node === undefined) continue;
    const covered = (readers[i] ?? []).some((c) => forwardCarries(nodes[c]?.gate) && detected[c] === 1);
    const source = node.gate === undefined || !safeForward(node.gate);
    if (covered) detected[i] = 1;
    else if (source) {
      values.push(i);
      detected[i] = 1;
    }
  }
  const gradientDetected = new Uint8Array(n);
  const gradients: number[] = [];
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    if (node === undefined) continue;
    const covered = backwardCarries(node.gate) && node.inputs.some((j) => gradientDetected[j] === 1);
    gradientDetected[i] = 1;
    if (!covered) gradients.push(i);
  }
  return { values: values.reverse(), gradients };
}
