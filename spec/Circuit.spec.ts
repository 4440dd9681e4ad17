import { expect } from 'chai';
import fc from 'fast-check';
import { AddGate, Circuit, MultiplyGate, ReluGate, gradcheck, type Gate, type Wire, CircuitException } from '../lib/index';
import { awayFromZero, backprop, expectAllClose, expectClose, num, right, upstream } from './chapter/support';

/** tanh as a user-defined gate, to show a custom gate works like a built-in one. */
class TanhGate implements Gate {
  readonly name = 'tanh';
  readonly arity = { min: 1, max: 1 };
  forward(inputs: readonly number[]): number {
    return Math.tanh(inputs[0]!);
  }
  backward(_inputs: readonly number[], y: number, dy: number): number[] {
    return [(1 - y * y) * dy];
  }
}

describe('Circuit', () => {
  describe('fan-out', () => {
    it('adds up the gradients of both inputs of a * a', () => {
      const c = new Circuit();
      const a = c.input('a');
      c.mul(a, a);
      fc.assert(
        fc.property(num(-100, 100), upstream, (v, dx) => {
          expectClose(backprop(c, { a: v }, dx).inputs().a!, 2 * v * dx);
        }),
      );
    });

    it('adds up the gradients from every gate a wire feeds: f = a*b + (a + c) + relu(a) + tanh(a)', () => {
      const c = new Circuit();
      const [a, b, cc] = c.inputs('a', 'b', 'c');
      c.add([c.mul(a, b), c.add([a, cc]), c.relu(a), c.applyOrThrow(new TanhGate(), [a])], 'f');
      fc.assert(
        fc.property(awayFromZero(1e-6, 10), num(-10, 10), num(-10, 10), upstream, (av, bv, cv, dx) => {
          const g = backprop(c, { a: av, b: bv, c: cv }, dx).inputs();
          const t = Math.tanh(av);
          const sum = bv + 1 + (av > 0 ? 1 : 0) + (1 - t * t);
          expect(g.a).to.be.closeTo(sum * dx, 1e-13 * (Math.abs(bv) + 3) * Math.abs(dx) + 1e-300);
          expectClose(g.b!, av * dx, 'b');
          expectClose(g.c!, dx, 'c');
        }),
      );
    });

    it('adds up gradients that reach a wire along paths of different lengths', () => {
      // x = a * (a * a): da = 3 a^2
      const c = new Circuit();
      const a = c.input('a');
      const sq = c.mul(a, a, 'sq');
      c.mul(a, sq, 'x');
      const bwd = backprop(c, { a: -3 }, -2.5);
      expect(bwd.inputs().a).to.equal(3 * 9 * -2.5);
      expect(bwd.gradient(sq)).to.equal(-3 * -2.5);
    });
  });

  describe('forward and backward passes', () => {
    function product(): { c: Circuit; a: Wire; b: Wire; x: Wire } {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      return { c, a: a, b: b, x: c.mul(a, b, 'x') };
    }

    it('do not interfere: two forward passes and their backward passes, interleaved', () => {
      const { c, x } = product();
      const f1 = right(c.forward({ a: 1, b: 2 }));
      const f2 = right(c.forward({ a: 3, b: 4 }));
      const b2 = right(c.backward(f2, 5));
      const b1 = right(c.backward(f1, 7));
      expect(Array.from(f1.values)).to.deep.equal([1, 2, 2]);
      expect(Array.from(f2.values)).to.deep.equal([3, 4, 12]);
      expect(b1.inputs()).to.deep.equal({ a: 14, b: 7 });
      expect(b2.inputs()).to.deep.equal({ a: 20, b: 15 });
      expect(b1.gradient(x)).to.equal(7);
      expect(b2.gradient(x)).to.equal(5);
      expect(b1.forward).to.equal(f1);
    });

    it('do not interfere at random points: each result matches its own closed form', () => {
      const { c } = product();
      fc.assert(
        fc.property(num(-10, 10), num(-10, 10), num(-10, 10), num(-10, 10), upstream, upstream, (a1, b1, a2, b2, d1, d2) => {
          const f1 = right(c.forward({ a: a1, b: b1 }));
          const f2 = right(c.forward({ a: a2, b: b2 }));
          const g2 = right(c.backward(f2, d2));
          const g1 = right(c.backward(f1, d1));
          right(c.backward(f1, 1000));
          expect(f1.output).to.equal(a1 * b1);
          expect(f2.output).to.equal(a2 * b2);
          expectAllClose(g1.inputs(), { a: b1 * d1, b: a1 * d1 });
          expectAllClose(g2.inputs(), { a: b2 * d2, b: a2 * d2 });
        }),
      );
    });

    it('leave the forward pass unchanged when running backward on it', () => {
      const { c } = product();
      const f = right(c.forward({ a: -2, b: 5 }));
      right(c.backward(f, 3));
      right(c.backward(f, -1));
      expect(Array.from(f.values)).to.deep.equal([-2, 5, -10]);
      expect(f.inputs()).to.deep.equal({ a: -2, b: 5 });
    });

    it('scale linearly with the upstream gradient, on every wire', () => {
      const c = new Circuit();
      const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
      c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc], 'q'), 'f');
      const point = fc.record({ a: num(-3, 3), b: num(-3, 3), c: num(-3, 3), x: num(-3, 3), y: num(-3, 3) });
      fc.assert(
        fc.property(point, upstream, (p, dx) => {
          const one = backprop(c, p).gradients;
          const scaled = backprop(c, p, dx).gradients;
          one.forEach((g, i) => {
            expectClose(scaled[i]!, g * dx, c.nameOf(i));
          });
        }),
      );
    });

    it('return the gradient of every wire, intermediates included, not only of the inputs', () => {
      // the chapter's x = (a + b) / (c + d) in steps, at a = 3, b = 5, c = 1, d = 3, dx = 1
      const c = new Circuit();
      const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd');
      const x1 = c.add([a, b], 'x1');
      const x2 = c.add([cc, d], 'x2');
      const x3 = c.reciprocal(x2, 'x3');
      c.mul(x1, x3, 'x');
      const bwd = backprop(c, { a: 3, b: 5, c: 1, d: 3 });
      expect(bwd.gradients.length).to.equal(c.size);
      // a, b, c, d, x1 = x3, x2 = (-1/16) * x1, x3 = x1, x = 1
      expect(Array.from(bwd.gradients)).to.deep.equal([0.25, 0.25, -0.5, -0.5, 0.25, -0.5, 8, 1]);
      expect(bwd.inputs()).to.deep.equal({ a: 0.25, b: 0.25, c: -0.5, d: -0.5 });
    });

    it('start from an intermediate wire when asked: backward(fwd, dx, q)', () => {
      const c = new Circuit();
      const [a, b, cc] = c.inputs('a', 'b', 'c');
      const q = c.mul(a, b, 'q');
      const x = c.mul(q, cc, 'x');
      const bwd = right(c.backward(right(c.forward({ a: 2, b: -3, c: 4 })), -2.5, q));
      expect(bwd.inputs()).to.deep.equal({ a: 7.5, b: -5, c: 0 });
      expect(bwd.gradient(q)).to.equal(-2.5);
      expect(bwd.gradient(x)).to.equal(0);
    });
  });

  describe('gate instances', () => {
    it('can be used at several places of one circuit and in several circuits', () => {
      const mul = new MultiplyGate();
      const tanh = new TanhGate();
      const build = (): Circuit => {
        const c = new Circuit();
        const [a, b, d] = c.inputs('a', 'b', 'd');
        const q = c.applyOrThrow(mul, [a, b], 'q');
        const t = c.applyOrThrow(tanh, [q], 't');
        const r = c.applyOrThrow(mul, [t, d], 'r');
        c.applyOrThrow(tanh, [r], 'x');
        return c;
      };
      const c1 = build();
      const c2 = build();
      fc.assert(
        fc.property(num(-2, 2), num(-2, 2), num(-2, 2), upstream, (a, b, d, dx) => {
          const q = a * b;
          const t = Math.tanh(q);
          const r = t * d;
          const x = Math.tanh(r);
          const dr = (1 - x * x) * dx;
          const dt = d * dr;
          const dq = (1 - t * t) * dt;
          const want = { a: b * dq, b: a * dq, d: t * dr };
          for (const c of [c1, c2]) {
            expectClose(right(c.forward({ a, b, d })).output, x, 'x');
            expectAllClose(backprop(c, { a, b, d }, dx).inputs(), want);
          }
        }),
      );
      expect(c1.node(c1.wire('q')!).gate).to.equal(mul);
      expect(c1.node(c1.wire('r')!).gate).to.equal(mul);
      expect(c2.node(c2.wire('x')!).gate).to.equal(tanh);
    });

    it('built-in gates applied with apply behave as the helpers do', () => {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      const s = c.applyOrThrow(new AddGate(), [a, b]);
      c.applyOrThrow(new ReluGate(), [s]);
      expect(backprop(c, { a: 2, b: 1 }, 3).inputs()).to.deep.equal({ a: 3, b: 3 });
      expect(backprop(c, { a: -2, b: 1 }, 3).inputs()).to.deep.equal({ a: 0, b: 0 });
    });
  });

  describe('backwardFrom (several outputs, a vector-Jacobian product)', () => {
    function twoOutputs(): { c: Circuit; y1: Wire; y2: Wire } {
      const c = new Circuit();
      const [a, b, cc] = c.inputs('a', 'b', 'c');
      const y1 = c.mul(a, b, 'y1');
      const y2 = c.sigmoid(c.add([a, cc], 's'), 'y2');
      return { c, y1, y2 };
    }

    it('equals the sum of separate backward passes, on every wire', () => {
      const { c, y1, y2 } = twoOutputs();
      fc.assert(
        fc.property(num(-3, 3), num(-3, 3), num(-3, 3), upstream, upstream, (a, b, cv, u1, u2) => {
          const f = right(c.forward({ a, b, c: cv }));
          const both = right(c.backwardFrom(f, [{ wire: y1, upstream: u1 }, { wire: y2, upstream: u2 }]));
          const g1 = right(c.backward(f, u1, y1)).gradients;
          const g2 = right(c.backward(f, u2, y2)).gradients;
          both.gradients.forEach((g, i) => {
            expect(g, c.nameOf(i)).to.be.closeTo(g1[i]! + g2[i]!, 1e-13 * (Math.abs(g1[i]!) + Math.abs(g2[i]!)) + 1e-300);
          });
          // closed form: y1 = a b, y2 = sig(a + c)
          const sig = 1 / (1 + Math.exp(-(a + cv)));
          const ds = sig * (1 - sig) * u2;
          expect(both.inputs().a).to.be.closeTo(b * u1 + ds, 1e-12 * (Math.abs(b * u1) + Math.abs(ds)) + 1e-300);
          expectClose(both.inputs().b!, a * u1, 'b', 1e-12);
          expectClose(both.inputs().c!, ds, 'c', 1e-9);
        }),
      );
    });

    it('adds up seeds placed on the same wire', () => {
      const { c, y1 } = twoOutputs();
      const f = right(c.forward({ a: 2, b: -3, c: 1 }));
      const twice = right(c.backwardFrom(f, [{ wire: y1, upstream: 1.5 }, { wire: y1, upstream: -4 }]));
      expect(Array.from(twice.gradients)).to.deep.equal(Array.from(right(c.backward(f, -2.5, y1)).gradients));
      expect(twice.inputs()).to.deep.equal({ a: 7.5, b: -5, c: 0 });
    });

    it('gives wires that do not lead to a seed a zero gradient', () => {
      const { c, y1, y2 } = twoOutputs();
      const g = right(c.backwardFrom(right(c.forward({ a: 2, b: -3, c: 1 })), [{ wire: y1, upstream: 1 }]));
      expect(g.gradient(y2)).to.equal(0);
      expect(g.gradient(c.wire('s')!)).to.equal(0);
      expect(g.inputs().c).to.equal(0);
    });
  });

  describe('structure', () => {
    function sample(): { c: Circuit; a: Wire; b: Wire; one: Wire; p: Wire; s: Wire; q: Wire; x: Wire } {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      const one = c.constant(1, 'one');
      const p = c.mul(a, b);
      const s = c.sub(a, one);
      const q = c.add([p, s, one], 'q');
      const x = c.pow(q, 2, 'x');
      return { c, a: a, b: b, one, p, s, q, x };
    }

    it('numbers wires in the order they were added and counts them', () => {
      const { c, a, b, one, p, s, q, x } = sample();
      expect([a, b, one, p, s, q, x].map((w) => w.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
      expect(c.size).to.equal(7);
      expect(c.output!.index).to.equal(6);
      expect(new Circuit().output).to.equal(undefined);
    });

    it('names unnamed wires _<index>, in nameOf and on the wire', () => {
      const { c, p, s, q } = sample();
      expect(c.nameOf(3)).to.equal('_3');
      expect(p.name).to.equal('_3');
      expect(s.name).to.equal('_4');
      expect(q.name).to.equal('q');
      expect(c.nameOf(0)).to.equal('a');
    });

    it('lists the inputs by name and by index, in declaration order', () => {
      const c = new Circuit();
      const z = c.input('z');
      c.mul(z, z);
      c.input('a');
      expect(c.inputNames).to.deep.equal(['z', 'a']);
      expect(c.inputIndices).to.deep.equal([0, 2]);
    });

    it('describes each wire as one line of forward code', () => {
      const { c, a, one, p, s, q, x } = sample();
      expect(c.describe(a)).to.equal('a (input)');
      expect(c.describe(one)).to.equal('one = 1');
      expect(c.describe(p)).to.equal('_3 = multiply(a, b)');
      expect(c.describe(s)).to.equal('_4 = subtract(a, one)');
      expect(c.describe(q)).to.equal('q = add(_3, _4, one)');
      expect(c.describe(x)).to.equal('x = pow(q, 2)');
      expect(c.describe(5)).to.equal('q = add(_3, _4, one)');
    });

    it('returns each wire\'s node: its gate and input indices', () => {
      const { c, a, p, q } = sample();
      expect(c.node(a)).to.deep.equal({ index: 0, name: 'a', gate: undefined, inputs: [] });
      const n = c.node(p);
      expect(n.gate).to.be.instanceOf(MultiplyGate);
      expect(n.inputs).to.deep.equal([0, 1]);
      expect(c.node(q.index).inputs).to.deep.equal([3, 4, 2]);
      expect(c.node(q).name).to.equal('q');
    });

    it('refuses an index outside the circuit in node and describe', () => {
      const { c } = sample();
      expect(() => c.node(10)).to.throw(CircuitException, 'there is no wire 10: this circuit has wires 0 to 6');
      expect(() => c.describe(99)).to.throw(CircuitException, 'there is no wire 99: this circuit has wires 0 to 6');
    });

    it('refuses a wire from another circuit in node', () => {
      const { c } = sample();
      const other = new Circuit();
      expect(() => c.node(other.input('zz'))).to.throw(CircuitException, 'wire zz belongs to another circuit');
    });

    it('finds a wire by its given name, and by index', () => {
      const { c, q } = sample();
      expect(c.wire('q')!.index).to.equal(q.index);
      expect(c.wire('a')!.index).to.equal(0);
      expect(c.wire('nope')).to.equal(undefined);
      expect(c.wireAt(5)!.name).to.equal('q');
      expect(c.wireAt(0)!.circuit).to.equal(c);
      for (const bad of [-1, 7, 1.5, NaN]) expect(c.wireAt(bad), String(bad)).to.equal(undefined);
    });

    it('finds an unnamed wire by the name it is shown with (_<index>)', () => {
      const { c, p } = sample();
      expect(c.wire('_3')?.index).to.equal(p.index);
    });

    it('gives forward and backward results keyed by input name', () => {
      const { c } = sample();
      const f = right(c.forward({ a: 2, b: -3 }));
      // q = a*b + (a - 1) + 1 = -6 + 1 + 1 = -4, x = 16
      expect(f.inputs()).to.deep.equal({ a: 2, b: -3 });
      expect(f.output).to.equal(16);
      expect(f.size).to.equal(7);
      // dq = 2q = -8; da = b*dq + dq = 24 - 8 = 16; db = a*dq = -16
      expect(right(c.backward(f)).inputs()).to.deep.equal({ a: 16, b: -16 });
    });
  });

  describe('wires added after a forward pass', () => {
    it('have no value in that pass, and the pass still backprops from its own last wire', () => {
      const c = new Circuit();
      const a = c.input('a');
      const x = c.mul(a, a, 'x');
      const f = right(c.forward({ a: 3 }));
      const y = c.neg(x, 'y');
      expect(f.size).to.equal(2);
      expect(f.value(x)).to.equal(9);
      expect(f.value(y)).to.be.NaN;
      expect(f.output).to.equal(9);
      expect(right(c.backward(f, 2)).inputs()).to.deep.equal({ a: 12 });
    });

    it('take part in the next forward pass', () => {
      const c = new Circuit();
      const a = c.input('a');
      const x = c.mul(a, a, 'x');
      right(c.forward({ a: 3 }));
      const y = c.neg(x, 'y');
      const f = right(c.forward({ a: 3 }));
      expect(f.value(y)).to.equal(-9);
      expect(right(c.backward(f, 2)).inputs()).to.deep.equal({ a: -12 });
      expect(right(gradcheck(c, { a: 3 })).checks[0]!.analytic).to.equal(-6);
    });
  });

  describe('compact', () => {
    it('keeps the circuit as it was, and it can grow again from any size, even empty', () => {
      const empty = new Circuit();
      empty.compact();
      const e = empty.input('e');
      empty.compact();
      empty.mul(e, empty.constant(2), 'y');
      expect(right(empty.forward({ e: 4 })).output).to.equal(8);
      const c = new Circuit();
      const xs = Array.from({ length: 40 }, (_, k) => c.input(`x${String(k)}`));
      const s = c.add(xs.map((x) => c.mul(x, x)), 's');
      c.compact();
      expect(c.wire('x39')?.index).to.equal(39);
      expect(c.nameOf(s.index)).to.equal('s');
      const more = c.input('more');
      c.compact();
      const t = c.add([s, more, c.pow(more, 3)], 't');
      expect(() => c.input('x7')).to.throw('the name x7 is already used in this circuit');
      const f = right(c.forwardArray(Float64Array.from({ length: 41 }, (_, k) => (k === 40 ? 2 : 1))));
      expect(f.value(t)).to.equal(40 + 2 + 8);
      expect(right(c.backward(f)).inputs()).to.deep.include({ x0: 2, more: 13 });
      expect(c.inputCount).to.equal(41);
    });
  });

  describe('size', () => {
    const N = 1_000_000;

    it('evaluates a 1,000,000-gate deep chain forward and backward without recursion', function () {
      this.timeout(30000);
      // x_0 = a; x_{2i+1} = x_{2i} * k; x_{2i+2} = relu(x_{2i+1}): a * k^(N/2) for a > 0
      const c = new Circuit();
      let w = c.input('a');
      const k = c.constant(1.000001, 'k');
      for (let i = 0; i < N / 2; i++) w = c.relu(c.mul(w, k));
      expect(c.size).to.equal(N + 2);
      const f = right(c.forward({ a: 0.5 }));
      const kn = Math.pow(1.000001, N / 2);
      expectClose(f.output, 0.5 * kn, 'value', 1e-9);
      const g = right(c.backward(f, -2.5));
      expectClose(g.inputs().a!, -2.5 * kn, 'da', 1e-9);
      // the constant k feeds every multiply gate: dk = sum_i x_{2i} * (product of the later k's) * dx = N/2 * a * k^(N/2 - 1) * dx
      expectClose(g.gradient(k), (N / 2) * 0.5 * Math.pow(1.000001, N / 2 - 1) * -2.5, 'dk', 1e-8);
      // a negative input is stopped by the first relu: value and gradient 0
      const neg = right(c.forward({ a: -0.5 }));
      expect(neg.output).to.equal(0);
      expect(right(c.backward(neg, -2.5)).inputs().a).to.equal(0);
    });

    it('evaluates a 1,000,000-gate chain of adds exactly', function () {
      this.timeout(30000);
      const c = new Circuit();
      const one = c.constant(1, 'one');
      let w = c.input('a');
      for (let i = 1; i < N; i++) w = c.add([w, one]);
      c.mul(w, w, 'x');
      expect(c.size).to.equal(N + 2);
      const f = right(c.forward({ a: 0.5 }));
      const top = 0.5 + (N - 1);
      expect(f.output).to.equal(top * top);
      const g = right(c.backward(f, 3));
      expect(g.inputs().a).to.equal(2 * top * 3);
      expect(g.gradient(one)).to.equal((N - 1) * 2 * top * 3);
    });

    it('evaluates a sum of 1,000,000 inputs in one add gate, via forwardArray', function () {
      this.timeout(30000);
      const c = new Circuit();
      const inputs: Wire[] = [];
      for (let i = 0; i < N; i++) inputs.push(c.input(`x${String(i)}`));
      const s = c.add(inputs, 's');
      const xs = Float64Array.from({ length: N }, (_, i) => i);
      const f = right(c.forwardArray(xs));
      expect(f.value(s)).to.equal((N * (N - 1)) / 2);
      const g = right(c.backward(f, -2.5));
      expect(g.gradients.length).to.equal(N + 1);
      let wrong = 0;
      for (let i = 0; i < N; i++) if (g.gradients[i] !== -2.5) wrong++;
      expect(wrong).to.equal(0);
      expect(g.gradient(s)).to.equal(-2.5);
    });
  });
});
