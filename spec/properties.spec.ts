import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, gradcheck, orThrow, type Backward, type Forward, type Seed, type Wire } from '../lib/index';
import { finiteIn, upstreamGradient } from './contract/gateContract';

/** The gates a random circuit is made of: the smooth ones, and relu, max and 1/x kept away from their edges. */
const KINDS = ['mul', 'add', 'sub', 'neg', 'sigmoid', 'pow2', 'relu', 'max', 'reciprocal'] as const;
type Kind = (typeof KINDS)[number];

/** One gate of a random circuit: its kind and which earlier wires it reads (indices taken modulo the wires so far). */
interface GateSpec {
  readonly kind: Kind;
  readonly args: readonly number[];
  readonly width: number;
}

/** A random circuit: how many inputs (1 to 4), then the gates in order. */
interface CircuitSpec {
  readonly inputs: number;
  readonly gates: readonly GateSpec[];
}

const circuitSpec: fc.Arbitrary<CircuitSpec> = fc.record({
  inputs: fc.integer({ min: 1, max: 4 }),
  gates: fc.array(
    fc.record({
      kind: fc.constantFrom(...KINDS),
      args: fc.array(fc.nat({ max: 1000 }), { minLength: 3, maxLength: 3 }),
      width: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

/** Input values: the first `inputs` of them are used. */
const inputValues = fc.array(finiteIn(-2, 2), { minLength: 4, maxLength: 4 });

const NAMES = ['a', 'b', 'c', 'd'];

/** A built random circuit, with the wires whose values must stay away from a kink, tie or pole. */
interface Built {
  readonly circuit: Circuit;
  readonly wires: readonly Wire[];
  readonly inputs: readonly Wire[];
  readonly out: Wire;
  readonly reluArgs: readonly Wire[];
  readonly reciprocalArgs: readonly Wire[];
  readonly maxArgs: readonly (readonly Wire[])[];
}

/** Builds the circuit; the output adds up every wire nothing reads, so every gate matters. */
function build(spec: CircuitSpec): Built {
  const circuit = new Circuit();
  const inputs = circuit.inputs(...NAMES.slice(0, spec.inputs));
  const wires: Wire[] = [...inputs];
  const read = new Set<number>();
  const reluArgs: Wire[] = [];
  const reciprocalArgs: Wire[] = [];
  const maxArgs: Wire[][] = [];
  for (const g of spec.gates) {
    const pick = (k: number): Wire => {
      const w = wires[g.args[k]! % wires.length]!;
      read.add(w.index);
      return w;
    };
    const some = (n: number): Wire[] => Array.from({ length: n }, (_, k) => pick(k));
    let w: Wire;
    switch (g.kind) {
      case 'mul': w = circuit.mul(pick(0), pick(1)); break;
      case 'add': w = circuit.add(some(g.width)); break;
      case 'sub': w = circuit.sub(pick(0), pick(1)); break;
      case 'neg': w = circuit.neg(pick(0)); break;
      case 'sigmoid': w = circuit.sigmoid(pick(0)); break;
      case 'pow2': w = circuit.pow(pick(0), 2); break;
      case 'relu': { const a = pick(0); reluArgs.push(a); w = circuit.relu(a); break; }
      case 'reciprocal': { const a = pick(0); reciprocalArgs.push(a); w = circuit.reciprocal(a); break; }
      case 'max': { const args = some(Math.max(2, g.width)); maxArgs.push(args); w = circuit.max(args); break; }
    }
    wires.push(w);
  }
  const sinks = wires.filter((w) => !read.has(w.index));
  const out = sinks.length === 1 ? sinks[0]! : circuit.add(sinks, 'out');
  return { circuit, wires: [...wires, ...(sinks.length === 1 ? [] : [out])], inputs, out, reluArgs, reciprocalArgs, maxArgs };
}

/** The circuit as lines of forward code, for failure messages. */
const listing = (b: Built): string => b.wires.map((w) => b.circuit.describe(w)).join('; ');

const pointOf = (b: Built, xs: readonly number[]): Record<string, number> =>
  Object.fromEntries(b.inputs.map((w, k) => [w.name, xs[k]!]));

/**
 * The point is well-conditioned for finite differences: every value is moderate, every relu
 * input and every gap between a max's largest input and the others is at least 1e-3 and far
 * larger than what one finite-difference step can move it, and every 1/x input is at least 0.05.
 */
function wellConditioned(b: Built, fwd: Forward): boolean {
  const c = b.circuit;
  if (b.wires.some((w) => !(Math.abs(fwd.value(w)) <= 1e4))) return false;
  const steps = b.inputs.map((w) => 1e-6 * Math.max(1, Math.abs(fwd.value(w))));
  // How far the seeded combination of wires moves when one input moves by one step, at most.
  const reach = (seeds: readonly Seed[]): number => {
    const bwd = c.backwardFrom(fwd, seeds);
    if (E.isLeft(bwd)) return Infinity;
    return Math.max(...b.inputs.map((w, k) => steps[k]! * Math.abs(bwd.right.gradient(w))));
  };
  const clear = (margin: number, seeds: readonly Seed[]): boolean => margin >= 1e-3 && margin > 100 * reach(seeds);
  if (!b.reluArgs.every((w) => clear(Math.abs(fwd.value(w)), [{ wire: w, upstream: 1 }]))) return false;
  if (!b.reciprocalArgs.every((w) => Math.abs(fwd.value(w)) >= 0.05)) return false;
  return b.maxArgs.every((args) => {
    const distinct = [...new Map(args.map((w) => [w.index, w])).values()];
    const top = distinct.reduce((m, w) => (fwd.value(w) > fwd.value(m) ? w : m));
    return distinct.every((w) => w === top || clear(fwd.value(top) - fwd.value(w), [{ wire: top, upstream: 1 }, { wire: w, upstream: -1 }]));
  });
}

/** A built circuit with a well-conditioned forward pass at the point, or undefined (fast-check skips it). */
function evaluate(spec: CircuitSpec, xs: readonly number[]): { b: Built; fwd: Forward } | undefined {
  const b = build(spec);
  const fwd = b.circuit.forward(pointOf(b, xs));
  if (E.isLeft(fwd) || !wellConditioned(b, fwd.right)) return undefined;
  return { b, fwd: fwd.right };
}

const largest = (b: Built, ...passes: readonly Backward[]): number =>
  Math.max(...b.wires.map((w) => passes.reduce((s, p) => s + Math.abs(p.gradient(w)), 0)));

const NUM_RUNS = 300;

describe('random circuits', () => {
  it('pass the numerical gradient check at well-conditioned points, every input with status pass', () => {
    fc.assert(
      fc.property(circuitSpec, inputValues, (spec, xs) => {
        const run = evaluate(spec, xs);
        fc.pre(run !== undefined);
        const { b } = run;
        const report = gradcheck(b.circuit, pointOf(b, xs), { output: b.out });
        if (E.isLeft(report)) return expect.fail(`${listing(b)}: ${report.left.message}`);
        const failed = report.right.checks.filter((k) => k.status !== 'pass');
        expect(failed, `${listing(b)} at ${JSON.stringify(pointOf(b, xs))}`).to.deep.equal([]);
        expect(report.right.ok).to.equal(true);
        expect(report.right.checks).to.have.lengthOf(b.inputs.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('scale every wire\'s gradient by u when the upstream gradient is u: exactly for a power of two', () => {
    fc.assert(
      fc.property(circuitSpec, inputValues, fc.integer({ min: -20, max: 20 }), fc.boolean(), (spec, xs, k, negative) => {
        const run = evaluate(spec, xs);
        fc.pre(run !== undefined);
        const { b, fwd } = run;
        const u = (negative ? -1 : 1) * 2 ** k;
        const unit = orThrow(b.circuit.backward(fwd, 1, b.out));
        // Scaling by 2^k is exact unless some product underflows to a subnormal, which rounds.
        const normal = (x: number): boolean => x === 0 || (Math.abs(x) >= 1e-100 && Math.abs(x) <= 1e100);
        fc.pre(b.wires.every((w) => normal(fwd.value(w)) && normal(unit.gradient(w))));
        const scaled = orThrow(b.circuit.backward(fwd, u, b.out));
        for (const w of b.wires) {
          const g1 = unit.gradient(w);
          expect(scaled.gradient(w) === u * g1, `${listing(b)}: d${w.name} with upstream ${String(u)}: ${String(scaled.gradient(w))} vs ${String(u * g1)}`).to.equal(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('scale every wire\'s gradient by u when the upstream gradient is u: to rounding for any u', () => {
    fc.assert(
      fc.property(circuitSpec, inputValues, upstreamGradient, (spec, xs, u) => {
        const run = evaluate(spec, xs);
        fc.pre(run !== undefined);
        const { b, fwd } = run;
        const unit = orThrow(b.circuit.backward(fwd, 1, b.out));
        const scaled = orThrow(b.circuit.backward(fwd, u, b.out));
        const tol = 1e-10 * Math.abs(u) * largest(b, unit) + 1e-300;
        for (const w of b.wires) {
          expect(scaled.gradient(w), `${listing(b)}: d${w.name} with upstream ${String(u)}`).to.be.closeTo(u * unit.gradient(w), tol);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('give backwardFrom several seeds the sum of the backward passes from each seed alone', () => {
    const seedSpecs = fc.array(fc.record({ at: fc.nat({ max: 1000 }), upstream: upstreamGradient }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(circuitSpec, inputValues, seedSpecs, (spec, xs, seedSpec) => {
        const run = evaluate(spec, xs);
        fc.pre(run !== undefined);
        const { b, fwd } = run;
        const seeds = seedSpec.map(({ at, upstream }) => ({ wire: b.wires[at % b.wires.length]!, upstream }));
        const together = orThrow(b.circuit.backwardFrom(fwd, seeds));
        const alone = seeds.map(({ wire, upstream }) => orThrow(b.circuit.backward(fwd, upstream, wire)));
        const tol = 1e-10 * largest(b, ...alone) + 1e-300;
        for (const w of b.wires) {
          const sum = alone.reduce((s, p) => s + p.gradient(w), 0);
          expect(together.gradient(w), `${listing(b)}: d${w.name}, seeds ${seeds.map((s) => `${s.wire.name}:${String(s.upstream)}`).join(', ')}`).to.be.closeTo(sum, tol);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('add up seeds placed on the same wire', () => {
    fc.assert(
      fc.property(circuitSpec, inputValues, fc.nat({ max: 1000 }), upstreamGradient, upstreamGradient, (spec, xs, at, u1, u2) => {
        const run = evaluate(spec, xs);
        fc.pre(run !== undefined);
        const { b, fwd } = run;
        const wire = b.wires[at % b.wires.length]!;
        const twice = orThrow(b.circuit.backwardFrom(fwd, [{ wire, upstream: u1 }, { wire, upstream: u2 }]));
        const once = orThrow(b.circuit.backward(fwd, u1 + u2, wire));
        const tol = 1e-10 * largest(b, once) + 1e-10 * (Math.abs(u1) + Math.abs(u2)) * largest(b, orThrow(b.circuit.backward(fwd, 1, wire))) + 1e-300;
        for (const w of b.wires) expect(twice.gradient(w), `${listing(b)}: d${w.name}`).to.be.closeTo(once.gradient(w), tol);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
