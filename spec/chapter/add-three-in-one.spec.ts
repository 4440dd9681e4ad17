import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's a + b + c in one gate:
//   var x = a + b + c;
//   var da = 1.0 * dx; var db = 1.0 * dx; var dc = 1.0 * dx;
const chapter = (dx: number): { a: number; b: number; c: number } => ({ a: 1.0 * dx, b: 1.0 * dx, c: 1.0 * dx });

function build(): { circuit: Circuit; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c] = circuit.inputs('a', 'b', 'c');
  return { circuit, x: circuit.add([a, b, c], 'x') };
}

describe('chapter: x = a + b + c in one add gate', () => {
  it('uses a single gate with three inputs', () => {
    const { circuit, x } = build();
    expect(circuit.size).to.equal(4);
    expect(circuit.node(x).inputs).to.deep.equal([0, 1, 2]);
    expect(circuit.describe(x)).to.equal('x = add(a, b, c)');
  });

  it('computes x = a + b + c forward', () => {
    const { circuit, x } = build();
    expect(right(circuit.forward({ a: -2, b: 5, c: -4 })).value(x)).to.equal(-1);
  });

  it('routes dx = -2.5 to all three inputs', () => {
    const { circuit } = build();
    expectAllClose(backprop(circuit, { a: -2, b: 5, c: -4 }, -2.5).inputs(), { a: -2.5, b: -2.5, c: -2.5 });
  });

  it('gives the same gradients as the two-step version, at random points', () => {
    const { circuit } = build();
    const steps = new Circuit();
    const [a, b, c] = steps.inputs('a', 'b', 'c');
    steps.add([steps.add([a, b], 'q'), c], 'x');
    fc.assert(
      fc.property(num(-1e3, 1e3), num(-1e3, 1e3), num(-1e3, 1e3), upstream, (a, b, c, dx) => {
        const one = backprop(circuit, { a, b, c }, dx).inputs();
        expectAllClose(one, chapter(dx));
        expectAllClose(one, backprop(steps, { a, b, c }, dx).inputs());
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), num(-100, 100), (a, b, c) => {
        expectGradcheckPasses(circuit, { a, b, c }, chapter(1));
      }),
    );
  });
});
