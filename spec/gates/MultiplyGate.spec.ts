import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, MultiplyGate, orThrow } from '../../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

describeGateContract('MultiplyGate', () => new MultiplyGate(), {
  value: finiteIn(-10, 10),
  edgePoints: () => [[0, 0], [-0, 5], [5, -0], [-3, 4], [1e200, 1e200], [1e-200, 1e-200], [Number.MAX_VALUE, 2], [1e200, 1e-200]],
});

describe('MultiplyGate', () => {
  it('multiplies its inputs', () => {
    expect(new MultiplyGate().forward([3, -4])).to.equal(-12);
  });

  it('passes each input the other input times the upstream gradient (the switcher)', () => {
    // var da = b * dx; var db = a * dx;
    expect(new MultiplyGate().backward([3, -4], -12, 2)).to.deep.equal([-8, 6]);
    fc.assert(
      fc.property(finiteIn(-1e3, 1e3), finiteIn(-1e3, 1e3), upstreamGradient, (a, b, dx) => {
        const [da, db] = new MultiplyGate().backward([a, b], a * b, dx);
        expect(da).to.be.closeTo(b * dx, 1e-12 * Math.abs(b * dx) + 1e-300);
        expect(db).to.be.closeTo(a * dx, 1e-12 * Math.abs(a * dx) + 1e-300);
      }),
    );
  });

  it('gives a * a the gradient 2 * a * dx when one wire feeds both inputs', () => {
    // var da = a * dx; da += a * dx; // short form: var da = 2 * a * dx;
    fc.assert(
      fc.property(finiteIn(-1e3, 1e3), upstreamGradient, (a, dx) => {
        const c = new Circuit();
        const wa = c.input('a');
        const x = c.mul(wa, wa, 'x');
        const fwd = orThrow(c.forward({ a }));
        expect(fwd.value(x)).to.be.closeTo(a * a, 1e-12 * a * a + 1e-300);
        expect(orThrow(c.backward(fwd, dx)).gradient(wa)).to.be.closeTo(2 * a * dx, 1e-12 * Math.abs(2 * a * dx) + 1e-300);
      }),
    );
  });
});
