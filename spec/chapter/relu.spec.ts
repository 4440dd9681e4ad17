import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, gradcheck, type Wire } from '../../lib/index';
import { awayFromZero, backprop, expectClose, expectGradcheckPasses, num, right, upstream } from './support';

// The chapter's ReLU:
//   var x = Math.max(a, 0)
//   var da = a > 0 ? 1.0 * dx : 0.0;
// At exactly a = 0 the gradient is 0 (the chapter's strict `a > 0`).
const chapter = (a: number, dx: number): number => (a > 0 ? 1.0 * dx : 0.0);

function build(): { circuit: Circuit; x: Wire } {
  const circuit = new Circuit();
  return { circuit, x: circuit.relu(circuit.input('a'), 'x') };
}

describe('chapter: x = Math.max(a, 0) (the ReLU gate)', () => {
  it('passes a positive input through and stops a negative one, forward', () => {
    const { circuit, x } = build();
    expect(right(circuit.forward({ a: 2.5 })).value(x)).to.equal(2.5);
    expect(right(circuit.forward({ a: -2.5 })).value(x)).to.equal(0);
  });

  it('passes dx = -2.5 back when activated and stops it otherwise', () => {
    const { circuit } = build();
    expect(backprop(circuit, { a: 2.5 }, -2.5).inputs().a).to.equal(-2.5);
    expect(backprop(circuit, { a: -2.5 }, -2.5).inputs().a).to.equal(0);
  });

  it('gives gradient 0 at exactly a = 0, as the chapter\'s `a > 0`', () => {
    const { circuit } = build();
    expect(backprop(circuit, { a: 0 }, -2.5).inputs().a).to.equal(0);
    expect(backprop(circuit, { a: 0 }, 7).inputs().a).to.equal(0);
    expect(chapter(0, 7)).to.equal(0);
  });

  it('matches the chapter at random points', () => {
    const { circuit } = build();
    fc.assert(fc.property(num(-100, 100), upstream, (a, dx) => {
      expectClose(backprop(circuit, { a }, dx).inputs().a!, chapter(a, dx));
    }));
  });

  it('agrees with the numerical gradient check away from 0', () => {
    const { circuit } = build();
    fc.assert(fc.property(awayFromZero(1e-3, 100), (a) => void expectGradcheckPasses(circuit, { a }, { a: chapter(a, 1) })));
  });

  it('is reported as a kink by the gradient check at exactly 0, with slopes 0 and 1', () => {
    const { circuit } = build();
    const report = right(gradcheck(circuit, { a: 0 }));
    const check = report.checks[0]!;
    expect(check.status).to.equal('kink');
    expect([check.analytic, check.left, check.right]).to.deep.equal([0, 0, 1]);
    expectClose(check.numeric, 0.5, 'numeric', 1e-9);
    expect(report.ok).to.equal(true);
    expect(report.kinks).to.equal(true);
  });

  it('agrees with max(a, 0) written with a max gate and a constant, except at the tie a = 0', () => {
    const { circuit } = build();
    const viaMax = new Circuit();
    viaMax.max([viaMax.input('a'), viaMax.constant(0, 'zero')], 'x');
    fc.assert(
      fc.property(awayFromZero(1e-9, 100), upstream, (a, dx) => {
        expect(right(viaMax.forward({ a })).output).to.equal(right(circuit.forward({ a })).output);
        expectClose(backprop(viaMax, { a }, dx).inputs().a!, backprop(circuit, { a }, dx).inputs().a!);
      }),
    );
    // At a = 0 the two documented conventions differ: ReLU gives 0, a max tie splits dx.
    expect(backprop(circuit, { a: 0 }, 4).inputs().a).to.equal(0);
    expect(backprop(viaMax, { a: 0 }, 4).inputs().a).to.equal(2);
  });
});
