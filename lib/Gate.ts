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
  /** Optionally, the gate's math as code, for printed and compiled circuits; see {@link GateCode}. */
  readonly code?: GateCode;
}

/**
 * A gate's math as code: JavaScript expressions (also valid TypeScript) for
 * the forward pass and for each input's gradient contribution, written in
 * terms of the expressions for the inputs, the output and the upstream
 * gradient. The code printer uses it to write the chapter's backprop code
 * (`var da = b * dx;`), and the compiler to generate straight-line code, so
 * the printed and the executed code cannot differ. Expressions may call
 * `sig(q)` (the library's {@link sigmoid}) and `Math` functions.
 *
 * A gate without `code` still works everywhere; compiled code calls its
 * `forward` and `backward` methods instead.
 *
 * @example
 * ```ts
 * // the code of the multiply gate: x = a * b, da = b * dx, db = a * dx
 * const code: GateCode = {
 *   forward: ([a, b]) => `${a} * ${b}`,
 *   backward: ([a, b], _x, dx) => [`${b} * ${dx}`, `${a} * ${dx}`],
 * };
 * ```
 */
export interface GateCode {
  /**
   * The expression for the output.
   * @param inputs - the expressions for the input values, e.g. `['a', 'b']`.
   */
  forward(inputs: readonly string[]): string;
  /**
   * One expression per input: that input's gradient contribution, the local
   * gradient times the upstream gradient, e.g. `['b * dx', 'a * dx']`.
   * @param inputs - the expressions for the input values.
   * @param output - the expression for the gate's output value.
   * @param upstream - the expression for the gradient on the output.
   */
  backward(inputs: readonly string[], output: string, upstream: string): readonly string[];
}

/** The k-th input expression of a code template. @internal */
export function arg(inputs: readonly string[], k: number): string {
  return inputs[k] ?? 'undefined';
}

/** The arity of a gate that takes exactly one input. @internal */
export const UNARY: Arity = { min: 1, max: 1 };
/** The arity of a gate that takes exactly two inputs. @internal */
export const BINARY: Arity = { min: 2, max: 2 };
