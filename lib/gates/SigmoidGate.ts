import { UNARY, arg, type Arity, type Gate, type GateCode } from '../Gate';

/**
 * The logistic sigmoid `sig(q) = 1 / (1 + exp(-q))`, computed so that it
 * never overflows: for `q < 0` it uses the equal form `exp(q) / (1 + exp(q))`.
 *
 * @example
 * ```ts
 * sigmoid(0);     // 0.5
 * sigmoid(1000);  // 1
 * sigmoid(-1000); // 0
 * ```
 */
export function sigmoid(q: number): number {
  if (q >= 0) return 1 / (1 + Math.exp(-q));
  const e = Math.exp(q);
  return e / (1 + e);
}

/**
 * `f = sig(q)`, the neuron's squashing function. The local gradient is the
 * chapter's `f * (1 - f)`, using the output `f` the forward pass computed.
 *
 * ```
 * var f = sig(q);
 * var dq = (f * (1 - f)) * df;
 * ```
 *
 * Edge points (a decision, tested): the gate stays finite and exact for
 * large arguments. `sig(1000)` is `1` and `sig(-1000)` is `0` with no
 * overflow, and their gradients are `0`, not `NaN`. Where `f` rounds to 1
 * (`q` above about 37) the chapter's `1 - f` would cancel to 0, so for
 * `q >= 1` the factor `1 - f` is computed as `sig(-q)` instead, which
 * keeps the gradient's relative accuracy (`sig'(40)` is `4.2e-18`, not 0).
 * Below 1 the subtraction `1 - f` is exact (`f` is within a factor 2 of 1)
 * and its result is at least 0.27, so it carries under one unit in the last
 * place of error, less than `sig(-q)` would, with no second `exp`.
 *
 * @example
 * ```ts
 * const sig = new SigmoidGate();
 * sig.forward([0]);           // 0.5
 * sig.backward([0], 0.5, 1);  // [0.25]
 * ```
 */
export class SigmoidGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'SigmoidGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'sigmoid';
  /** Exactly one input. */
  readonly arity: Arity = UNARY;

  /** Returns `sig(q)`. */
  forward([q = NaN]: readonly number[]): number {
    return sigmoid(q);
  }

  /** Returns `[(f * (1 - f)) * df]`, with `1 - f` as `sig(-q)` for `q >= 1`. */
  backward([q = NaN]: readonly number[], f: number, df: number): number[] {
    return [f * (q >= 1 ? sigmoid(-q) : 1 - f) * df];
  }

  /** `sig(q)`; gradient `(f * (q >= 1 ? sig(-q) : 1 - f)) * df`. */
  readonly code: GateCode = {
    forward: (xs) => `sig(${arg(xs, 0)})`,
    backward: (xs, f, df) => [`(${f} * (${arg(xs, 0)} >= 1 ? sig(-${arg(xs, 0)}) : 1 - ${f})) * ${df}`],
  };
}
