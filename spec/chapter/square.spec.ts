import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, type Wire } from '../../lib/index';
import { backprop, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's split wire:
//   var x = a * a;
//   var da = a * dx; // gradient into a from first branch
//   da += a * dx; // and add on the gradient from the second branch
//   // short form instead is:
//   var da = 2 * a * dx;
function chapterTwoBranches(a: number, dx: number): number {
  let da = a * dx;
  da += a * dx;
  return da;
}
const chapterShort = (a: number, dx: number): number => 2 * a * dx;

function build(): { circuit: Circuit; x: Wire } {
  const circuit = new Circuit();
  const a = circuit.input('a');
  return { circuit, x: circuit.mul(a, a, 'x') };
}

describe('chapter: x = a * a (one wire split into both inputs of a gate)', () => {
  it('feeds the same wire into both inputs of the multiply gate', () => {
    const { circuit, x } = build();
    expect(circuit.node(x).inputs).to.deep.equal([0, 0]);
    expect(right(circuit.forward({ a: -3 })).value(x)).to.equal(9);
  });

  it('adds the gradients of both branches: da = 2 * a * dx, for dx = -2.5', () => {
    const { circuit } = build();
    const da = backprop(circuit, { a: -3 }, -2.5).inputs().a!;
    expect(da).to.equal(15);
    expectClose(da, chapterTwoBranches(-3, -2.5));
    expectClose(da, chapterShort(-3, -2.5));
  });

  it('is not the gradient of one branch alone (a * dx): the branches add up', () => {
    const { circuit } = build();
    const da = backprop(circuit, { a: 4 }).inputs().a!;
    expect(da).to.equal(8);
    expect(da).not.to.be.closeTo(4, 1e-9);
  });

  it('matches the power rule 2 * a * dx at random points', () => {
    const { circuit } = build();
    fc.assert(
      fc.property(num(-1e3, 1e3), upstream, (a, dx) => {
        const da = backprop(circuit, { a }, dx).inputs().a!;
        expectClose(da, chapterTwoBranches(a, dx));
        expectClose(da, chapterShort(a, dx));
      }),
    );
  });

  it('agrees with the same function written as pow(a, 2)', () => {
    const { circuit } = build();
    const pow = new Circuit();
    pow.pow(pow.input('a'), 2, 'x');
    fc.assert(
      fc.property(num(-1e3, 1e3), upstream, (a, dx) => {
        expectClose(backprop(circuit, { a }, dx).inputs().a!, backprop(pow, { a }, dx).inputs().a!);
      }),
    );
  });

  it('agrees with the numerical gradient check at random points', () => {
    const { circuit } = build();
    fc.assert(fc.property(num(-100, 100), (a) => void expectGradcheckPasses(circuit, { a }, { a: 2 * a })));
  });
});
