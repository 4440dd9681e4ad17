/**
 * Runs one workload in this process and prints one JSON line. Usage:
 *   node --expose-gc dist/bench/worker.js <workload index> time
 *   node --expose-gc dist/bench/worker.js <workload index> memory <engine>
 * Timing interleaves the engines in rounds and keeps each one's median, so
 * a burst of load on the shared machine hits all engines alike.
 */
import * as E from 'fp-ts/Either';
import { compile, type Circuit } from '../lib/index';
import { WORKLOADS, type Result, type Workload } from './workloads';

export type EngineName = 'handwritten' | 'circuit' | 'circuit-alloc' | 'compiled';
export const ENGINES: readonly EngineName[] = ['handwritten', 'circuit', 'circuit-alloc', 'compiled'];

/** One timed pass of an engine: returns the value and input gradients. */
type Pass = () => Result;

function engine(name: EngineName, w: Workload, inputs: Float64Array, circuit: Circuit | undefined): Pass {
  if (name === 'handwritten') {
    const run = w.handwritten();
    return () => run(inputs);
  }
  if (circuit === undefined) throw new Error('no circuit');
  const idx = circuit.inputIndices;
  const grads = new Float64Array(idx.length);
  const out = { value: 0, grads };
  if (name === 'compiled') {
    const compiled = compile(circuit);
    return () => {
      const b = compiled.run(inputs, 1);
      if (E.isLeft(b)) throw new Error(b.left.message);
      out.value = b.right.forward.output;
      const g = b.right.gradients;
      for (let k = 0; k < idx.length; k++) grads[k] = g[idx[k]!]!;
      return out;
    };
  }
  if (name === 'circuit') {
    const ws = circuit.workspace();
    return () => {
      const f = ws.forward(inputs);
      if (E.isLeft(f)) throw new Error(f.left.message);
      const b = ws.backward(1);
      if (E.isLeft(b)) throw new Error(b.left.message);
      out.value = f.right.output;
      const g = b.right.gradients;
      for (let k = 0; k < idx.length; k++) grads[k] = g[idx[k]!]!;
      return out;
    };
  }
  return () => {
    const f = circuit.forwardArray(inputs);
    if (E.isLeft(f)) throw new Error(f.left.message);
    const b = circuit.backward(f.right, 1);
    if (E.isLeft(b)) throw new Error(b.left.message);
    out.value = f.right.output;
    const g = b.right.gradients;
    for (let k = 0; k < idx.length; k++) grads[k] = g[idx[k]!]!;
    return out;
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Relative difference of two results, scaled by the largest magnitude (0 when identical). */
function difference(a: Result, b: Result): number {
  let worst = Math.abs(a.value - b.value) / Math.max(1, Math.abs(a.value));
  for (let k = 0; k < a.grads.length; k++) {
    const x = a.grads[k]!;
    const y = b.grads[k]!;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(x)));
  }
  return a.grads.length === b.grads.length ? worst : Infinity;
}

function time(w: Workload): void {
  const inputs = w.inputs();
  const t0 = process.hrtime.bigint();
  const circuit = w.build();
  const buildNs = Number(process.hrtime.bigint() - t0);
  const t1 = process.hrtime.bigint();
  compile(circuit);
  const compileNs = Number(process.hrtime.bigint() - t1);
  const passes = ENGINES.map((e) => engine(e, w, inputs, circuit));
  // Every engine must agree with the hand-written pass before any time is reported.
  const reference = passes[0]!();
  const snapshot = { value: reference.value, grads: reference.grads.slice() };
  const disagreement = Math.max(...passes.slice(1).map((p) => difference(snapshot, p())));
  if (!(disagreement < 1e-9)) {
    process.stdout.write(JSON.stringify({ name: w.name, error: `engines disagree: relative difference ${String(disagreement)}` }) + '\n');
    process.exitCode = 1;
    return;
  }
  // Calibrate repetitions so one sample takes ~40 ms on the hand-written engine.
  let reps = 1;
  for (;;) {
    const s = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) passes[0]!();
    if (Number(process.hrtime.bigint() - s) > 4e7 || reps > 1e8) break;
    reps *= 2;
  }
  const samples: number[][] = ENGINES.map(() => []);
  const rounds = 9;
  for (let round = 0; round < rounds + 2; round++) {
    passes.forEach((p, e) => {
      const n = Math.max(1, e === 0 ? reps : Math.ceil(reps / 8));
      const s = process.hrtime.bigint();
      for (let r = 0; r < n; r++) p();
      const ns = Number(process.hrtime.bigint() - s) / n / w.gates;
      if (round >= 2) samples[e]!.push(ns); // the first two rounds warm up
    });
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const engines: Record<string, { nsPerGate: number; buildNsPerGate?: number }> = {};
  ENGINES.forEach((e, k) => {
    engines[e] = { nsPerGate: median(samples[k]!) };
  });
  engines.circuit!.buildNsPerGate = buildNs / w.gates;
  engines['circuit-alloc']!.buildNsPerGate = buildNs / w.gates;
  engines.compiled!.buildNsPerGate = (buildNs + compileNs) / w.gates;
  process.stdout.write(JSON.stringify({ name: w.name, gates: w.gates, disagreement, engines }) + '\n');
}

function memory(w: Workload, name: EngineName): void {
  const inputs = w.inputs();
  gc();
  const before = used();
  const rssBefore = process.memoryUsage().rss;
  const circuit = name === 'handwritten' ? undefined : w.build();
  const pass = engine(name, w, inputs, circuit);
  const result = pass();
  gc();
  const after = used();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      name: w.name,
      engine: name,
      bytesPerGate: (after - before) / w.gates,
      peakBytesPerGate: (peakRss - rssBefore) / w.gates,
      check: result.value,
    }) + '\n',
  );
  // keep the circuit alive until after the measurement
  if (circuit !== undefined && circuit.size < 0) console.log(circuit.size);
}

if (require.main === module) {
  const [, , which, mode, engineName] = process.argv;
  const workload = WORKLOADS[Number(which)];
  if (workload === undefined) throw new Error(`no workload ${String(which)}`);
  if (mode === 'memory') memory(workload, (engineName ?? 'circuit') as EngineName);
  else time(workload);
}
