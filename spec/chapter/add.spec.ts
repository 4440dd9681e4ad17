import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's + gate:
//   var x = a + b;
//   var da = 1.0 * dx;
//   var db = 1.0 * dx;
const chapter = (dx: number): { a: number; b: number } => ({ a: 1.0 * dx, b: 1.0 * dx });

function build(): { c: Circuit; x: Wire } {
  const c = new Circuit();
  const [a, b] = c.inputs('a', 'b');
  return { c, x: c.add([a, b], 'x') };
}

describe('chapter: x = a + b (the add gate)', () => {
  it('computes x = a + b forward', () => {
    const { c, x } = build();
    expect(right(c.forward({ a: -2, b: 5 })).value(x)).to.equal(3);
  });

  it('gives da = db = 1 with the default dx = 1', () => {
    const { c } = build();
    expectAllClose(backprop(c, { a: -2, b: 5 }).inputs(), { a: 1, b: 1 });
  });

  it('routes an explicit upstream gradient dx = -2.5 unchanged to both inputs', () => {
    const { c, x } = build();
    const bwd = backprop(c, { a: -2, b: 5 }, -2.5);
    expectAllClose(bwd.inputs(), { a: -2.5, b: -2.5 });
    expect(bwd.gradient(x)).to.equal(-2.5);
  });

  it('routes dx to both inputs whatever their values, at random points', () => {
    const { c } = build();
    fc.assert(
      fc.property(num(-1e6, 1e6), num(-1e6, 1e6), upstream, (a, b, dx) => {
        expectAllClose(backprop(c, { a, b }, dx).inputs(), chapter(dx));
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { c } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), (a, b) => {
        expectGradcheckPasses(c, { a, b }, chapter(1));
      }),
    );
  });
});
