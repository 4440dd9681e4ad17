import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit } from '../../lib/index';
import { CircuitAtPoint, GradientMismatch, checkGradients, gradientProperty } from '../../lib/testing/index';
import { TanhGate } from '../contract/TanhGate';
import { ChapterMaxGate, HalfReluGate, ReciprocalWithoutUpstreamGate, SigmoidOfInputGate } from './bugs';

/** The shrunk counterexample's message when the property fails, or 'no failure'. */
function failure(property: fc.IProperty<[CircuitAtPoint]>, seed: number): string {
  const details = fc.check(property, { numRuns: 1000, seed });
  if (!details.failed) return 'no failure';
  expect(details.errorInstance).to.be.instanceOf(GradientMismatch);
  return (details.errorInstance as Error).message;
}

const SEEDS = [1, 2, 3];

describe('gradientProperty', () => {
  it('holds for random circuits of every built-in gate, 1000 of them', () => {
    fc.assert(gradientProperty(), { numRuns: 1000 });
  });

  it('holds for random circuits with a user\'s gate in them', () => {
    fc.assert(gradientProperty({ gates: ['mul', 'add', 'sub', 'max', new TanhGate()], maxGates: 6 }), { numRuns: 300 });
  });

  it('holds for one fixed circuit at random well-conditioned points', () => {
    // the chapter's (a + b) / (c + d), with a relu in front of b
    const c = new Circuit();
    const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd');
    c.mul(c.add([a, c.relu(b)], 'x1'), c.reciprocal(c.add([cc, d], 'x2'), 'x3'), 'x');
    fc.assert(gradientProperty(c), { numRuns: 300 });
  });

  it('shrinks a sigmoid that uses q instead of f to sig(a) at a = 0, analytic and numeric side by side', () => {
    for (const seed of SEEDS) {
      expect(failure(gradientProperty({ gates: ['mul', 'add', 'relu', new SigmoidOfInputGate()] }), seed)).to.equal(
        [
          'the analytic gradient disagrees with finite differences',
          '  var x1 = sigmoid(a);',
          'at a = 0:',
          '  input  value  analytic  numeric  abs error  rel error  status',
          '  -----  -----  --------  -------  ---------  ---------  ------',
          '  a          0         0     0.25       0.25          1  fail',
          '  FAILED: 0 pass, 0 kink, 1 fail (step 1e-6, rtol 0.0001, atol 1e-6)',
        ].join('\n'),
      );
    }
  });

  it('shrinks the chapter\'s literal max to max(a, a), where it doubles the gradient', () => {
    for (const seed of SEEDS) {
      expect(failure(gradientProperty({ gates: ['mul', 'add', 'sigmoid', new ChapterMaxGate()] }), seed)).to.equal(
        [
          'the analytic gradient disagrees with finite differences',
          '  var x1 = max(a, a);',
          'at a = 0:',
          '  input  value  analytic  numeric  abs error  rel error  status',
          '  -----  -----  --------  -------  ---------  ---------  ------',
          '  a          0         2        1          1        0.5  fail',
          '  FAILED: 0 pass, 0 kink, 1 fail (step 1e-6, rtol 0.0001, atol 1e-6)',
        ].join('\n'),
      );
    }
  });

  it('finds a reciprocal that leaves out the upstream gradient only inside a bigger circuit', () => {
    // Alone, 1/a has upstream 1 and looks right; it takes a gate after it to show the bug.
    const gates = ['mul', 'add', { gate: new ReciprocalWithoutUpstreamGate(), domain: ([a = 0]: readonly number[]) => Math.abs(a) >= 0.05 }] as const;
    for (const seed of SEEDS) {
      const message = failure(gradientProperty({ gates, inputs: 1 }), seed);
      expect(message.split('\n').slice(0, 1)).to.deep.equal(['the analytic gradient disagrees with finite differences']);
      expect(message).to.match(/ {2}var x1 = reciprocal\(a\);\n {2}var x2 = (x1 \* a|a \* x1|x1 \* x1|x1 \+ a|a \+ x1);\n/);
    }
  });

  it('says what a kink at a checked point means: a user\'s gate without a domain', () => {
    const message = failure(gradientProperty({ gates: [new HalfReluGate()] }), 1);
    expect(message.split('\n').slice(-2)).to.deep.equal([
      '  ok, with kinks: 0 pass, 1 kink, 0 fail (step 1e-6, rtol 0.0001, atol 1e-6)',
      'a kink at a well-conditioned point is the edge of a gate the checker does not know: give that gate a domain (CustomGateChoice.domain or options.domain)',
    ]);
    const domain = ([a = 0]: readonly number[]): boolean => Math.abs(a) > 1e-3;
    expect(failure(gradientProperty({ gates: ['add', { gate: new HalfReluGate(), domain }] }), 1)).to.match(/ {2}[a-d] +0\.0011 +0\.5 +1 +0\.5 +0\.5 +fail$/m);
  });

  it('prints the counterexample as the chapter\'s code when fc.assert fails', () => {
    const run = (): void => { fc.assert(gradientProperty({ gates: [new SigmoidOfInputGate()] }), { seed: 5 }); };
    expect(run).to.throw(/Counterexample: \[\n {2}var x1 = sigmoid\(a\);\n {2}at a = 0\n\]/);
  });
});

describe('checkGradients', () => {
  it('passes a right circuit and throws a GradientMismatch for a wrong one', () => {
    const c = new Circuit();
    const q = c.input('q');
    c.applyOrThrow(new TanhGate(), [q], 'f');
    expect(checkGradients(c, { q: 0.5 })).to.equal(true);
    const w = new Circuit();
    w.applyOrThrow(new SigmoidOfInputGate(), [w.input('q')], 'f');
    expect(() => checkGradients(w, { q: 0.5 })).to.throw(GradientMismatch, /q +0\.5 +0\.25 +0\.235004 +0\.015 +0\.06 +fail/);
  });

  it('reports a point where the circuit cannot be evaluated', () => {
    const c = new Circuit();
    c.reciprocal(c.input('a'), 'x');
    expect(() => checkGradients(c, { a: 0 })).to.throw('the circuit cannot be checked at a = 0: reciprocal gate on wire x: input a = 0 gives Infinity\n  var x = 1.0 / a;');
  });
});
