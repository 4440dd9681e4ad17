import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { show, type InputError } from './errors';

/**
 * The values of a circuit's inputs, by name: `{ a: 1, b: 2 }`.
 *
 * @example
 * ```ts
 * const point: InputAssignment = { a: -2, b: 5, c: -4 };
 * ```
 */
export type InputAssignment = Readonly<Record<string, number>>;

/**
 * The io-ts brand that marks a number checked to be finite.
 *
 * @example
 * ```ts
 * const x = 2 as t.Branded<number, FiniteBrand>;
 * ```
 */
export interface FiniteBrand {
  /** The brand's marker; never present at run time. */
  readonly Finite: unique symbol;
}

/**
 * An io-ts codec for a finite number: rejects `NaN`, `Infinity`, `-Infinity`
 * and anything that is not a number.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/Either';
 * isRight(FiniteNumber.decode(2.5));      // true
 * isRight(FiniteNumber.decode(Infinity)); // false
 * ```
 */
export const FiniteNumber = t.brand(
  t.number,
  (n): n is t.Branded<number, FiniteBrand> => Number.isFinite(n),
  'Finite',
);

/**
 * Builds the io-ts codec for the input assignments of a circuit whose inputs
 * are `names`: an object with exactly those keys, each a finite number.
 * Every failure's message names the input: `input b is missing`,
 * `input z is unknown (the inputs are a, b)`,
 * `input a must be a finite number, got "2"`,
 * `input a must be a finite number, got NaN`.
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/Either';
 * const codec = inputAssignmentCodec(['a', 'b']);
 * isLeft(codec.decode({ a: 1 })); // true: input b is missing
 * ```
 */
export function inputAssignmentCodec(names: readonly string[]): t.Type<InputAssignment, InputAssignment> {
  const known = new Set(names);
  const expected = names.length === 0 ? 'the circuit has no inputs' : `the inputs are ${names.join(', ')}`;
  return new t.Type<InputAssignment, InputAssignment, unknown>(
    `InputAssignment(${names.join(', ')})`,
    (u): u is InputAssignment =>
      typeof u === 'object' && u !== null && !Array.isArray(u) &&
      Object.keys(u).every((k) => known.has(k)) &&
      names.every((n) => FiniteNumber.is((u as Record<string, unknown>)[n])),
    (u, context) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) {
        return t.failure(u, context, `input values must be an object such as { ${names.map((n) => `${n}: 1`).join(', ')} }, got ${show(u)}`);
      }
      const record = u as Record<string, unknown>;
      const errors: t.Errors = [];
      for (const name of names) {
        const c = t.appendContext(context, name, FiniteNumber, record[name]);
        if (!Object.prototype.hasOwnProperty.call(record, name) || record[name] === undefined) {
          errors.push({ value: undefined, context: c, message: `input ${name} is missing` });
        } else if (!FiniteNumber.is(record[name])) {
          errors.push({ value: record[name], context: c, message: `input ${name} must be a finite number, got ${show(record[name])}` });
        }
      }
      for (const key of Object.keys(record)) {
        if (!known.has(key)) {
          errors.push({
            value: record[key],
            context: t.appendContext(context, key, t.never, record[key]),
            message: `input ${key} is unknown (${expected})`,
          });
        }
      }
      return errors.length > 0 ? t.failures(errors) : t.success(record as InputAssignment);
    },
    t.identity,
  );
}

/**
 * Decodes an untrusted input assignment (parsed JSON, command-line values)
 * for a circuit with inputs `names`. The `Left` is an {@link InputError}
 * whose message names every offending input, joined with `; `.
 *
 * @example
 * ```ts
 * decodeInputs(['a', 'b'], { a: 1, b: NaN });
 * // Left: input b must be a finite number, got NaN
 * ```
 */
export function decodeInputs(names: readonly string[], u: unknown): E.Either<InputError, InputAssignment> {
  return E.mapLeft((errors: t.Errors): InputError => {
    const first = errors[0]?.context[1]?.key ?? '';
    return {
      _tag: 'InputError',
      input: first,
      message: errors.map((e) => e.message ?? 'invalid input').join('; '),
    };
  })(inputAssignmentCodec(names).decode(u));
}
