import * as E from 'fp-ts/Either';
import type { Circuit, Wire } from './Circuit';
import type { CircuitError } from './errors';
import type { InputAssignment } from './inputs';

/**
 * Options of {@link gradcheck}, with PyTorch's `gradcheck` defaults for
 * double precision.
 *
 * @example
 * ```ts
 * const strict: GradcheckOptions = { step: 1e-7, rtol: 1e-6, atol: 1e-9 };
 * ```
 */
export interface GradcheckOptions {
  /**
   * The finite-difference step, relative to the input's size: input `x` is
   * moved by `step * max(1, |x|)`. Default `1e-6`. Near a pole or the edge
   * of a gate's domain (`1/x` at `x = 1e-7`) the step can cross it: check
   * such points with a smaller step.
   */
  readonly step?: number;
  /** Relative tolerance. Default `1e-3`. */
  readonly rtol?: number;
  /** Absolute tolerance. Default `1e-5`. */
  readonly atol?: number;
  /** The wire to differentiate; default the circuit's last wire. */
  readonly output?: Wire;
}

/**
 * The verdict on one input's gradient:
 * - `pass`: analytic and numerical gradient agree within tolerance;
 * - `kink`: they disagree, but the function is not differentiable within one
 *   step of the point (the left and right slopes differ, as at ReLU's 0 or a
 *   max tie, and still differ at a tenth of the step, which a smooth
 *   function's would not) and the analytic value lies between those slopes,
 *   so it is a valid one-sided choice, not a bug;
 * - `fail`: they disagree and the point is not a kink: a wrong gradient.
 *
 * @example
 * ```ts
 * const failed = (s: CheckStatus): boolean => s === 'fail';
 * ```
 */
export type CheckStatus = 'pass' | 'kink' | 'fail';

/**
 * One input's line of a {@link GradcheckReport}.
 *
 * @example
 * ```ts
 * const line: InputCheck = {
 *   input: 'a', value: 2, analytic: 3, numeric: 3.0000000001, left: 3, right: 3,
 *   absError: 1e-10, relError: 3.3e-11, status: 'pass',
 * };
 * ```
 */
export interface InputCheck {
  /** The input's name. */
  readonly input: string;
  /** The input's value at the point. */
  readonly value: number;
  /** The gradient from the backward pass. */
  readonly analytic: number;
  /** The centred finite difference `(f(x + h) - f(x - h)) / 2h`. */
  readonly numeric: number;
  /** The one-sided slope `(f(x) - f(x - h)) / h`. */
  readonly left: number;
  /** The one-sided slope `(f(x + h) - f(x)) / h`. */
  readonly right: number;
  /** `|analytic - numeric|`. */
  readonly absError: number;
  /** `|analytic - numeric| / max(|analytic|, |numeric|)`, or 0 when both are 0. */
  readonly relError: number;
  /** The verdict; see {@link CheckStatus}. */
  readonly status: CheckStatus;
}

/**
 * The result of {@link gradcheck}: one {@link InputCheck} per input, and
 * `ok` when none failed (kinks do not fail the check; look at `kinks`).
 *
 * @example
 * ```ts
 * const summary = (r: GradcheckReport): string =>
 *   r.ok ? `all ${String(r.checks.length)} gradients agree` : 'a gradient is wrong';
 * ```
 */
export interface GradcheckReport {
  /** True when no input's status is `fail`. */
  readonly ok: boolean;
  /** True when some input's status is `kink`. */
  readonly kinks: boolean;
  /** The circuit's output value at the point. */
  readonly output: number;
  /** The step used, before scaling by `max(1, |x|)`. */
  readonly step: number;
  /** The relative tolerance used. */
  readonly rtol: number;
  /** The absolute tolerance used. */
  readonly atol: number;
  /** One line per input, in declaration order. */
  readonly checks: readonly InputCheck[];
}

/**
 * Compares the analytic gradient of `circuit` at `point` with centred finite
 * differences, input by input, like PyTorch's `gradcheck`: an input passes
 * when `|analytic - numeric| <= atol + rtol * |numeric|`.
 *
 * It is more careful than `gradcheck` at edge points: it also measures the
 * one-sided slopes, and where they differ (a ReLU at 0, a max tie) it
 * reports `kink` instead of `fail` if the analytic gradient lies between
 * them. Evaluating `f(x ± h)` can itself fail (a step onto `1/0`); that is a
 * `Left` saying which input was moved.
 *
 * Cost: two forward passes per input and one backward pass.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b);
 * const report = orThrow(gradcheck(c, { a: 2, b: 3 }));
 * report.ok;                 // true
 * report.checks[0].analytic; // 3
 * ```
 */
export function gradcheck(circuit: Circuit, point: InputAssignment, options: GradcheckOptions = {}): E.Either<CircuitError, GradcheckReport> {
  const step = options.step ?? 1e-6;
  const rtol = options.rtol ?? 1e-3;
  const atol = options.atol ?? 1e-5;
  const bad = ([['step', step, 'a positive finite number'], ['rtol', rtol, 'a finite number >= 0'], ['atol', atol, 'a finite number >= 0']] as const).find(
    ([name, x]) => typeof x !== 'number' || !Number.isFinite(x) || x < 0 || (name === 'step' && x === 0),
  );
  if (bad !== undefined) {
    return E.left({ _tag: 'CompositionError', message: `gradcheck option ${bad[0]} must be ${bad[2]}, got ${String(bad[1])}` });
  }
  const fwd = circuit.forward(point);
  if (E.isLeft(fwd)) return fwd;
  const out = options.output ?? circuit.output;
  if (out === undefined) return E.left({ _tag: 'CompositionError', message: 'gradcheck needs a circuit with at least one wire' });
  const bwd = circuit.backward(fwd.right, 1, out);
  if (E.isLeft(bwd)) return bwd;
  const names = circuit.inputNames;
  const x = Float64Array.from(names, (n) => point[n] ?? NaN);
  const f0 = fwd.right.value(out);
  const analytic = bwd.right.inputs();
  const checks: InputCheck[] = [];
  for (let k = 0; k < names.length; k++) {
    const name = names[k] ?? '';
    const xk = x[k] ?? NaN;
    const h = step * Math.max(1, Math.abs(xk));
    const at = (delta: number): E.Either<CircuitError, number> => {
      const moved = x.slice();
      moved[k] = xk + delta;
      const r = circuit.forwardArray(moved);
      if (E.isLeft(r)) {
        return E.left({ ...r.left, message: `numerical check, ${name} moved to ${String(xk + delta)}: ${r.left.message}` });
      }
      return E.right(r.right.value(out));
    };
    const plus = at(h);
    if (E.isLeft(plus)) return plus;
    const minus = at(-h);
    if (E.isLeft(minus)) return minus;
    const ana = analytic[name] ?? NaN;
    const numeric = (plus.right - minus.right) / (2 * h);
    const left = (f0 - minus.right) / h;
    const right = (plus.right - f0) / h;
    const line = judge({ input: name, value: xk, analytic: ana, numeric, left, right }, rtol, atol);
    if (line.status === 'kink') {
      // A kink's jump in slope stays as the step shrinks; a smooth function's
      // one-sided slopes differ by about f''(x) * h and close in. Look again at h / 10.
      const plus2 = at(h / 10);
      if (E.isLeft(plus2)) return plus2;
      const minus2 = at(-h / 10);
      if (E.isLeft(minus2)) return minus2;
      const gap = Math.abs((plus2.right - f0) / (h / 10) - (f0 - minus2.right) / (h / 10));
      checks.push(gap > 0.5 * Math.abs(right - left) ? line : { ...line, status: 'fail' });
    } else checks.push(line);
  }
  return E.right({
    ok: checks.every((c) => c.status !== 'fail'),
    kinks: checks.some((c) => c.status === 'kink'),
    output: f0,
    step,
    rtol,
    atol,
    checks,
  });
}

function judge(
  c: Pick<InputCheck, 'input' | 'value' | 'analytic' | 'numeric' | 'left' | 'right'>,
  rtol: number,
  atol: number,
): InputCheck {
  const absError = Math.abs(c.analytic - c.numeric);
  const scale = Math.max(Math.abs(c.analytic), Math.abs(c.numeric));
  const relError = scale === 0 ? 0 : absError / scale;
  const close = (p: number, q: number): boolean => Math.abs(p - q) <= atol + rtol * Math.abs(q);
  let status: CheckStatus;
  if (close(c.analytic, c.numeric)) status = 'pass';
  else {
    const lo = Math.min(c.left, c.right);
    const hi = Math.max(c.left, c.right);
    const slopesDiffer = !close(c.left, c.right);
    const tol = atol + rtol * Math.max(Math.abs(lo), Math.abs(hi));
    status = slopesDiffer && c.analytic >= lo - tol && c.analytic <= hi + tol ? 'kink' : 'fail';
  }
  return { ...c, absError, relError, status };
}
