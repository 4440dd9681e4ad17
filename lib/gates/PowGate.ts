import { UNARY, type Arity, type Gate, type GateCode, arg } from '../Gate';
import { numberCode } from './ConstantGate';

/**
 * `x = Math.pow(a, k)` for a constant exponent `k`, with the power rule
 * `da = k * Math.pow(a, k - 1) * dx`. For `k = 2` this is the chapter's
 * `var dx2 = 2 * x2 * dx;`.
 *
 * Edge points: a power that is not a real number (`pow(-8, 1/3)` is
 * `NaN` in JavaScript) or not finite (`pow(0, -1)`) is reported by a circuit
 * as an error value naming the gate and wire, like every non-finite value.
 * `pow(0, 0.5)` is `0`, but its gradient is `Infinity`, reported the same way
 * by the backward pass.
 *
 * @example
 * ```ts
 * const square = new PowGate(2);
 * square.forward([3]);         // 9
 * square.backward([3], 9, 1);  // [6]
 * ```
 */
export class PowGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'PowGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'pow';
  /** Exactly one input. */
  readonly arity: Arity = UNARY;

  /** @param exponent - the constant `k`; it must be finite (checked when the gate is added to a circuit). */
  constructor(readonly exponent: number) {}

  /** Returns `Math.pow(a, k)`. */
  forward([a = NaN]: readonly number[]): number {
    return Math.pow(a, this.exponent);
  }

  /** Returns `[k * Math.pow(a, k - 1) * dx]` (and `[0]` when `k` is 0). */
  backward([a = NaN]: readonly number[], _x: number, dx: number): number[] {
    const k = this.exponent;
    return [k === 0 ? 0 : k * Math.pow(a, k - 1) * dx];
  }

  /** `Math.pow(a, k)`; gradient `k * Math.pow(a, k - 1) * dx` (`2 * a * dx` for squares). */
  get code(): GateCode {
    const k = this.exponent;
    return {
      forward: (xs) => `Math.pow(${arg(xs, 0)}, ${numberCode(k)})`,
      backward: (xs, _x, dx) => {
        const a = arg(xs, 0);
        if (k === 0) return ['0'];
        if (k === 1) return [`1 * ${dx}`];
        if (k === 2) return [`2 * ${a} * ${dx}`];
        return [`${numberCode(k)} * Math.pow(${a}, ${numberCode(k - 1)}) * ${dx}`];
      },
    };
  }
}
