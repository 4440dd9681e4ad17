import * as E from 'fp-ts/Either';

/**
 * An input assignment was wrong: an input is missing, unknown, not a
 * number, or not finite. `input` names the (first) input concerned.
 *
 * @example
 * ```ts
 * const err: InputError = { _tag: 'InputError', input: 'b', message: 'input b is missing' };
 * ```
 */
export interface InputError {
  /** Discriminates the {@link CircuitError} union. */
  readonly _tag: 'InputError';
  /** The input the message is about (the first one, when several are wrong). */
  readonly input: string;
  /** What was wrong, naming every input concerned. */
  readonly message: string;
}

/**
 * A gate produced a non-finite value (`NaN` or `±Infinity`) in the forward
 * or backward pass, or a custom gate broke the {@link Gate} contract
 * (returned the wrong number of gradients, or not a number). Like PyTorch's
 * anomaly detection it names the gate and the wire where the problem first
 * appeared, e.g. `reciprocal gate on wire x3: input x2 = 0 gives Infinity`.
 *
 * @example
 * ```ts
 * const err: GateError = {
 *   _tag: 'GateError', pass: 'forward', gate: 'reciprocal', wire: 'x3',
 *   message: 'reciprocal gate on wire x3: input x2 = 0 gives Infinity',
 * };
 * ```
 */
export interface GateError {
  /** Discriminates the {@link CircuitError} union. */
  readonly _tag: 'GateError';
  /** Which pass the problem appeared in. */
  readonly pass: 'forward' | 'backward';
  /** The gate's {@link Gate.name}. */
  readonly gate: string;
  /** The name of the gate's output wire. */
  readonly wire: string;
  /** What happened, with the values involved. */
  readonly message: string;
}

/**
 * A circuit was put together wrongly: a gate given the wrong number of
 * inputs, a wire from another circuit, a name used twice or not valid, a
 * non-finite constant, or a bad upstream gradient. Reported where the
 * mistake is made.
 *
 * @example
 * ```ts
 * const err: CompositionError = { _tag: 'CompositionError', message: 'multiply gate takes 2 inputs, got 3' };
 * ```
 */
export interface CompositionError {
  /** Discriminates the {@link CircuitError} union. */
  readonly _tag: 'CompositionError';
  /** What was wrong and where. */
  readonly message: string;
  /**
   * From {@link Circuit.fromLayout}: the wire the mistake is about, when it
   * is about one (the message then reads `wire <wire>: <reason>`, the reason
   * being what the one-gate-at-a-time builders would have said).
   */
  readonly wire?: number;
}

/**
 * Everything that can go wrong when building or running a circuit, as a
 * value (`Either<CircuitError, A>`). Every variant has a readable `message`.
 *
 * @example
 * ```ts
 * const describe = (e: CircuitError): string => `${e._tag}: ${e.message}`;
 * ```
 */
export type CircuitError = InputError | GateError | CompositionError;

/**
 * The exception thrown by the throwing conveniences ({@link orThrow}, and
 * the {@link Circuit} gate helpers such as `mul`). It carries the
 * {@link CircuitError} value; its message is the error's message.
 *
 * @example
 * ```ts
 * try {
 *   orThrow(new Circuit().forward({ nope: 1 }));
 * } catch (e) {
 *   if (e instanceof CircuitException) console.log(e.error._tag); // 'InputError'
 * }
 * ```
 */
export class CircuitException extends Error {
  /** @param error - the error value being thrown. */
  constructor(readonly error: CircuitError) {
    super(error.message);
    this.name = 'CircuitException';
  }
}

/**
 * Unwraps a `Right`, or throws a {@link CircuitException} for a `Left`: the
 * throwing convenience for code that knows its inputs are valid.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const a = c.input('a');
 * c.mul(a, a);
 * orThrow(c.forward({ a: 3 })).output; // 9
 * ```
 */
export function orThrow<A>(result: E.Either<CircuitError, A>): A {
  if (E.isLeft(result)) throw new CircuitException(result.left);
  return result.right;
}

/** Formats a number for a message: `0`, `-2.5`, `1e-170`, `NaN`, `Infinity`. @internal */
export function show(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${String(value)}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return typeof value;
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
