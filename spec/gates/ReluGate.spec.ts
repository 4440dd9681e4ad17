import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, ReluGate, gradcheck, orThrow } from '../../lib/index';
import { awayFromZero, describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

describeGateContract('ReluGate', () => new ReluGate(), {
  value: awayFromZero(1e-3, 100),
  edgePoints: () => [[0], [-0], [5], [-5], [1e-300], [-1e-300], [Number.MIN_VALUE], [-Number.MIN_VALUE], [Number.MAX_VALUE]],
});

describe('ReluGate', () => {
  it('passes a positive input and the upstream gradient through', () => {
    fc.assert(
      fc.property(finiteIn(1e-300, 1e3), upstreamGradient, (a, dx) => {
        const relu = new ReluGate();
        expect(relu.forward([a])).to.equal(a);
        expect(relu.backward([a], a, dx)).to.deep.equal([dx]);
      }),
    );
  });

  it('stops a negative input and its gradient', () => {
    fc.assert(
      fc.property(finiteIn(-1e3, -1e-300), upstreamGradient, (a, dx) => {
        const relu = new ReluGate();
        expect(relu.forward([a])).to.equal(0);
        expect(relu.backward([a], 0, dx)).to.deep.equal([0]);
      }),
    );
  });

  // Decision (ReluGate.ts): the gradient at exactly 0 is 0, the chapter's `a > 0`.
  it('has gradient 0 at exactly a = 0, as the chapter\'s a > 0', () => {
    const relu = new ReluGate();
    expect(relu.backward([0], 0, 5)).to.deep.equal([0]);
    expect(relu.backward([-0], 0, 5)).to.deep.equal([0]);
    for (const a of [0, -0]) {
      const c = new Circuit();
      const wa = c.input('a');
      c.relu(wa, 'x');
      const fwd = orThrow(c.forward({ a }));
      expect(orThrow(c.backward(fwd, 5)).gradient(wa)).to.equal(0);
    }
  });

  it('maps -0 to +0', () => {
    expect(Object.is(new ReluGate().forward([-0]), 0)).to.equal(true);
    const c = new Circuit();
    const x = c.relu(c.input('a'), 'x');
    expect(Object.is(orThrow(c.forward({ a: -0 })).value(x), 0)).to.equal(true);
  });

  it('is reported as a kink, not a failure, by the gradient check at exactly 0', () => {
    const c = new Circuit();
    c.relu(c.input('a'));
    const report = orThrow(gradcheck(c, { a: 0 }));
    expect(report.ok).to.equal(true);
    expect(report.kinks).to.equal(true);
    expect(report.checks[0]).to.include({ analytic: 0, left: 0, right: 1, status: 'kink' });
  });

  it('passes NaN on instead of hiding it as 0', () => {
    expect(new ReluGate().forward([NaN])).to.be.NaN;
  });
});
