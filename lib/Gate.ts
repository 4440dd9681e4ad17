/**
 * How many inputs a gate takes: at least `min`, at most `max`
 * (`Infinity` for gates such as {@link AddGate} that take any number).
 *
 * @example
 * ```ts
 * const binary: Arity = { min: 2, max: 2 };
 * ```
 */
export interface Arity {
  /** The fewest inputs the gate accepts. */
  readonly min: number;
  /** The most inputs the gate accepts; `Infinity` when there is no limit. */
  readonly max: number;
}

/**
 * A gate: one node of a circuit. It computes its output from its inputs
 * (`forward`) and, given the gradient on its output from above (the chapter's
 * `dx`, passed explicitly as `upstream`), the gradient on each of its inputs
 * (`backward`): local gradient times upstream gradient, the chain rule.
 *
 * A gate must be stateless: `forward` and `backward` depend only on their
 * arguments, so one gate instance can appear at many places in a circuit and
 * in many circuits. Implement this interface to add your own gate; it then
 * works everywhere a built-in gate does (circuits, gradient checks, docs).
 *
 * @example
 * ```ts
 * class TanhGate implements Gate {
 *   readonly name = 'tanh';
 *   readonly arity = { min: 1, max: 1 };
 *   forward(inputs: readonly number[]): number {
 *     return Math.tanh(inputs[0] ?? NaN);
 *   }
 *   // d tanh(a) / da = 1 - tanh(a)^2, and tanh(a) is the output y
 *   backward(_inputs: readonly number[], y: number, dy: number): number[] {
 *     return [(1 - y * y) * dy];
 *   }
 * }
 * ```
 */
export interface Gate {
  /** A short lower-case name, used in messages and printed code, e.g. `'multiply'`. */
  readonly name: string;
  /** How many inputs the gate takes. */
  readonly arity: Arity;
  /**
   * The forward pass: the gate's output for these inputs.
   *
   * @param inputs - the values on the input wires, in order.
   */
  forward(inputs: readonly number[]): number;
  /**
   * The backward pass: the gradient on each input, given the gradient on the
   * output. Returns one number per input, `local gradient * upstream`; when a
   * wire feeds several inputs the circuit adds the contributions up.
   *
   * @param inputs - the values on the input wires, as in `forward`.
   * @param output - the value `forward` returned for these inputs.
   * @param upstream - the gradient on the output wire, from above (the chapter's `dx`).
   */
  backward(inputs: readonly number[], output: number, upstream: number): readonly number[];
}

/** The arity of a gate that takes exactly one input. @internal */
export const UNARY: Arity = { min: 1, max: 1 };
/** The arity of a gate that takes exactly two inputs. @internal */
export const BINARY: Arity = { min: 2, max: 2 };
