import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import { Circuit, CircuitException, ConstantGate, orThrow } from '../../lib/index';
import { describeGateContract, finiteIn } from '../contract/gateContract';

for (const value of [2.5, 0, -0, -7, 1e300]) {
  describeGateContract(`ConstantGate(${Object.is(value, -0) ? '-0' : String(value)})`, () => new ConstantGate(value), {
    arities: [0],
    value: finiteIn(-10, 10),
    edgePoints: () => [[]],
  });
}

describe('ConstantGate', () => {
  it('outputs its value and takes no inputs', () => {
    const one = new ConstantGate(1);
    expect(one.arity).to.deep.equal({ min: 0, max: 0 });
    expect(one.forward([])).to.equal(1);
    expect(one.backward([], 1, 7)).to.deep.equal([]);
  });

  it('is the 1.0 of 1.0 / a, and its own wire still gets a gradient', () => {
    // var x = 1.0 / a written as one * reciprocal(a): d x / d one = 1 / a.
    const c = new Circuit();
    const a = c.input('a');
    const one = c.constant(1, 'one');
    const x = c.mul(one, c.reciprocal(a), 'x');
    const fwd = orThrow(c.forward({ a: 4 }));
    expect(fwd.value(x)).to.equal(0.25);
    const bwd = orThrow(c.backward(fwd, 2));
    expect(bwd.gradient(one)).to.equal(0.5);
    expect(bwd.gradient(a)).to.equal(-2 / 16);
    expect(bwd.inputs()).to.deep.equal({ a: -0.125 });
  });

  it('is rejected with an input: a constant takes none', () => {
    const c = new Circuit();
    const a = c.input('a');
    const result = c.apply(new ConstantGate(1), [a]);
    expect(E.isLeft(result) && result.left).to.deep.equal({ _tag: 'CompositionError', message: 'constant gate takes 0 inputs, got 1' });
  });

  it('must be finite: NaN and Infinity are rejected where the constant is added', () => {
    const c = new Circuit();
    for (const [value, shown] of [[Infinity, 'Infinity'], [-Infinity, '-Infinity'], [NaN, 'NaN']] as const) {
      const result = c.apply(new ConstantGate(value), []);
      expect(E.isLeft(result) && result.left).to.deep.equal({ _tag: 'CompositionError', message: `a constant must be a finite number, got ${shown}` });
      expect(() => c.constant(value)).to.throw(CircuitException, `a constant must be a finite number, got ${shown}`);
    }
    expect(c.size).to.equal(0);
  });

  it('writes its value as code that reads back exactly, -0 included, and no gradients', () => {
    expect(new ConstantGate(2).code.forward([])).to.equal('2');
    expect(new ConstantGate(0).code.forward([])).to.equal('0');
    expect(new ConstantGate(-0).code.forward([])).to.equal('-0');
    expect(new ConstantGate(-2.5).code.forward([])).to.equal('(-2.5)');
    expect(new ConstantGate(2).code.backward([], 'x', 'dx')).to.deep.equal([]);
  });
});
