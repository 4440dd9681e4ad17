import { expect } from 'chai';
import fc from 'fast-check';
import { orThrow, type Backward, type Circuit, type Wire } from '../lib/index';
import { circuitAtPointArbitrary, gradientProperty, type CircuitAtPoint } from '../lib/testing/index';
import { upstreamGradient } from './contract/gateContract';

// Laws of the backward pass on random circuits of every built-in gate, at well-conditioned
// points (away from ReLU and max kinks, ties, and 1/x near 0), made by the public toolkit
// (backprop-ninja/testing): a failure shrinks to a small circuit printed as the chapter's code.

const NUM_RUNS = 1000;

/** Random circuits of every built-in gate, each at a well-conditioned point. */
const cases = circuitAtPointArbitrary();

/** Every wire of the circuit, inputs first. */
const wiresOf = (c: Circuit): Wire[] => Array.from({ length: c.size }, (_, i) => c.wireAt(i)!);

const largest = (c: Circuit, ...passes: readonly Backward[]): number =>
  Math.max(...wiresOf(c).map((w) => passes.reduce((s, p) => s + Math.abs(p.gradient(w)), 0)));

const forward = (at: CircuitAtPoint) => orThrow(at.circuit.forward(at.point));

describe('random circuits', () => {
  it('pass the numerical gradient check at well-conditioned points, every input with status pass', () => {
    fc.assert(gradientProperty(), { numRuns: NUM_RUNS });
  });

  it('scale every wire\'s gradient by u when the upstream gradient is u: exactly for a power of two', () => {
    fc.assert(
      fc.property(cases, fc.integer({ min: -20, max: 20 }), fc.boolean(), (at, k, negative) => {
        const fwd = forward(at);
        const u = (negative ? -1 : 1) * 2 ** k;
        const unit = orThrow(at.circuit.backward(fwd, 1, at.output));
        // Scaling by 2^k is exact unless some product underflows to a subnormal, which rounds.
        const normal = (x: number): boolean => x === 0 || (Math.abs(x) >= 1e-100 && Math.abs(x) <= 1e100);
        fc.pre(wiresOf(at.circuit).every((w) => normal(fwd.value(w)) && normal(unit.gradient(w))));
        const scaled = orThrow(at.circuit.backward(fwd, u, at.output));
        for (const w of wiresOf(at.circuit)) {
          const g1 = unit.gradient(w);
          expect(scaled.gradient(w) === u * g1, `${String(at)}\nd${w.name} with upstream ${String(u)}: ${String(scaled.gradient(w))} vs ${String(u * g1)}`).to.equal(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('scale every wire\'s gradient by u when the upstream gradient is u: to rounding for any u', () => {
    fc.assert(
      fc.property(cases, upstreamGradient, (at, u) => {
        const fwd = forward(at);
        const unit = orThrow(at.circuit.backward(fwd, 1, at.output));
        const scaled = orThrow(at.circuit.backward(fwd, u, at.output));
        const tol = 1e-10 * Math.abs(u) * largest(at.circuit, unit) + 1e-300;
        for (const w of wiresOf(at.circuit)) {
          expect(scaled.gradient(w), `${String(at)}\nd${w.name} with upstream ${String(u)}`).to.be.closeTo(u * unit.gradient(w), tol);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('give backwardFrom several seeds the sum of the backward passes from each seed alone', () => {
    const seedSpecs = fc.array(fc.record({ at: fc.nat({ max: 1000 }), upstream: upstreamGradient }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(cases, seedSpecs, (at, seedSpec) => {
        const fwd = forward(at);
        const wires = wiresOf(at.circuit);
        const seeds = seedSpec.map(({ at: i, upstream }) => ({ wire: wires[i % wires.length]!, upstream }));
        const together = orThrow(at.circuit.backwardFrom(fwd, seeds));
        const alone = seeds.map(({ wire, upstream }) => orThrow(at.circuit.backward(fwd, upstream, wire)));
        const tol = 1e-10 * largest(at.circuit, ...alone) + 1e-300;
        for (const w of wires) {
          const sum = alone.reduce((s, p) => s + p.gradient(w), 0);
          expect(together.gradient(w), `${String(at)}\nd${w.name}, seeds ${seeds.map((s) => `${s.wire.name}:${String(s.upstream)}`).join(', ')}`).to.be.closeTo(sum, tol);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('add up seeds placed on the same wire', () => {
    fc.assert(
      fc.property(cases, fc.nat({ max: 1000 }), upstreamGradient, upstreamGradient, (at, i, u1, u2) => {
        const fwd = forward(at);
        const wires = wiresOf(at.circuit);
        const wire = wires[i % wires.length]!;
        const twice = orThrow(at.circuit.backwardFrom(fwd, [{ wire, upstream: u1 }, { wire, upstream: u2 }]));
        const once = orThrow(at.circuit.backward(fwd, u1 + u2, wire));
        const tol = 1e-10 * largest(at.circuit, once) + 1e-10 * (Math.abs(u1) + Math.abs(u2)) * largest(at.circuit, orThrow(at.circuit.backward(fwd, 1, wire))) + 1e-300;
        for (const w of wires) expect(twice.gradient(w), `${String(at)}\nd${w.name}`).to.be.closeTo(once.gradient(w), tol);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('give a workspace the same values and gradients as the circuit\'s own passes', () => {
    fc.assert(
      fc.property(cases, upstreamGradient, (at, u) => {
        const fwd = forward(at);
        const bwd = orThrow(at.circuit.backward(fwd, u, at.output));
        const ws = at.circuit.workspace();
        const wf = orThrow(ws.forward(at.circuit.inputNames.map((n) => at.point[n]!)));
        const wb = orThrow(ws.backward(u, at.output));
        for (const w of wiresOf(at.circuit)) {
          expect(Object.is(wf.value(w), fwd.value(w)), `${String(at)}\n${w.name}`).to.equal(true);
          expect(Object.is(wb.gradient(w), bwd.gradient(w)), `${String(at)}\nd${w.name}`).to.equal(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('give a workspace made before more gates were added the circuit as it was', () => {
    fc.assert(
      fc.property(cases, (at) => {
        const before = forward(at);
        const grads = orThrow(at.circuit.backward(before, 1, at.output));
        const ws = at.circuit.workspace();
        // grow the circuit: a chain, so the new gates read new wires
        const first = at.circuit.wireAt(0)!;
        at.circuit.neg(at.circuit.mul(first, first));
        const wf = orThrow(ws.forward(at.circuit.inputNames.map((n) => at.point[n]!)));
        const wb = orThrow(ws.backward(1, at.output));
        expect(wf.size).to.equal(before.size);
        for (let i = 0; i < before.size; i++) {
          const w = at.circuit.wireAt(i)!;
          expect(wf.value(w), `${String(at)}\n${w.name}`).to.equal(before.value(w));
          expect(wb.gradient(w), `${String(at)}\nd${w.name}`).to.equal(grads.gradient(w));
        }
      }),
      { numRuns: 200 },
    );
  });
});
