import { UNARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * The rectified linear unit, `x = Math.max(a, 0)`: passes its input
 * through when positive and stops it otherwise, in both directions.
 *
 * ```
 * var x = Math.max(a, 0);
 * var da = a > 0 ? 1.0 * dx : 0.0;
 * ```
 *
 * Edge point (a decision, tested): at exactly `a = 0` the gradient is `0`,
 * as in the chapter's `a > 0` (and in PyTorch and TensorFlow). The output
 * for `a = -0` is `+0`.
 *
 * @example
 * ```ts
 * const relu = new ReluGate();
 * relu.forward([-2]);       // 0
 * relu.backward([3], 3, 5); // [5]
 * relu.backward([0], 0, 5); // [0]
 * ```
 */
export class ReluGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'ReluGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'relu';
  /** Exactly one input. */
  readonly arity: Arity = UNARY;

  /** Returns `a` when `a > 0`, else `0`. */
  forward([a = NaN]: readonly number[]): number {
    return a > 0 ? a : a === a ? 0 : NaN;
  }

  /** Returns `[a > 0 ? 1.0 * dx : 0.0]`. */
  backward([a = NaN]: readonly number[], _x: number, dx: number): number[] {
    return [a > 0 ? 1.0 * dx : 0.0];
  }

  /** `Math.max(a, 0)`; gradient `a > 0 ? 1.0 * dx : 0.0`. */
  readonly code: GateCode = {
    forward: (xs) => `Math.max(${arg(xs, 0)}, 0)`,
    backward: (xs, _x, dx) => [`(${arg(xs, 0)} > 0 ? 1.0 * ${dx} : 0.0)`],
  };
}
