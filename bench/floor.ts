/**
 * Why the interpreted `Circuit` is not within 5x of the hand-written loop on
 * the deep chain: the floor of any pass that keeps every wire's value in an
 * array. The chain `x_{k+1} = relu(w_k * x_k + b_k)` is one long dependency:
 * each gate reads the value the gate before it has just written. A
 * hand-written loop keeps `x` in a register; an interpreter writes each
 * value to its wire's slot and reads it back by index for the next gate,
 * which the processor cannot start before the store has gone through. This
 * times the bench's deep chain (bench/workloads.ts): its forward pass three
 * ways and the interpreter's backward pass, fastest of 9 runs each, in ns
 * per gate:
 *
 * - `hand-written`: the bench's loop, `x` in a register (values stored too);
 * - `through memory`: the same arithmetic, every gate's value stored in its
 *   wire's slot and read back from there by index (an interpreter's data
 *   flow with no dispatch at all);
 * - `interpreter forward` and `interpreter backward`: `Circuit.workspace()`'s
 *   passes.
 *
 *   npm run build && node dist/bench/floor.js [--steps=333334]
 *
 * Not part of `npm run bench`: it explains one of its figures
 * (docs/performance.md).
 */
import * as E from 'fp-ts/Either';
import { chain } from './workloads';

const arg = process.argv.find((a) => a.startsWith('--steps='));
const steps = arg === undefined ? 333_334 : Number(arg.slice('--steps='.length));
const w = chain(steps);
const inputs = w.inputs();
const circuit = w.build();
const gates = w.gates;

/** The fastest of `runs` timings of `f`, in ns per gate. */
function fastest(f: () => void, runs = 9): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / gates;
}

// the hand-written forward loop of bench/workloads.ts's chain, values kept as it keeps them
const xs = new Float64Array(steps + 1);
const zs = new Float64Array(steps);
function handwritten(v: Float64Array): number {
  let x = v[0] ?? NaN;
  xs[0] = x;
  for (let k = 0; k < steps; k++) {
    const z = (v[1 + 2 * k] ?? NaN) * x + (v[2 + 2 * k] ?? NaN);
    zs[k] = z;
    x = z > 0 ? z : 0;
    xs[k + 1] = x;
  }
  return x;
}

// the same, each gate's value in its own slot and read back by index: slot 3k the product, 3k+1 the sum, 3k+2 the ReLU
const slots = new Float64Array(3 * steps + 1);
const reads = Int32Array.from({ length: steps }, (_, k) => 3 * k - 1); // the slot the product reads x from
function throughMemory(v: Float64Array): number {
  slots[3 * steps] = 0;
  for (let k = 0; k < steps; k++) {
    const x = k === 0 ? (v[0] ?? NaN) : (slots[reads[k] ?? 0] ?? NaN);
    slots[3 * k] = (v[1 + 2 * k] ?? NaN) * x;
    slots[3 * k + 1] = (slots[3 * k] ?? NaN) + (v[2 + 2 * k] ?? NaN);
    const z = slots[3 * k + 1] ?? NaN;
    slots[3 * k + 2] = z > 0 ? z : 0;
  }
  return slots[3 * steps - 1] ?? NaN;
}

const ws = circuit.workspace();
const forward = (): void => {
  if (E.isLeft(ws.forward(inputs))) throw new Error('the chain failed');
};
forward();
const a = handwritten(inputs);
const b = throughMemory(inputs);
const c = E.isRight(ws.forward(inputs)) ? ws.forward(inputs) : undefined;
const out = c !== undefined && E.isRight(c) ? c.right.output : NaN;
if (a !== b || a !== out) throw new Error(`the three forward passes disagree: ${String(a)}, ${String(b)}, ${String(out)}`);

const rows: [string, number][] = [];
for (let round = 0; round < 2; round++) {
  rows.length = 0;
  rows.push(['hand-written (x in a register)', fastest(() => handwritten(inputs))]);
  rows.push(['through memory (no dispatch)', fastest(() => throughMemory(inputs))]);
  rows.push(['interpreter forward', fastest(forward)]);
  rows.push([
    'interpreter backward',
    fastest(() => {
      if (E.isLeft(ws.backward(1))) throw new Error('the chain failed');
    }),
  ]);
}
console.log(`deep chain, ${gates.toLocaleString('en-US')} gates, one pass, ns per gate (fastest of 9):`);
for (const [name, ns] of rows) console.log(`  ${name.padEnd(32)} ${ns.toFixed(2)}`);
