import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's
//   var x = a*a + b*b + c*c;
//   var da = 2*a*dx;
//   var db = 2*b*dx;
//   var dc = 2*c*dx;
const chapter = (a: number, b: number, c: number, dx: number): { a: number; b: number; c: number } => ({
  a: 2 * a * dx,
  b: 2 * b * dx,
  c: 2 * c * dx,
});

function build(): { circuit: Circuit; squares: Wire[]; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c] = circuit.inputs('a', 'b', 'c');
  const squares = [circuit.mul(a, a, 'aa'), circuit.mul(b, b, 'bb'), circuit.mul(c, c, 'cc')];
  return { circuit, squares, x: circuit.add(squares, 'x') };
}

describe('chapter: x = a*a + b*b + c*c', () => {
  it('computes x forward', () => {
    const { circuit, x } = build();
    expect(right(circuit.forward({ a: -2, b: 5, c: -4 })).value(x)).to.equal(45);
  });

  it('gives da = 2a dx, db = 2b dx, dc = 2c dx for dx = -2.5, and dx on each square', () => {
    const { circuit, squares } = build();
    const bwd = backprop(circuit, { a: -2, b: 5, c: -4 }, -2.5);
    expectAllClose(bwd.inputs(), { a: 10, b: -25, c: 20 });
    for (const s of squares) expect(bwd.gradient(s), s.name).to.equal(-2.5);
  });

  it('matches the chapter at random points', () => {
    const { circuit, squares } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), num(-100, 100), upstream, (a, b, c, dx) => {
        const bwd = backprop(circuit, { a, b, c }, dx);
        expectAllClose(bwd.inputs(), chapter(a, b, c, dx));
        for (const s of squares) expectClose(bwd.gradient(s), dx, s.name);
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(num(-10, 10), num(-10, 10), num(-10, 10), (a, b, c) => {
        expectGradcheckPasses(circuit, { a, b, c }, chapter(a, b, c, 1));
      }),
    );
  });
});
