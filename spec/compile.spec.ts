import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, FUSED_LIMIT, compile, orThrow, type CompiledCircuit, type Gate, type Wire } from '../lib/index';
import { TanhGate } from './contract/TanhGate';
import { randomCircuit } from './emit.spec';

type Mode = 'code' | 'loops' | 'tape';

/** The sum of `n` neurons `sig(a*x + b*y + c)`, each neuron's inputs declared in the order a, x, b, y, c. */
function neuronLayer(n: number): Circuit {
  const c = new Circuit();
  const terms: Wire[] = [];
  for (let i = 0; i < n; i++) {
    const [a, x, b, y, cc] = c.inputs(`a${String(i)}`, `x${String(i)}`, `b${String(i)}`, `y${String(i)}`, `c${String(i)}`);
    terms.push(c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc])));
  }
  c.add(terms);
  return c;
}

/** The chain `x_{k+1} = relu(w_k * x_k + b_k)` of `n` steps: inputs x0, then w_k and b_k as each step needs them. */
function reluChain(n: number): Circuit {
  const c = new Circuit();
  let x = c.input('x0');
  for (let k = 0; k < n; k++) {
    const [w, b] = c.inputs(`w${String(k)}`, `b${String(k)}`);
    x = c.relu(c.add([c.mul(w, x), b]));
  }
  return c;
}

/**
 * Checks that a compiled pass gives the interpreter's result bit for bit:
 * the output and every input's gradient (what the compiled code computes
 * itself), or the same error; and that the every-wire arrays it works out
 * on request are the interpreter's.
 */
function agrees(c: Circuit, compiled: CompiledCircuit, point: readonly number[], upstream: number): void {
  const fwd = c.forwardArray(point);
  // first the point as a Float64Array, which a pass reads in place (the loops copy the inputs they read into the
  // buffers, the pass the others): nothing of the buffers' last pass, at another point, may show
  const typed = compiled.run(Float64Array.from(point), upstream);
  const bwdTyped = E.isRight(fwd) ? c.backward(fwd.right, upstream) : fwd;
  if (E.isRight(bwdTyped) && E.isRight(fwd)) {
    if (E.isLeft(typed)) expect.fail(typed.left.message);
    if (!Object.is(typed.right.forward.output, fwd.right.output)) expect.fail(`output (Float64Array): compiled ${String(typed.right.forward.output)}, interpreter ${String(fwd.right.output)}`);
    c.inputIndices.forEach((w, k) => {
      if (!Object.is(compiled.inputGradients[k], bwdTyped.right.gradients[w])) expect.fail(`gradient of input ${c.nameOf(w)} (Float64Array)`);
    });
    expect(Array.from(typed.right.forward.values)).to.deep.equal(Array.from(fwd.right.values));
  } else expect(E.isLeft(typed) && typed.left).to.deep.equal(E.isLeft(bwdTyped) && bwdTyped.left);
  const run = compiled.run(point, upstream);
  if (E.isLeft(fwd)) {
    expect(E.isLeft(run) && run.left).to.deep.equal(fwd.left);
    return;
  }
  const bwd = c.backward(fwd.right, upstream);
  if (E.isLeft(bwd)) {
    expect(E.isLeft(run) && run.left).to.deep.equal(bwd.left);
    // the forward pass alone is fine; the backward pass alone gives the same error
    const f1 = compiled.forward(point);
    expect(E.isRight(f1) && Object.is(f1.right.output, fwd.right.output), 'forward alone').to.equal(true);
    const b1 = compiled.backward(upstream);
    expect(E.isLeft(b1) && b1.left).to.deep.equal(bwd.left);
    return;
  }
  if (E.isLeft(run)) expect.fail(run.left.message);
  const same = (x: number | undefined, y: number | undefined, what: string): void => {
    if (!Object.is(x, y)) expect.fail(`${what}: compiled ${String(x)}, interpreter ${String(y)}`);
  };
  same(run.right.forward.output, fwd.right.output, 'output');
  c.inputIndices.forEach((w, k) => {
    same(compiled.inputGradients[k], bwd.right.gradients[w], `gradient of input ${c.nameOf(w)}`);
    same(run.right.gradient(c.wireAt(w)!), bwd.right.gradients[w], `gradient(${c.nameOf(w)})`);
  });
  expect(Array.from(run.right.forward.values)).to.deep.equal(Array.from(fwd.right.values));
  expect(Array.from(run.right.gradients)).to.deep.equal(Array.from(bwd.right.gradients));
  // forward and backward as two calls give the same
  const f2 = compiled.forward(point);
  if (E.isLeft(f2)) expect.fail(f2.left.message);
  same(f2.right.output, fwd.right.output, 'output of forward');
  const b2 = compiled.backward(upstream);
  if (E.isLeft(b2)) expect.fail(b2.left.message);
  c.inputIndices.forEach((w, k) => {
    same(compiled.inputGradients[k], bwd.right.gradients[w], `gradient of input ${c.nameOf(w)} after backward`);
  });
}

/**
 * A circuit that repeats one random shape: each instance has fresh inputs
 * of its own (declared between the instances, as a builder does), gates
 * that read its own earlier gates, the previous instance (a chain), a few
 * wires shared by every instance (weights), and then a sum and a product
 * over some instances' outputs (fan-out). This is what compiles to loops.
 */
export function repeatedCircuit(): fc.Arbitrary<Circuit> {
  const op = fc.constantFrom('mul', 'add', 'sub', 'neg', 'sigmoid', 'relu', 'max', 'reciprocal', 'pow2', 'const', 'tanh');
  const ref = fc.record({ from: fc.constantFrom('own', 'own', 'fresh', 'fresh', 'previous', 'shared'), k: fc.nat() });
  const step = fc.record({ op, refs: fc.array(ref, { minLength: 3, maxLength: 3 }), k: fc.double({ min: -2, max: 2, noNaN: true }) });
  return fc
    .record({
      shape: fc.array(step, { minLength: 1, maxLength: 6 }),
      instances: fc.integer({ min: 1, max: 40 }),
      fresh: fc.integer({ min: 0, max: 3 }),
      shared: fc.integer({ min: 1, max: 3 }),
      tail: fc.array(fc.nat(), { maxLength: 4 }),
    })
    .map(({ shape, instances, fresh, shared, tail }) => {
      const c = new Circuit();
      const weights = Array.from({ length: shared }, (_, k) => c.input(`w${String(k)}`));
      let previous: Wire[] = [...weights];
      const outputs: Wire[] = [];
      const tanh = new TanhGate();
      for (let i = 0; i < instances; i++) {
        const mine = Array.from({ length: fresh }, (_, k) => c.input(`x${String(i)}_${String(k)}`));
        const own: Wire[] = [];
        const pick = ({ from, k }: { from: string; k: number }): Wire => {
          const pool = from === 'own' && own.length > 0 ? own : from === 'fresh' && mine.length > 0 ? mine : from === 'previous' ? previous : weights;
          return pool[k % pool.length]!;
        };
        for (const { op: o, refs, k } of shape) {
          const [p, q, r] = refs.map(pick) as [Wire, Wire, Wire];
          const make: Record<string, () => Wire> = {
            mul: () => c.mul(p, q),
            add: () => c.add([p, q, r]),
            sub: () => c.sub(p, q),
            neg: () => c.neg(p),
            sigmoid: () => c.sigmoid(p),
            relu: () => c.relu(p),
            max: () => c.max([p, q]),
            reciprocal: () => c.reciprocal(p),
            pow2: () => c.pow(p, 2),
            const: () => c.constant(k),
            tanh: () => c.applyOrThrow(tanh, [p]),
          };
          own.push(make[o]!());
        }
        previous = own;
        outputs.push(own[own.length - 1]!);
      }
      const picked = tail.map((t) => outputs[t % outputs.length]!);
      if (picked.length > 1) c.mul(c.add(picked), outputs[outputs.length - 1]!);
      else c.add(outputs);
      return c;
    });
}

describe('compile', () => {
  for (const mode of ['code', 'loops', 'tape'] as const) {
    it(`gives the interpreter's output and input gradients bit for bit on random circuits (${mode})`, () => {
      fc.assert(
        fc.property(
          randomCircuit(),
          fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
          fc.double({ min: -4, max: 4, noNaN: true }),
          ([c], point, upstream) => {
            agrees(c, compile(c, { mode }), point, upstream);
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  // points that overflow, underflow and divide by zero: every non-finite value must be found, however few checks the code makes
  const extreme = fc.constantFrom(0, -0, 1e-200, -1e-200, 1e200, -1e200, 1e155, 3, -3, 1e-160, 800, -800);
  for (const mode of ['code', 'loops', 'tape'] as const) {
    it(`finds the interpreter's errors at points that overflow, underflow and divide by zero (${mode})`, () => {
      fc.assert(
        fc.property(randomCircuit(), fc.array(extreme, { minLength: 3, maxLength: 3 }), fc.constantFrom(1, -1e200, 1e300, 0), ([c], point, upstream) => {
          agrees(c, compile(c, { mode }), point, upstream);
        }),
        { numRuns: 400 },
      );
      fc.assert(
        fc.property(repeatedCircuit(), fc.array(extreme, { minLength: 1, maxLength: 1 }), fc.integer(), (c, [big], seed) => {
          const point = c.inputNames.map((_, k) => (k % 3 === seed % 3 ? big ?? 1 : Math.sin(seed + k)));
          agrees(c, compile(c, { mode }), point, 1e150);
        }),
        { numRuns: 150 },
      );
    });
  }

  for (const mode of ['loops', 'tape', 'code'] as const) {
    it(`gives the interpreter's output and input gradients bit for bit on circuits that repeat a shape (${mode})`, () => {
      fc.assert(
        fc.property(repeatedCircuit(), fc.integer(), fc.double({ min: -4, max: 4, noNaN: true }), (c, seed, upstream) => {
          const point = c.inputNames.map((_, k) => Math.sin(seed + k * 1.7) * 1.5);
          agrees(c, compile(c, { mode }), point, upstream);
        }),
        { numRuns: mode === 'code' ? 50 : 300 },
      );
    });
  }

  it('runs a layer of neurons as one loop, its sum folded in', () => {
    const c = neuronLayer(100);
    const fast = compile(c);
    expect(fast.mode).to.equal('loops');
    expect(fast.parts).to.deep.equal([{ kind: 'loop', gates: 401, instances: 100, shape: 4 }]);
    expect(fast.source).to.include('  sum += x3;');
    expect(fast.source).to.include('  const d3 = 1.0 * dsum;');
    // the sigmoid's local gradient is worked out forward and kept, in place of q and f
    expect(fast.source).to.include('  V[500 + k] = x3 * (x2 >= 1 ? sig(-x2) : 1 - x3);');
    expect(fast.source).to.include('  let d2 = ((l3_0) * d3);');
    agrees(c, fast, c.inputNames.map((_, k) => Math.cos(k)), 1);
  });

  it('runs sums and maxima of many inputs on the tape, ties and repeated wires included', () => {
    const c = new Circuit();
    const xs = Array.from({ length: 12 }, (_, k) => c.input(`x${String(k)}`));
    const sq = xs.map((x) => c.mul(x, x));
    const top = c.max([...sq, sq[3]!, ...xs]); // ties: sq[3] twice, and equal squares
    const sum = c.add([...sq, xs[0]!, xs[0]!, top]);
    c.mul(c.add([sum, sq[5]!]), top);
    for (const mode of ['loops', 'tape'] as const) {
      const fast = compile(c, { mode });
      agrees(c, fast, xs.map((_, k) => (k % 3) - 1), 1.5); // -1, 0, 1, ...: squares tie
      agrees(c, fast, xs.map((_, k) => k / 7), -2);
    }
  });

  it('finds a value or gradient that is not finite anywhere in a loop, and the interpreter names it', () => {
    const chain = (w: number, x0: number): { c: Circuit; point: number[] } => {
      const c = new Circuit();
      let x = c.input('x0');
      const point = [x0];
      for (let k = 0; k < 20; k++) {
        const [wk, bk] = c.inputs(`w${String(k)}`, `b${String(k)}`);
        x = c.relu(c.add([c.mul(wk, x), bk]));
        point.push(w, 0);
      }
      return { c, point };
    };
    const big = chain(1e30, 1); // the product overflows at the 11th step
    const r = compile(big.c).run(big.point);
    expect(E.isLeft(r) && r.left.message).to.equal('multiply gate on wire _53: inputs w10 = 1e+30, _50 = 1.0000000000000003e+300 give Infinity');
    const steep = chain(1e20, 1e-300); // values stay finite, d x0 = 1e400 does not
    const s2 = compile(steep.c).run(steep.point);
    expect(E.isLeft(s2) && s2.left.message).to.match(/backward: gradient into \w+ becomes Infinity/);
    agrees(steep.c, compile(steep.c), steep.point, 1);
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

  it('checks a small circuit\'s run as the interpreter does, and gives every wire of the last pass (its own run, made per circuit)', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    const m = c.mul(a, b, 'm');
    c.add([m, a], 'x');
    const fast = compile(c);
    expect(fast.mode).to.equal('code');
    expect(fast.run([1, 2, 3])).to.deep.equal(E.left({ _tag: 'InputError', input: '', message: 'expected 2 input values (a, b), got 3' }));
    expect(fast.run([1, 2], '2' as unknown as number)).to.deep.equal(
      E.left({ _tag: 'CompositionError', message: 'upstream gradient on wire x must be a finite number, got "2"' }),
    );
    // a pass after a failed one: its values are there for a backward pass
    expect(E.isLeft(fast.run([1, NaN]))).to.equal(true);
    const first = orThrow(fast.run([2, 3]));
    expect(E.isRight(fast.backward(2))).to.equal(true);
    expect(Array.from(first.forward.values)).to.deep.equal([2, 3, 6, 8]);
    expect([first.forward.value(m), first.gradient(m)]).to.deep.equal([6, 2]);
    // every wire's values and gradients are the last pass's, not the first's kept
    orThrow(fast.run([5, 7]));
    expect(Array.from(first.forward.values)).to.deep.equal([5, 7, 35, 40]);
    expect(Array.from(first.gradients)).to.deep.equal([8, 5, 1, 1]);
    expect(first.forward.value(m)).to.equal(35);
  });

  it('keeps a small circuit\'s forward pass when only its backward pass failed, and refuses a backward pass after a failed forward one', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.mul(a, b, 'x');
    const fast = compile(c);
    expect(fast.mode).to.equal('code');
    const failed = fast.run([1e300, 1], 1e10);
    expect(E.isLeft(failed) && failed.left.message).to.equal(
      'multiply gate on wire x, backward: gradient into b becomes Infinity (inputs a = 1e+300, b = 1; upstream dx = 10000000000)',
    );
    // the forward pass stands: a backward pass with a smaller upstream gradient runs on it
    const again = orThrow(fast.backward(1));
    expect([again.forward.output, again.gradient(a), again.gradient(b)]).to.deep.equal([1e300, 1, 1e300]);
    expect(E.isLeft(fast.run([NaN, 1]))).to.equal(true);
    expect(fast.backward(1)).to.deep.equal(E.left({ _tag: 'CompositionError', message: 'the last forward pass failed: run forward again before backward' }));
  });

  it('holds a failed pass\'s inputs, every one, though the loops copy them as they read them', () => {
    // a layer of 8 neurons 1 / (a_i * x_i), the first instance dividing by 0: the loop runs to its end all the same
    const c = new Circuit();
    const terms: Wire[] = [];
    for (let i = 0; i < 8; i++) {
      const [a, x] = c.inputs(`a${String(i)}`, `x${String(i)}`);
      terms.push(c.reciprocal(c.mul(a, x)));
    }
    c.add(terms);
    const fast = compile(c, { mode: 'loops' });
    expect(fast.parts.map((p) => p.kind)).to.deep.equal(['loop']);
    const good = Float64Array.from({ length: 16 }, (_, k) => 1 + k);
    const first = orThrow(fast.run(good));
    const bad = Float64Array.from({ length: 16 }, (_, k) => (k === 1 ? 0 : 100 + k)); // x0 = 0
    expect(E.isLeft(fast.run(bad))).to.equal(true);
    // the result objects show the last pass's inputs, as they did when a pass copied every input first
    expect(Object.values(first.forward.inputs())).to.deep.equal(Array.from(bad));
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

  it('shows its generated source: for a small circuit, one function with every value in a local', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.add([c.mul(a, b), a], 'x');
    const fast = compile(c);
    expect(fast.mode).to.equal('code');
    expect(fast.source).to.equal(
      [
        'function run(inputs, up, V, D, G) {',
        'const x0 = inputs[0];',
        'const x1 = inputs[1];',
        'if (typeof x0 !== "number" || typeof x1 !== "number") return 1;',
        'const x2 = x0 * x1;',
        'const x3 = x2 + x0;',
        // only the sum is checked: a non-finite product or input would make it non-finite
        'if (!(x3 - x3 === 0)) return 1;',
        'let d0 = 0, d1 = 0, d2 = 0, d3 = 0;',
        'd3 = 0 + up;',
        'd2 += 1.0 * d3;',
        'd0 += 1.0 * d3;',
        'd0 += x1 * d2;',
        'd1 += x0 * d2;',
        // and the inputs' gradients: a non-finite gradient anywhere would reach them through the sum and the product
        'if (!(d0 - d0 === 0 && d1 - d1 === 0)) return 2;',
        'V[0] = x0;',
        'V[1] = x1;',
        'V[2] = x3;',
        'D[0] = d0;',
        'D[1] = d1;',
        'return 0;',
        '}',
      ].join('\n'),
    );
  });

  it('runs a chain as a loop whose body keeps in locals what only its own step reads', () => {
    // x_{k+1} = relu(w_k * x_k + b_k): the first step reads an input where the others read the step before
    const c = reluChain(10);
    const fast = compile(c, { mode: 'loops' });
    expect(fast.parts).to.deep.equal([
      { kind: 'tape', gates: 3, instances: 1, shape: 3 },
      { kind: 'loop', gates: 27, instances: 9, shape: 3 },
    ]);
    // the product stays in a local; the sum (ReLU's backward reads it) and the step's output are kept;
    // only the sum is checked: a non-finite product or input would make it non-finite, and ReLU cannot make one
    const forward = fast.source.slice(0, fast.source.indexOf('function loopBackward'));
    expect(forward).to.include(['  const x0 = a0_0 * a0_1;', '  const a1_1 = I[4 + 2 * k];', '  V[4 + 2 * k] = a1_1;', '  const x1 = x0 + a1_1;', '  acc += x1 - x1;'].join('\n'));
    // (two inputs copied where they are read, the sum and the output kept)
    expect(forward.match(/^ {2}V\[/gm)?.length).to.equal(4);
    expect(forward.match(/acc \+=/g)?.length).to.equal(1);
    // the step's output and its gradient pass to the next step in locals, not through memory
    expect(forward).to.include('  va0_1 = x2;');
    // no z() on the carried gradient (a local may be -0): only where it is stored, after the loop
    expect(fast.source).to.include('{ const t = (b0_0 * d0); ca0_1 = t; acc += t - t; }');
    expect(fast.source).to.match(/^D\[\d+\] = z\(ca0_1\);$/m);
    agrees(c, fast, c.inputNames.map((_, k) => 1 + 0.1 * Math.sin(k)), 1);
  });

  it('makes a loop of at least 4 instances and 16 gates, of a shape of at most 64 gates, and runs the rest on the tape', () => {
    /** R neurons sig(a*x + b) (3 gates) or sig(a*x + b*x) (4 gates), summed. */
    const neurons = (R: number, gates: 3 | 4): Circuit => {
      const c = new Circuit();
      const terms: Wire[] = [];
      for (let i = 0; i < R; i++) {
        const [a, x, b] = c.inputs(`a${String(i)}`, `x${String(i)}`, `b${String(i)}`);
        const m = c.mul(a, x);
        terms.push(c.sigmoid(c.add([m, gates === 3 ? b : c.mul(b, x)])));
      }
      c.add(terms);
      return c;
    };
    /** R instances of a shape of L pow gates, each a different exponent (so no shorter shape repeats in it), summed. */
    const powers = (L: number, R: number): Circuit => {
      const c = new Circuit();
      const terms: Wire[] = [];
      for (let i = 0; i < R; i++) {
        let y = c.input(`x${String(i)}`);
        for (let j = 0; j < L; j++) y = c.pow(y, 1 + (j + 1) / 1000);
        terms.push(y);
      }
      c.add(terms);
      return c;
    };
    const cases: [Circuit, { kind: string; gates: number; instances: number; shape: number }[]][] = [
      // 3 instances of 4 gates: too few instances
      [neurons(3, 4), [{ kind: 'tape', gates: 13, instances: 1, shape: 13 }]],
      // 4 instances of 4 gates: 16 gates, a loop (its sum folded in)
      [neurons(4, 4), [{ kind: 'loop', gates: 17, instances: 4, shape: 4 }]],
      // 5 instances of 3 gates: 15 gates, too few; 6 of them, 18: a loop
      [neurons(5, 3), [{ kind: 'tape', gates: 16, instances: 1, shape: 16 }]],
      [neurons(6, 3), [{ kind: 'loop', gates: 19, instances: 6, shape: 3 }]],
      // a shape of 64 gates is a loop, of 65 is not
      [powers(64, 4), [{ kind: 'loop', gates: 257, instances: 4, shape: 64 }]],
      [powers(65, 4), [{ kind: 'tape', gates: 261, instances: 1, shape: 261 }]],
    ];
    for (const [c, parts] of cases) {
      const fast = compile(c, { mode: 'loops' });
      expect(fast.parts).to.deep.equal(parts);
      agrees(c, fast, c.inputNames.map((_, k) => 0.5 + 0.25 * Math.sin(k)), 1);
    }
  });

  it('folds the sum after a loop into it only when it adds one value of each instance, in order, read by nothing else', () => {
    const neurons = (how: 'plain' | 'input' | 'reread' | 'order' | 'twice'): Circuit => {
      const c = new Circuit();
      const terms: Wire[] = [];
      for (let i = 0; i < 8; i++) {
        const [a, x, b] = c.inputs(`a${String(i)}`, `x${String(i)}`, `b${String(i)}`);
        terms.push(c.sigmoid(c.add([c.mul(a, x), b])));
      }
      const [t0, t1, t2] = [terms[0]!, terms[1]!, terms[2]!];
      if (how === 'plain') c.add(terms);
      else if (how === 'input') c.add([...terms, c.input('e')]); // one term more than instances
      else if (how === 'reread') c.mul(c.add(terms), t2); // a term read again after the sum
      else if (how === 'order') c.add([t1, t0, ...terms.slice(2)]); // not in instance order
      else c.add([...terms.slice(0, -1), t0]); // one instance's value twice, another's not at all
      return c;
    };
    const loop = { kind: 'loop', gates: 24, instances: 8, shape: 3 };
    const cases: [Parameters<typeof neurons>[0], { kind: string; gates: number; instances: number; shape: number }[]][] = [
      ['plain', [{ ...loop, gates: 25 }]],
      ['input', [loop, { kind: 'tape', gates: 1, instances: 1, shape: 1 }]],
      ['reread', [loop, { kind: 'tape', gates: 2, instances: 1, shape: 2 }]],
      ['order', [loop, { kind: 'tape', gates: 1, instances: 1, shape: 1 }]],
      ['twice', [loop, { kind: 'tape', gates: 1, instances: 1, shape: 1 }]],
    ];
    for (const [how, parts] of cases) {
      const c = neurons(how);
      const fast = compile(c, { mode: 'loops' });
      expect(fast.parts, how).to.deep.equal(parts);
      agrees(c, fast, c.inputNames.map((_, k) => Math.cos(k)), 1);
    }
  });

  it('writes a layer\'s and a chain\'s loops as this source (every value kept or not, every gradient a local or a slot, every check)', () => {
    const layer = neuronLayer(8);
    const fastLayer = compile(layer, { mode: 'loops' });
    expect(fastLayer.source).to.equal(
      [
        // (an input is read from the pass's input values I, and copied into its slot of V where it is read)
        'function loopForward(V, I, G, IX) {',
        'let acc = 0;',
        'let sum = -0;',
        'for (let k = 0; k < 8; k++) {',
        '  const a0_0 = I[5 * k];',
        '  V[5 * k] = a0_0;',
        '  const a0_1 = I[1 + 5 * k];',
        '  V[1 + 5 * k] = a0_1;',
        '  const x0 = a0_0 * a0_1;',
        '  const a1_0 = I[2 + 5 * k];',
        '  V[2 + 5 * k] = a1_0;',
        '  const a1_1 = I[3 + 5 * k];',
        '  V[3 + 5 * k] = a1_1;',
        '  const x1 = a1_0 * a1_1;',
        '  const a2_2 = I[4 + 5 * k];',
        '  V[4 + 5 * k] = a2_2;',
        '  const x2 = x0 + x1 + a2_2;',
        '  acc += x2 - x2;',
        '  const x3 = sig(x2);',
        '  V[40 + k] = x3 * (x2 >= 1 ? sig(-x2) : 1 - x3);',
        '  sum += x3;',
        '}',
        'acc += sum - sum;',
        'V[48] = sum;',
        'return acc;',
        '}',
        'function loopBackward(V, D, G, IX) {',
        'let acc = 0;',
        'const dsum = D[48];',
        'acc += dsum - dsum;',
        'for (let k = 7; k >= 0; k--) {',
        '  const d3 = 1.0 * dsum;',
        '  const l3_0 = V[40 + k];',
        '  let d2 = ((l3_0) * d3);',
        '  let d0 = (1.0 * d2);',
        '  let d1 = (1.0 * d2);',
        '  D[4 + 5 * k] = z((1.0 * d2));',
        '  const b1_0 = V[2 + 5 * k];',
        '  const b1_1 = V[3 + 5 * k];',
        '  { const t = z((b1_1 * d1)); D[2 + 5 * k] = t; acc += t - t; }',
        '  { const t = z((b1_0 * d1)); D[3 + 5 * k] = t; acc += t - t; }',
        '  const b0_0 = V[5 * k];',
        '  const b0_1 = V[1 + 5 * k];',
        '  { const t = z((b0_1 * d0)); D[5 * k] = t; acc += t - t; }',
        '  { const t = z((b0_0 * d0)); D[1 + 5 * k] = t; acc += t - t; }',
        '}',
        'return acc;',
        '}',
      ].join('\n'),
    );
    agrees(layer, fastLayer, layer.inputNames.map((_, k) => Math.sin(k)), 1);
    const chain = reluChain(10);
    const fastChain = compile(chain, { mode: 'loops' });
    expect(fastChain.source.slice(0, fastChain.source.indexOf('function tapeForward'))).to.equal(
      [
        'function loopForward(V, I, G, IX) {',
        'let acc = 0;',
        'let va0_1 = V[23];',
        'for (let k = 0; k < 9; k++) {',
        '  const a0_0 = I[3 + 2 * k];',
        '  V[3 + 2 * k] = a0_0;',
        '  const a0_1 = va0_1;',
        '  const x0 = a0_0 * a0_1;',
        '  const a1_1 = I[4 + 2 * k];',
        '  V[4 + 2 * k] = a1_1;',
        '  const x1 = x0 + a1_1;',
        '  acc += x1 - x1;',
        '  V[24 + 2 * k] = x1;',
        '  const x2 = Math.max(x1, 0);',
        '  V[25 + 2 * k] = x2;',
        '  va0_1 = x2;',
        '}',
        'return acc;',
        '}',
        'function loopBackward(V, D, G, IX) {',
        'let acc = 0;',
        'let ca0_1 = D[41];',
        'acc += ca0_1 - ca0_1;',
        'for (let k = 8; k >= 0; k--) {',
        '  const d2 = ca0_1;',
        '  const b2_0 = V[24 + 2 * k];',
        '  let d1 = ((b2_0 > 0 ? 1.0 * d2 : 0.0));',
        '  let d0 = (1.0 * d1);',
        '  D[4 + 2 * k] = z((1.0 * d1));',
        '  const b0_0 = V[3 + 2 * k];',
        '  const b0_1 = V[23 + 2 * k];',
        '  { const t = z((b0_1 * d0)); D[3 + 2 * k] = t; acc += t - t; }',
        '  { const t = (b0_0 * d0); ca0_1 = t; acc += t - t; }',
        '}',
        'D[23] = z(ca0_1);',
        'return acc;',
        '}',
        '',
      ].join('\n'),
    );
    agrees(chain, fastChain, chain.inputNames.map((_, k) => 1 + 0.1 * Math.sin(k)), 1);
  });

  it('reads an input the tape and a loop share from where the pass puts it, when the tape comes first', () => {
    // an irregular start on the tape reads s; then a loop of 8 neurons reads s too (the same input in every instance)
    const c = new Circuit();
    const s = c.input('s');
    const head = c.sigmoid(c.add([c.mul(s, s), c.constant(0.5)]));
    const terms: Wire[] = [head];
    for (let i = 0; i < 8; i++) {
      const [a, b] = c.inputs(`a${String(i)}`, `b${String(i)}`);
      terms.push(c.sigmoid(c.add([c.mul(a, s), b])));
    }
    c.add(terms);
    const fast = compile(c, { mode: 'loops' });
    expect(fast.parts.map((p) => p.kind)).to.deep.equal(['tape', 'loop', 'tape']);
    // two points in a row, each as a Float64Array (read in place) and as an array
    for (const base of [0.3, -1.7]) agrees(c, fast, c.inputNames.map((_, k) => base + 0.1 * Math.sin(k)), 1);
  });

  it('finds a layer after a long irregular stretch (the search skips ahead there), losing fewer than 8 of its gates to the tape', () => {
    const c = new Circuit();
    const [u, v] = c.inputs('u', 'v');
    // 300 gates of no repeating shape: the op and the wires read follow a pseudo-random sequence
    const wires: Wire[] = [u, v];
    let r = 12345;
    const next = (): number => (r = (r * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 300; k++) {
      const a = wires[Math.floor(next() * wires.length)] ?? u;
      const b = wires[Math.floor(next() * wires.length)] ?? v;
      const op = Math.floor(next() * 5);
      wires.push(op === 0 ? c.mul(a, b) : op === 1 ? c.add([a, b]) : op === 2 ? c.sub(a, b) : op === 3 ? c.sigmoid(a) : c.relu(a));
    }
    const terms: Wire[] = [c.sigmoid(wires[wires.length - 1] ?? u)];
    for (let i = 0; i < 100; i++) {
      const [w, x] = c.inputs(`w${String(i)}`, `x${String(i)}`);
      terms.push(c.sigmoid(c.add([c.mul(w, x), u])));
    }
    c.add(terms);
    const fast = compile(c);
    const loops = fast.parts.filter((part) => part.kind === 'loop');
    expect(loops.length).to.equal(1);
    // 4 gates a neuron: at most 2 neurons of 100 run on the tape
    expect(loops[0]?.instances).to.be.at.least(98);
    expect(fast.parts.reduce((n, part) => n + part.gates, 0)).to.equal(c.size - c.inputCount);
    agrees(c, fast, c.inputNames.map((_, k) => 0.5 + 0.1 * Math.sin(k)), 1);
  });

  it('gives a gate that is not built in the upstream gradient the interpreter gives it, +0 and not -0, in a loop', () => {
    // A loop keeps gradients in locals, where a zero may be -0 (the interpreter adds into a zeroed
    // buffer: +0). This gate's gradient tells the two apart, as a user's gate may.
    const signOfZero = (withCode: boolean): Gate => ({
      name: 'signOfZero',
      arity: { min: 1, max: 1 },
      forward: ([x = NaN]: readonly number[]) => x,
      backward: (_xs: readonly number[], _y: number, dy: number) => [Object.is(dy, -0) ? 1 : dy],
      ...(withCode ? { code: { forward: ([x = 'NaN']: readonly string[]) => x, backward: (_xs: readonly string[], _y: string, dy: string) => [`(Object.is(${dy}, -0) ? 1 : ${dy})`] } } : {}),
    });
    for (const withCode of [false, true]) {
      const c = new Circuit();
      const g = signOfZero(withCode);
      const terms: Wire[] = [];
      for (let k = 0; k < 120; k++) {
        const [x, w] = c.inputs(`x${String(k)}`, `w${String(k)}`);
        // d(h) = w * d(t) = -0 * 1 when w is -0
        terms.push(c.mul(c.applyOrThrow(g, [x]), w));
      }
      c.add(terms);
      const fast = compile(c);
      expect(fast.mode).to.equal('loops');
      const point = c.inputNames.map((name) => (name.startsWith('w') ? -0 : 0.5));
      agrees(c, fast, point, 1);
      expect(orThrow(fast.run(point)).gradient(c.wire('x3')!), withCode ? 'inlined' : 'called').to.equal(0);
    }
  });
});

describe('compile, picking the way to run by size', () => {
  function chain(gates: number): Circuit {
    const c = new Circuit();
    let x = c.input('x');
    for (let k = 0; k < gates; k++) x = k % 2 === 0 ? c.mul(x, x) : c.sigmoid(x);
    return c;
  }

  it(`writes one function for up to ${String(FUSED_LIMIT)} gates, loops and the tape above`, () => {
    expect(compile(chain(FUSED_LIMIT)).mode).to.equal('code');
    expect(compile(chain(FUSED_LIMIT + 1)).mode).to.equal('loops');
    expect(compile(chain(5), { mode: 'tape' }).parts).to.deep.equal([{ kind: 'tape', gates: 5, instances: 1, shape: 5 }]);
  });

  it('gives the same numbers every way', () => {
    const c = chain(300);
    const point = [1.01];
    const runs = (['code', 'loops', 'tape'] as const).map((mode) => {
      const fast = compile(c, { mode });
      const r = orThrow(fast.run(point, 0.5));
      return [r.forward.output, ...fast.inputGradients];
    });
    expect(runs[1]).to.deep.equal(runs[0]);
    expect(runs[2]).to.deep.equal(runs[0]);
  });
});

describe('CompiledCircuit.batch', () => {
  it('gives, at every point, the interpreter\'s value and input gradients bit for bit', () => {
    fc.assert(
      fc.property(
        randomCircuit(),
        fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 600 }),
        fc.constantFrom<Mode>('code', 'loops', 'tape'),
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

  it('reuses its result columns for a later batch of as many points, in every mode', () => {
    for (const mode of ['code', 'loops', 'tape'] as const) {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      c.mul(a, b, 'x');
      const fast = compile(c, { mode });
      const first = orThrow(fast.batch([Float64Array.of(1, 2), Float64Array.of(3, 4)]));
      expect(Array.from(first.value)).to.deep.equal([3, 8]);
      const second = orThrow(fast.batch([Float64Array.of(5, 6), Float64Array.of(7, 8)], 2));
      expect(second.value).to.equal(first.value);
      expect(Array.from(first.value)).to.deep.equal([35, 48]);
      expect(Array.from(first.gradients.a ?? [])).to.deep.equal([14, 16]);
      const other = orThrow(fast.batch([Float64Array.of(1), Float64Array.of(1)]));
      expect(other.value).to.not.equal(first.value);
    }
  });

  it('turns columns into rows in blocks of up to 64 points (loops, tape): every point the interpreter\'s, plain arrays too, a bad value found at its point', () => {
    const c = new Circuit();
    const [a, b, cc] = c.inputs('a', 'b', 'c');
    c.sigmoid(c.add([c.mul(a, b), cc]), 'f');
    const points = 150; // three blocks: 64, 64 and 22 points
    const A = Float64Array.from({ length: points }, (_, p) => Math.sin(p));
    const Bs = Array.from({ length: points }, (_, p) => Math.cos(p)); // a plain array
    const C = Float64Array.from({ length: points }, (_, p) => p / 100);
    const message = (r: E.Either<{ message: string }, unknown>): string => (E.isLeft(r) ? r.left.message : 'no error');
    for (const mode of ['loops', 'tape'] as const) {
      const fast = compile(c, { mode });
      const r = orThrow(fast.batch([A, Bs, C], 2));
      for (let p = 0; p < points; p++) {
        const f = orThrow(c.forwardArray([A[p]!, Bs[p]!, C[p]!]));
        const g = orThrow(c.backward(f, 2)).inputs();
        expect([r.value[p], r.gradients.a![p], r.gradients.b![p], r.gradients.c![p]], `${mode}, point ${String(p)}`).to.deep.equal([f.output, g.a, g.b, g.c]);
      }
      const nan = [...Bs];
      nan[130] = NaN;
      expect(message(fast.batch([A, nan, C]))).to.equal('point 130: input b must be a finite number, got NaN');
      const text: unknown[] = [...Bs];
      text[70] = '1';
      expect(message(fast.batch([A, text as number[], C]))).to.equal('point 70: input b must be a finite number, got "1"');
    }
  });

  it('checks the upstream gradient of a batch in loops and tape modes, and leaves no forward pass behind', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.mul(a, b, 'x');
    const message = (r: E.Either<{ message: string }, unknown>): string => (E.isLeft(r) ? r.left.message : 'no error');
    for (const mode of ['loops', 'tape'] as const) {
      const fast = compile(c, { mode });
      expect(message(fast.batch([[1], [2]], NaN))).to.equal('point 0: upstream gradient on wire x must be a finite number, got NaN');
      expect(message(fast.batch([[1], [2]], '2' as unknown as number))).to.equal('point 0: upstream gradient on wire x must be a finite number, got "2"');
      expect(orThrow(fast.batch([[], []], NaN)).points).to.equal(0); // no point, nothing to refuse
      const earlier = orThrow(fast.run([1, 2]));
      expect(Array.from(earlier.forward.values)).to.deep.equal([1, 2, 2]); // worked out, and kept for this pass
      orThrow(fast.batch([[3], [4]]));
      // a result object shows what the buffers hold, the batch's last point, every wire alike
      expect([earlier.forward.output, Array.from(earlier.forward.values)]).to.deep.equal([12, [3, 4, 12]]);
      // the buffers hold the batch's last point now: a backward pass needs a forward pass of its own
      expect(fast.backward(1)).to.deep.equal(E.left({ _tag: 'CompositionError', message: 'no forward pass to go back through: run forward first' }));
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
