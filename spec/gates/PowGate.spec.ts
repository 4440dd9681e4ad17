import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, CircuitException, PowGate, orThrow, type GateCode } from '../../lib/index';
import { awayFromZero, describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

const everywhere = finiteIn(-10, 10);
const positive = finiteIn(0.1, 10);
const domains: readonly (readonly [number, fc.Arbitrary<number>])[] = [
  [2, everywhere],
  [3, everywhere],
  [0.5, positive],
  [-1, awayFromZero(0.1, 10)],
  [0, everywhere],
  [1, everywhere],
  [2.5, positive],
  [-2, awayFromZero(0.1, 10)],
];

for (const [k, value] of domains) {
  describeGateContract(`PowGate(${String(k)})`, () => new PowGate(k), {
    value,
    edgePoints: () => [[0], [-0], [-8], [1], [-1], [1e-200], [-1e-200], [1e200], [-1e200], [Number.MAX_VALUE]],
  });
}

/** A circuit y = pow(a, k) with input a. */
function power(k: number): Circuit {
  const c = new Circuit();
  c.pow(c.input('a'), k, 'y');
  return c;
}

describe('PowGate', () => {
  it('squares like the chapter\'s x = x2 * x2, with dx2 = 2 * x2 * dx', () => {
    const square = new PowGate(2);
    expect(square.forward([3])).to.equal(9);
    expect(square.backward([3], 9, 1)).to.deep.equal([6]);
    fc.assert(
      fc.property(finiteIn(-1e3, 1e3), upstreamGradient, (x2, dx) => {
        expect(square.forward([x2])).to.equal(x2 * x2);
        const ref = 2 * x2 * dx;
        expect(square.backward([x2], x2 * x2, dx)[0]).to.be.closeTo(ref, 1e-15 * Math.abs(ref) + 1e-300);
      }),
    );
  });

  it('follows the power rule k * a^(k - 1) * dx for each exponent', () => {
    const references: readonly (readonly [number, fc.Arbitrary<number>, (a: number) => number])[] = [
      [3, everywhere, (a) => 3 * a * a],
      [0.5, positive, (a) => 0.5 / Math.sqrt(a)],
      [-1, awayFromZero(0.1, 10), (a) => -1 / (a * a)],
      [-2, awayFromZero(0.1, 10), (a) => -2 / (a * a * a)],
    ];
    for (const [k, value, slope] of references) {
      fc.assert(
        fc.property(value, upstreamGradient, (a, dx) => {
          const gate = new PowGate(k);
          const [da] = gate.backward([a], gate.forward([a]), dx);
          const ref = slope(a) * dx;
          expect(da, `d pow(a, ${String(k)}) / da at a = ${String(a)}`).to.be.closeTo(ref, 1e-13 * Math.abs(ref) + 1e-300);
        }),
      );
    }
  });

  it('gives pow(a, 0) = 1 with gradient 0 everywhere, also at a = 0', () => {
    const c = power(0);
    for (const a of [0, -0, 3, -3]) {
      const fwd = orThrow(c.forward({ a }));
      expect(fwd.output).to.equal(1);
      expect(orThrow(c.backward(fwd, 5)).inputs()).to.deep.equal({ a: 0 });
    }
  });

  it('reports a power that is not a real number, pow(-8, 1/3), as a Left naming the gate and wire', () => {
    expect(new PowGate(1 / 3).forward([-8])).to.be.NaN;
    const result = power(1 / 3).forward({ a: -8 });
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'forward',
      gate: 'pow',
      wire: 'y',
      message: 'pow gate on wire y: input a = -8 gives NaN',
    });
  });

  it('reports 0^-1 as a Left naming the gate and wire', () => {
    const result = power(-1).forward({ a: 0 });
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'forward',
      gate: 'pow',
      wire: 'y',
      message: 'pow gate on wire y: input a = 0 gives Infinity',
    });
  });

  it('reports the infinite gradient of pow(a, 0.5) at a = 0 in the backward pass', () => {
    const c = power(0.5);
    const fwd = orThrow(c.forward({ a: 0 }));
    expect(fwd.output).to.equal(0);
    const result = c.backward(fwd);
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'backward',
      gate: 'pow',
      wire: 'y',
      message: 'pow gate on wire y, backward: gradient into a becomes Infinity (inputs a = 0; upstream dy = 1)',
    });
  });

  it('must have a finite exponent, checked where the gate is added', () => {
    const c = new Circuit();
    const a = c.input('a');
    const result = c.apply(new PowGate(NaN), [a]);
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'CompositionError',
      message: 'the exponent of a pow gate must be a finite number, got NaN',
    });
    expect(() => c.pow(a, Infinity)).to.throw(CircuitException, 'the exponent of a pow gate must be a finite number, got Infinity');
    expect(c.size).to.equal(1);
  });

  it('writes the power rule as code, with the chapter\'s short forms for k = 0, 1 and 2', () => {
    const code = (k: number): GateCode => new PowGate(k).code;
    expect(code(0).backward(['a'], 'x', 'dx')).to.deep.equal(['0']); // not 0 * pow(a, -1), NaN at a = 0
    expect(code(1).backward(['a'], 'x', 'dx')).to.deep.equal(['1 * dx']);
    expect(code(2).backward(['x2'], 'x', 'dx')).to.deep.equal(['2 * x2 * dx']); // var dx2 = 2 * x2 * dx;
    expect(code(3).backward(['a'], 'x', 'dx')).to.deep.equal(['3 * Math.pow(a, 2) * dx']);
    expect(code(-1).backward(['a'], 'x', 'dx')).to.deep.equal(['(-1) * Math.pow(a, (-2)) * dx']);
    expect(code(0.5).forward(['a'])).to.equal('Math.pow(a, 0.5)');
  });
});
