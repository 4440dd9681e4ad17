/**
 * Runs one workload in this process and prints one JSON line. Usage:
 *   node --expose-gc dist/bench/worker.js <workload index> time [--skip=engine,...]
 *   node --expose-gc dist/bench/worker.js <workload index> memory <engine>
 * Timing interleaves the engines in rounds and keeps each one's median, so
 * a burst of load on the shared machine hits all engines alike. Every
 * engine's value and input gradients are checked against the hand-written
 * pass before any time is taken.
 */
import * as E from 'fp-ts/Either';
import { compile, type BatchResult, type Circuit } from '../lib/index';
import { timed, type Pass, type Prepared } from './peers/engine';
import { micrograd } from './peers/micrograd';
import { loadSimplegrad, simplegrad, type Simplegrad } from './peers/simplegrad';
import { loadTfjs, tfjs, tfjsRuns, type Tfjs } from './peers/tfjs';
import { WORKLOADS, random, type Handwritten, type Result, type Workload } from './workloads';

export type EngineName = 'handwritten' | 'circuit' | 'circuit-alloc' | 'compiled' | 'batch' | 'simplegrad' | 'micrograd-style' | 'tfjs';
export const ENGINES: readonly EngineName[] = ['handwritten', 'circuit', 'circuit-alloc', 'compiled', 'batch', 'simplegrad', 'micrograd-style', 'tfjs'];
/** The engines that are not this library (a failure of theirs skips them instead of failing the bench). */
export const PEERS: readonly EngineName[] = ['simplegrad', 'micrograd-style', 'tfjs'];
/** Largest accepted difference from the hand-written pass for the library's engines (float64 throughout). */
export const TOLERANCE = 1e-9;

/** The largest workload (in gates) the batch engine runs on: the chapter circuits and the layers up to N=10,000. */
export const BATCH_MAX_GATES = 50_000;

/**
 * Points per call of the batch engine: about a million gate evaluations a
 * call, between 16 and 1,024 points (1,024 for the chapter circuits and the
 * N=100 layer, 16 for the N=10,000 layer); undefined where it does not run.
 */
export function batchPoints(w: Workload): number | undefined {
  if (w.gates > BATCH_MAX_GATES) return undefined;
  return Math.min(1024, Math.max(16, 2 ** Math.floor(Math.log2(1e6 / w.gates))));
}

/**
 * The batch engine's input columns: column k holds input k at every point.
 * Point 0 is the workload's input point, the others deterministic
 * perturbations of it (each value moved by less than 0.01).
 */
export function batchColumns(inputs: Float64Array, points: number): Float64Array[] {
  const r = random(5);
  return Array.from(inputs, (x) => {
    const column = new Float64Array(points);
    column[0] = x;
    for (let p = 1; p < points; p++) column[p] = x + 0.01 * r();
    return column;
  });
}

/** Why an engine does not run on a workload, or undefined when it does. */
export function skipReason(engine: EngineName, w: Workload): string | undefined {
  if (engine === 'tfjs' && !tfjsRuns(w)) {
    return 'tfjs runs on the layers up to N=10,000 (as vector operations) and on circuits up to 1,000 gates (as scalar operations, about 10 to 50 us each)';
  }
  if (engine === 'batch' && batchPoints(w) === undefined) {
    return `batch runs on workloads up to ${BATCH_MAX_GATES.toLocaleString('en-US')} gates (the chapter circuits and the layers up to N=10,000)`;
  }
  return undefined;
}

/** The peer libraries this process has loaded. */
interface Modules {
  simplegrad?: Simplegrad;
  tfjs?: Tfjs;
}

/** Loads the libraries the engines need; an engine whose library does not load is skipped, with the reason. */
async function load(engines: readonly EngineName[], skipped: Record<string, string>): Promise<Modules> {
  const modules: Modules = {};
  const attempt = async (e: EngineName, f: () => Promise<void>): Promise<void> => {
    if (!engines.includes(e)) return;
    try {
      await f();
    } catch (err) {
      skipped[e] = `could not load ${e}: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`;
    }
  };
  await attempt('simplegrad', async () => {
    modules.simplegrad = await loadSimplegrad();
  });
  await attempt('tfjs', async () => {
    modules.tfjs = await loadTfjs();
  });
  return modules;
}

/** Reads a library engine's value and input gradients out of a full gradient array. */
function reader(circuit: Circuit): (value: number, g: Float64Array) => Result {
  const idx = circuit.inputIndices;
  const grads = new Float64Array(idx.length);
  const out = { value: 0, grads };
  return (value, g) => {
    out.value = value;
    for (let k = 0; k < idx.length; k++) grads[k] = g[idx[k]!]!;
    return out;
  };
}

/** The circuit is built once per process and shared by the library's engines. */
interface Built {
  circuit: Circuit;
  buildNs: number;
}

/** The batch engine: `compile(circuit).batch(columns, 1)` over `batchPoints(w)` points. */
function batch(w: Workload, columns: readonly Float64Array[], built: () => Built): Prepared {
  const points = batchPoints(w);
  if (points === undefined || columns[0]?.length !== points) throw new Error(`batch does not run on ${w.name}`);
  const { circuit, buildNs } = built();
  const names = circuit.inputNames;
  // the batch kernel is written on the first call: building includes a call on one point
  const one = columns.map((c) => c.subarray(0, 1));
  const [compiled, ns] = timed(() => {
    const c = compile(circuit);
    const r = c.batch(one, 1);
    if (E.isLeft(r)) throw new Error(r.left.message);
    return c;
  });
  const held: { last?: BatchResult } = {};
  const run = (): BatchResult => {
    const r = compiled.batch(columns, 1);
    if (E.isLeft(r)) throw new Error(r.left.message);
    held.last = r.right;
    return r.right;
  };
  // A pass returns point 0's figures, read only when asked for (reading 50,000 named columns would cost a pass a few percent).
  const view: Result = {
    get value() {
      return held.last?.value[0] ?? NaN;
    },
    get grads() {
      return Float64Array.from(names, (n) => held.last?.gradients[n]?.[0] ?? NaN);
    },
  };
  const pass: Pass = () => {
    run();
    return view;
  };
  // every point against the hand-written pass at that point
  const check = (hand: Handwritten): number => {
    const r = run();
    const x = new Float64Array(columns.length);
    const grads = new Float64Array(names.length);
    let worst = 0;
    for (let p = 0; p < points; p++) {
      for (let k = 0; k < columns.length; k++) x[k] = columns[k]![p]!;
      for (let k = 0; k < names.length; k++) grads[k] = r.gradients[names[k]!]?.[p] ?? NaN;
      worst = Math.max(worst, difference(hand(x), { value: r.value[p] ?? NaN, grads }));
    }
    return worst;
  };
  return { pass, buildNs: buildNs + ns, tolerance: TOLERANCE, keep: [circuit, compiled, held], points, check };
}

/** What an engine is prepared from: the workload's input point, and the batch engine's columns (made once, before any memory is measured). */
interface Context {
  readonly inputs: Float64Array;
  readonly columns: () => Float64Array[];
}

function context(w: Workload, inputs: Float64Array): Context {
  return { inputs, columns: once(() => batchColumns(inputs, batchPoints(w) ?? 1)) };
}

function prepare(name: EngineName, w: Workload, ctx: Context, built: () => Built, modules: Modules): Prepared {
  const inputs = ctx.inputs;
  switch (name) {
    case 'handwritten': {
      const [run, ns] = timed(() => w.handwritten());
      return { pass: () => run(inputs), buildNs: ns, tolerance: 0 };
    }
    case 'compiled': {
      const { circuit, buildNs } = built();
      const [compiled, ns] = timed(() => compile(circuit));
      // the value and every input's gradient, as the hand-written pass gives them (in declaration order)
      const out = { value: 0, grads: compiled.inputGradients };
      const pass: Pass = () => {
        const b = compiled.run(inputs, 1);
        if (E.isLeft(b)) throw new Error(b.left.message);
        out.value = b.right.forward.output;
        return out;
      };
      return { pass, buildNs: buildNs + ns, tolerance: TOLERANCE, keep: [circuit, compiled] };
    }
    case 'circuit': {
      const { circuit, buildNs } = built();
      const [ws, ns] = timed(() => circuit.workspace());
      const read = reader(circuit);
      const pass: Pass = () => {
        const f = ws.forward(inputs);
        if (E.isLeft(f)) throw new Error(f.left.message);
        const b = ws.backward(1);
        if (E.isLeft(b)) throw new Error(b.left.message);
        return read(f.right.output, b.right.gradients);
      };
      return { pass, buildNs: buildNs + ns, tolerance: TOLERANCE, keep: [circuit, ws] };
    }
    case 'circuit-alloc': {
      const { circuit, buildNs } = built();
      const read = reader(circuit);
      const pass: Pass = () => {
        const f = circuit.forwardArray(inputs);
        if (E.isLeft(f)) throw new Error(f.left.message);
        const b = circuit.backward(f.right, 1);
        if (E.isLeft(b)) throw new Error(b.left.message);
        return read(f.right.output, b.right.gradients);
      };
      return { pass, buildNs, tolerance: TOLERANCE, keep: circuit };
    }
    case 'batch':
      return batch(w, ctx.columns(), built);
    case 'simplegrad':
      if (modules.simplegrad === undefined) throw new Error('simplegrad is not loaded');
      return simplegrad(modules.simplegrad, w, inputs);
    case 'micrograd-style':
      return micrograd(w, inputs);
    case 'tfjs':
      if (modules.tfjs === undefined) throw new Error('tfjs is not loaded');
      return tfjs(modules.tfjs, w, inputs);
  }
}

function once<A>(f: () => A): () => A {
  let cache: { a: A } | undefined;
  return () => (cache ??= { a: f() }).a;
}

function buildOnce(w: Workload): () => Built {
  return once(() => {
    const [circuit, buildNs] = timed(() => w.build());
    return { circuit, buildNs };
  });
}

/** Timed rounds and warm-up rounds for a workload: fewer above 100,000 gates, where a slow engine's pass takes seconds. */
export function roundsFor(w: Workload): [number, number] {
  return w.gates > 100_000 ? [5, 1] : [9, 2];
}

/** What roundsFor does, in words for the bench's tables. */
export const ROUNDS = '9 interleaved rounds (5 above 100,000 gates)';

/** A full collection, repeated: one leaves some garbage behind (about 70 KB here), as much as a small circuit takes. */
function gc(): void {
  for (let k = 0; k < 4; k++) (globalThis as { gc?: () => void }).gc?.();
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
}

/** Relative difference of two results, scaled by the largest magnitude (0 when identical). */
export function difference(a: Result, b: Result): number {
  let worst = Math.abs(a.value - b.value) / Math.max(1, Math.abs(a.value));
  for (let k = 0; k < a.grads.length; k++) {
    const x = a.grads[k]!;
    const y = b.grads[k]!;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(x)));
  }
  return a.grads.length === b.grads.length && !Number.isNaN(worst) ? worst : Infinity;
}

/**
 * Prepares every engine that runs on the workload and checks it against the
 * hand-written pass (which always runs: it is the reference).
 */
export async function prepareAll(
  w: Workload,
  inputs: Float64Array,
  skip: readonly string[],
): Promise<{ engines: EngineName[]; prepared: Prepared[]; disagreement: Record<string, number>; skipped: Record<string, string> }> {
  const skipped: Record<string, string> = {};
  let engines = ENGINES.filter((e) => {
    const why = skip.includes(e) && e !== 'handwritten' ? 'skipped by --skip' : skipReason(e, w);
    if (why !== undefined) skipped[e] = why;
    return why === undefined;
  });
  const modules = await load(engines, skipped);
  engines = engines.filter((e) => skipped[e] === undefined);
  const built = buildOnce(w);
  const ctx = context(w, inputs);
  const prepared: Prepared[] = [];
  const kept: EngineName[] = [];
  const disagreement: Record<string, number> = {};
  let reference: Result | undefined;
  for (const e of engines) {
    let p: Prepared;
    let d: number;
    try {
      p = prepare(e, w, ctx, built, modules);
      if (e === 'handwritten') {
        const r = p.pass();
        reference = { value: r.value, grads: r.grads.slice() };
        d = 0;
      } else if (reference === undefined) {
        throw new Error('the hand-written pass did not run first');
      } else if (p.check !== undefined) {
        d = p.check(w.handwritten());
      } else {
        d = difference(reference, p.pass());
      }
    } catch (err) {
      if (!PEERS.includes(e)) throw err;
      skipped[e] = `failed: ${message(err)}`;
      continue;
    }
    disagreement[e] = d;
    if (!(d <= p.tolerance)) {
      const why = `disagrees with the hand-written pass: relative difference ${String(d)} > ${String(p.tolerance)}`;
      if (!PEERS.includes(e)) throw new Error(`${e} ${why}`);
      skipped[e] = why;
      continue;
    }
    kept.push(e);
    prepared.push(p);
  }
  return { engines: kept, prepared, disagreement, skipped };
}

async function time(w: Workload, skip: readonly string[]): Promise<void> {
  const inputs = w.inputs();
  const { engines, prepared, disagreement, skipped } = await prepareAll(w, inputs, skip);
  // Calibrate each engine's repetitions so one sample takes ~40 ms (at least one pass), after a full collection and
  // by the fastest of three timings at each step: a pause (the collector finishing its marking of the other engines'
  // heap inside this engine's pass) once left an engine with samples of one pass each, every one starting with cold
  // caches, and the deep chain's compiled pass measured at twice its time.
  const reps = prepared.map((p) => {
    gc();
    let n = 1;
    for (;;) {
      let ns = Infinity;
      for (let t = 0; t < 3; t++) {
        ns = Math.min(
          ns,
          timed(() => {
            for (let r = 0; r < n; r++) p.pass();
          })[1],
        );
      }
      if (ns > 4e7 || n > 1e8) return n;
      n = ns < 4e6 ? n * 8 : n * 2;
    }
  });
  const samples: number[][] = prepared.map(() => []);
  // Above 100,000 gates a slow engine's pass takes seconds: fewer rounds keep the bench to minutes.
  const [rounds, warmup] = roundsFor(w);
  for (let round = 0; round < rounds + warmup; round++) {
    prepared.forEach((p, e) => {
      const n = reps[e]!;
      const [, ns] = timed(() => {
        for (let r = 0; r < n; r++) p.pass();
      });
      if (round >= warmup) samples[e]!.push(ns / n / w.gates / (p.points ?? 1)); // the first rounds warm up
    });
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const figures: Record<string, { nsPerGate: number; buildNsPerGate: number }> = {};
  engines.forEach((e, k) => {
    figures[e] = { nsPerGate: median(samples[k]!), buildNsPerGate: prepared[k]!.buildNs / w.gates };
  });
  process.stdout.write(JSON.stringify({ name: w.name, gates: w.gates, rounds, disagreement, skipped, engines: figures }) + '\n');
}

/**
 * The fewest gates a memory measurement covers: a smaller workload is
 * measured as that many gates' worth of copies of it (each copy built,
 * compiled and run on its own), as the heap's noise is tens of kilobytes.
 */
export const MEMORY_GATES = 4000;

async function memory(w: Workload, name: EngineName): Promise<void> {
  // the inputs (and the batch engine's input columns) are the user's data, not the engine's memory
  const ctx = context(w, w.inputs());
  if (name === 'batch') ctx.columns();
  const skipped: Record<string, string> = {};
  const modules = await load([name], skipped); // the library's own code is not the circuit's memory
  if (skipped[name] !== undefined) throw new Error(skipped[name]);
  const why = skipReason(name, w);
  if (why !== undefined) throw new Error(why);
  const copies = Math.ceil(MEMORY_GATES / w.gates);
  gc();
  const before = used();
  const rssBefore = process.memoryUsage().rss;
  const held: Prepared[] = [];
  let check = 0;
  for (let c = 0; c < copies; c++) {
    const p = prepare(name, w, ctx, buildOnce(w), modules);
    check += p.pass().value;
    held.push(p);
  }
  // the job ends first: the arrays compile hands back to the scratch pool (lib/scratch.ts) are kept to the end of
  // the job, then left to the collector; they are not memory the compiled circuit keeps
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  const after = used();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      name: w.name,
      engine: name,
      copies,
      bytesPerGate: (after - before) / (w.gates * copies),
      peakBytesPerGate: Math.max(0, peakRss - rssBefore) / (w.gates * copies),
      check,
    }) + '\n',
  );
  // keep the engines' state alive until after the measurement
  if (held.some((p) => p.keep === process)) console.log(held);
}

if (require.main === module) {
  const [, , which, mode, engineName] = process.argv;
  const workload = WORKLOADS[Number(which)];
  if (workload === undefined) throw new Error(`no workload ${String(which)}`);
  const skip = process.argv.find((a) => a.startsWith('--skip='))?.slice('--skip='.length).split(',') ?? [];
  const main = mode === 'memory' ? memory(workload, (engineName ?? 'circuit') as EngineName) : time(workload, skip);
  main.catch((err: unknown) => {
    process.stdout.write(JSON.stringify({ name: workload.name, error: message(err) }) + '\n');
    process.exitCode = 1;
  });
}
