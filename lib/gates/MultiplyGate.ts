import { BINARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * `x = a * b`. In the backward pass it is a *switcher*: each input's
 * gradient is the other input's value times the upstream gradient.
 *
 * ```
 * var x = a * b;
 * var da = b * dx;
 * var db = a * dx;
 * ```
 *
 * @example
 * ```ts
 * const mul = new MultiplyGate();
 * mul.forward([3, -4]);          // -12
 * mul.backward([3, -4], -12, 2); // [-8, 6]
 * ```
 */
export class MultiplyGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'MultiplyGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'multiply';
  /** Exactly two inputs. */
  readonly arity: Arity = BINARY;

  /** Returns `a * b`. */
  forward([a = NaN, b = NaN]: readonly number[]): number {
    return a * b;
  }

  /** Returns `[b * dx, a * dx]`. */
  backward([a = NaN, b = NaN]: readonly number[], _x: number, dx: number): number[] {
    return [b * dx, a * dx];
  }

  /** `a * b`; gradients `b * dx` and `a * dx`. */
  readonly code: GateCode = {
    forward: (xs) => `${arg(xs, 0)} * ${arg(xs, 1)}`,
    backward: (xs, _x, dx) => [`${arg(xs, 1)} * ${dx}`, `${arg(xs, 0)} * ${dx}`],
  };
}
