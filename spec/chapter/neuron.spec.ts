import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's neuron in two steps:
//   var q = a * x + b * y + c;
//   var f = sig(q); // sig is the sigmoid function
//   var df = 1;
//   var dq = (f * (1 - f)) * df;
//   var da = x * dq;
//   var dx = a * dq;
//   var dy = b * dq;
//   var db = y * dq;
//   var dc = 1.0 * dq;
type Point = Record<'a' | 'b' | 'c' | 'x' | 'y', number>;
const sig = (q: number): number => 1 / (1 + Math.exp(-q));
function chapter({ a, b, c, x, y }: Point, df: number, oneMinusF?: (q: number, f: number) => number): Point & { q: number; f: number } {
  const q = a * x + b * y + c;
  const f = sig(q);
  const dq = (f * (oneMinusF === undefined ? 1 - f : oneMinusF(q, f))) * df;
  return { a: x * dq, x: a * dq, y: b * dq, b: y * dq, c: 1.0 * dq, q: dq, f: df };
}
// `1 - f` cancels when f is close to 1; e^-q / (1 + e^-q) is the same number without cancellation.
const stableOneMinusF = (q: number): number => Math.exp(-q) / (1 + Math.exp(-q));

function build(): { circuit: Circuit; q: Wire; f: Wire } {
  const circuit = new Circuit();
  const [a, b, c, x, y] = circuit.inputs('a', 'b', 'c', 'x', 'y');
  const q = circuit.add([circuit.mul(a, x), circuit.mul(b, y), c], 'q');
  const f = circuit.sigmoid(q, 'f');
  return { circuit, q, f };
}

const inputsOf = (g: Point & { q: number; f: number }): Point => ({ a: g.a, b: g.b, c: g.c, x: g.x, y: g.y });

describe('chapter: the neuron, q = a * x + b * y + c; f = sig(q)', () => {
  // The chapter's earlier neuron example: a = 1, b = 2, c = -3, x = -1, y = 3.
  const point = { a: 1, b: 2, c: -3, x: -1, y: 3 };

  it('computes q = 2 and f = sig(2) = 0.8808 at the chapter\'s point', () => {
    const { circuit, q, f } = build();
    const fwd = right(circuit.forward(point));
    expect(fwd.value(q)).to.equal(2);
    expectClose(fwd.value(f), 1 / (1 + Math.exp(-2)));
    expect(fwd.value(f)).to.be.closeTo(0.8808, 5e-5);
  });

  it('gives the chapter\'s gradients a = -0.105, b = 0.315, c = 0.105, x = 0.105, y = 0.210', () => {
    const { circuit, q, f } = build();
    const bwd = backprop(circuit, point);
    const want = chapter(point, 1);
    expectAllClose(bwd.inputs(), inputsOf(want));
    expectClose(bwd.gradient(q), want.q, 'dq');
    expect(bwd.gradient(f)).to.equal(1);
    const g = bwd.inputs();
    expect(g.a).to.be.closeTo(-0.105, 5e-4);
    expect(g.b).to.be.closeTo(0.315, 5e-4);
    expect(g.c).to.be.closeTo(0.105, 5e-4);
    expect(g.x).to.be.closeTo(0.105, 5e-4);
    expect(g.y).to.be.closeTo(0.21, 5e-4);
  });

  it('chains an explicit df = -2.5 through dq into every input', () => {
    const { circuit, q, f } = build();
    const bwd = backprop(circuit, point, -2.5);
    const want = chapter(point, -2.5);
    expectAllClose(bwd.inputs(), inputsOf(want));
    expectClose(bwd.gradient(q), want.q, 'dq');
    expect(bwd.gradient(f)).to.equal(-2.5);
  });

  const point5 = fc.record({ a: num(-3, 3), b: num(-3, 3), c: num(-3, 3), x: num(-3, 3), y: num(-3, 3) });

  it('matches the chapter\'s formulas at random points', () => {
    const { circuit, q } = build();
    fc.assert(
      fc.property(point5, upstream, (p, df) => {
        const bwd = backprop(circuit, p, df);
        const want = chapter(p, df, stableOneMinusF);
        expectAllClose(bwd.inputs(), inputsOf(want));
        expectClose(bwd.gradient(q), want.q, 'dq');
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(point5, (p) => {
        expectGradcheckPasses(circuit, p, inputsOf(chapter(p, 1, stableOneMinusF)));
      }),
    );
  });
});
