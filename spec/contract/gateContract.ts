/**
 * The contract every gate must pass, built-in or user-defined: one call,
 * `describeGateContract(label, makeGate, options)`, registers a mocha spec
 * that runs the public toolkit's `assertGateContract` (backprop-ninja/testing)
 * on the gate, so the library's own gates are held to exactly what users'
 * gates are.
 *
 * A built-in gate is not run through its own methods by a {@link Circuit}:
 * the circuit evaluates it inline by opcode. So besides checking the gate's
 * math against finite differences, the contract checks that a circuit (and
 * a workspace) holding the gate computes the same numbers as the gate's
 * `forward`/`backward`, at random points and at the edge points given here.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Gate } from '../../lib/index';
import { assertGateContract } from '../../lib/testing/index';

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

/** An upstream gradient (the chapter's `dx`): any sign, sometimes exactly 1 or 0. */
export const upstreamGradient: fc.Arbitrary<number> = fc.oneof(finiteIn(-1e3, 1e3), fc.constantFrom(1, -1, 0, 0.5));

/** The centred finite difference of `f` with respect to input `k` at `xs`: `(f(x + h) - f(x - h)) / 2h`. */
export function centredDifference(f: (xs: readonly number[]) => number, xs: readonly number[], k: number, step = 1e-6): number {
  const xk = xs[k]!;
  const h = step * Math.max(1, Math.abs(xk));
  const moved = (delta: number): number[] => xs.map((x, j) => (j === k ? xk + delta : x));
  return (f(moved(h)) - f(moved(-h))) / (2 * h);
}

/**
 * Registers the gate contract's specs under `describe(label)`: the toolkit's
 * {@link assertGateContract} at each arity, and a check that a fresh
 * instance gives bit for bit what a long-used one gives.
 *
 * @param makeGate - makes a fresh gate.
 */
export function describeGateContract(label: string, makeGate: () => Gate, options: GateContractOptions): void {
  const sample = makeGate();
  const arities = options.arities ?? [sample.arity.min];
  describe(`${label} (gate contract)`, () => {
    for (const n of arities) {
      it(`keeps the gate contract with ${String(n)} input${n === 1 ? '' : 's'}`, () => {
        assertGateContract(makeGate(), {
          arities: [n],
          values: options.value,
          ...(options.smooth === undefined ? {} : { domain: options.smooth }),
          edgePoints: options.edgePoints?.(n) ?? [],
          rtol: options.rtol ?? 1e-6,
          atol: options.atol ?? 1e-9,
          numRuns: options.numRuns ?? 100,
        });
      });
    }

    it('gives the same results from a fresh instance as from a reused one', () => {
      const shared = makeGate();
      fc.assert(
        fc.property(fc.constantFrom(...arities).chain((n) => fc.array(options.value, { minLength: n, maxLength: n })), upstreamGradient, (xs, u) => {
          fc.pre(options.smooth?.(xs) ?? true);
          const y = shared.forward(xs);
          const fresh = makeGate();
          expect(Object.is(fresh.forward(xs), y), `forward(${xs.join(', ')})`).to.equal(true);
          const g = shared.backward(xs, y, u);
          fresh.backward(xs, y, u).forEach((d, k) => expect(Object.is(d, g[k]), `gradient ${String(k)}`).to.equal(true));
        }),
        { numRuns: options.numRuns ?? 100 },
      );
    });
  });
}
