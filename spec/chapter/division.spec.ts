import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { awayFromZero, backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's division in practice:
//   var x = (a + b)/(c + d);
//   var x1 = a + b;
//   var x2 = c + d;
//   var x3 = 1.0 / x2;
//   var x = x1 * x3; // equivalent to above
//   var dx1 = x3 * dx;
//   var dx3 = x1 * dx;
//   var dx2 = (-1.0/(x2*x2)) * dx3; // local gradient as shown above, and chain rule
//   var da = 1.0 * dx1; // and finally into the original variables
//   var db = 1.0 * dx1;
//   var dc = 1.0 * dx2;
//   var dd = 1.0 * dx2;
// (Here the chapter does include `* dx3`, unlike its 1/a block.)
interface Point { readonly a: number; readonly b: number; readonly c: number; readonly d: number }
function chapter({ a, b, c, d }: Point, dx: number): { inputs: Record<string, number>; x1: number; x2: number; x3: number } {
  const x1 = a + b;
  const x2 = c + d;
  const x3 = 1.0 / x2;
  const dx1 = x3 * dx;
  const dx3 = x1 * dx;
  const dx2 = (-1.0 / (x2 * x2)) * dx3;
  return { inputs: { a: 1.0 * dx1, b: 1.0 * dx1, c: 1.0 * dx2, d: 1.0 * dx2 }, x1: dx1, x2: dx2, x3: dx3 };
}

function build(): { circuit: Circuit; x1: Wire; x2: Wire; x3: Wire; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
  const x1 = circuit.add([a, b], 'x1');
  const x2 = circuit.add([c, d], 'x2');
  const x3 = circuit.reciprocal(x2, 'x3');
  const x = circuit.mul(x1, x3, 'x');
  return { circuit, x1, x2, x3, x };
}

// c + d kept at least 0.5 away from 0: pick c and the sum s, then d = s - c.
const point4 = fc
  .record({ a: num(-10, 10), b: num(-10, 10), c: num(-10, 10), s: awayFromZero(0.5, 10) })
  .map(({ a, b, c, s }) => ({ a, b, c, d: s - c }));

describe('chapter: x = (a + b) / (c + d) via a reciprocal gate', () => {
  const point = { a: 3, b: 5, c: 1, d: 3 };

  it('computes x1, x2, x3 and x forward, equal to (a + b) / (c + d)', () => {
    const { circuit, x1, x2, x3, x } = build();
    const fwd = right(circuit.forward(point));
    expect([fwd.value(x1), fwd.value(x2), fwd.value(x3), fwd.value(x)]).to.deep.equal([8, 4, 0.25, 2]);
    expect(fwd.value(x)).to.equal((3 + 5) / (1 + 3));
  });

  it('backprops dx = -2.5 into dx1, dx3, dx2 and then da, db, dc, dd', () => {
    const { circuit, x1, x2, x3 } = build();
    const bwd = backprop(circuit, point, -2.5);
    const want = chapter(point, -2.5);
    // dx1 = 0.25 * -2.5; dx3 = 8 * -2.5 = -20; dx2 = (-1/16) * -20 = 1.25
    expectAllClose(bwd.inputs(), { a: -0.625, b: -0.625, c: 1.25, d: 1.25 });
    expectAllClose(bwd.inputs(), want.inputs);
    expect([bwd.gradient(x1), bwd.gradient(x2), bwd.gradient(x3)]).to.deep.equal([-0.625, 1.25, -20]);
  });

  it('matches every step of the chapter at random points', () => {
    const { circuit, x1, x2, x3 } = build();
    fc.assert(
      fc.property(point4, upstream, (p, dx) => {
        const bwd = backprop(circuit, p, dx);
        const want = chapter(p, dx);
        expectAllClose(bwd.inputs(), want.inputs);
        expectClose(bwd.gradient(x1), want.x1, 'dx1');
        expectClose(bwd.gradient(x2), want.x2, 'dx2');
        expectClose(bwd.gradient(x3), want.x3, 'dx3');
      }),
    );
  });

  it('matches the quotient rule on (a + b) / (c + d) at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(point4, upstream, (p, dx) => {
        const den = p.c + p.d;
        const quotient = (p.a + p.b) / den;
        const g = backprop(circuit, p, dx).inputs();
        expect(g.a).to.be.closeTo(dx / den, 1e-9 * Math.abs(dx / den) + 1e-300);
        expect(g.c).to.be.closeTo((-quotient / den) * dx, 1e-9 * Math.abs(quotient * dx / den) + 1e-12);
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(fc.property(point4, (p) => void expectGradcheckPasses(circuit, p, chapter(p, 1).inputs)));
  });
});
