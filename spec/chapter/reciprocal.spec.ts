import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { awayFromZero, backprop, expectClose, expectGradcheckPasses, right, upstream } from './support';

// The chapter's division block:
//   var x = 1.0/a; // division
//   var da = -1.0/(a*a);
// That line is the LOCAL gradient only: it omits the chain rule's `* dx`.
// It is right only when dx = 1. The chapter itself uses the corrected form
// two blocks later: `var dx2 = (-1.0/(x2*x2)) * dx3;`. The library (and this
// spec) use da = (-1.0/(a*a)) * dx.
const chapterLiteral = (a: number): number => -1.0 / (a * a);
const corrected = (a: number, dx: number): number => (-1.0 / (a * a)) * dx;

function build(): { circuit: Circuit; x: Wire } {
  const circuit = new Circuit();
  return { circuit, x: circuit.reciprocal(circuit.input('a'), 'x') };
}

describe('chapter: x = 1.0 / a (the reciprocal gate)', () => {
  it('computes x = 1 / a forward', () => {
    const { circuit, x } = build();
    expect(right(circuit.forward({ a: 4 })).value(x)).to.equal(0.25);
    expect(right(circuit.forward({ a: -0.5 })).value(x)).to.equal(-2);
  });

  it('gives da = -1 / a^2 when dx = 1 (where the chapter\'s line is right)', () => {
    const { circuit } = build();
    const da = backprop(circuit, { a: 4 }).inputs().a!;
    expect(da).to.equal(-0.0625);
    expectClose(da, chapterLiteral(4));
  });

  it('multiplies by dx = -2.5, which the chapter\'s `var da = -1.0/(a*a);` leaves out', () => {
    const { circuit } = build();
    const da = backprop(circuit, { a: 4 }, -2.5).inputs().a!;
    expect(da).to.equal(0.15625);
    expectClose(da, corrected(4, -2.5));
    // the chapter's literal line would give -0.0625 here: wrong by the factor dx
    expect(chapterLiteral(4)).to.equal(-0.0625);
    expect(da).not.to.be.closeTo(chapterLiteral(4), 1e-3);
  });

  it('matches (-1 / (a * a)) * dx at random points away from 0', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(awayFromZero(0.01, 100), upstream, (a, dx) => {
        expectClose(backprop(circuit, { a }, dx).inputs().a!, corrected(a, dx));
      }),
    );
  });

  it('agrees with the numerical gradient check at random points away from 0', () => {
    const { circuit } = build();
    fc.assert(fc.property(awayFromZero(0.1, 100), (a) => void expectGradcheckPasses(circuit, { a }, { a: corrected(a, 1) })));
  });
});
