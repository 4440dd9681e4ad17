import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { CODE_LIMIT, Circuit, compile, orThrow, type Gate } from '../lib/index';
import { TanhGate } from './contract/TanhGate';
import { randomCircuit } from './emit.spec';

describe('compile', () => {
  it('gives the interpreter\'s value and every wire\'s gradient, bit for bit, on random circuits', () => {
    fc.assert(
      fc.property(
        randomCircuit(),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        ([c], point, upstream, chunk) => {
          const compiled = compile(c, { chunk, mode: 'code' });
          const fwd = c.forwardArray(point);
          const run = compiled.run(point, upstream);
          if (E.isLeft(fwd)) {
            expect(E.isLeft(run) && run.left).to.deep.equal(fwd.left);
            return;
          }
          const bwd = c.backward(fwd.right, upstream);
          if (E.isLeft(bwd)) {
            expect(E.isLeft(run) && run.left).to.deep.equal(bwd.left);
            return;
          }
          if (E.isLeft(run)) expect.fail(run.left.message);
          expect(Array.from(run.right.forward.values)).to.deep.equal(Array.from(fwd.right.values));
          expect(Array.from(run.right.gradients)).to.deep.equal(Array.from(bwd.right.gradients));
          // the chunked forward and backward (run above is the fused function)
          const f2 = compiled.forward(point);
          if (E.isLeft(f2)) expect.fail(f2.left.message);
          const b2 = compiled.backward(upstream);
          if (E.isLeft(b2)) expect.fail(b2.left.message);
          expect(Array.from(b2.right.forward.values)).to.deep.equal(Array.from(fwd.right.values));
          expect(Array.from(b2.right.gradients)).to.deep.equal(Array.from(bwd.right.gradients));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reuses its buffers: a later run overwrites an earlier result', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.mul(a, b, 'x');
    const fast = compile(c);
    const first = orThrow(fast.run([2, 3]));
    expect(first.gradient(a)).to.equal(3);
    const second = orThrow(fast.run([5, 7], 2));
    expect(second).to.equal(first);
    expect(first.gradient(a)).to.equal(14);
    expect(first.forward.output).to.equal(35);
  });

  it('reports the interpreter\'s errors: a bad input, 1/0, an infinite gradient', () => {
    const c = new Circuit();
    const [cc, d] = c.inputs('c', 'd');
    c.reciprocal(c.add([cc, d], 'x2'), 'x3');
    const fast = compile(c);
    expect(E.isLeft(fast.run([1, NaN])) && fast.run([1, NaN])).to.deep.equal(E.left({ _tag: 'InputError', input: 'd', message: 'input d must be a finite number, got NaN' }));
    expect(fast.run([1, -1])).to.deep.equal(E.left({ _tag: 'GateError', pass: 'forward', gate: 'reciprocal', wire: 'x3', message: 'reciprocal gate on wire x3: input x2 = 0 gives Infinity' }));
    const r = fast.run([1e-170, 0]);
    expect(E.isLeft(r) && r.left.message).to.equal('reciprocal gate on wire x3, backward: gradient into x2 becomes -Infinity (inputs x2 = 1e-170; upstream dx3 = 1)');
    expect(fast.run([1, 2], NaN)).to.deep.equal(E.left({ _tag: 'CompositionError', message: 'upstream gradient on wire x3 must be a finite number, got NaN' }));
  });

  it('calls a custom gate without code through its methods', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.mul(c.applyOrThrow(new TanhGate(), [a], 't'), a, 'x');
    const r = orThrow(compile(c).run([0.5]));
    const t = Math.tanh(0.5);
    expect(r.forward.output).to.equal(t * 0.5);
    expect(r.gradient(a)).to.be.closeTo((1 - t * t) * 0.5 + t, 1e-15);
  });

  it('reports a custom gate that breaks the contract, as the interpreter does', () => {
    const bad: Gate = { name: 'bad', arity: { min: 2, max: 2 }, forward: ([x = 0, y = 0]) => x + y, backward: () => [1] };
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.applyOrThrow(bad, [a, b], 'x');
    const r = compile(c).run([1, 2]);
    expect(E.isLeft(r) && r.left.message).to.equal('bad gate on wire x, backward: backward returned 1 gradients for 2 inputs');
  });

  it('shows its generated source: one fused run for a small circuit, and forward and backward split into functions of the given size', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.add([c.mul(a, b), a], 'x');
    const fast = compile(c, { chunk: 1, mode: 'code' });
    expect(fast.source).to.equal(
      [
        'function run(inputs, up, v, g, G, sig, num) {',
        'const x0 = inputs[0];',
        'const x1 = inputs[1];',
        'if (typeof x0 !== "number" || typeof x1 !== "number") return 1;',
        'const x2 = x0 * x1;',
        'const x3 = x2 + x0;',
        'if (!(x0 - x0 === 0 && x1 - x1 === 0 && x2 - x2 === 0 && x3 - x3 === 0)) return 1;',
        'let d0 = 0, d1 = 0, d2 = 0, d3 = 0;',
        'd3 = 0 + up;',
        'd2 += 1.0 * d3;',
        'd0 += 1.0 * d3;',
        'd0 += x1 * d2;',
        'd1 += x0 * d2;',
        'if (!(d0 - d0 === 0 && d1 - d1 === 0 && d2 - d2 === 0 && d3 - d3 === 0)) return 2;',
        'v[0] = x0;',
        'v[1] = x1;',
        'v[2] = x2;',
        'v[3] = x3;',
        'g[0] = d0;',
        'g[1] = d1;',
        'g[2] = d2;',
        'g[3] = d3;',
        'return 0;',
        '}',
        'function forward0(v, G, sig, num) {\nv[2] = v[0] * v[1];\n}',
        'function forward1(v, G, sig, num) {\nv[3] = v[2] + v[0];\n}',
        'function backward0(v, g, G, sig, num) {\ng[2] += 1.0 * g[3];\n}',
        'function backward1(v, g, G, sig, num) {\ng[0] += 1.0 * g[3];\n}',
        'function backward2(v, g, G, sig, num) {\ng[0] += v[1] * g[2];\n}',
        'function backward3(v, g, G, sig, num) {\ng[1] += v[0] * g[2];\n}',
      ].join('\n'),
    );
  });
});

describe('compile, picking code or tape by size', () => {
  function chain(gates: number): Circuit {
    const c = new Circuit();
    let x = c.input('x');
    for (let k = 0; k < gates; k++) x = k % 2 === 0 ? c.mul(x, x) : c.sigmoid(x);
    return c;
  }

  it(`writes code for up to ${String(CODE_LIMIT)} gates and uses the tape above`, () => {
    expect(compile(chain(CODE_LIMIT)).mode).to.equal('code');
    expect(compile(chain(CODE_LIMIT + 1)).mode).to.equal('tape');
    expect(compile(chain(CODE_LIMIT + 1)).source).to.equal('');
    expect(compile(chain(5), { mode: 'tape' }).mode).to.equal('tape');
  });

  it('gives the same numbers either way', () => {
    const c = chain(30);
    const point = [1.01];
    const code = orThrow(compile(c, { mode: 'code' }).run(point, 0.5));
    const codeGrads = Array.from(code.gradients);
    const tape = orThrow(compile(c, { mode: 'tape' }).run(point, 0.5));
    expect(Array.from(tape.gradients)).to.deep.equal(codeGrads);
    expect(tape.forward.output).to.equal(code.forward.output);
  });
});

describe('CompiledCircuit.batch', () => {
  it('gives, at every point, the interpreter\'s value and input gradients bit for bit', () => {
    fc.assert(
      fc.property(
        randomCircuit(),
        fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 600 }),
        fc.constantFrom<'code' | 'tape'>('code', 'tape'),
        ([c], points, mode) => {
          const columns = [0, 1, 2].map((k) => Float64Array.from(points, (pt) => pt[k]!));
          const r = compile(c, { mode }).batch(columns, 1.5);
          const firstBad = points.findIndex((pt) => {
            const f = c.forwardArray(pt);
            return E.isLeft(f) || E.isLeft(c.backward(f.right, 1.5));
          });
          if (firstBad >= 0) {
            expect(E.isLeft(r) && r.left.message).to.match(new RegExp(`^point ${String(firstBad)}: `));
            return;
          }
          if (E.isLeft(r)) expect.fail(r.left.message);
          expect(r.right.points).to.equal(points.length);
          points.forEach((pt, p) => {
            const f = orThrow(c.forwardArray(pt));
            const b = orThrow(c.backward(f, 1.5));
            expect(r.right.value[p]).to.equal(f.output);
            for (const [name, g] of Object.entries(b.inputs())) expect(r.right.gradients[name]![p], `${name} at ${String(p)}`).to.equal(g);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('takes the chapter\'s neuron over a data set', () => {
    const c = new Circuit();
    const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
    c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc], 'q'), 'f');
    const n = 1000;
    const xs = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const ys = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const ones = new Float64Array(n).fill(1);
    const r = orThrow(compile(c).batch([ones, ones.map(() => 2), ones.map(() => -3), xs, ys]));
    for (const p of [0, 1, 500, 999]) {
      const q = xs[p]! + 2 * ys[p]! - 3;
      const f = 1 / (1 + Math.exp(-q));
      expect(r.value[p]).to.be.closeTo(f, 1e-15);
      expect(r.gradients.a![p]).to.be.closeTo(xs[p]! * f * (1 - f), 1e-15); // da = x * dq
    }
  });

  it('reports the interpreter\'s error at the first bad point, and bad columns', () => {
    const c = new Circuit();
    const [cc, d] = c.inputs('c', 'd');
    c.reciprocal(c.add([cc, d], 'x2'), 'x3');
    const fast = compile(c);
    const r = fast.batch([Float64Array.of(1, 2, 1), Float64Array.of(1, -2, -1)]);
    expect(E.isLeft(r) && r.left.message).to.equal('point 1: reciprocal gate on wire x3: input x2 = 0 gives Infinity');
    const nan = fast.batch([[1, NaN], [1, 1]]);
    expect(E.isLeft(nan) && nan.left.message).to.equal('point 1: input c must be a finite number, got NaN');
    const few = fast.batch([[1, 2]]);
    expect(E.isLeft(few) && few.left.message).to.equal('expected 2 input columns (c, d), got 1');
    const uneven = fast.batch([[1, 2], [1]]);
    expect(E.isLeft(uneven) && uneven.left.message).to.equal('input column d has 1 values, the first column 2');
    expect(orThrow(fast.batch([[], []])).points).to.equal(0);
  });
});
