import type { Arity, Gate } from '../Gate';

/**
 * A constant such as the `1.0` in `1.0 / a`: a gate with no inputs whose
 * output is always `value`. Its gradient is computed like any wire's, but
 * it has no inputs to pass it on to.
 *
 * @example
 * ```ts
 * const one = new ConstantGate(1);
 * one.forward([]);        // 1
 * one.backward([], 1, 7); // []
 * ```
 */
export class ConstantGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'ConstantGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'constant';
  /** No inputs. */
  readonly arity: Arity = { min: 0, max: 0 };

  /**
   * @param value - the constant; it must be finite (the circuit checks this
   * when the gate is added).
   */
  constructor(readonly value: number) {}

  /** Returns the constant. */
  forward(): number {
    return this.value;
  }

  /** Returns `[]`: a constant has no inputs. */
  backward(): number[] {
    return [];
  }
}
