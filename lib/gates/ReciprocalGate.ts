import { UNARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * `x = 1.0 / a`. The chapter gives its local gradient as `-1.0/(a*a)`;
 * as for every gate, the gradient passed on is that times the upstream
 * gradient (the chapter's `var da = -1.0/(a*a);` leaves out the `* dx`).
 *
 * ```
 * var x = 1.0 / a;
 * var da = (-1.0 / (a * a)) * dx;
 * ```
 *
 * Edge point (a decision, tested): `1/0` is not passed on as `Infinity`.
 * A circuit reports it as an error value naming this gate and its wire, e.g.
 * `reciprocal gate on wire x3: input x2 = 0 gives Infinity`. The gate
 * itself follows IEEE arithmetic, so calling it directly gives `Infinity`.
 *
 * @example
 * ```ts
 * const inv = new ReciprocalGate();
 * inv.forward([4]);            // 0.25
 * inv.backward([4], 0.25, 1);  // [-0.0625]
 * ```
 */
export class ReciprocalGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'ReciprocalGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'reciprocal';
  /** Exactly one input. */
  readonly arity: Arity = UNARY;

  /** Returns `1.0 / a`. */
  forward([a = NaN]: readonly number[]): number {
    return 1.0 / a;
  }

  /** Returns `[(-1.0 / (a * a)) * dx]`. */
  backward([a = NaN]: readonly number[], _x: number, dx: number): number[] {
    return [(-1.0 / (a * a)) * dx];
  }

  /** `1.0 / a`; gradient `(-1.0 / (a * a)) * dx`. */
  readonly code: GateCode = {
    forward: (xs) => `1.0 / ${arg(xs, 0)}`,
    backward: (xs, _x, dx) => [`(-1.0 / (${arg(xs, 0)} * ${arg(xs, 0)})) * ${dx}`],
  };
}
