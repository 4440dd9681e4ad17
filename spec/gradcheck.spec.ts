import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, gradcheck, type Gate, type Wire } from '../lib/index';
import { expectClose, expectGradcheckPasses, left, num, right } from './chapter/support';

/** x = k * a as a custom gate whose backward claims the slope `claimed` (correct when claimed === k). */
function scaleGate(k: number, claimed: number): Gate {
  return {
    name: 'scale',
    arity: { min: 1, max: 1 },
    forward: ([a]) => k * a!,
    backward: (_xs, _y, dy) => [claimed * dy],
  };
}

/** A square gate that forgets the 2 of the power rule: the mistake gradcheck exists to catch. */
const wrongSquare: Gate = {
  name: 'square',
  arity: { min: 1, max: 1 },
  forward: ([a]) => a! * a!,
  backward: ([a], _y, dy) => [a! * dy],
};

/** tanh as a correct custom gate. */
const tanh: Gate = {
  name: 'tanh',
  arity: { min: 1, max: 1 },
  forward: ([a]) => Math.tanh(a!),
  backward: (_xs, y, dy) => [(1 - y * y) * dy],
};

/** The chapter's (a + b) / (c + d) in steps. */
function division(): { c: Circuit; x1: Wire; x2: Wire; x3: Wire; x: Wire } {
  const c = new Circuit();
  const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd');
  const x1 = c.add([a, b], 'x1');
  const x2 = c.add([cc, d], 'x2');
  const x3 = c.reciprocal(x2, 'x3');
  return { c, x1, x2, x3, x: c.mul(x1, x3, 'x') };
}

describe('gradcheck', () => {
  describe('on correct circuits', () => {
    it('passes every input of the chapter\'s neuron and reports the output and defaults', () => {
      const c = new Circuit();
      const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
      c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc], 'q'), 'f');
      const dq = Math.exp(-2) / Math.pow(1 + Math.exp(-2), 2);
      const report = expectGradcheckPasses(c, { a: 1, b: 2, c: -3, x: -1, y: 3 }, { a: -dq, b: 3 * dq, c: dq, x: dq, y: 2 * dq });
      expectClose(report.output, 1 / (1 + Math.exp(-2)));
      expect([report.step, report.rtol, report.atol]).to.deep.equal([1e-6, 1e-3, 1e-5]);
      expect(report.checks.map((k) => k.value)).to.deep.equal([1, 2, -3, -1, 3]);
    });

    it('reports absolute and relative errors consistent with analytic and numeric', () => {
      const { c } = division();
      const report = right(gradcheck(c, { a: 3, b: 5, c: 1, d: 3 }));
      for (const k of report.checks) {
        expect(k.absError).to.equal(Math.abs(k.analytic - k.numeric));
        expect(k.relError).to.equal(k.absError / Math.max(Math.abs(k.analytic), Math.abs(k.numeric)));
        expect(k.relError).to.be.below(1e-8);
      }
    });

    it('gives relative error 0 when both gradients are 0', () => {
      const c = new Circuit();
      c.relu(c.input('a'));
      const k = right(gradcheck(c, { a: -2 })).checks[0]!;
      expect([k.analytic, k.numeric, k.absError, k.relError, k.status]).to.deep.equal([0, 0, 0, 0, 'pass']);
    });

    it('passes a correct custom gate at random points', () => {
      const c = new Circuit();
      const a = c.input('a');
      c.applyOrThrow(tanh, [c.mul(a, a)]);
      fc.assert(
        fc.property(num(-2, 2), (v) => {
          const t = Math.tanh(v * v);
          expectGradcheckPasses(c, { a: v }, { a: (1 - t * t) * 2 * v });
        }),
      );
    });
  });

  describe('on a wrong gradient', () => {
    it('fails a custom square gate that forgets the factor 2', () => {
      const c = new Circuit();
      c.applyOrThrow(wrongSquare, [c.input('a')], 'x');
      const report = right(gradcheck(c, { a: 3 }));
      const k = report.checks[0]!;
      expect(k.status).to.equal('fail');
      expect(k.analytic).to.equal(3);
      expect(k.numeric).to.be.closeTo(6, 1e-6);
      expect(report.ok).to.equal(false);
      expect(report.kinks).to.equal(false);
    });

    it('fails the wrong gate at random points away from 0, and only the input it feeds', () => {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      c.add([c.applyOrThrow(wrongSquare, [a]), c.mul(b, b)]);
      fc.assert(
        fc.property(num(0.1, 10), num(-10, 10), (av, bv) => {
          const report = right(gradcheck(c, { a: av, b: bv }));
          expect(report.checks.map((k) => k.status)).to.deep.equal(['fail', 'pass']);
          expect(report.ok).to.equal(false);
        }),
      );
    });
  });

  describe('at kinks', () => {
    it('reports ReLU at exactly 0 as a kink with left slope 0 and right slope 1', () => {
      const c = new Circuit();
      c.relu(c.input('a'), 'x');
      const report = right(gradcheck(c, { a: 0 }));
      const k = report.checks[0]!;
      expect(k.status).to.equal('kink');
      expect([k.analytic, k.left, k.right]).to.deep.equal([0, 0, 1]);
      expect(k.numeric).to.be.closeTo(0.5, 1e-9);
      expect(report.ok).to.equal(true);
      expect(report.kinks).to.equal(true);
    });

    it('reports a three-way max tie as a kink: the even split is between the one-sided slopes', () => {
      // x = max(a, 2a, 10a) at a = 0: slope 1 on the left, 10 on the right, split (1 + 2 + 10) / 3
      const c = new Circuit();
      const a = c.input('a');
      c.max([a, c.mul(a, c.constant(2)), c.mul(a, c.constant(10))], 'x');
      const report = right(gradcheck(c, { a: 0 }));
      const k = report.checks[0]!;
      expect(k.status).to.equal('kink');
      expectClose(k.analytic, 13 / 3);
      expect(k.left).to.be.closeTo(1, 1e-9);
      expect(k.right).to.be.closeTo(10, 1e-9);
      expect(k.numeric).to.be.closeTo(5.5, 1e-9);
      expect(report.ok).to.equal(true);
      expect(report.kinks).to.equal(true);
    });

    it('measures slopes 0 and 1 at a two-input max tie, where the even split equals the centred difference', () => {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      c.max([a, b], 'x');
      const report = right(gradcheck(c, { a: 2, b: 2 }));
      for (const k of report.checks) {
        expect(k.left, k.input).to.be.closeTo(0, 1e-9);
        expect(k.right, k.input).to.be.closeTo(1, 1e-9);
        expect(k.analytic, k.input).to.equal(0.5);
        expect(k.numeric, k.input).to.be.closeTo(0.5, 1e-9);
        expect(k.status, k.input).to.equal('pass');
      }
      expect(report.ok).to.equal(true);
    });

    // By design: at a two-input max tie the function is not differentiable
    // (left slope 0, right slope 1), but the library's even split (0.5) equals
    // the centred difference, so the gradient passes; left and right show the kink.
    it('passes a two-input max tie, whose even split equals the centred difference', () => {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      c.max([a, b], 'x');
      const report = right(gradcheck(c, { a: 2, b: 2 }));
      expect(report.checks[0]!.status).to.equal('pass');
      expect(report.checks[0]!.left).to.be.closeTo(0, 1e-9);
      expect(report.checks[0]!.right).to.be.closeTo(1, 1e-9);
    });

    it('fails, not excuses, a wrong gradient outside the one-sided slopes at a kink', () => {
      // relu with a custom backward that claims slope 2 at 0: outside [0, 1]
      const c = new Circuit();
      const badRelu: Gate = { name: 'relu2', arity: { min: 1, max: 1 }, forward: ([v]) => Math.max(v!, 0), backward: (_xs, _y, dy) => [2 * dy] };
      c.applyOrThrow(badRelu, [c.input('a')]);
      const report = right(gradcheck(c, { a: 0 }));
      expect(report.checks[0]!.status).to.equal('fail');
      expect(report.ok).to.equal(false);
    });
  });

  describe('options', () => {
    function cube(): Circuit {
      const c = new Circuit();
      c.pow(c.input('a'), 3, 'x');
      return c;
    }

    it('uses the step, scaled by max(1, |x|): for a^3 the centred difference is 3a^2 + h^2', () => {
      const at1 = right(gradcheck(cube(), { a: 1 }, { step: 1e-2 }));
      expect(at1.step).to.equal(1e-2);
      const k1 = at1.checks[0]!;
      expect(k1.numeric).to.be.closeTo(3 + 1e-4, 1e-9);
      expect(k1.left).to.be.closeTo(3 - 3e-2 + 1e-4, 1e-9);
      expect(k1.right).to.be.closeTo(3 + 3e-2 + 1e-4, 1e-9);
      // at a = 10 the step 1e-3 becomes h = 1e-2
      const k10 = right(gradcheck(cube(), { a: 10 }, { step: 1e-3 })).checks[0]!;
      expect(k10.numeric).to.be.closeTo(300 + 1e-4, 1e-7);
      // at a = 0.5 the step is not shrunk: h = 1e-2
      const kHalf = right(gradcheck(cube(), { a: 0.5 }, { step: 1e-2 })).checks[0]!;
      expect(kHalf.numeric).to.be.closeTo(0.75 + 1e-4, 1e-9);
    });

    it('uses rtol and atol: |analytic - numeric| <= atol + rtol * |numeric|', () => {
      // slope 3, analytic claims 3.003: an absolute error of 0.003 on a straight line (left = right)
      const c = new Circuit();
      c.applyOrThrow(scaleGate(3, 3.003), [c.input('a')]);
      const status = (options: { rtol?: number; atol?: number }): string => {
        const report = right(gradcheck(c, { a: 2 }, options));
        if (options.rtol !== undefined) expect(report.rtol).to.equal(options.rtol);
        if (options.atol !== undefined) expect(report.atol).to.equal(options.atol);
        expect(report.ok).to.equal(report.checks[0]!.status !== 'fail');
        return report.checks[0]!.status;
      };
      expect(status({})).to.equal('pass'); // 0.003 <= 1e-5 + 1e-3 * 3
      expect(status({ rtol: 1e-4 })).to.equal('fail'); // 0.003 > 1e-5 + 3e-4
      expect(status({ rtol: 0, atol: 0.0031 })).to.equal('pass');
      expect(status({ rtol: 0, atol: 0.0029 })).to.equal('fail');
      expect(status({ rtol: 0.00101, atol: 0 })).to.equal('pass');
    });

    // A smooth function's one-sided slopes close in as the step shrinks; a kink's do not.
    it('does not call a smooth function a kink when the tolerance is tight', () => {
      const report = right(gradcheck(cube(), { a: 1 }, { step: 1e-2, rtol: 1e-6, atol: 1e-9 }));
      expect(report.checks[0]!.status).not.to.equal('kink');
    });

    it('refuses a step of 0 and negative tolerances', () => {
      expect(left(gradcheck(cube(), { a: 1 }, { step: 0 })).message).to.equal('gradcheck option step must be a positive finite number, got 0');
      expect(left(gradcheck(cube(), { a: 1 }, { rtol: -1 })).message).to.equal('gradcheck option rtol must be a finite number >= 0, got -1');
      expect(left(gradcheck(cube(), { a: 1 }, { atol: NaN })).message).to.equal('gradcheck option atol must be a finite number >= 0, got NaN');
    });

    it('differentiates the wire given as output', () => {
      const { c, x1, x3 } = division();
      const point = { a: 3, b: 5, c: 1, d: 3 };
      const r1 = right(gradcheck(c, point, { output: x1 }));
      expect(r1.output).to.equal(8);
      expect(r1.checks.map((k) => k.analytic)).to.deep.equal([1, 1, 0, 0]);
      expect(r1.checks.every((k) => k.status === 'pass')).to.equal(true);
      const r3 = right(gradcheck(c, point, { output: x3 }));
      expect(r3.output).to.equal(0.25);
      expect(r3.checks.map((k) => k.analytic)).to.deep.equal([0, 0, -1 / 16, -1 / 16]);
      for (const k of r3.checks) expect(k.numeric, k.input).to.be.closeTo(k.analytic, 1e-9);
      expect(r3.ok).to.equal(true);
    });

    it('refuses an output wire of another circuit', () => {
      const other = new Circuit();
      const w = other.input('z');
      expect(left(gradcheck(division().c, { a: 3, b: 5, c: 1, d: 3 }, { output: w })).message).to.equal('the output wire belongs to another circuit');
    });
  });

  describe('errors', () => {
    it('says which input was moved when a step lands on 1/0', () => {
      const c = new Circuit();
      c.reciprocal(c.input('a'), 'x');
      expect(left(gradcheck(c, { a: 1e-6 }))).to.deep.equal({
        _tag: 'GateError',
        pass: 'forward',
        gate: 'reciprocal',
        wire: 'x',
        message: 'numerical check, a moved to 0: reciprocal gate on wire x: input a = 0 gives Infinity',
      });
    });

    it('names the moved input among several: c + d stepped onto 0 in the chapter\'s division', () => {
      // c = 1e-6, d = 0: moving a and b is fine, moving c down by h = 1e-6 gives x2 = 0
      const { c } = division();
      expect(left(gradcheck(c, { a: 1, b: 2, c: 1e-6, d: 0 })).message).to.equal(
        'numerical check, c moved to 0: reciprocal gate on wire x3: input x2 = 0 gives Infinity',
      );
    });

    it('passes on the error of the point itself, without a prefix', () => {
      const { c } = division();
      expect(left(gradcheck(c, { a: 1, b: 2, c: 1, d: -1 })).message).to.equal('reciprocal gate on wire x3: input x2 = 0 gives Infinity');
      expect(left(gradcheck(c, { a: 1, b: 2, c: 1 })).message).to.equal('input d is missing');
    });

    it('needs a circuit with at least one wire', () => {
      expect(left(gradcheck(new Circuit(), {}))).to.deep.equal({ _tag: 'CompositionError', message: 'gradcheck needs a circuit with at least one wire' });
    });
  });
});
