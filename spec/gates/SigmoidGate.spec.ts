import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, SigmoidGate, orThrow, sigmoid } from '../../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

/** sig'(q) = exp(-|q|) / (1 + exp(-|q|))^2: the derivative is even, and this form never overflows. */
const sigmoidSlope = (q: number): number => {
  const e = Math.exp(-Math.abs(q));
  return e / ((1 + e) * (1 + e));
};

describeGateContract('SigmoidGate', () => new SigmoidGate(), {
  value: finiteIn(-30, 30),
  edgePoints: () => [[0], [-0], [1000], [-1000], [40], [-40], [36.7], [709], [-709], [745], [-745], [Number.MAX_VALUE], [-Number.MAX_VALUE], [1e-300]],
});

describe('SigmoidGate', () => {
  it('gives sig(0) = 0.5 and local gradient f * (1 - f) = 0.25', () => {
    const sig = new SigmoidGate();
    expect(sig.forward([0])).to.equal(0.5);
    expect(sig.backward([0], 0.5, 1)).to.deep.equal([0.25]);
    expect(sig.backward([0], 0.5, -2)).to.deep.equal([-0.5]);
  });

  it('matches 1 / (1 + exp(-q)) and the chapter\'s (f * (1 - f)) * df for moderate q', () => {
    fc.assert(
      fc.property(finiteIn(-5, 5), upstreamGradient, (q, df) => {
        const sig = new SigmoidGate();
        const f = sig.forward([q]);
        expect(f).to.be.closeTo(1 / (1 + Math.exp(-q)), 1e-15);
        const [dq] = sig.backward([q], f, df);
        expect(dq).to.be.closeTo(f * (1 - f) * df, 1e-12 * Math.abs(f * (1 - f) * df) + 1e-300);
        expect(dq).to.be.closeTo(sigmoidSlope(q) * df, 1e-12 * Math.abs(sigmoidSlope(q) * df) + 1e-300);
      }),
    );
  });

  it('stays finite at q = 1000 and q = -1000: sig is exactly 1 and 0, the gradients 0, no NaN', () => {
    const sig = new SigmoidGate();
    expect(sig.forward([1000])).to.equal(1);
    expect(sig.forward([-1000])).to.equal(0);
    expect(sigmoid(1000)).to.equal(1);
    expect(sigmoid(-1000)).to.equal(0);
    expect(sig.backward([1000], 1, 1)).to.deep.equal([0]);
    expect(sig.backward([-1000], 0, 1)).to.deep.equal([0]);
    expect(sig.backward([1000], 1, -3)[0]).to.equal(0);
    for (const q of [1000, -1000]) {
      const c = new Circuit();
      const wq = c.input('q');
      const f = c.sigmoid(wq, 'f');
      const fwd = orThrow(c.forward({ q }));
      expect(fwd.value(f)).to.equal(q > 0 ? 1 : 0);
      expect(orThrow(c.backward(fwd, 1)).gradient(wq)).to.equal(0);
    }
  });

  it('computes the gradient to full relative accuracy for large q, where the chapter\'s 1 - f cancels to 0', () => {
    const sig = new SigmoidGate();
    const f40 = sig.forward([40]);
    expect(f40).to.equal(1);
    expect(1 - f40, 'the chapter\'s 1 - f').to.equal(0);
    const [d40] = sig.backward([40], f40, 1);
    expect(d40).to.be.closeTo(4.248354255291589e-18, 1e-12 * 4.248354255291589e-18);
    expect(d40).to.be.closeTo(sigmoidSlope(40), 1e-12 * sigmoidSlope(40));
    const [dMinus40] = sig.backward([-40], sig.forward([-40]), 1);
    expect(dMinus40).to.be.closeTo(sigmoidSlope(-40), 1e-12 * sigmoidSlope(-40));
  });

  it('keeps the gradient\'s relative accuracy for every large |q|, also in a circuit', () => {
    const large = fc.oneof(finiteIn(20, 700), finiteIn(-700, -20));
    fc.assert(
      fc.property(large, (q) => {
        const ref = sigmoidSlope(q);
        const sig = new SigmoidGate();
        const [dq] = sig.backward([q], sig.forward([q]), 1);
        expect(dq).to.be.closeTo(ref, 1e-12 * ref);
        const c = new Circuit();
        const wq = c.input('q');
        c.sigmoid(wq);
        const fwd = orThrow(c.forward({ q }));
        expect(orThrow(c.backward(fwd)).gradient(wq)).to.be.closeTo(ref, 1e-12 * ref);
      }),
    );
  });

  it('uses the exact 1 - f below q = 1 and sig(-q) from 1 up, each within a few units in the last place', () => {
    const sig = new SigmoidGate();
    for (const q of [0, 0.25, 0.5, 1 - 2 ** -52, 1, 1.5, 3]) {
      const f = sig.forward([q]);
      const [dq] = sig.backward([q], f, 1);
      expect(dq, `at ${String(q)}`).to.equal(q < 1 ? f * (1 - f) : f * sigmoid(-q));
    }
    // below 1 the subtraction is exact and at least 0.27, so the slope is as accurate as the other form
    fc.assert(
      fc.property(finiteIn(0, 1), (q) => {
        const f = sig.forward([q]);
        const [dq] = sig.backward([q], f, 1);
        const ref = sigmoidSlope(q);
        expect(Math.abs((dq ?? NaN) - ref) / ref).to.be.below(8 * 2 ** -53);
        expect(Math.abs((dq ?? NaN) - f * sigmoid(-q)) / ref).to.be.below(8 * 2 ** -53);
      }),
    );
  });

  it('is symmetric: sig(-q) = 1 - sig(q)', () => {
    fc.assert(
      fc.property(finiteIn(-30, 30), (q) => {
        expect(sigmoid(-q)).to.be.closeTo(1 - sigmoid(q), 1e-15);
      }),
    );
  });
});
