import { Circuit, gateCode, type CircuitLayout } from '../Circuit';
import type { Gate } from '../Gate';
import { AddGate } from '../gates/AddGate';
import { MaxGate } from '../gates/MaxGate';
import * as scratch from '../scratch';

// The compiler's analysis of a circuit (a client of the core's public
// surface: it reads `circuit.layout()`): which runs of gates repeat one shape
// (loops), which are irregular (the tape), and where each wire's value and
// gradient live while a compiled pass runs. Code generation (codegen.ts)
// turns the plan into functions.
//
// Storage: one Float64Array of values and one of gradients, indexed alike by
// "slot": slots 0 .. inputs-1 are the inputs in declaration order (the
// values a pass was given and the gradients it returns), then one slot per
// gate wire that needs memory, in wire order. A gate inside a loop whose
// value and gradient are only used inside its own instance lives in local
// variables and has no slot, as in a hand-written loop.

/** A run of `count` instances of one shape of `length` gates, consecutive in the circuit; instance k's wires are instance 0's plus `k * stride`. */
export interface LoopSegment {
  readonly kind: 'loop';
  /** Position (in gate order) of instance 0's first gate. */
  readonly first: number;
  readonly length: number;
  readonly count: number;
  readonly stride: number;
  /**
   * A sum folded into the loop: the add gate right after it whose inputs
   * are exactly position `position`'s outputs, instance by instance, and
   * which nothing else reads (the sum of a layer). Its wire is `wire`.
   */
  readonly sum?: { readonly position: number; readonly wire: number };
}

/** Irregular gates, run by the tape: `count` consecutive gates from `first` (in gate order). */
export interface TapeSegment {
  readonly kind: 'tape';
  readonly first: number;
  readonly count: number;
}

export type Segment = LoopSegment | TapeSegment;

// How the generated code treats a gate wire's gradient (module-local copies:
// an exported const is read as a property of `exports` in the hot loops).
const NONE = 0; // no gate reads the wire and it is not the output: its gradient is 0
const LOCAL = 1; // only gates of its own loop instance read it: a local variable
const SLOT = 2; // it has a slot
/** A gate wire whose gradient is 0: no gate reads it and it is not the output. */
export const GRAD_NONE = NONE;
/** A gate wire whose gradient is a local variable: only gates of its own loop instance read it. */
export const GRAD_LOCAL = LOCAL;
/** A wire whose gradient has a slot. */
export const GRAD_SLOT = SLOT;

/** What the backward code of a gate reads: which inputs' values (see {@link readsInput}), and whether its own output. */
export interface Reads {
  /** Whether it reads input m's value: `inputs[m]`; when `uniform`, `inputs[0]` for every input. */
  readonly inputs: readonly boolean[];
  /**
   * It reads all of its inputs' values or none (said for a gate of more than
   * 64 inputs, or one without code): `inputs` has one entry, not one per
   * input (an array of 500,000 booleans takes 13 to 30 ms to make here).
   */
  readonly uniform: boolean;
  readonly output: boolean;
  /**
   * Every contribution has the form `(L) * dy`, its local gradient `L` free
   * of the upstream gradient (sigmoid's, reciprocal's): a loop works out
   * `L` in its forward pass, where the values it reads are at hand, and
   * keeps it instead of them.
   */
  readonly local: boolean;
}

/**
 * The local gradients `L` of a gate whose contributions all have the form
 * `(L) * dy` ({@link Reads.local}), written in the given names; `undefined`
 * otherwise. `(saved L) * dy` is the contribution, bit for bit.
 */
export function localGradients(gate: Gate, xs: readonly string[], y: string): string[] | undefined {
  const code = gateCode(gate);
  if (code === undefined || xs.length === 0) return undefined;
  const marker = '$dy$';
  const terms = code.backward(xs, y, marker);
  const out: string[] = [];
  for (const t of terms) {
    const tail = `) * ${marker}`;
    if (!t.startsWith('(') || !t.endsWith(tail)) return undefined;
    const inner = t.slice(1, t.length - tail.length);
    if (inner.includes(marker) || inner.trim() === '') return undefined;
    // the parentheses must be the outer pair: depth never back to 0 inside
    let depth = 0;
    for (const ch of inner) {
      if (ch === '(') depth++;
      else if (ch === ')' && --depth < 0) return undefined;
    }
    if (depth !== 0) return undefined;
    out.push(inner);
  }
  return out;
}

/** The structure of a circuit and the plan to compile it. */
export interface Plan {
  readonly circuit: Circuit;
  readonly layout: CircuitLayout;
  /** Number of inputs. */
  readonly inputs: number;
  /** The wire of each gate, in order. */
  readonly gateWires: Int32Array;
  /** For each wire: its position in `gateWires`, or, for an input, -1 - its position among the inputs (see {@link inputAt}). */
  readonly gateIndex: Int32Array;
  /** For each wire: how many gates read it, 2 for two or more (a gate reading it twice, `a * a`, counts once). */
  readonly readers: Uint8Array;
  /** For each wire: the last gate wire that reads it, or -1. */
  readonly lastReader: Int32Array;
  readonly segments: readonly Segment[];
  /** For each wire: its slot, or -1 (inputs: their position). */
  readonly slot: Int32Array;
  /** For each wire: NONE, LOCAL or SLOT. */
  readonly gradient: Uint8Array;
  /** For each gate wire: whether its value is written to its slot in the forward pass. */
  readonly stored: Uint8Array;
  /**
   * For each gate wire of a loop whose gate is {@link Reads.local}: the first
   * of the slots that keep its local gradients (one per input), or -1 (and
   * past the end for every wire when no loop has such a gate: it is made
   * only when one does).
   */
  readonly localSlot: Int32Array;
  /** Number of slots (inputs included). */
  readonly slots: number;
  /** Ranges `[from, to)` of gradient slots to set to 0 before the backward pass (no code assigns them first). */
  readonly zero: Int32Array;
  /** For each wire and each of its gate's inputs (indexed like `layout.args`): 1 when that contribution is the first to its input's gradient slot in every instance, so the code assigns instead of adding. */
  readonly assign: Uint8Array;
  /** The output wire (the last one), or -1 for an empty circuit. */
  readonly output: number;
  /** What the backward code of each distinct gate reads, for `n` inputs: see {@link readsOf}. */
  reads(gateId: number, n: number): Reads;
}

// Fewest instances for a loop, and fewest gates it must cover, to be worth a
// function of its own; the longest shape a loop may have (its body is written
// out once). Module-local: exported consts are read through `exports`.
const MIN_INSTANCES = 4;
const MIN_LOOP_GATES = 16;
const MAX_SHAPE = 64;
/** Fewest instances for a loop. */
export const LOOP_MIN_INSTANCES = MIN_INSTANCES;

/**
 * What the backward code of `gate` with `n` inputs reads, found by writing
 * it with marker names: a gate without code is called with every input
 * and its output.
 */
export function readsOf(gate: Gate, n: number): Reads {
  const code = gateCode(gate);
  if (code === undefined) return { inputs: [true], uniform: true, output: true, local: false };
  if (n > PROBE) {
    // a gate of many inputs (a big sum): what it reads of PROBE inputs, if that is all or none of them
    const probe = readsOf(gate, PROBE);
    const all = probe.inputs.every((r) => r);
    if (all || probe.inputs.every((r) => !r)) return { inputs: [all], uniform: true, output: probe.output, local: false };
  }
  const xs = Array.from({ length: n }, (_, m) => `$x${String(m)}$`);
  const text = code.backward(xs, '$y$', '$dy$').join(' ');
  const inputs = xs.map(() => false);
  for (const m of text.matchAll(/\$x(\d+)\$/g)) inputs[Number(m[1])] = true;
  return { inputs, uniform: false, output: text.includes('$y$'), local: n <= PROBE && localGradients(gate, xs, '$y$') !== undefined };
}

/** Whether backward code that reads `r` reads input m's value. */
export function readsInput(r: Reads, m: number): boolean {
  return r.inputs[r.uniform ? 0 : m] === true;
}

/** The most inputs of a gate written out from its code on the tape; built-in add and max above it run as loops over their record. */
export const TAPE_ARITY = 8;

/** A built-in add or max with more than {@link TAPE_ARITY} inputs: it runs on the tape as a loop over its record. */
export function isVariadic(g: Gate, n: number): boolean {
  return n > TAPE_ARITY && (Object.getPrototypeOf(g) === AddGate.prototype || Object.getPrototypeOf(g) === MaxGate.prototype);
}

/** Above this many inputs, {@link readsOf} first writes the code for this many. */
const PROBE = 64;

/** Plans `circuit`: loops where runs of gates repeat a shape (unless `loops` is false), the tape elsewhere. */
export function plan(circuit: Circuit, loops: boolean): Plan {
  const result = planOf(circuit, loops);
  KEPT.plan = planOf(keptCircuit(), true);
  return result;
}

/**
 * The plan of a small chain (a tape segment and a loop), made after each
 * plan and kept alive, for V8's sake, as the parser keeps an empty parser
 * (see KEPT in parse/syntax.ts): a plan's objects (its structure, segments,
 * layout) have shapes that live only while some object has them, and when
 * a collection finds none alive, the planner's optimised code goes with
 * them. Without it, `--trace-deopt` showed the planner's functions deopted
 * and optimised again on every compile of a million-gate circuit (storage
 * alone, about 60 ms of the optimising compiler each time); with it, none.
 */
const KEPT: { plan?: Plan; circuit?: Circuit } = {};

/** The kept plan's circuit, `x = relu(w_k * x + b_k)` 8 times, built once. */
function keptCircuit(): Circuit {
  if (KEPT.circuit !== undefined) return KEPT.circuit;
  const c = new Circuit();
  let x = c.input('x');
  for (let k = 0; k < 8; k++) x = c.relu(c.add([c.mul(c.input(`w${String(k)}`), x), c.input(`b${String(k)}`)]));
  KEPT.circuit = c;
  return c;
}

function planOf(circuit: Circuit, loops: boolean): Plan {
  const layout = circuit.layout();
  const st = structureOf(layout);
  const reads = readsTable(layout);
  const { gateWires } = st;
  const segments = loops ? segment(st) : gateWires.length > 0 ? [{ kind: 'tape' as const, first: 0, count: gateWires.length }] : [];
  const where = storage(st, segments, reads);
  const assign = assignments(st, segments, where.gradient);
  const zero = zeroRanges(st, where, assign);
  scratch.release(st.first, st.kinds, st.next);
  return {
    circuit,
    layout,
    inputs: layout.inputs.length,
    gateWires,
    gateIndex: st.gateIndex,
    readers: st.readers,
    lastReader: st.lastReader,
    segments,
    ...where,
    zero,
    assign,
    output: layout.size - 1,
    reads,
  };
}

/** What the backward code of each distinct gate reads, by number of inputs (computed once per gate and count). */
function readsTable(layout: CircuitLayout): (gateId: number, n: number) => Reads {
  const lastCount = new Int32Array(layout.gates.length).fill(-1);
  const last: Reads[] = [];
  const more = new Map<string, Reads>();
  return (gateId, n) => {
    if (lastCount[gateId] === n) return last[gateId] as Reads;
    const key = `${String(gateId)}:${String(n)}`;
    let r = more.get(key);
    if (r === undefined) {
      r = readsOf(layout.gates[gateId] as Gate, n);
      more.set(key, r);
    }
    lastCount[gateId] = n;
    last[gateId] = r;
    return r;
  };
}

function structureOf(layout: CircuitLayout): Structure {
  const size = layout.size;
  const { gate, argStart, args } = layout;
  const inputWires = layout.inputs;
  const inputs = inputWires.length;
  // (one array for both: a wire is a gate or an input)
  const gateIndex = scratch.int32(size);
  for (let k = 0; k < inputs; k++) gateIndex[inputWires[k] ?? 0] = -1 - k;
  const gateWires = scratch.int32(size - inputs);
  for (let i = 0, t = 0; i < size; i++) {
    if ((gate[i] ?? -1) >= 0) {
      gateWires[t] = i;
      gateIndex[i] = t++;
    }
  }
  // who reads each wire: how many gates (up to 2) and the last one, -1 for none; and the
  // first contribution to its gradient (an index in args): its last reader's first input that is the wire
  const readers = scratch.uint8(size);
  const lastReader = scratch.int32(size).fill(-1);
  const first = scratch.int32(size).fill(-1);
  for (let i = 0; i < size; i++) {
    for (let a = argStart[i] ?? 0, e = argStart[i + 1] ?? 0; a < e; a++) {
      const j = args[a] ?? 0;
      if (lastReader[j] !== i) {
        first[j] = a;
        if ((readers[j] ?? 0) < 2) readers[j] = (readers[j] ?? 0) + 1;
      }
      lastReader[j] = i;
    }
  }
  // each gate's kind (its gate and number of inputs) as a small number, and the next gate of the same kind
  // (a gate and its last number of inputs are remembered in arrays: a Map lookup per gate is too slow here)
  const kinds = scratch.int32(gateWires.length);
  const next = scratch.int32(gateWires.length).fill(-1);
  const kindOf = new Map<number, number>();
  const lastKind = new Int32Array(layout.gates.length).fill(-1);
  const lastArity = new Int32Array(layout.gates.length).fill(-1);
  const kindGate: number[] = [];
  const kindArity: number[] = [];
  let latest = new Int32Array(16).fill(-1);
  for (let t = gateWires.length - 1; t >= 0; t--) {
    const i = gateWires[t] ?? 0;
    const g = gate[i] ?? 0;
    const n = Math.min(4095, (argStart[i + 1] ?? 0) - (argStart[i] ?? 0));
    let k = lastArity[g] === n ? (lastKind[g] ?? -1) : -1;
    if (k < 0) {
      const key = g * 4096 + n;
      k = kindOf.get(key) ?? -1;
      if (k < 0) {
        k = kindOf.size;
        kindOf.set(key, k);
        kindGate.push(g);
        kindArity.push(n);
        if (k >= latest.length) {
          const more = new Int32Array(latest.length * 2).fill(-1);
          more.set(latest);
          latest = more;
        }
      }
      lastKind[g] = k;
      lastArity[g] = n;
    }
    kinds[t] = k;
    next[t] = latest[k] ?? -1;
    latest[k] = t;
  }
  return { layout, gateWires, gateIndex, readers, lastReader, first, kinds, next, kindGate, kindArity };
}

/** Where each wire's value and gradient live: see {@link Plan}. */
function storage(
  st: Structure,
  segments: readonly Segment[],
  reads: (gateId: number, n: number) => Reads,
): { slot: Int32Array; gradient: Uint8Array; stored: Uint8Array; localSlot: Int32Array; slots: number } {
  const { layout, gateWires, lastReader } = st;
  const { gate, argStart, args } = layout;
  const size = layout.size;
  const output = size - 1;
  const gradient = scratch.uint8(size);
  const stored = scratch.uint8(size);
  const slot = scratch.int32(size).fill(-1);
  let localSlot = NO_LOCAL_SLOTS;
  const inputWires = layout.inputs;
  const inputs = inputWires.length;
  for (let k = 0; k < inputs; k++) {
    const w = inputWires[k] ?? 0;
    slot[w] = k;
    gradient[w] = SLOT;
  }
  // values some gate's backward code reads (a loop's gate in local form reads its kept local gradients instead)
  const inLoop = scratch.uint8(gateWires.length);
  for (const s of segments) if (s.kind === 'loop') inLoop.fill(1, s.first, s.first + s.count * s.length);
  const readInBackward = scratch.uint8(size);
  const byKind = st.kindGate.map((g, k) => (st.kindArity[k] === 4095 ? undefined : reads(g, st.kindArity[k] ?? 0)));
  for (let t = 0; t < gateWires.length; t++) {
    const i = gateWires[t] ?? 0;
    const from = argStart[i] ?? 0;
    const n = (argStart[i + 1] ?? 0) - from;
    const r = byKind[st.kinds[t] ?? 0] ?? reads(gate[i] ?? 0, n);
    if (r.local && inLoop[t] === 1) continue;
    if (!r.uniform || r.inputs[0] === true) for (let m = 0; m < n; m++) if (readsInput(r, m)) readInBackward[args[from + m] ?? 0] = 1;
    if (r.output) readInBackward[i] = 1;
  }
  let slots = inputs;
  for (const s of segments) {
    if (s.kind === 'tape') {
      for (let t = s.first; t < s.first + s.count; t++) {
        const w = gateWires[t] ?? 0;
        slot[w] = slots++;
        stored[w] = 1;
        gradient[w] = SLOT; // the tape reads every gate's gradient
      }
      continue;
    }
    // a loop: decide per position of the shape, the same for every instance
    const L = s.length;
    const grad = new Uint8Array(L);
    const keep = new Uint8Array(L);
    const folded = s.sum?.position ?? -1;
    // per position: read from outside its instance (or the output), read inside it only, read by a backward pass
    const outside = new Uint8Array(L);
    const inside = new Uint8Array(L);
    const read = new Uint8Array(L);
    if (folded >= 0) inside[folded] = 1; // its one reader, the folded sum, runs inside the loop
    // one pass over the instances in order (an instance's gates are the wires up to its last: a wire's readers
    // come after it, so it is read outside its instance when its last reader comes after that one)
    for (let k = 0, start = s.first; k < s.count; k++, start += L) {
      const to = gateWires[start + L - 1] ?? 0;
      for (let u = 0; u < L; u++) {
        const w = gateWires[start + u] ?? 0;
        if (readInBackward[w] === 1) read[u] = 1;
        if (u === folded) continue; // read by the folded sum only
        const last = lastReader[w] ?? -1;
        if (w === output || last > to) outside[u] = 1;
        else if (last >= 0) inside[u] = 1;
      }
    }
    for (let u = 0; u < L; u++) {
      grad[u] = outside[u] === 1 ? SLOT : inside[u] === 1 ? LOCAL : NONE;
      keep[u] = outside[u] === 1 || read[u] === 1 ? 1 : 0;
    }
    // positions in local form keep one slot per input for their local gradients
    const locals = new Int32Array(L);
    for (let u = 0; u < L; u++) {
      const w = gateWires[s.first + u] ?? 0;
      const n = (argStart[w + 1] ?? 0) - (argStart[w] ?? 0);
      locals[u] = reads(gate[w] ?? 0, n).local ? n : 0;
    }
    for (let k = 0, start = s.first; k < s.count; k++, start += L) {
      for (let u = 0; u < L; u++) {
        const w = gateWires[start + u] ?? 0;
        const g = grad[u] ?? NONE;
        gradient[w] = g;
        stored[w] = keep[u] ?? 0;
        if (keep[u] === 1 || g === SLOT) slot[w] = slots++;
        if ((locals[u] ?? 0) > 0) {
          if (localSlot.length === 0) localSlot = scratch.int32(size).fill(-1);
          localSlot[w] = slots;
          slots += locals[u] ?? 0;
        }
      }
    }
    if (s.sum !== undefined) {
      slot[s.sum.wire] = slots++;
      stored[s.sum.wire] = 1;
      gradient[s.sum.wire] = SLOT;
    }
  }
  scratch.release(inLoop, readInBackward);
  return { slot, gradient, stored, localSlot, slots };
}

/** {@link Plan.localSlot} when no loop keeps local gradients (most circuits: a chain, sums of products). */
const NO_LOCAL_SLOTS = new Int32Array(0);

/** The contributions that are the first to their input's gradient slot (in every instance, for a loop): those assign instead of adding. */
function assignments(st: Structure, segments: readonly Segment[], gradient: Uint8Array): Uint8Array {
  const { layout, gateWires, first } = st;
  const { gate, argStart, args } = layout;
  const assign = scratch.uint8(args.length);
  for (const s of segments) {
    if (s.kind === 'tape') {
      // On the tape only a built-in sum or maximum of many inputs assigns its first contributions (its record
      // marks them); every other gate adds, into slots zeroed before the pass: a case per pattern of first
      // contributions would multiply the tape's cases, and its switch mispredicts more the more it has.
      for (let t = s.first; t < s.first + s.count; t++) {
        const c = gateWires[t] ?? 0;
        const n = (argStart[c + 1] ?? 0) - (argStart[c] ?? 0);
        if (!isVariadic(layout.gates[gate[c] ?? 0] as Gate, n)) continue;
        for (let a = argStart[c] ?? 0, e = argStart[c + 1] ?? 0; a < e; a++) {
          const j = args[a] ?? 0;
          if (first[j] === a && gradient[j] === SLOT) assign[a] = 1;
        }
      }
      continue;
    }
    const L = s.length;
    const w0 = gateWires[s.first] ?? 0;
    const wL = gateWires[s.first + L - 1] ?? 0;
    for (let u = 0; u < L; u++) {
      const base = gateWires[s.first + u] ?? 0;
      const n = (argStart[base + 1] ?? 0) - (argStart[base] ?? 0);
      for (let m = 0; m < n; m++) {
        let all = true;
        for (let k = 0, c = base; k < s.count && all; k++, c += s.stride) {
          const a = (argStart[c] ?? 0) + m;
          const j = args[a] ?? 0;
          const shift = k * s.stride;
          const internal = j >= w0 + shift && j <= wL + shift && (gate[j] ?? -1) >= 0;
          all = !internal && gradient[j] === SLOT && first[j] === a;
        }
        if (!all) continue;
        for (let k = 0, c = base; k < s.count; k++, c += s.stride) assign[(argStart[c] ?? 0) + m] = 1;
      }
    }
  }
  return assign;
}

/** Ranges of gradient slots that no code assigns first (the output's is set by the seed). */
function zeroRanges(st: Structure, where: { slot: Int32Array; gradient: Uint8Array; slots: number }, assign: Uint8Array): Int32Array {
  const { slot, gradient, slots } = where;
  const size = st.layout.size;
  const output = size - 1;
  const needs = scratch.uint8(slots);
  for (let i = 0; i < size; i++) {
    const q = slot[i] ?? -1;
    if (q < 0 || gradient[i] !== SLOT || i === output) continue;
    const a = st.first[i] ?? -1;
    if (a < 0 || assign[a] !== 1) needs[q] = 1;
  }
  const zero: number[] = [];
  for (let q = 0; q < slots; q++) {
    if (needs[q] !== 1) continue;
    if (zero.length > 0 && zero[zero.length - 1] === q) zero[zero.length - 1] = q + 1;
    else zero.push(q, q + 1);
  }
  scratch.release(needs);
  return Int32Array.from(zero);
}

/**
 * Hands a plan's arrays, and its layout's, back to the scratch pool, once
 * the compiled circuit is made from it: the compiled circuit keeps none of
 * them (its own are `zero`, the tape's records and the loops' tables).
 */
export function releasePlan(p: Plan): void {
  const { layout } = p;
  scratch.release(p.gateWires, p.gateIndex, p.readers, p.lastReader, p.slot, p.gradient, p.stored, p.localSlot, p.assign);
  scratch.release(layout.gate, layout.argStart, layout.args, layout.inputs);
}

interface Structure {
  readonly layout: CircuitLayout;
  readonly gateWires: Int32Array;
  /** As {@link Plan.gateIndex}. */
  readonly gateIndex: Int32Array;
  readonly readers: Uint8Array;
  readonly lastReader: Int32Array;
  readonly first: Int32Array;
  /** For each gate (by position): its kind, a small number per gate and number of inputs (up to 4095). */
  readonly kinds: Int32Array;
  /** For each gate: the position of the next gate of its kind, or -1. */
  readonly next: Int32Array;
  /** For each kind: its gate's id and number of inputs. */
  readonly kindGate: readonly number[];
  readonly kindArity: readonly number[];
}

/** After this many positions without a loop, {@link segment} skips ahead, by up to MAX_SKIP positions. */
const SKIP_AFTER = 64;
const MAX_SKIP = 8;

/** Splits the gates into loops (runs that repeat a shape) and tape segments (the rest). */
export function segment(st: Structure): Segment[] {
  const gw = st.gateWires;
  const kinds = st.kinds;
  const nG = gw.length;
  const out: Segment[] = [];
  let tapeFrom = 0;
  let t = 0;
  /** Positions looked at in a row without finding a loop. */
  let misses = 0;
  const flush = (to: number): void => {
    if (to > tapeFrom) out.push({ kind: 'tape', first: tapeFrom, count: to - tapeFrom });
  };
  while (t < nG) {
    let bestL = 0;
    let bestCover = 0;
    const limit = Math.min(MAX_SHAPE, Math.floor((nG - t) / MIN_INSTANCES));
    // the candidate shapes: up to each later gate of the same kind as this one
    const second = kinds[t + 1] ?? -1;
    for (let q = st.next[t] ?? -1; q >= 0 && q - t <= limit; q = st.next[q] ?? -1) {
      const L = q - t;
      // (a quick look first: an irregular circuit fails it at almost every candidate)
      if (L > 1 && (kinds[q + 1] !== second || kinds[q - 1] !== kinds[q + L - 1])) continue;
      if (!sameGate(st, gw[t] ?? 0, gw[t + L] ?? 0)) continue;
      const cap = Math.max(MIN_INSTANCES, Math.ceil(4096 / L));
      const R = runLength(st, t, L, cap);
      if (R >= MIN_INSTANCES && R * L >= MIN_LOOP_GATES && R * L > bestCover) {
        bestL = L;
        bestCover = R * L;
        if (R >= cap) break; // a long run: good enough, and its multiples cover no more
      }
    }
    if (bestL === 0) {
      // Deep in an irregular stretch, look at fewer positions (the search costs a few candidates a position): a
      // loop that starts at a skipped position is found a few gates later (starting mid-instance is fine), at
      // the cost of fewer than MAX_SKIP of its gates going on the tape. A random DAG plans about twice as fast.
      misses++;
      t += misses > SKIP_AFTER ? Math.min(MAX_SKIP, 1 + ((misses - SKIP_AFTER) >> 4)) : 1;
      continue;
    }
    misses = 0;
    let R = runLength(st, t, bestL, nG);
    if (t > tapeFrom && bestL > 1) {
      // the gate before failed to start this loop: its instance differs from the rest (a chain's first step reads
      // an input where the others read the step before). Start the loop at the next instance boundary in its
      // rhythm instead, so the loop body begins where an instance does and keeps fewer values in memory.
      const aligned = t - 1 + bestL;
      const R2 = runLength(st, aligned, bestL, nG);
      if (R2 >= MIN_INSTANCES && R2 * bestL >= MIN_LOOP_GATES && (R2 + 1) * bestL >= R * bestL) {
        t = aligned;
        R = R2;
      }
    }
    flush(t);
    const sum = foldedSum(st, t, bestL, R);
    out.push({ kind: 'loop', first: t, length: bestL, count: R, stride: (gw[t + bestL] ?? 0) - (gw[t] ?? 0), ...(sum === undefined ? {} : { sum }) });
    t += R * bestL + (sum === undefined ? 0 : 1);
    tapeFrom = t;
  }
  flush(nG);
  return out;
}

/** The sum right after a loop that can be folded into it (see {@link LoopSegment.sum}), if there is one. */
function foldedSum(st: Structure, t: number, L: number, R: number): { position: number; wire: number } | undefined {
  const { gate, argStart, args, gates } = st.layout;
  const w = st.gateWires[t + R * L];
  if (w === undefined) return undefined;
  const g = gates[gate[w] ?? -1];
  if (g === undefined || Object.getPrototypeOf(g) !== AddGate.prototype) return undefined;
  const from = argStart[w] ?? 0;
  if ((argStart[w + 1] ?? 0) - from !== R) return undefined;
  const first = st.gateIndex[args[from] ?? 0] ?? -1;
  const u = first - t;
  if (u < 0 || u >= L) return undefined;
  for (let k = 0; k < R; k++) {
    const j = args[from + k] ?? 0;
    if (j !== st.gateWires[t + k * L + u] || st.readers[j] !== 1 || st.lastReader[j] !== w) return undefined;
  }
  return { position: u, wire: w };
}

function sameGate(st: Structure, a: number, b: number): boolean {
  const { gate, argStart } = st.layout;
  return gate[a] === gate[b] && (argStart[a + 1] ?? 0) - (argStart[a] ?? 0) === (argStart[b + 1] ?? 0) - (argStart[b] ?? 0);
}

/**
 * How many instances of the shape of the `L` gates from position `t` follow
 * one another (at most `cap`): each with the same gates, its wires shifted
 * by one stride, each input read the same way (a wire of the same instance,
 * an input whose position moves by a fixed step, or an earlier gate whose
 * wire moves by a fixed step, possibly 0).
 */
export function runLength(st: Structure, t: number, L: number, cap: number): number {
  const { gate, argStart, args } = st.layout;
  const gw = st.gateWires;
  const nG = gw.length;
  if (t + 2 * L > nG) return 1;
  const stride = (gw[t + L] ?? 0) - (gw[t] ?? 0);
  // a quick look first: the same kinds of gate in instance 1, and instance 2 starting alike
  const kinds = st.kinds;
  for (let u = 0; u < L; u++) if (kinds[t + u] !== kinds[t + L + u]) return 1;
  if (cap > 2 && t + 3 * L <= nG && kinds[t] !== kinds[t + 2 * L]) return 2;
  // instance 0's inputs (m counts them over the shape), how each is read, and its step to instance 1
  const gateIndex = st.gateIndex;
  const steps = STEPS;
  const posSteps = POS_STEPS;
  const reads0 = READS;
  const kinds0 = KINDS;
  const positions0 = POSITIONS;
  steps.length = 0;
  posSteps.length = 0;
  reads0.length = 0;
  kinds0.length = 0;
  positions0.length = 0;
  for (let u = 0; u < L; u++) {
    const w0 = gw[t + u] ?? 0;
    const w1 = gw[t + L + u] ?? 0;
    if (w1 - w0 !== stride || !sameGate(st, w0, w1)) return 1;
    for (let a0 = argStart[w0] ?? 0, a1 = argStart[w1] ?? 0, e = argStart[w0 + 1] ?? 0; a0 < e; a0++, a1++) {
      const j0 = args[a0] ?? 0;
      const j1 = args[a1] ?? 0;
      const k0 = kind(st, j0, t, u);
      steps.push(j1 - j0);
      posSteps.push(inputAt(gateIndex, j1) - inputAt(gateIndex, j0));
      reads0.push(j0);
      // (a wire of the same instance that moves with it is found by the step alone: its gate was compared first)
      kinds0.push(k0 % 2 === 1 && j1 - j0 === stride ? -1 : k0);
      positions0.push(inputAt(gateIndex, j0));
    }
  }
  let R = 1;
  for (; R < cap && t + (R + 1) * L <= nG; R++) {
    // does instance R repeat instance 0?
    const base = t + R * L;
    let m = 0;
    let ok = true;
    for (let u = 0; u < L && ok; u++) {
      const w0 = gw[t + u] ?? 0;
      const wk = gw[base + u] ?? 0;
      if (wk - w0 !== R * stride || gate[wk] !== gate[w0]) {
        ok = false;
        break;
      }
      const from = argStart[wk] ?? 0;
      const n = (argStart[w0 + 1] ?? 0) - (argStart[w0] ?? 0);
      if ((argStart[wk + 1] ?? 0) - from !== n) {
        ok = false;
        break;
      }
      for (let ak = from, e = from + n; ak < e; ak++, m++) {
        const jk = args[ak] ?? 0;
        const k0 = kinds0[m] ?? 0;
        if (jk - (reads0[m] ?? 0) !== R * (steps[m] ?? 0) || (k0 >= 0 && k0 !== kind(st, jk, base, u))) {
          ok = false;
          break;
        }
        const p0 = positions0[m] ?? -1;
        if (p0 >= 0 && inputAt(gateIndex, jk) - p0 !== R * (posSteps[m] ?? 0)) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) break;
  }
  return R;
}

/** Scratch lists of {@link runLength}, reused: it runs for every candidate shape at every gate. */
const STEPS: number[] = [];
const POS_STEPS: number[] = [];
/** Instance 0's inputs, how each is read ({@link kind}, or -1 where the step alone decides it) and its input position. */
const READS: number[] = [];
const KINDS: number[] = [];
const POSITIONS: number[] = [];

/** Wire j's position among the inputs, or -1 for a gate wire (`gateIndex`: {@link Plan.gateIndex}). */
export function inputAt(gateIndex: Int32Array, j: number): number {
  const g = gateIndex[j] ?? 0;
  return g < 0 ? -1 - g : -1;
}

/** How gate u of the instance starting at position `start` reads wire j: 0 an input, 1 a wire of the same instance (+ its position), 2 an earlier gate. */
function kind(st: Structure, j: number, start: number, u: number): number {
  const g = st.gateIndex[j] ?? -1;
  if (g < 0) return 0;
  if (g >= start && g < start + u) return 1 + 2 * (g - start);
  return 2;
}
