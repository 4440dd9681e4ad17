/**
 * The contract every gate must pass, built-in or user-defined: one call,
 * `describeGateContract(label, makeGate, options)`, registers its mocha specs.
 *
 * A built-in gate is not run through its own methods by a {@link Circuit}:
 * the circuit evaluates it inline by opcode. So besides checking the gate's
 * math against finite differences, the contract checks that a circuit holding
 * the gate computes the same numbers as the gate's `forward`/`backward`.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, type Backward, type Gate, type Wire } from '../../lib/index';

/** How to run the contract on one gate. */
export interface GateContractOptions {
  /** The input counts to run the contract at; default: the gate's `arity.min`. */
  readonly arities?: readonly number[];
  /** One input value in the gate's smooth domain (away from kinks, poles, and values the gate rejects). */
  readonly value: fc.Arbitrary<number>;
  /** Keeps only points where the gate is differentiable (e.g. no ties for max); default: every point. */
  readonly smooth?: (inputs: readonly number[]) => boolean;
  /** Points where the circuit must still agree with the gate: kinks, ties, zeros, poles, huge values. */
  readonly edgePoints?: (arity: number) => readonly (readonly number[])[];
  /** Relative tolerance of the finite-difference check; default 1e-6. */
  readonly rtol?: number;
  /** Absolute tolerance of the finite-difference check; default 1e-9. */
  readonly atol?: number;
  /** Runs per property; default 100. */
  readonly numRuns?: number;
}

/** A finite number in `[min, max]` (either end may be -0 or 0). */
export const finiteIn = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A number of either sign whose size is in `[min, max]`, `0 < min`: stays away from 0. */
export const awayFromZero = (min: number, max: number): fc.Arbitrary<number> =>
  fc.tuple(fc.boolean(), finiteIn(min, max)).map(([negative, x]) => (negative ? -x : x));

/** Any finite double, biased towards the values that break arithmetic (0, -0, tiny, huge). */
export const anyFinite: fc.Arbitrary<number> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 1e-200, -1e-200, 1e200, -1e200, Number.MAX_VALUE, Number.MIN_VALUE),
  finiteIn(-10, 10),
);

/** An upstream gradient (the chapter's `dx`): any sign, sometimes exactly 1 or 0. */
export const upstreamGradient: fc.Arbitrary<number> = fc.oneof(finiteIn(-1e3, 1e3), fc.constantFrom(1, -1, 0, 0.5));

/** `a` and `b` are the same number, or within `rel` of each other relative to the larger one. */
export function agree(a: number, b: number, rel = 1e-15): boolean {
  if (Object.is(a, b) || a === b) return true;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

/** Fails with both numbers shown unless {@link agree}. */
export function expectAgree(actual: number, expected: number, what: string, rel = 1e-15): void {
  if (!agree(actual, expected, rel)) {
    expect.fail(`${what}: got ${String(actual)}, expected ${String(expected)} (relative tolerance ${String(rel)})`);
  }
}

/** The centred finite difference of `f` with respect to input `k` at `xs`: `(f(x + h) - f(x - h)) / 2h`. */
export function centredDifference(f: (xs: readonly number[]) => number, xs: readonly number[], k: number, step = 1e-6): number {
  const xk = xs[k]!;
  const h = step * Math.max(1, Math.abs(xk));
  const moved = (delta: number): number[] => xs.map((x, j) => (j === k ? xk + delta : x));
  return (f(moved(h)) - f(moved(-h))) / (2 * h);
}

/** `expected` within `atol + rtol * |expected|` of `actual`. */
function expectNear(actual: number, expected: number, rtol: number, atol: number, what: string): void {
  expect(actual, what).to.be.closeTo(expected, atol + rtol * Math.abs(expected));
}

const frozen = (xs: readonly number[]): readonly number[] => Object.freeze([...xs]);

/** A circuit with one input wire per value and the gate applied to all of them, in order. */
function oneGateCircuit(gate: Gate, arity: number): { circuit: Circuit; inputs: Wire[]; out: Wire } {
  const circuit = new Circuit();
  const inputs = Array.from({ length: arity }, (_, k) => circuit.input(`x${String(k)}`));
  const out = circuit.applyOrThrow(gate, inputs, 'y');
  return { circuit, inputs, out };
}

/**
 * Checks that a circuit holding `gate` gives exactly what the gate's own
 * methods give at `xs` with upstream `u`: the same output and gradients, or
 * a `Left` naming the gate and wire exactly when the gate's result is not finite.
 */
export function expectCircuitMatchesGate(gate: Gate, xs: readonly number[], u: number): void {
  const { circuit, inputs, out } = oneGateCircuit(gate, xs.length);
  const y = gate.forward(frozen(xs));
  const fwd = circuit.forwardArray(xs);
  const ws = circuit.workspace();
  const wsFwd = ws.forward(xs);
  if (!Number.isFinite(y)) {
    expect(E.isLeft(fwd), `the circuit accepts ${gate.name}(${xs.join(', ')}) = ${String(y)}`).to.equal(true);
    expect(E.isLeft(wsFwd), `a workspace accepts ${gate.name}(${xs.join(', ')}) = ${String(y)}`).to.equal(true);
    if (E.isLeft(fwd)) {
      expect(fwd.left).to.include({ _tag: 'GateError', pass: 'forward', gate: gate.name, wire: 'y' });
      expect(fwd.left.message).to.match(new RegExp(`^${gate.name} gate on wire y: .*gives? ${String(y)}$`));
    }
    return;
  }
  if (E.isLeft(fwd)) return expect.fail(`the circuit rejects ${gate.name}(${xs.join(', ')}) = ${String(y)}: ${fwd.left.message}`);
  if (E.isLeft(wsFwd)) return expect.fail(`a workspace rejects ${gate.name}(${xs.join(', ')}): ${wsFwd.left.message}`);
  expectAgree(fwd.right.value(out), y, `circuit forward of ${gate.name}(${xs.join(', ')})`);
  expectAgree(wsFwd.right.value(out), y, `workspace forward of ${gate.name}(${xs.join(', ')})`);
  const grads = gate.backward(frozen(xs), y, u);
  const bwd = circuit.backward(fwd.right, u, out);
  if (!grads.every(Number.isFinite)) {
    expect(E.isLeft(bwd), `the circuit accepts ${gate.name}'s gradients [${grads.join(', ')}] at (${xs.join(', ')})`).to.equal(true);
    if (E.isLeft(bwd)) expect(bwd.left).to.include({ _tag: 'GateError', pass: 'backward', gate: gate.name, wire: 'y' });
    return;
  }
  if (E.isLeft(bwd)) return expect.fail(`the circuit rejects ${gate.name}'s gradients at (${xs.join(', ')}): ${bwd.left.message}`);
  const wsBwd = ws.backward(u, out);
  if (E.isLeft(wsBwd)) return expect.fail(`a workspace rejects ${gate.name}'s gradients at (${xs.join(', ')}): ${wsBwd.left.message}`);
  expectAgree(bwd.right.gradient(out), u, 'the gradient on the output wire');
  inputs.forEach((w, k) => {
    const what = `d${gate.name}/dx${String(k)} at (${xs.join(', ')}) with upstream ${String(u)}`;
    expectAgree(bwd.right.gradient(w), grads[k]!, `circuit ${what}`);
    expectAgree(wsBwd.right.gradient(w), grads[k]!, `workspace ${what}`);
  });
}

/**
 * Registers the gate contract's specs under `describe(label)`: arity,
 * no hidden state, finite outputs, one gradient per input, gradients equal
 * to finite differences, linearity in the upstream gradient, fan-out
 * accumulation, and agreement between a circuit and the gate's own methods.
 *
 * @param makeGate - makes a fresh gate; the contract also reuses one instance.
 */
export function describeGateContract(label: string, makeGate: () => Gate, options: GateContractOptions): void {
  const sample = makeGate();
  const arities = options.arities ?? [sample.arity.min];
  const rtol = options.rtol ?? 1e-6;
  const atol = options.atol ?? 1e-9;
  const numRuns = options.numRuns ?? 100;
  const smooth = options.smooth ?? (() => true);

  describe(`${label} (gate contract)`, () => {
    it('declares a name and an arity with min <= max', () => {
      expect(sample.name).to.be.a('string').and.not.equal('');
      expect(sample.arity.min).to.be.at.least(0);
      expect(sample.arity.max).to.be.at.least(sample.arity.min);
    });

    it('is rejected by a circuit with too few or too many inputs, with a message naming it', () => {
      const { min, max } = sample.arity;
      const counts = [min - 1, max + 1].filter((n) => n >= 0 && Number.isFinite(n));
      for (const n of counts) {
        const c = new Circuit();
        const a = c.input('a');
        const result = c.apply(makeGate(), Array.from({ length: n }, () => a));
        if (E.isRight(result)) return expect.fail(`${sample.name} accepted ${String(n)} inputs`);
        expect(result.left._tag).to.equal('CompositionError');
        expect(result.left.message).to.match(new RegExp(`^${sample.name} gate takes .+ inputs?, got ${String(n)}$`));
        expect(c.size, 'a rejected gate adds no wire').to.equal(1);
      }
    });

    for (const n of arities) {
      const point = fc.array(options.value, { minLength: n, maxLength: n }).filter(smooth);

      describe(`with ${String(n)} input${n === 1 ? '' : 's'}`, () => {
        it('is accepted by a circuit', () => {
          const c = new Circuit();
          const wires = Array.from({ length: n }, (_, k) => c.input(`x${String(k)}`));
          expect(E.isRight(c.apply(makeGate(), wires))).to.equal(true);
        });

        it('gives finite outputs and gradients for finite inputs in its domain', () => {
          fc.assert(
            fc.property(point, upstreamGradient, (xs, u) => {
              const gate = makeGate();
              const y = gate.forward(frozen(xs));
              expect(Number.isFinite(y), `${gate.name}(${xs.join(', ')}) = ${String(y)}`).to.equal(true);
              const grads = gate.backward(frozen(xs), y, u);
              expect(grads.every(Number.isFinite), `gradients [${grads.join(', ')}]`).to.equal(true);
            }),
            { numRuns },
          );
        });

        it('returns one gradient per input', () => {
          fc.assert(
            fc.property(point, upstreamGradient, (xs, u) => {
              const gate = makeGate();
              const grads = gate.backward(frozen(xs), gate.forward(frozen(xs)), u);
              expect(grads).to.have.lengthOf(n);
              for (const d of grads) expect(d).to.be.a('number');
            }),
            { numRuns },
          );
        });

        it('keeps no hidden state: calls with other inputs in between change nothing', () => {
          const shared = makeGate();
          fc.assert(
            fc.property(point, point, upstreamGradient, (xs, ys, u) => {
              const y1 = shared.forward(frozen(xs));
              const g1 = shared.backward(frozen(xs), y1, u);
              const y2 = shared.forward(frozen(xs));
              const other = shared.forward(frozen(ys));
              shared.backward(frozen(ys), other, -u);
              const y3 = shared.forward(frozen(xs));
              const g3 = shared.backward(frozen(xs), y3, u);
              const fresh = makeGate();
              const y4 = fresh.forward(frozen(xs));
              expect([y2, y3, y4].every((y) => Object.is(y, y1)), 'the same forward result each time').to.equal(true);
              expect(g3.every((d, k) => Object.is(d, g1[k])), 'the same gradients each time').to.equal(true);
              expect(fresh.backward(frozen(xs), y4, u).every((d, k) => Object.is(d, g1[k]))).to.equal(true);
            }),
            { numRuns },
          );
        });

        it('keeps no hidden state in a circuit: one instance at two places, and interleaved passes', () => {
          fc.assert(
            fc.property(point, point, point, upstreamGradient, (xs, ys, zs, u) => {
              const gate = makeGate();
              const c = new Circuit();
              const left = xs.map((_, k) => c.input(`a${String(k)}`));
              const right = ys.map((_, k) => c.input(`b${String(k)}`));
              const p = c.applyOrThrow(gate, left, 'p');
              const q = c.applyOrThrow(gate, right, 'q');
              const first = c.forwardArray([...xs, ...ys]);
              const second = c.forwardArray([...zs, ...xs]);
              if (E.isLeft(first) || E.isLeft(second)) return expect.fail('a pass in the domain failed');
              const seeds = [{ wire: p, upstream: u }, { wire: q, upstream: 1 }];
              const bFirst = c.backwardFrom(first.right, seeds);
              const bSecond = c.backwardFrom(second.right, seeds);
              if (E.isLeft(bFirst) || E.isLeft(bSecond)) return expect.fail('a backward pass in the domain failed');
              const check = (ws: Wire[], vs: readonly number[], up: number, b: Backward, which: string): void => {
                const y = makeGate().forward(vs);
                const grads = makeGate().backward(vs, y, up);
                ws.forEach((w, k) => {
                  expectAgree(b.forward.value(w), vs[k]!, `${which}: input ${w.name} kept its value`);
                  expectAgree(b.gradient(w), grads[k]!, `${which}: gradient on ${w.name}`);
                });
              };
              expectAgree(first.right.value(p), makeGate().forward(xs), 'p in the first pass');
              expectAgree(first.right.value(q), makeGate().forward(ys), 'q in the first pass');
              expectAgree(second.right.value(p), makeGate().forward(zs), 'p in the second pass');
              expectAgree(second.right.value(q), makeGate().forward(xs), 'q in the second pass');
              check(left, xs, u, bFirst.right, 'first pass');
              check(right, ys, 1, bFirst.right, 'first pass');
              check(left, zs, u, bSecond.right, 'second pass');
              check(right, xs, 1, bSecond.right, 'second pass');
            }),
            { numRuns: Math.ceil(numRuns / 2) },
          );
        });

        if (n > 0) {
          it('has gradients equal to centred finite differences of its forward', () => {
            fc.assert(
              fc.property(point, (xs) => {
                const gate = makeGate();
                const f = (vs: readonly number[]): number => gate.forward(frozen(vs));
                const grads = gate.backward(frozen(xs), f(xs), 1);
                for (let k = 0; k < n; k++) {
                  expectNear(grads[k]!, centredDifference(f, xs, k), rtol, atol, `d${gate.name}/dx${String(k)} at (${xs.join(', ')})`);
                }
              }),
              { numRuns },
            );
          });
        }

        it('scales its gradients linearly with the upstream gradient', () => {
          fc.assert(
            fc.property(point, upstreamGradient, (xs, u) => {
              const gate = makeGate();
              const y = gate.forward(frozen(xs));
              const unit = gate.backward(frozen(xs), y, 1);
              const scaled = gate.backward(frozen(xs), y, u);
              const zero = gate.backward(frozen(xs), y, 0);
              unit.forEach((d, k) => {
                expectAgree(scaled[k]!, u * d, `gradient ${String(k)} with upstream ${String(u)}`);
                expect(zero[k], `gradient ${String(k)} with upstream 0`).to.equal(0);
              });
            }),
            { numRuns },
          );
        });

        if (n > 0) {
          it('adds up the gradients when one wire feeds every input (fan-out)', () => {
            fc.assert(
              fc.property(options.value, upstreamGradient, (a, u) => {
                const gate = makeGate();
                const same = (x: number): number[] => Array.from({ length: n }, () => x);
                const h = (x: number): number => gate.forward(same(x));
                const slope = centredDifference(([x]) => h(x!), [a], 0);
                const summed = gate.backward(same(a), h(a), 1).reduce((s, d) => s + d, 0);
                expectNear(summed, slope, rtol, atol, `the gradients of ${gate.name}(a, ..., a) summed, at a = ${String(a)}`);

                // One wire into every input of one gate, and into two copies of the gate.
                const c = new Circuit();
                const wa = c.input('a');
                const fanOut = Array.from({ length: n }, () => wa);
                const once = c.applyOrThrow(gate, fanOut, 'once');
                const twice = c.add([c.applyOrThrow(gate, fanOut), c.applyOrThrow(makeGate(), fanOut)], 'twice');
                const fwd = c.forward({ a });
                if (E.isLeft(fwd)) return expect.fail(fwd.left.message);
                const b1 = c.backward(fwd.right, u, once);
                const b2 = c.backward(fwd.right, u, twice);
                if (E.isLeft(b1) || E.isLeft(b2)) return expect.fail('backward failed in the domain');
                expectNear(b1.right.gradient(wa), u * slope, rtol, atol * Math.max(1, Math.abs(u)), `d ${gate.name}(a, ..., a) / da at a = ${String(a)}`);
                expectNear(b2.right.gradient(wa), 2 * u * slope, rtol, 2 * atol * Math.max(1, Math.abs(u)), `d (g(a..a) + g(a..a)) / da at a = ${String(a)}`);
              }),
              { numRuns },
            );
          });
        }

        it('evaluates in a circuit exactly as its own forward and backward do, at random points', () => {
          const wide = fc.array(fc.oneof(options.value, anyFinite), { minLength: n, maxLength: n });
          fc.assert(
            fc.property(fc.oneof(point, wide), upstreamGradient, (xs, u) => {
              expectCircuitMatchesGate(makeGate(), xs, u);
            }),
            { numRuns },
          );
        });

        const edges = options.edgePoints?.(n) ?? [];
        if (edges.length > 0) {
          it('evaluates in a circuit exactly as its own forward and backward do, at edge points', () => {
            for (const xs of edges) {
              expect(xs, 'an edge point of the wrong arity').to.have.lengthOf(n);
              for (const u of [1, -2.5, 0]) expectCircuitMatchesGate(makeGate(), xs, u);
            }
          });
        }
      });
    }
  });
}
