import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's first block, transcribed as the reference:
//   var x = a * b;
//   var da = b * dx;
//   var db = a * dx;
const chapter = (a: number, b: number, dx: number): { a: number; b: number } => ({ a: b * dx, b: a * dx });

function build(): { c: Circuit; x: Wire } {
  const c = new Circuit();
  const [a, b] = c.inputs('a', 'b');
  return { c, x: c.mul(a, b, 'x') };
}

describe('chapter: x = a * b (the multiply gate)', () => {
  // The chapter gives no numbers for this block; -2 and 5 are the guide's earlier x and y.
  it('computes x = a * b forward', () => {
    const { c, x } = build();
    expect(right(c.forward({ a: -2, b: 5 })).value(x)).to.equal(-10);
  });

  it('gives da = b and db = a with the default dx = 1', () => {
    const { c, x } = build();
    const bwd = backprop(c, { a: -2, b: 5 });
    expectAllClose(bwd.inputs(), { a: 5, b: -2 });
    expect(bwd.gradient(x)).to.equal(1);
  });

  it('multiplies by an explicit upstream gradient dx = -2.5 (the chain rule)', () => {
    const { c, x } = build();
    const bwd = backprop(c, { a: -2, b: 5 }, -2.5);
    expectAllClose(bwd.inputs(), chapter(-2, 5, -2.5));
    expectAllClose(bwd.inputs(), { a: -12.5, b: 5 });
    expect(bwd.gradient(x)).to.equal(-2.5);
  });

  it('acts as a switcher: each input gets the value of the other, at random points', () => {
    const { c } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), upstream, (a, b, dx) => {
        expectAllClose(backprop(c, { a, b }, dx).inputs(), chapter(a, b, dx));
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { c } = build();
    fc.assert(
      fc.property(num(-10, 10), num(-10, 10), (a, b) => {
        expectGradcheckPasses(c, { a, b }, chapter(a, b, 1));
      }),
    );
  });

  it('is linear in dx: the gradients for dx are dx times those for dx = 1', () => {
    const { c } = build();
    const one = backprop(c, { a: 3, b: -7 }).inputs();
    const scaled = backprop(c, { a: 3, b: -7 }, -2.5).inputs();
    expectClose(scaled.a!, -2.5 * one.a!);
    expectClose(scaled.b!, -2.5 * one.b!);
  });
});
