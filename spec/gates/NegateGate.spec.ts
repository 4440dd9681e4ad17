import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, NegateGate, orThrow } from '../../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

describeGateContract('NegateGate', () => new NegateGate(), {
  value: finiteIn(-100, 100),
  edgePoints: () => [[0], [-0], [Number.MAX_VALUE], [-Number.MIN_VALUE]],
});

describe('NegateGate', () => {
  it('negates its input', () => {
    expect(new NegateGate().forward([3])).to.equal(-3);
    expect(new NegateGate().forward([-2.5])).to.equal(2.5);
  });

  it('passes -dx to its input (local gradient -1.0)', () => {
    expect(new NegateGate().backward([3], -3, 2)).to.deep.equal([-2]);
    fc.assert(
      fc.property(finiteIn(-10, 10), upstreamGradient, (a, dx) => {
        expect(new NegateGate().backward([a], -a, dx)[0]).to.equal(-dx);
      }),
    );
  });

  it('undoes itself: -(-a) has gradient dx', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.neg(c.neg(a));
    const fwd = orThrow(c.forward({ a: 4 }));
    expect(fwd.output).to.equal(4);
    expect(orThrow(c.backward(fwd, 3)).gradient(a)).to.equal(3);
  });
});
