import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's a + b + c in two steps:
//   var q = a + b; // gate 1
//   var x = q + c; // gate 2
//   dc = 1.0 * dx; // backprop gate 2
//   dq = 1.0 * dx;
//   da = 1.0 * dq; // backprop gate 1
//   db = 1.0 * dq;
function chapter(dx: number): { a: number; b: number; c: number; q: number } {
  const dc = 1.0 * dx;
  const dq = 1.0 * dx;
  const da = 1.0 * dq;
  const db = 1.0 * dq;
  return { a: da, b: db, c: dc, q: dq };
}

function build(): { circuit: Circuit; q: Wire; x: Wire } {
  const circuit = new Circuit();
  const [a, b, c] = circuit.inputs('a', 'b', 'c');
  const q = circuit.add([a, b], 'q');
  const x = circuit.add([q, c], 'x');
  return { circuit, q, x };
}

describe('chapter: x = a + b + c in two steps (q = a + b; x = q + c)', () => {
  it('computes q and x forward', () => {
    const { circuit, q, x } = build();
    const fwd = right(circuit.forward({ a: -2, b: 5, c: -4 }));
    expect(fwd.value(q)).to.equal(3);
    expect(fwd.value(x)).to.equal(-1);
  });

  it('backprops dx through gate 2 into dq and dc, then through gate 1 into da and db', () => {
    const { circuit, q, x } = build();
    const bwd = backprop(circuit, { a: -2, b: 5, c: -4 }, -2.5);
    const want = chapter(-2.5);
    expectAllClose(bwd.inputs(), { a: want.a, b: want.b, c: want.c });
    expectClose(bwd.gradient(q), want.q, 'dq');
    expect(bwd.gradient(x)).to.equal(-2.5);
  });

  it('matches the chapter at random points and upstream gradients', () => {
    const { circuit, q } = build();
    fc.assert(
      fc.property(num(-1e3, 1e3), num(-1e3, 1e3), num(-1e3, 1e3), upstream, (a, b, c, dx) => {
        const bwd = backprop(circuit, { a, b, c }, dx);
        const want = chapter(dx);
        expectAllClose(bwd.inputs(), { a: want.a, b: want.b, c: want.c });
        expectClose(bwd.gradient(q), want.q, 'dq');
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(num(-100, 100), num(-100, 100), num(-100, 100), (a, b, c) => {
        expectGradcheckPasses(circuit, { a, b, c }, { a: 1, b: 1, c: 1 });
      }),
    );
  });
});
