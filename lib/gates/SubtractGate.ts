import { BINARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * `x = a - b`: local gradients `1.0` and `-1.0`.
 *
 * ```
 * var x = a - b;
 * var da = 1.0 * dx;
 * var db = -1.0 * dx;
 * ```
 *
 * @example
 * ```ts
 * const sub = new SubtractGate();
 * sub.forward([5, 3]);       // 2
 * sub.backward([5, 3], 2, 4); // [4, -4]
 * ```
 */
export class SubtractGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'SubtractGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'subtract';
  /** Exactly two inputs. */
  readonly arity: Arity = BINARY;

  /** Returns `a - b`. */
  forward([a = NaN, b = NaN]: readonly number[]): number {
    return a - b;
  }

  /** Returns `[1.0 * dx, -1.0 * dx]`. */
  backward(_inputs: readonly number[], _x: number, dx: number): number[] {
    return [1.0 * dx, -1.0 * dx];
  }

  /** `a - b`; gradients `1.0 * dx` and `-1.0 * dx`. */
  readonly code: GateCode = {
    forward: (xs) => `${arg(xs, 0)} - ${arg(xs, 1)}`,
    backward: (_xs, _x, dx) => [`1.0 * ${dx}`, `-1.0 * ${dx}`],
  };
}
