import type { Arity, Gate, GateCode } from '../Gate';

/**
 * `x = Math.max(a, b, ...)`, two or more inputs. The backward pass routes
 * the upstream gradient to the input that was largest; the others get 0.
 *
 * Edge point (a decision, tested): when several inputs tie for the
 * maximum, the upstream gradient is **split evenly** among them, as in
 * PyTorch and JAX, so the gradients still add up to `dx`. The chapter's
 * literal code (`da = a === x ? 1.0 * dx : 0.0` for every input) would give
 * the full `dx` to each tied input and double it. `max(a, a)` therefore
 * has gradient `1` with respect to `a`, as the function `a` does.
 *
 * @example
 * ```ts
 * const max = new MaxGate();
 * max.forward([2, 7]);          // 7
 * max.backward([2, 7], 7, 1);   // [0, 1]
 * max.backward([7, 7], 7, 1);   // [0.5, 0.5]
 * ```
 */
export class MaxGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'MaxGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'max';
  /** Two or more inputs. */
  readonly arity: Arity = { min: 2, max: Infinity };

  /** Returns the largest input (`NaN` if any input is `NaN`). */
  forward(inputs: readonly number[]): number {
    // pairwise Math.max, so NaN and signed zeros behave as in Math.max(a, b, ...)
    let m = -Infinity;
    for (const x of inputs) m = Math.max(m, x);
    return m;
  }

  /** Returns `dx / ties` for each input equal to the output `x`, and `0` for the others. */
  backward(inputs: readonly number[], x: number, dx: number): number[] {
    let ties = 0;
    for (const a of inputs) if (a === x) ties++;
    return inputs.map((a) => (a === x ? dx / ties : 0.0));
  }

  /**
   * `Math.max(a, b, ...)`; gradient `a === x ? dx / ties : 0.0` for each
   * input, where `ties` counts the inputs equal to `x`.
   */
  readonly code: GateCode = {
    forward: (xs) => `Math.max(${xs.join(', ')})`,
    backward: (xs, x, dx) => {
      const ties = xs.map((a) => `(${a} === ${x} ? 1 : 0)`).join(' + ');
      return xs.map((a) => `(${a} === ${x} ? ${dx} / (${ties}) : 0.0)`);
    },
  };
}
