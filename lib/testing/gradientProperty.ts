import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, formatGradcheck, gradcheck, type GradcheckReport } from '../index';
import type { CircuitOptions } from './circuitArbitrary';
import { indent } from './circuitArbitrary';
import { formatCircuit, formatPoint } from './formatCircuit';
import { CircuitAtPoint, circuitAtPointArbitrary, pointArbitrary, type PointOptions } from './pointArbitrary';

/**
 * Options of {@link gradientProperty} and {@link checkGradients}: the
 * tolerances of the comparison (as in `gradcheck`: an input passes when
 * `|analytic - numeric| <= atol + rtol * |numeric|`), and where points come
 * from.
 *
 * @example
 * ```ts
 * const tight: GradientCheckOptions = { rtol: 1e-6, atol: 1e-9, values: fc.double({ min: -1, max: 1, noNaN: true }) };
 * ```
 */
export interface GradientCheckOptions extends PointOptions {
  /** Relative tolerance. Default `1e-4`. */
  readonly rtol?: number;
  /** Absolute tolerance. Default `1e-6`. */
  readonly atol?: number;
}

/**
 * Thrown when a circuit's analytic gradient disagrees with finite
 * differences at a well-conditioned point. The message shows the circuit as
 * the chapter's code, the point, and each input's analytic and numerical
 * gradient side by side.
 *
 * @example
 * ```ts
 * try {
 *   checkGradients(c, { a: 0 });
 * } catch (e) {
 *   if (e instanceof GradientMismatch) console.log(e.report.checks[0].numeric);
 * }
 * ```
 */
export class GradientMismatch extends Error {
  /**
   * @param at - the circuit and point.
   * @param report - the `gradcheck` report that failed.
   */
  constructor(
    /** The circuit and the point where it failed. */
    readonly at: CircuitAtPoint,
    /** The gradient check, one line per input. */
    readonly report: GradcheckReport,
  ) {
    super(
      [
        'the analytic gradient disagrees with finite differences',
        indent(formatCircuit(at.circuit, at.output)),
        `at ${formatPoint(at.point)}:`,
        indent(formatGradcheck(report)),
        ...(report.kinks
          ? ['a kink at a well-conditioned point is the edge of a gate the checker does not know: give that gate a domain (CustomGateChoice.domain or options.domain)']
          : []),
      ].join('\n'),
    );
    this.name = 'GradientMismatch';
  }
}

/**
 * Checks one circuit at one point: runs `gradcheck` and throws a
 * {@link GradientMismatch} unless every input's status is `pass` (at a
 * well-conditioned point a kink is a failure too). Throws an `Error` with
 * the circuit's own message if the circuit cannot be evaluated there.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * c.sigmoid(c.input('q'), 'f');
 * checkGradients(c, { q: 0.5 }); // passes
 * ```
 */
export function checkGradients(circuit: Circuit | CircuitAtPoint, point?: Readonly<Record<string, number>>, options: GradientCheckOptions = {}): true {
  const at = circuit instanceof CircuitAtPoint ? circuit : new CircuitAtPoint(circuit, point ?? {}, options.output);
  const report = gradcheck(at.circuit, at.point, {
    output: at.output,
    step: options.step ?? 1e-6,
    rtol: options.rtol ?? 1e-4,
    atol: options.atol ?? 1e-6,
  });
  if (E.isLeft(report)) {
    throw new Error(`the circuit cannot be checked at ${formatPoint(at.point)}: ${report.left.message}\n${indent(formatCircuit(at.circuit, at.output))}`);
  }
  if (!report.right.checks.every((k) => k.status === 'pass')) throw new GradientMismatch(at, report.right);
  return true;
}

/**
 * The property "the analytic gradient equals the finite-difference
 * gradient at every well-conditioned point", for `fc.assert`: for one
 * circuit of yours (random points), or for random circuits made from
 * {@link CircuitOptions} (random circuits and points). A failure shrinks to
 * the smallest circuit and simplest point that still fail, and reads as a
 * {@link GradientMismatch}: the circuit as the chapter's code, the point,
 * and analytic against numerical gradients.
 *
 * The default tolerances (`rtol` 1e-4, `atol` 1e-6) are tighter than
 * `gradcheck`'s because the points are well-conditioned.
 *
 * @param target - your circuit, or the options of random circuits (default: every built-in gate).
 * @param options - tolerances, and where points come from.
 *
 * @example
 * ```ts
 * // your circuit, at random points
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.applyOrThrow(new TanhGate(), [c.mul(a, b)]);
 * fc.assert(gradientProperty(c));
 *
 * // random circuits of built-in gates and yours, 1000 of them
 * fc.assert(gradientProperty({ gates: ['mul', 'add', 'relu', new TanhGate()] }), { numRuns: 1000 });
 * ```
 */
export function gradientProperty(target: Circuit | CircuitOptions = {}, options: GradientCheckOptions = {}): fc.IPropertyWithHooks<[CircuitAtPoint]> {
  const cases: fc.Arbitrary<CircuitAtPoint> =
    target instanceof Circuit
      ? pointArbitrary(target, options).map((p) => new CircuitAtPoint(target, p, options.output))
      : circuitAtPointArbitrary({ ...target, ...options });
  return fc.property(cases, (at) => checkGradients(at, undefined, options));
}
