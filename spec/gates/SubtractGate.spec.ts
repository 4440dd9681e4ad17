import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, SubtractGate, orThrow } from '../../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

describeGateContract('SubtractGate', () => new SubtractGate(), {
  value: finiteIn(-100, 100),
  edgePoints: () => [[0, 0], [-0, 0], [0, -0], [5, 5], [Number.MAX_VALUE, -Number.MAX_VALUE], [1e16, 1]],
});

describe('SubtractGate', () => {
  it('subtracts its second input from its first', () => {
    expect(new SubtractGate().forward([5, 3])).to.equal(2);
    expect(new SubtractGate().forward([3, 5])).to.equal(-2);
  });

  it('passes dx to the first input and -dx to the second', () => {
    expect(new SubtractGate().backward([5, 3], 2, 4)).to.deep.equal([4, -4]);
    fc.assert(
      fc.property(finiteIn(-10, 10), finiteIn(-10, 10), upstreamGradient, (a, b, dx) => {
        const [da, db] = new SubtractGate().backward([a, b], a - b, dx);
        expect(da).to.equal(dx);
        expect(db).to.equal(-dx);
      }),
    );
  });

  it('gives a - a the gradient 0 when one wire feeds both inputs', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.sub(a, a);
    const fwd = orThrow(c.forward({ a: 3 }));
    expect(fwd.output).to.equal(0);
    expect(orThrow(c.backward(fwd, 7)).gradient(a)).to.equal(0);
  });
});
