import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's combined gates, backprop in one sweep:
//   var x = a * b + c;
//   da = b * dx;
//   db = a * dx;
//   dc = 1.0 * dx;
// ("introduce a temporary variable q = a * b and then compute x = q + c")
const chapter = (a: number, b: number, dx: number): { a: number; b: number; c: number } => ({ a: b * dx, b: a * dx, c: 1.0 * dx });

function build(): { circuit: Circuit; q: Wire; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c] = circuit.inputs('a', 'b', 'c');
  const q = circuit.mul(a, b, 'q');
  const x = circuit.add([q, c], 'x');
  return { circuit, q, x };
}

describe('chapter: x = a * b + c', () => {
  it('computes q = a * b and x = q + c forward', () => {
    const { circuit, q, x } = build();
    const fwd = right(circuit.forward({ a: -2, b: 5, c: -4 }));
    expect(fwd.value(q)).to.equal(-10);
    expect(fwd.value(x)).to.equal(-14);
  });

  it('gives da = b * dx, db = a * dx, dc = dx and dq = dx for dx = -2.5', () => {
    const { circuit, q } = build();
    const bwd = backprop(circuit, { a: -2, b: 5, c: -4 }, -2.5);
    expectAllClose(bwd.inputs(), { a: -12.5, b: 5, c: -2.5 });
    expectAllClose(bwd.inputs(), chapter(-2, 5, -2.5));
    expect(bwd.gradient(q)).to.equal(-2.5);
  });

  it('matches the one-sweep formulas at random points', () => {
    const { circuit, q } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), num(-100, 100), upstream, (a, b, c, dx) => {
        const bwd = backprop(circuit, { a, b, c }, dx);
        expectAllClose(bwd.inputs(), chapter(a, b, dx));
        expectClose(bwd.gradient(q), dx, 'dq');
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(num(-10, 10), num(-10, 10), num(-10, 10), (a, b, c) => {
        expectGradcheckPasses(circuit, { a, b, c }, chapter(a, b, 1));
      }),
    );
  });
});
