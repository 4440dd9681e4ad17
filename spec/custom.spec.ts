import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, ReluGate, gradcheck, orThrow, type Arity, type Gate } from '../lib/index';
import { describeGateContract, finiteIn, upstreamGradient } from './contract/gateContract';
import { TanhGate } from './contract/TanhGate';

describeGateContract('TanhGate, a user-defined gate', () => new TanhGate(), {
  value: finiteIn(-10, 10),
  edgePoints: () => [[0], [-0], [20], [-20], [1000], [-1000], [Number.MAX_VALUE], [1e-300]],
});

/** A second user-defined gate, with any number of inputs: `x = a * b * c * ...`. */
class ProductGate implements Gate {
  readonly name = 'product';
  readonly arity: Arity = { min: 1, max: Infinity };

  forward(inputs: readonly number[]): number {
    return inputs.reduce((p, x) => p * x, 1);
  }

  backward(inputs: readonly number[], _x: number, dx: number): number[] {
    return inputs.map((_, k) => inputs.reduce((p, x, j) => (j === k ? p : p * x), 1) * dx);
  }
}

describeGateContract('ProductGate, a user-defined gate with any number of inputs', () => new ProductGate(), {
  arities: [1, 2, 3, 4],
  value: finiteIn(-3, 3),
});

/** The chapter's neuron with tanh in place of sig: q = a * x + b * y + c; f = tanh(q). */
function tanhNeuron(): { c: Circuit; q: ReturnType<Circuit['add']>; f: ReturnType<Circuit['add']> } {
  const c = new Circuit();
  const a = c.input('a');
  const b = c.input('b');
  const cc = c.input('c');
  const x = c.input('x');
  const y = c.input('y');
  const q = c.add([c.mul(a, x), c.mul(b, y), cc], 'q');
  const f = c.applyOrThrow(new TanhGate(), [q], 'f');
  return { c, q, f };
}

describe('a user-defined gate (TanhGate)', () => {
  it('computes tanh(a) and passes (1 - tanh(a)^2) * dy, which is dy / cosh(a)^2', () => {
    fc.assert(
      fc.property(finiteIn(-3, 3), upstreamGradient, (a, dy) => {
        const tanh = new TanhGate();
        const y = tanh.forward([a]);
        expect(y).to.be.closeTo(Math.sinh(a) / Math.cosh(a), 1e-15);
        const ref = dy / (Math.cosh(a) * Math.cosh(a));
        expect(tanh.backward([a], y, dy)[0]).to.be.closeTo(ref, 1e-12 * Math.abs(ref) + 1e-300);
      }),
    );
  });

  it('works in the chapter\'s neuron in place of the sigmoid, with the chapter\'s chain rule', () => {
    // var dq = (1 - f * f) * df; var da = x * dq; var dx = a * dq; var dy = b * dq; var db = y * dq; var dc = 1.0 * dq;
    const { c, q, f } = tanhNeuron();
    const point = { a: 1, b: 2, c: -3, x: -1, y: 3 };
    const fwd = orThrow(c.forward(point));
    expect(fwd.value(q)).to.equal(2);
    expect(fwd.value(f)).to.be.closeTo(0.9640275800758169, 1e-15);
    fc.assert(
      fc.property(fc.array(finiteIn(-2, 2), { minLength: 5, maxLength: 5 }), upstreamGradient, ([a, b, cc, x, y], df) => {
        const p = { a: a!, b: b!, c: cc!, x: x!, y: y! };
        const pass = orThrow(c.forward(p));
        const fv = Math.tanh(p.a * p.x + p.b * p.y + p.c);
        const dq = (1 - fv * fv) * df;
        const grads = orThrow(c.backward(pass, df)).inputs();
        const expected = { a: p.x * dq, x: p.a * dq, b: p.y * dq, y: p.b * dq, c: 1.0 * dq };
        for (const [name, ref] of Object.entries(expected)) {
          expect(grads[name], `d${name}`).to.be.closeTo(ref, 1e-12 * Math.abs(df) + 1e-300);
        }
      }),
    );
  });

  it('passes the numerical gradient check in the neuron at random points', () => {
    const { c } = tanhNeuron();
    fc.assert(
      fc.property(fc.array(finiteIn(-2, 2), { minLength: 5, maxLength: 5 }), ([a, b, cc, x, y]) => {
        const report = orThrow(gradcheck(c, { a: a!, b: b!, c: cc!, x: x!, y: y! }));
        expect(report.ok).to.equal(true);
        expect(report.checks.map((k) => k.status)).to.deep.equal(['pass', 'pass', 'pass', 'pass', 'pass']);
      }),
    );
  });

  it('can be used at several places in one circuit, fed by one wire twice, next to built-in gates', () => {
    // f = tanh(tanh(a * b) + relu(c)) * tanh(a), one TanhGate instance for all three tanh wires
    const tanh = new TanhGate();
    const c = new Circuit();
    const a = c.input('a');
    const b = c.input('b');
    const cc = c.input('c');
    const inner = c.add([c.applyOrThrow(tanh, [c.mul(a, b)]), c.relu(cc)]);
    c.mul(c.applyOrThrow(tanh, [inner]), c.applyOrThrow(tanh, [a]), 'f');
    fc.assert(
      fc.property(finiteIn(-2, 2), finiteIn(-2, 2), fc.oneof(finiteIn(-2, -0.01), finiteIn(0.01, 2)), (av, bv, cv) => {
        const t1 = Math.tanh(av * bv);
        const r = Math.max(cv, 0);
        const t2 = Math.tanh(t1 + r);
        const t3 = Math.tanh(av);
        const fwd = orThrow(c.forward({ a: av, b: bv, c: cv }));
        expect(fwd.output).to.be.closeTo(t2 * t3, 1e-15);
        const grads = orThrow(c.backward(fwd)).inputs();
        const dInner = (1 - t2 * t2) * t3;
        const da = dInner * (1 - t1 * t1) * bv + t2 * (1 - t3 * t3);
        expect(grads.a).to.be.closeTo(da, 1e-14);
        expect(grads.b).to.be.closeTo(dInner * (1 - t1 * t1) * av, 1e-14);
        expect(grads.c).to.be.closeTo(cv > 0 ? dInner : 0, 1e-14);
        const report = orThrow(gradcheck(c, { a: av, b: bv, c: cv }));
        expect(report.checks.map((k) => k.status)).to.deep.equal(['pass', 'pass', 'pass']);
      }),
    );
  });

  it('is caught by the gradient check when its backward is wrong', () => {
    class WrongTanhGate extends TanhGate {
      override backward(_inputs: readonly number[], y: number, dy: number): number[] {
        return [(1 - y) * dy]; // should be 1 - y * y
      }
    }
    const c = new Circuit();
    c.applyOrThrow(new WrongTanhGate(), [c.input('a')]);
    const report = orThrow(gradcheck(c, { a: 0.5 }));
    expect(report.ok).to.equal(false);
    expect(report.checks[0]!.status).to.equal('fail');
    expect(report.checks[0]!.numeric).to.be.closeTo(1 - Math.tanh(0.5) ** 2, 1e-8);
  });

  it('is reported by name and wire when its forward gives a non-finite value', () => {
    class LogGate implements Gate {
      readonly name = 'log';
      readonly arity: Arity = { min: 1, max: 1 };
      forward([a = NaN]: readonly number[]): number {
        return Math.log(a);
      }
      backward([a = NaN]: readonly number[], _y: number, dy: number): number[] {
        return [dy / a];
      }
    }
    const c = new Circuit();
    c.applyOrThrow(new LogGate(), [c.input('a')], 'y');
    const result = c.forward({ a: -1 });
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'forward',
      gate: 'log',
      wire: 'y',
      message: 'log gate on wire y: input a = -1 gives NaN',
    });
    const zero = c.forward({ a: 0 });
    expect(E.isLeft(zero) && zero.left.message).to.equal('log gate on wire y: input a = 0 gives -Infinity');
  });

  it('is reported by name and wire when its backward returns the wrong number of gradients', () => {
    class TwoGradientsGate extends TanhGate {
      override backward(_inputs: readonly number[], y: number, dy: number): number[] {
        return [(1 - y * y) * dy, 0];
      }
    }
    const c = new Circuit();
    c.applyOrThrow(new TwoGradientsGate(), [c.input('a')], 'y');
    const result = c.backward(orThrow(c.forward({ a: 1 })));
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'backward',
      gate: 'tanh',
      wire: 'y',
      message: 'tanh gate on wire y, backward: backward returned 2 gradients for 1 input',
    });
  });

  it('is rejected with the wrong number of inputs, by name', () => {
    const c = new Circuit();
    const a = c.input('a');
    const b = c.input('b');
    const result = c.apply(new TanhGate(), [a, b]);
    expect(E.isLeft(result) && result.left).to.deep.equal({ _tag: 'CompositionError', message: 'tanh gate takes 1 input, got 2' });
  });

  // Fixed in dadf1c3: Circuit used to evaluate any instanceof a built-in inline, ignoring overrides.
  it('evaluates a user\'s subclass of a built-in gate through its own methods', () => {
    class LeakyReluGate extends ReluGate {
      override forward([a = NaN]: readonly number[]): number {
        return a > 0 ? a : 0.1 * a;
      }
      override backward([a = NaN]: readonly number[], _x: number, dx: number): number[] {
        return [a > 0 ? dx : 0.1 * dx];
      }
    }
    const c = new Circuit();
    const a = c.input('a');
    c.applyOrThrow(new LeakyReluGate(), [a], 'y');
    const fwd = orThrow(c.forward({ a: -2 }));
    expect(fwd.output).to.equal(-0.2);
    expect(orThrow(c.backward(fwd)).gradient(a)).to.equal(0.1);
  });
});
