import type { Arity, Gate, GateCode } from '../Gate';

/**
 * `x = a + b + c + ...`, any number of inputs (one or more) in one gate.
 * The local gradient is `1.0` for every input, so the gate routes the
 * upstream gradient unchanged to all of its inputs.
 *
 * ```
 * var x = a + b + c;
 * var da = 1.0 * dx; var db = 1.0 * dx; var dc = 1.0 * dx;
 * ```
 *
 * @example
 * ```ts
 * const add = new AddGate();
 * add.forward([1, 2, 3]);        // 6
 * add.backward([1, 2, 3], 6, 5); // [5, 5, 5]
 * ```
 */
export class AddGate implements Gate {
  /** The tag that identifies this gate kind, also its `type` in circuit files. */
  readonly _tag = 'AddGate' as const;
  /** {@inheritDoc Gate.name} */
  readonly name = 'add';
  /** One or more inputs. */
  readonly arity: Arity = { min: 1, max: Infinity };

  /** Returns the sum of the inputs, added left to right. */
  forward(inputs: readonly number[]): number {
    // start from the first input, not 0, so that -0 + -0 stays -0 as in `a + b`
    let sum = inputs[0] ?? 0;
    for (let k = 1; k < inputs.length; k++) sum += inputs[k] ?? NaN;
    return sum;
  }

  /** Returns `1.0 * dx` for every input. */
  backward(inputs: readonly number[], _x: number, dx: number): number[] {
    return inputs.map(() => 1.0 * dx);
  }

  /** `a + b + ...`; every gradient `1.0 * dx`. */
  readonly code: GateCode = {
    forward: (xs) => xs.join(' + '),
    backward: (xs, _x, dx) => xs.map(() => `1.0 * ${dx}`),
  };
}
