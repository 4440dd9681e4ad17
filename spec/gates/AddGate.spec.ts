import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { AddGate, Circuit, orThrow } from '../../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

describeGateContract('AddGate', () => new AddGate(), {
  arities: [1, 2, 3, 5],
  value: finiteIn(-100, 100),
  edgePoints: (n) => [
    Array.from({ length: n }, () => 0),
    Array.from({ length: n }, () => -0),
    Array.from({ length: n }, () => 1e308),
    Array.from({ length: n }, (_, k) => (k % 2 === 0 ? Number.MAX_VALUE : -Number.MAX_VALUE)),
    Array.from({ length: n }, (_, k) => (k === 0 ? 1e16 : 1)),
  ],
});

describe('AddGate', () => {
  it('adds any number of inputs in one gate', () => {
    const add = new AddGate();
    expect(add.forward([7])).to.equal(7);
    expect(add.forward([1, 2, 3])).to.equal(6);
    expect(add.forward([1, 2, 3, 4, 5])).to.equal(15);
  });

  it('routes the upstream gradient unchanged to every input (local gradient 1.0)', () => {
    // var x = a + b + c; var da = 1.0 * dx; var db = 1.0 * dx; var dc = 1.0 * dx;
    expect(new AddGate().backward([1, 2, 3], 6, 5)).to.deep.equal([5, 5, 5]);
    fc.assert(
      fc.property(fc.array(finiteIn(-10, 10), { minLength: 1, maxLength: 8 }), upstreamGradient, (xs, dx) => {
        const add = new AddGate();
        expect(add.backward(xs, add.forward(xs), dx)).to.deep.equal(xs.map(() => dx));
      }),
    );
  });

  it('gives a + b + c in one gate the same gradients as in two gates, q = a + b and x = q + c', () => {
    fc.assert(
      fc.property(finiteIn(-10, 10), finiteIn(-10, 10), finiteIn(-10, 10), upstreamGradient, (a, b, cv, dx) => {
        const one = new Circuit();
        const ins1 = one.inputs('a', 'b', 'c');
        one.add(ins1);
        const two = new Circuit();
        const a2 = two.input('a');
        const b2 = two.input('b');
        const c2 = two.input('c');
        two.add([two.add([a2, b2], 'q'), c2], 'x');
        const point = { a, b, c: cv };
        const g1 = orThrow(one.backward(orThrow(one.forward(point)), dx)).inputs();
        const g2 = orThrow(two.backward(orThrow(two.forward(point)), dx)).inputs();
        // Compared with ===, not deep.equal: a gradient is accumulated from +0, so dx = -0 arrives as +0.
        for (const name of ['a', 'b', 'c']) {
          expect(g1[name] === dx, `one gate: d${name} = ${String(g1[name])}`).to.equal(true);
          expect(g2[name] === dx, `two gates: d${name} = ${String(g2[name])}`).to.equal(true);
        }
      }),
    );
  });

  it('gives add([a, a, a]) the gradient 3 * dx', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.add([a, a, a]);
    const fwd = orThrow(c.forward({ a: 2 }));
    expect(fwd.output).to.equal(6);
    expect(orThrow(c.backward(fwd, 1.5)).gradient(a)).to.equal(4.5);
  });

  it('is rejected with no inputs', () => {
    const c = new Circuit();
    const result = c.apply(new AddGate(), []);
    expect(E.isLeft(result) && result.left._tag).to.equal('CompositionError');
  });

  it('says how many inputs it takes in a grammatical message', () => {
    const c = new Circuit();
    const result = c.apply(new AddGate(), []);
    expect(E.isLeft(result) && result.left.message).to.equal('add gate takes at least 1 input, got 0');
  });
});
