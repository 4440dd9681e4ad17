// Shared assertions and arbitraries for the chapter specs (not a spec itself).
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { gradcheck, type Backward, type Circuit, type CircuitError, type GradcheckOptions, type GradcheckReport, type InputAssignment } from '../../lib/index';

/** Relative tolerance for comparing a gradient with the chapter's closed form. */
export const REL = 1e-12;

/** Asserts `actual` equals `expected` to a relative tolerance (exactly, for 0). */
export function expectClose(actual: number, expected: number, what = '', rel = REL): void {
  expect(actual, what).to.be.closeTo(expected, rel * Math.abs(expected) + 1e-300);
}

/** Asserts every named value of `actual` against `expected` (same keys, each close). */
export function expectAllClose(actual: Readonly<Record<string, number>>, expected: Readonly<Record<string, number>>, rel = REL): void {
  expect(Object.keys(actual).sort()).to.deep.equal(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) expectClose(actual[k]!, v, k, rel);
}

/** The `Right` of an Either, failing the test with the error message on a `Left`. */
export function right<A>(r: E.Either<CircuitError, A>): A {
  if (E.isLeft(r)) expect.fail(`expected a Right, got Left: ${r.left.message}`);
  return r.right;
}

/** Forward then backward with upstream gradient `dx` on the output (the chapter's `dx`). */
export function backprop(circuit: Circuit, point: InputAssignment, dx = 1): Backward {
  return right(circuit.backward(right(circuit.forward(point)), dx));
}

/** The `Left` of an Either, failing the test on a `Right`. */
export function left<A>(r: E.Either<CircuitError, A>): CircuitError {
  if (E.isRight(r)) expect.fail('expected a Left, got a Right');
  return r.left;
}

/**
 * Runs `gradcheck` and asserts every input passes (no kink), that the report
 * lists the circuit's inputs in order, and that each analytic gradient is the
 * closed form `expected` (the numeric one agrees to 1e-6 relative).
 */
export function expectGradcheckPasses(
  circuit: Circuit,
  point: InputAssignment,
  expected: Readonly<Record<string, number>>,
  options: GradcheckOptions = {},
): GradcheckReport {
  const report = right(gradcheck(circuit, point, options));
  expect(report.checks.map((c) => c.input)).to.deep.equal(circuit.inputNames);
  for (const check of report.checks) {
    expect(check.status, `status of ${check.input}`).to.equal('pass');
    expectClose(check.analytic, expected[check.input]!, `analytic ${check.input}`);
    expect(check.numeric, `numeric ${check.input}`).to.be.closeTo(expected[check.input]!, 1e-6 * Math.max(1, Math.abs(expected[check.input]!)));
  }
  expect(report.ok).to.equal(true);
  expect(report.kinks).to.equal(false);
  return report;
}

/** A double in [min, max], never NaN or infinite. */
export const num = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A double with `lo <= |x| <= hi`, of either sign: keeps away from 0 (kinks, 1/0). */
export const awayFromZero = (lo: number, hi: number): fc.Arbitrary<number> =>
  fc.tuple(num(lo, hi), fc.boolean()).map(([m, negative]) => (negative ? -m : m));

/** An upstream gradient: any moderate value, including 0 and negatives. */
export const upstream = num(-10, 10);
