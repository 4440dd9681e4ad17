import type { Arity, Gate, GateCode } from '../Gate';

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

  /** Returns the constant (a constant has no inputs, so `_inputs` is empty). */
  forward(_inputs: readonly number[] = []): number {
    return this.value;
  }

  /** Returns `[]`: a constant has no inputs. */
  backward(_inputs: readonly number[] = [], _output = 0, _upstream = 0): number[] {
    return [];
  }

  /** The constant itself; no gradients. */
  get code(): GateCode {
    const text = numberCode(this.value);
    return { forward: () => text, backward: () => [] };
  }
}

/** A finite number as a JavaScript literal that reads back exactly (`-0` stays `-0`). @internal */
export function numberCode(x: number): string {
  if (Object.is(x, -0)) return '-0';
  return x < 0 ? `(${String(x)})` : String(x);
}
