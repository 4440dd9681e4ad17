import { UNARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * `x = -a`: local gradient `-1.0`.
 *
 * @example
 * ```ts
 * const neg = new NegateGate();
 * neg.forward([3]);         // -3
 * neg.backward([3], -3, 2); // [-2]
 * ```
 */
export class NegateGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'NegateGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'negate';
  /** Exactly one input. */
  readonly arity: Arity = UNARY;

  /** Returns `-a`. */
  forward([a = NaN]: readonly number[]): number {
    return -a;
  }

  /** Returns `[-1.0 * dx]`. */
  backward(_inputs: readonly number[], _x: number, dx: number): number[] {
    return [-1.0 * dx];
  }

  /** `-a`; gradient `-1.0 * dx`. */
  readonly code: GateCode = {
    forward: (xs) => `-${arg(xs, 0)}`,
    backward: (_xs, _x, dx) => [`-1.0 * ${dx}`],
  };
}
