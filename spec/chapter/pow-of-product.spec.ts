import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's x = Math.pow(((a * b + c) * d), 2), split into chunks:
//   var x1 = a * b + c;
//   var x2 = x1 * d;
//   var x = x2 * x2; // this is identical to the above expression for x
//   var dx2 = 2 * x2 * dx; // backprop into x2
//   var dd = x1 * dx2; // backprop into d
//   var dx1 = d * dx2; // backprop into x1
//   var da = b * dx1;
//   var db = a * dx1;
//   var dc = 1.0 * dx1; // done!
interface Point { readonly a: number; readonly b: number; readonly c: number; readonly d: number }
function chapter({ a, b, c, d }: Point, dx: number): { inputs: Record<string, number>; x1: number; x2: number } {
  const x1 = a * b + c;
  const x2 = x1 * d;
  const dx2 = 2 * x2 * dx;
  const dd = x1 * dx2;
  const dx1 = d * dx2;
  const da = b * dx1;
  const db = a * dx1;
  const dc = 1.0 * dx1;
  return { inputs: { a: da, b: db, c: dc, d: dd }, x1: dx1, x2: dx2 };
}
const value = ({ a, b, c, d }: Point): number => Math.pow((a * b + c) * d, 2);

function build(): { circuit: Circuit; x1: Wire; x2: Wire; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
  const x1 = circuit.add([circuit.mul(a, b), c], 'x1');
  const x2 = circuit.mul(x1, d, 'x2');
  const x = circuit.mul(x2, x2, 'x');
  return { circuit, x1, x2, x };
}

const point4 = fc.record({ a: num(-3, 3), b: num(-3, 3), c: num(-3, 3), d: num(-3, 3) });

describe('chapter: x = pow((a * b + c) * d, 2) in steps, with x = x2 * x2', () => {
  const point = { a: -2, b: 5, c: -4, d: 3 };

  it('computes x1, x2 and x forward, equal to Math.pow of the one-line expression', () => {
    const { circuit, x1, x2, x } = build();
    const fwd = right(circuit.forward(point));
    expect(fwd.value(x1)).to.equal(-14);
    expect(fwd.value(x2)).to.equal(-42);
    expect(fwd.value(x)).to.equal(1764);
    expect(fwd.value(x)).to.equal(value(point));
  });

  it('backprops dx = -2.5 into dx2, dd, dx1, da, db, dc as the chapter does', () => {
    const { circuit, x1, x2 } = build();
    const bwd = backprop(circuit, point, -2.5);
    const want = chapter(point, -2.5);
    // dx2 = 2 * -42 * -2.5 = 210; dd = -14 * 210; dx1 = 3 * 210; da = 5 * 630; db = -2 * 630; dc = 630
    expectAllClose(bwd.inputs(), { a: 3150, b: -1260, c: 630, d: -2940 });
    expectAllClose(bwd.inputs(), want.inputs);
    expect(bwd.gradient(x2)).to.equal(210);
    expect(bwd.gradient(x1)).to.equal(630);
  });

  it('matches every step of the chapter at random points', () => {
    const { circuit, x1, x2 } = build();
    fc.assert(
      fc.property(point4, upstream, (p, dx) => {
        const bwd = backprop(circuit, p, dx);
        const want = chapter(p, dx);
        expectAllClose(bwd.inputs(), want.inputs);
        expectClose(bwd.gradient(x2), want.x2, 'dx2');
        expectClose(bwd.gradient(x1), want.x1, 'dx1');
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(fc.property(point4, (p) => void expectGradcheckPasses(circuit, p, chapter(p, 1).inputs)));
  });
});

describe('chapter: x = Math.pow(((a * b + c) * d), 2) in one line, with a pow gate', () => {
  function buildPow(): { circuit: Circuit; x1: Wire; x2: Wire; x: Wire } {
    const circuit = new Circuit();
    const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
    const x1 = circuit.add([circuit.mul(a, b), c], 'x1');
    const x2 = circuit.mul(x1, d, 'x2');
    const x = circuit.pow(x2, 2, 'x');
    return { circuit, x1, x2, x };
  }

  it('describes the last wire as pow(x2, 2)', () => {
    const { circuit, x } = buildPow();
    expect(circuit.describe(x)).to.equal('x = pow(x2, 2)');
  });

  it('gives the same values and gradients (every wire) as x2 * x2, at random points', () => {
    const steps = build();
    const pow = buildPow();
    fc.assert(
      fc.property(point4, upstream, (p, dx) => {
        expectClose(right(pow.circuit.forward(p)).value(pow.x), value(p), 'x');
        const bwd = backprop(pow.circuit, p, dx);
        const want = chapter(p, dx);
        expectAllClose(bwd.inputs(), want.inputs);
        expectClose(bwd.gradient(pow.x2), want.x2, 'dx2');
        expectClose(bwd.gradient(pow.x1), want.x1, 'dx1');
        expectAllClose(bwd.inputs(), backprop(steps.circuit, p, dx).inputs());
      }),
    );
  });

  it('gives the chapter\'s gradients for dx = -2.5 at a fixed point', () => {
    const { circuit, x2 } = buildPow();
    const bwd = backprop(circuit, { a: -2, b: 5, c: -4, d: 3 }, -2.5);
    expectAllClose(bwd.inputs(), { a: 3150, b: -1260, c: 630, d: -2940 });
    expect(bwd.gradient(x2)).to.equal(210);
  });

  it('also works with every intermediate wire left unnamed', () => {
    const circuit = new Circuit();
    const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
    circuit.pow(circuit.mul(circuit.add([circuit.mul(a, b), c]), d), 2);
    fc.assert(fc.property(point4, upstream, (p, dx) => {
      expectAllClose(backprop(circuit, p, dx).inputs(), chapter(p, dx).inputs);
    }));
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = buildPow();
    fc.assert(fc.property(point4, (p) => void expectGradcheckPasses(circuit, p, chapter(p, 1).inputs)));
  });
});
