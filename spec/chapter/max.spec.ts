import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { awayFromZero, backprop, expectAllClose, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's max gate:
//   var x = Math.max(a, b);
//   var da = a === x ? 1.0 * dx : 0.0;
//   var db = b === x ? 1.0 * dx : 0.0;
// Away from a tie this routes dx to the larger input. At a tie (a === b) it
// gives the full dx to BOTH inputs, so da + db = 2 * dx: the gradient is
// doubled, and max(a, a) would get slope 2 for a function whose slope is 1.
// The library splits dx evenly among tied inputs (as PyTorch and JAX do).
function chapterLiteral(a: number, b: number, dx: number): { a: number; b: number } {
  const x = Math.max(a, b);
  return { a: a === x ? 1.0 * dx : 0.0, b: b === x ? 1.0 * dx : 0.0 };
}

function build(): { circuit: Circuit; x: Wire } {
  const circuit = new Circuit();
  const [a, b] = circuit.inputs('a', 'b');
  return { circuit, x: circuit.max([a, b], 'x') };
}

// Two inputs at least 1e-3 apart: no tie, no kink within a finite-difference step.
const apart = fc.record({ a: num(-10, 10), gap: awayFromZero(1e-3, 10) }).map(({ a, gap }) => ({ a, b: a + gap }));

describe('chapter: x = Math.max(a, b) (the max gate)', () => {
  it('computes the larger input forward', () => {
    const { circuit, x } = build();
    expect(right(circuit.forward({ a: -2, b: 5 })).value(x)).to.equal(5);
    expect(right(circuit.forward({ a: 7, b: 5 })).value(x)).to.equal(7);
  });

  it('routes the upstream gradient dx = -2.5 to the larger input only', () => {
    const { circuit } = build();
    expectAllClose(backprop(circuit, { a: -2, b: 5 }, -2.5).inputs(), { a: 0, b: -2.5 });
    expectAllClose(backprop(circuit, { a: 7, b: 5 }, -2.5).inputs(), { a: -2.5, b: 0 });
  });

  it('matches the chapter\'s switch at random points without ties', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(apart, upstream, (p, dx) => {
        expectAllClose(backprop(circuit, p, dx).inputs(), chapterLiteral(p.a, p.b, dx));
      }),
    );
  });

  it('splits dx evenly at a tie, where the chapter\'s code gives dx to both and doubles it', () => {
    const { circuit } = build();
    const g = backprop(circuit, { a: 3, b: 3 }, -2.5).inputs();
    expectAllClose(g, { a: -1.25, b: -1.25 });
    expectClose(g.a! + g.b!, -2.5, 'da + db conserves dx');
    // the chapter's literal code, for contrast: da + db = 2 * dx
    const literal = chapterLiteral(3, 3, -2.5);
    expect(literal).to.deep.equal({ a: -2.5, b: -2.5 });
    expect(literal.a + literal.b).to.equal(-5);
  });

  it('gives max(a, a) the slope 1 of the function a (the chapter\'s code would give 2)', () => {
    const circuit = new Circuit();
    const a = circuit.input('a');
    circuit.max([a, a], 'x');
    fc.assert(fc.property(num(-10, 10), upstream, (v, dx) => {
      expectClose(backprop(circuit, { a: v }, dx).inputs().a!, dx);
    }));
  });

  it('splits dx in three at a three-way tie, and ignores a smaller fourth input', () => {
    const circuit = new Circuit();
    const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
    circuit.max([a, b, c, d], 'x');
    expectAllClose(backprop(circuit, { a: 2, b: 2, c: 2, d: 1 }, 3).inputs(), { a: 1, b: 1, c: 1, d: 0 });
  });

  it('agrees with the numerical gradient check at random points without ties', () => {
    const { circuit } = build();
    fc.assert(fc.property(apart, (p) => void expectGradcheckPasses(circuit, p, chapterLiteral(p.a, p.b, 1))));
  });
});
