import { expect } from 'chai';
import fc from 'fast-check';
import { ConstantGate, MaxGate, PowGate, type Arity, type Gate } from '../../lib/index';
import { GateContractViolation, assertGateContract } from '../../lib/testing/index';
import { TanhGate } from '../contract/TanhGate';
import { CachingMultiplyGate, ChapterMaxGate, ExtraGradientGate, HalfReluGate, LogGate, ReciprocalWithoutUpstreamGate, SigmoidOfInputGate } from './bugs';

/** The message assertGateContract throws, or 'no violation'. */
function violation(run: () => void): string {
  try {
    run();
  } catch (e) {
    expect(e).to.be.instanceOf(GateContractViolation);
    return (e as Error).message;
  }
  return 'no violation';
}

/** The largest input is ahead of the next one by more than 1e-3: no tie. */
const noTie = (xs: readonly number[]): boolean => {
  const sorted = [...xs].sort((p, q) => q - p);
  return sorted[0]! - sorted[1]! > 1e-3;
};

/** Multiples of 1e-4 in [-10, 10]: they shrink to round numbers. */
const tenThousandths = fc.integer({ min: -100000, max: 100000 }).map((k) => k / 1e4);

describe('assertGateContract', () => {
  it('passes a correct user gate, and the built-ins', () => {
    assertGateContract(new TanhGate());
    assertGateContract(new MaxGate(), { arities: [2, 3], domain: noTie });
    assertGateContract(new ConstantGate(2));
    assertGateContract(new PowGate(3));
  });

  it('catches a sigmoid whose backward uses its input q instead of its output f, at q = 0', () => {
    expect(violation(() => { assertGateContract(new SigmoidOfInputGate()); })).to.equal(
      [
        'sigmoid gate breaks the gate contract: its gradients equal centred finite differences of its forward',
        '  at (0), upstream 1:',
        '  input  analytic  numeric',
        '  x0            0     0.25',
      ].join('\n'),
    );
  });

  it('catches the chapter\'s literal max, which doubles the gradient on a tie, by fan-out', () => {
    // At points without ties (the domain) its gradients are right; max(a, a) shows the bug.
    expect(violation(() => { assertGateContract(new ChapterMaxGate(), { domain: noTie }); })).to.equal(
      [
        'max gate breaks the gate contract: fed one wire into every input, its gradients add up to the slope of g(a, ..., a)',
        '  max(a, a) at a = 0: the gradients add up to 2, but the slope of max(a, a) is 1',
      ].join('\n'),
    );
  });

  it('catches the chapter\'s `var da = -1.0/(a*a);` taken literally, without the upstream gradient', () => {
    const message = violation(() => {
      assertGateContract(new ReciprocalWithoutUpstreamGate(), { values: fc.double({ min: 0.5, max: 10, noNaN: true }) });
    });
    expect(message).to.equal(
      [
        'reciprocal gate breaks the gate contract: its gradients scale linearly with the upstream gradient',
        '  at (0.5): with upstream 0, input 0 gets -4, not 0 (with upstream 1 it gets -4)',
      ].join('\n'),
    );
  });

  it('catches a gate that keeps its last inputs for the backward pass, once it sits at two places', () => {
    const message = violation(() => { assertGateContract(new CachingMultiplyGate(), { seed: 1 }); });
    expect(message.split('\n')[0]).to.equal('multiply gate breaks the gate contract: it keeps no hidden state: calls with other inputs in between change nothing');
    expect(message.split('\n')[1]).to.match(/^ {2}at two places in one circuit, the gradient on [ab][01] is \S+, alone \S+$/);
  });

  it('catches a ReLU that passes half the gradient, just off the kink its domain keeps away from', () => {
    expect(violation(() => { assertGateContract(new HalfReluGate(), { values: tenThousandths, domain: ([a = 0]) => Math.abs(a) > 1e-3 }); })).to.equal(
      [
        'relu gate breaks the gate contract: its gradients equal centred finite differences of its forward',
        '  at (0.0011), upstream 1:',
        '  input  analytic  numeric',
        '  x0          0.5        1',
      ].join('\n'),
    );
  });

  it('catches a non-finite output inside the domain, and passes once the domain excludes it', () => {
    expect(violation(() => { assertGateContract(new LogGate()); })).to.equal(
      [
        'log gate breaks the gate contract: it gives a finite output, and one finite gradient per input, for finite inputs in its domain',
        '  forward(0) returned -Infinity',
      ].join('\n'),
    );
    assertGateContract(new LogGate(), { values: fc.double({ min: 0.1, max: 10, noNaN: true }), edgePoints: [[0], [-1]] });
  });

  it('catches a backward that returns a gradient too many', () => {
    expect(violation(() => { assertGateContract(new ExtraGradientGate()); })).to.equal(
      [
        'square gate breaks the gate contract: it gives a finite output, and one finite gradient per input, for finite inputs in its domain',
        '  backward at (0) returned 2 gradients for 1 input',
      ].join('\n'),
    );
  });

  it('catches an arity that is not a range, and arities to check outside it', () => {
    class Backwards implements Gate {
      readonly name = 'backwards';
      readonly arity: Arity = { min: 2, max: 1 };
      forward(): number {
        return 0;
      }
      backward(): number[] {
        return [];
      }
    }
    expect(violation(() => { assertGateContract(new Backwards()); })).to.equal(
      'backwards gate breaks the gate contract: it declares a name and an arity with 0 <= min <= max\n  name "backwards", arity 2 to 1',
    );
    expect(violation(() => { assertGateContract(new TanhGate(), { arities: [2] }); })).to.equal(
      'tanh gate breaks the gate contract: a circuit accepts it with as many inputs as its arity allows, and rejects it with fewer or more\n' +
        '  options.arities has 2, outside the arity 1 to 1',
    );
  });

  it('catches a gate whose backward is not linear in the upstream gradient', () => {
    class Offset extends TanhGate {
      override backward(_inputs: readonly number[], y: number, dy: number): number[] {
        return [(1 - y * y) * dy + 1e-3];
      }
    }
    expect(violation(() => { assertGateContract(new Offset()); })).to.match(
      /^tanh gate breaks the gate contract: its gradients equal centred finite differences of its forward\n/,
    );
    expect(violation(() => { assertGateContract(new Offset(), { atol: 1e-2 }); })).to.equal(
      'tanh gate breaks the gate contract: its gradients scale linearly with the upstream gradient\n' +
        '  at (0): with upstream 0, input 0 gets 0.001, not 0 (with upstream 1 it gets 1.001)',
    );
  });

  it('catches a circuit that disagrees with the gate: a built-in subclass whose code was not updated', () => {
    // A subclass that overrides forward is run through its own methods, so this passes.
    class Shifted extends PowGate {
      override forward([a = NaN]: readonly number[]): number {
        return Math.pow(a, this.exponent) + 1;
      }
    }
    assertGateContract(new Shifted(2));
  });

  it('reports where a domain leaves no points to check', () => {
    const message = violation(() => { assertGateContract(new TanhGate(), { domain: () => false, seed: 3 }); });
    expect(message).to.match(/^tanh gate breaks the gate contract: it gives a finite output.*\n {2}no point in the domain found \(\d+ skipped\)/);
  });
});
