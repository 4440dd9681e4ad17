import { expect } from 'chai';
import { AddGate, MultiplyGate, NegateGate, ReluGate, SigmoidGate, SubtractGate, sigmoid, type Gate } from '../lib/index';
import { SIMPLEGRAD, TFJS, installedVersion, type Peer } from '../bench/peers/install';
import { Value } from '../bench/peers/micrograd';
import { tfjsRuns } from '../bench/peers/tfjs';
import { verdictTable, verdicts, type TargetRow } from '../bench/targets';
import { DAG_BOUND, DAG_OPS, WORKLOADS, chain, dag, dagTape, layer, random, type DagTape, type Result, type Workload } from '../bench/workloads';
import { BATCH_MAX_GATES, ENGINES, batchColumns, batchPoints, difference, prepareAll, type EngineName } from '../bench/worker';

// The bench's smoke test: every engine computes the same value and input
// gradients as the hand-written loop on tiny workloads (small instances of
// the bench's). The peer packages are installed by `npm run bench` on first
// use (bench/.peers/), not by `npm ci`: a peer that is not installed is
// reported as pending here, not installed.
const chapter = WORKLOADS.filter((w) => w.kind === 'chapter');
const tiny: readonly Workload[] = [...chapter, layer(10), chain(10), dag(300, 40)];
const always: readonly EngineName[] = ['handwritten', 'circuit', 'circuit-alloc', 'compiled', 'batch', 'micrograd-style'];

/** The workload with its hand-written pass changed by `wrong` (to see that the checks catch it). */
function sabotaged(w: Workload, wrong: (inputs: Float64Array, value: number) => number): Workload {
  return {
    ...w,
    handwritten() {
      const run = w.handwritten();
      return (inputs) => {
        const r = run(inputs);
        return { value: wrong(inputs, r.value), grads: r.grads };
      };
    },
  };
}

const GATES: Record<(typeof DAG_OPS)[number], Gate> = {
  mul: new MultiplyGate(),
  add: new AddGate(),
  sub: new SubtractGate(),
  neg: new NegateGate(),
  sigmoid: new SigmoidGate(),
  relu: new ReluGate(),
};

/** The DAG through the library's gates' own forward and backward methods (slow: the definition), with every wire's value. */
function byGates(tape: DagTape, x: Float64Array): Result & { values: Float64Array } {
  const n = tape.op.length;
  const I = tape.inputs;
  const values = new Float64Array(I + n);
  values.set(x);
  const g = new Float64Array(I + n);
  const operands = (k: number): number[] => (GATES[DAG_OPS[tape.op[k]!]!].arity.max === 1 ? [tape.a[k]!] : [tape.a[k]!, tape.b[k]!]);
  for (let k = 0; k < n; k++) values[I + k] = GATES[DAG_OPS[tape.op[k]!]!].forward(operands(k).map((w) => values[w]!));
  const sinks = Array.from(tape.sinks);
  const value = GATES.add.forward(sinks.map((w) => values[w]!));
  GATES.add.backward(sinks.map((w) => values[w]!), value, 1).forEach((d, k) => (g[sinks[k]!]! += d));
  for (let k = n - 1; k >= 0; k--) {
    const ws = operands(k);
    const local = GATES[DAG_OPS[tape.op[k]!]!].backward(ws.map((w) => values[w]!), values[I + k]!, g[I + k]!);
    ws.forEach((w, j) => (g[w]! += local[j]!));
  }
  return { value, grads: g.slice(0, I), values };
}

describe('bench workloads', () => {
  it('are the chapter circuits, the sigmoid layers N=100, 10,000 and 200,000, the 1,000,002-gate chain and the 100,000-gate DAG, in that order', () => {
    expect(WORKLOADS.map((w) => [w.kind, w.gates])).to.deep.equal([
      ['chapter', 4],
      ['chapter', 4],
      ['chapter', 4],
      ['chapter', 4],
      ['layer', 401],
      ['layer', 40_001],
      ['layer', 800_001],
      ['chain', 1_000_002],
      ['dag', 100_000],
    ]);
    expect(WORKLOADS.map((w) => w.neurons)).to.deep.equal([undefined, undefined, undefined, undefined, 100, 10_000, 200_000, undefined, undefined]);
    expect(new Set(WORKLOADS.map((w) => w.name)).size).to.equal(WORKLOADS.length);
  });

  for (const w of tiny) {
    it(`${w.name}: the circuit has the stated gates, and graph() declares the circuit's inputs in order`, () => {
      const c = w.build();
      expect(c.size - c.inputIndices.length).to.equal(w.gates);
      const names: string[] = [];
      const unit = { mul: () => 0, add: () => 0, sub: () => 0, neg: () => 0, relu: () => 0, sigmoid: () => 0, reciprocal: () => 0 };
      w.graph({ ...unit, input: (name: string) => (names.push(name), 0) });
      expect(names).to.deep.equal(c.inputNames);
      expect(w.inputs().length).to.equal(names.length);
    });
  }

  it('random() gives numbers in [-1, 1), the same for the same seed', () => {
    const r = random(1);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).to.be.at.least(-1).and.below(-0.99);
    expect(Math.max(...xs)).to.be.below(1).and.above(0.99);
    expect(Array.from({ length: 5 }, random(1))).to.deep.equal(xs.slice(0, 5));
  });

  it("the sigmoid layer's hand-written pass computes the library's sig(q) and its slope, bit for bit", () => {
    // with a = b = 0 a neuron's q is its c: the value is sig(c), c's gradient the local slope
    for (const q of [0, -0, 1e-300, -1e-300, 0.5, -0.5, 1 - 2 ** -53, 1, 3, -3, 37, -37, 40, -40, 700, -700, 800, -800]) {
      const r = layer(1).handwritten()(Float64Array.of(0, 0, q, 1, 1));
      const f = sigmoid(q);
      expect(r.value, `sig(${String(q)})`).to.equal(f);
      expect(r.grads[2], `slope at ${String(q)}`).to.equal(new SigmoidGate().backward([q], f, 1)[0]);
    }
  });

  describe('the random DAG', () => {
    const gates = 100_000;
    const inputs = 1_000;
    const tape = dagTape(gates, inputs, 2024);
    const n = tape.op.length;
    const wires = inputs + n;
    // how many gates read each wire
    const reads = new Int32Array(wires);
    for (let k = 0; k < n; k++) {
      reads[tape.a[k]!]!++;
      if (tape.b[k] !== tape.a[k]) reads[tape.b[k]!]!++;
    }

    it('is deterministic: the same seed gives the same tape', () => {
      const again = dagTape(gates, inputs, 2024);
      expect(again.op).to.deep.equal(tape.op);
      expect(again.a).to.deep.equal(tape.a);
      expect(again.b).to.deep.equal(tape.b);
      expect(dagTape(gates, inputs, 7).a).not.to.deep.equal(tape.a);
    });

    it('reads only earlier wires, has every kind of gate, and fan-out: many wires feed several gates', () => {
      const later = Array.from(tape.op.keys()).filter((k) => !(tape.a[k]! >= 0 && tape.a[k]! < inputs + k && tape.b[k]! >= 0 && tape.b[k]! < inputs + k));
      expect(later).to.deep.equal([]);
      const unary = Array.from(tape.op.keys()).filter((k) => ['neg', 'sigmoid', 'relu'].includes(DAG_OPS[tape.op[k]!] ?? ''));
      expect(unary.filter((k) => tape.b[k] !== tape.a[k])).to.deep.equal([]);
      const kinds = new Set(Array.from(tape.op, (o) => DAG_OPS[o]));
      expect([...kinds].sort()).to.deep.equal([...DAG_OPS].sort());
      const multi = reads.filter((r) => r >= 2).length;
      expect(multi / wires).to.be.above(0.3);
      expect(reads.reduce((m, r) => Math.max(m, r), 0)).to.be.at.least(8);
    });

    it('ends with the sum of exactly the wires no gate reads', () => {
      const unread = Array.from(reads.keys()).filter((w) => reads[w] === 0);
      expect(Array.from(tape.sinks)).to.deep.equal(unread);
      expect(tape.sinks.length).to.be.above(1000);
    });

    it("its hand-written tape computes what the library's gates compute, bit for bit, at the bench point and at one with zeros", () => {
      const w = dag(gates, inputs);
      const x = w.inputs();
      const zeros = x.map((v, k) => (k % 4 === 0 ? 0 : v)); // relu(0) and mul by 0 on inputs
      const hand = w.handwritten();
      for (const point of [x, zeros]) expect(difference(byGates(tape, point), hand(point))).to.equal(0);
    });

    it('keeps every wire within DAG_BOUND for inputs in [-1, 1]: at random points and at corners', () => {
      const r = random(3);
      const points = [
        Float64Array.from({ length: inputs }, r),
        Float64Array.from({ length: inputs }, () => (r() < 0 ? -1 : 1 - 2 ** -52)),
        new Float64Array(inputs).fill(-1),
      ];
      for (const x of points) {
        const { values } = byGates(tape, x);
        const worst = values.subarray(0, inputs + n).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(worst).to.be.at.most(DAG_BOUND).and.above(1);
      }
    });

    it('at the bench point: a finite value, finite gradients, and few zero or denormal input gradients', () => {
      const w = WORKLOADS.find((x) => x.kind === 'dag');
      if (w === undefined) throw new Error('no DAG workload');
      const r = w.handwritten()(w.inputs());
      expect(Number.isFinite(r.value)).to.equal(true);
      expect(r.grads.length).to.equal(inputs);
      expect(r.grads.every(Number.isFinite)).to.equal(true);
      const small = r.grads.filter((g) => Math.abs(g) < 1e-300).length;
      expect(small).to.be.below(inputs / 20);
    });
  });
});

describe('bench engines', () => {
  it('batch runs with 1,024 points on the chapter circuits and the N=100 layer, 16 on the N=10,000 layer, not above', () => {
    expect(WORKLOADS.map(batchPoints)).to.deep.equal([1024, 1024, 1024, 1024, 1024, 16, undefined, undefined, undefined]);
    expect(WORKLOADS.filter((w) => w.gates <= BATCH_MAX_GATES).length).to.equal(6);
  });

  it('tfjs runs on the chapter circuits and the N=100 and N=10,000 layers', () => {
    expect(WORKLOADS.map(tfjsRuns)).to.deep.equal([true, true, true, true, true, true, false, false, false]);
  });

  it("batch's first point is the workload's point and the others stay near it", () => {
    const x = Float64Array.of(1, -2, 0.5);
    const columns = batchColumns(x, 64);
    expect(columns.map((c) => c[0])).to.deep.equal([1, -2, 0.5]);
    columns.forEach((c, k) => {
      expect(c.length).to.equal(64);
      for (const v of c) expect(Math.abs(v - x[k]!)).to.be.below(0.01);
    });
    expect(columns[0]![1]).not.to.equal(columns[0]![2]);
  });

  for (const w of tiny) {
    it(`the library's engines (batch at every point) and micrograd-style agree with the hand-written loop on ${w.name}`, async () => {
      const { engines, disagreement } = await prepareAll(w, w.inputs(), ['simplegrad', 'tfjs']);
      expect(engines).to.deep.equal(always);
      for (const e of always.slice(1)) expect(disagreement[e], e).to.be.at.most(1e-9);
    });
  }

  it('an engine that disagrees with the hand-written pass stops the bench', async () => {
    const w = sabotaged(layer(10), (_, value) => value + 1e-6);
    let failed: unknown;
    await prepareAll(w, w.inputs(), ['simplegrad', 'tfjs']).catch((e: unknown) => (failed = e));
    expect(String(failed)).to.match(/circuit disagrees with the hand-written pass/);
  });

  it('batch is checked at every point, not only at the first', async () => {
    const w = dag(300, 40);
    const x0 = w.inputs();
    // right at the workload's point, wrong anywhere else
    const wrong = sabotaged(w, (x, value) => (x.every((v, k) => v === x0[k]) ? value : value + 1e-6));
    let failed: unknown;
    await prepareAll(wrong, x0, ['circuit-alloc', 'simplegrad', 'micrograd-style', 'tfjs']).catch((e: unknown) => (failed = e));
    expect(String(failed)).to.match(/batch disagrees with the hand-written pass/);
  });

  it('the hand-written pass always runs: it is the reference', async () => {
    const { engines } = await prepareAll(layer(3), layer(3).inputs(), ENGINES);
    expect(engines).to.deep.equal(['handwritten']);
  });

  const peer = (engine: EngineName, p: Peer, tolerance: number): void => {
    it(`${engine} agrees with the hand-written loop (within ${String(tolerance)}) on the tiny workloads`, async function () {
      if (installedVersion(p) !== p.version) this.skip(); // installed by `npm run bench` on first use
      this.timeout(120_000);
      for (const w of tiny) {
        const others = ENGINES.filter((e) => e !== engine && e !== 'handwritten');
        const { engines, disagreement, skipped } = await prepareAll(w, w.inputs(), others);
        expect(skipped[engine], w.name).to.equal(undefined);
        expect(engines, w.name).to.deep.equal(['handwritten', engine]);
        expect(disagreement[engine], w.name).to.be.at.most(tolerance);
      }
    });
  };
  peer('simplegrad', SIMPLEGRAD, 1e-9);
  peer('tfjs', TFJS, 1e-4);

  it('micrograd-style backpropagates a 400,000-gate chain without recursion', () => {
    let x = new Value(0.5);
    const w = new Value(1);
    for (let k = 0; k < 200_000; k++) x = x.mul(w).relu();
    x.backward();
    expect(x.data).to.equal(0.5);
    expect(w.grad).to.equal(100_000);
  });
});

describe('bench targets', () => {
  const f = (nsPerGate: number, hand: number, buildNsPerGate = 100, bytesPerGate = 50) => ({ nsPerGate, ratioToHandwritten: nsPerGate / hand, buildNsPerGate, bytesPerGate });
  const rows: TargetRow[] = [
    { name: 'chapter neuron', gates: 4, engines: { handwritten: f(10, 10), compiled: f(12, 10), circuit: f(60, 10), simplegrad: f(15, 10) } },
    { name: 'sigmoid layer N=10,000', gates: 40_001, engines: { handwritten: f(8, 8), compiled: f(8.8, 8), circuit: f(32, 8), simplegrad: f(300, 8) } },
    { name: 'sigmoid layer N=200,000', gates: 800_001, engines: { handwritten: f(8, 8), compiled: f(12, 8), circuit: f(40, 8), simplegrad: f(600, 8) } },
    { name: 'deep chain', gates: 1_000_002, engines: { handwritten: f(2, 2), compiled: f(2.8, 2, 900, 58.25), circuit: f(9, 2), simplegrad: f(2.5, 2) } },
  ];

  it('judges each target from the figures, naming the workloads that miss it', () => {
    expect(verdicts(rows)).to.deep.equal([
      { target: 'compiled: within 1.5x of hand-written on every workload', measured: '1.10x to 1.50x', met: true },
      {
        target: 'interpreted `Circuit`: within 5x of hand-written on every workload',
        measured: '4.00x to 6.00x; over: chapter neuron 6.00x',
        met: false,
      },
      { target: 'compiled: under 64 bytes per gate at 1,000,000 gates', measured: '58.3 B/gate (deep chain)', met: true },
      {
        target: 'compiled: ns/gate at the large size at most 1.5x that at the small one',
        measured: '1.36x (sigmoid layer: 8.80 ns/gate at N=10,000, 12.00 at N=200,000)',
        met: true,
      },
      { target: 'compiled: faster than simplegrad on every workload', measured: 'simplegrad takes 0.89x (deep chain) to 50.00x the compiled time', met: false },
      { target: 'building and compiling: under 1,000 ns per gate at 1,000,000 gates, from a `Circuit`', measured: '900 ns/gate (deep chain)', met: true },
    ]);
  });

  it('says "not measured" for what a run left out (--only)', () => {
    const v = verdicts(rows.slice(0, 1));
    expect(v.map((t) => t.met)).to.deep.equal([true, false, undefined, undefined, true, undefined]);
    expect(v[2]?.measured).to.equal('not measured');
    expect(verdictTable(rows.slice(0, 1))[5]).to.equal('| compiled: ns/gate at the large size at most 1.5x that at the small one | not measured | - |');
    expect(verdictTable(rows)[3]).to.equal('| interpreted `Circuit`: within 5x of hand-written on every workload | 4.00x to 6.00x; over: chapter neuron 6.00x | **no** |');
  });
});
