import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, MaxGate, orThrow } from '../../lib/index';
import { centredDifference, describeGateContract, finiteIn, upstreamGradient } from '../contract/gateContract';

/** The largest input is ahead of the next one by more than 1e-3: no tie within a finite-difference step. */
const noTie = (xs: readonly number[]): boolean => {
  const sorted = [...xs].sort((p, q) => q - p);
  return sorted[0]! - sorted[1]! > 1e-3;
};

describeGateContract('MaxGate', () => new MaxGate(), {
  arities: [2, 3, 4],
  value: finiteIn(-10, 10),
  smooth: noTie,
  edgePoints: (n) => [
    Array.from({ length: n }, () => 3),
    Array.from({ length: n }, (_, k) => (k < 2 ? 3 : -1)),
    Array.from({ length: n }, (_, k) => (k === n - 1 ? 3 : 3 - 1e-15)),
    Array.from({ length: n }, (_, k) => (k % 2 === 0 ? -0 : 0)),
    Array.from({ length: n }, (_, k) => (k % 2 === 0 ? 0 : -0)),
    Array.from({ length: n }, () => -Number.MAX_VALUE),
  ],
});

/** The chapter's literal backward: `var da = a === x ? 1.0 * dx : 0.0;` for every input. */
const chapterMaxBackward = (inputs: readonly number[], x: number, dx: number): number[] =>
  inputs.map((a) => (a === x ? 1.0 * dx : 0.0));

describe('MaxGate', () => {
  it('routes the upstream gradient to the larger input', () => {
    const max = new MaxGate();
    expect(max.forward([2, 7])).to.equal(7);
    expect(max.backward([2, 7], 7, 3)).to.deep.equal([0, 3]);
    expect(max.backward([9, -1, 4], 9, -2)).to.deep.equal([-2, 0, 0]);
  });

  // Decision (MaxGate.ts): a tie splits dx evenly, as in PyTorch and JAX, so the gradients sum to dx.
  it('splits the upstream gradient evenly between two tied inputs', () => {
    const max = new MaxGate();
    expect(max.backward([7, 7], 7, 1)).to.deep.equal([0.5, 0.5]);
    expect(max.backward([7, 7], 7, 3)).to.deep.equal([1.5, 1.5]);
    expect(max.backward([7, 2, 7], 7, 3)).to.deep.equal([1.5, 0, 1.5]);
  });

  it('splits the upstream gradient evenly among three tied inputs', () => {
    const max = new MaxGate();
    expect(max.backward([4, 1, 4, 4], 4, 3)).to.deep.equal([1, 0, 1, 1]);
    const [da, db, dc] = max.backward([-2, -2, -2], -2, 1);
    for (const d of [da, db, dc]) expect(d).to.be.closeTo(1 / 3, 1e-16);
  });

  it('gives tied inputs gradients that sum to dx, for any number of ties', () => {
    fc.assert(
      fc.property(finiteIn(-10, 10), fc.integer({ min: 1, max: 6 }), fc.array(finiteIn(1e-3, 10), { maxLength: 4 }), upstreamGradient, (top, ties, gaps, dx) => {
        const inputs = [...Array.from({ length: ties }, () => top), ...gaps.map((g) => top - g)];
        fc.pre(inputs.length >= 2);
        const grads = new MaxGate().backward(inputs, top, dx);
        expect(grads.reduce((s, d) => s + d, 0)).to.be.closeTo(dx, 1e-14 * Math.abs(dx) + 1e-300);
        grads.forEach((d, k) => expect(d).to.equal(k < ties ? dx / ties : 0));
      }),
    );
  });

  it('gives max(a, a) the gradient 1, the derivative of a, where the chapter\'s code would give 2', () => {
    fc.assert(
      fc.property(finiteIn(-10, 10), upstreamGradient, (a, dx) => {
        const slope = centredDifference(([x]) => new MaxGate().forward([x!, x!]), [a], 0);
        expect(slope).to.be.closeTo(1, 1e-9);
        const c = new Circuit();
        const wa = c.input('a');
        c.max([wa, wa], 'x');
        const fwd = orThrow(c.forward({ a }));
        expect(fwd.output).to.equal(a);
        // dx / 2 + dx / 2 is dx exactly, except where halving a subnormal dx rounds
        expect(orThrow(c.backward(fwd, dx)).gradient(wa)).to.be.closeTo(dx, 1e-300);
        const chapter = chapterMaxBackward([a, a], a, 1).reduce((s, d) => s + d, 0);
        expect(chapter, 'the chapter\'s literal code doubles the gradient').to.equal(2);
      }),
    );
  });

  it('gives max(a, a, a) the gradient 1 and max(a, a, b) with b < a the gradient 1 into a', () => {
    const c = new Circuit();
    const a = c.input('a');
    const b = c.input('b');
    const three = c.max([a, a, a], 'three');
    const two = c.max([a, a, b], 'two');
    const fwd = orThrow(c.forward({ a: 2, b: -1 }));
    const g3 = orThrow(c.backward(fwd, 1, three));
    expect(g3.gradient(a)).to.be.closeTo(1, 1e-15);
    const g2 = orThrow(c.backward(fwd, 1, two));
    expect(g2.inputs()).to.deep.equal({ a: 1, b: 0 });
  });

  it('splits a tie between different wires evenly in a circuit', () => {
    const c = new Circuit();
    const a = c.input('a');
    const b = c.input('b');
    const d = c.input('d');
    c.max([a, b, d], 'x');
    const fwd = orThrow(c.forward({ a: 2, b: 2, d: 1 }));
    expect(orThrow(c.backward(fwd, 4)).inputs()).to.deep.equal({ a: 2, b: 2, d: 0 });
  });

  it('gives the same value as Math.max, including the sign of zero, in either order', () => {
    const max = new MaxGate();
    expect(Object.is(max.forward([-0, 0]), Math.max(-0, 0)), 'max(-0, 0) is +0').to.equal(true);
    expect(Object.is(max.forward([0, -0]), Math.max(0, -0)), 'max(0, -0) is +0').to.equal(true);
    expect(Object.is(max.forward([-0, -0]), -0), 'max(-0, -0) is -0').to.equal(true);
    const c = new Circuit();
    const a = c.input('a');
    const b = c.input('b');
    const x = c.max([a, b], 'x');
    expect(Object.is(orThrow(c.forwardArray([-0, 0])).value(x), 0), 'in a circuit, max(-0, 0) is +0').to.equal(true);
  });
});
