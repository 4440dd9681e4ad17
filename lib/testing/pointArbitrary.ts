import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import type { Circuit, Gate, InputAssignment, Wire } from '../index';
import { RandomCircuit, build, indent, recipeArbitrary, type CircuitOptions } from './circuitArbitrary';
import { isWellConditionedPass, type ConditioningOptions } from './conditioning';
import { formatCircuit, formatPoint } from './formatCircuit';

/**
 * Where random points come from, and what makes them well-conditioned.
 *
 * @example
 * ```ts
 * const wide: PointOptions = { values: fc.double({ min: -10, max: 10, noNaN: true }), margin: 1e-2 };
 * ```
 */
export interface PointOptions extends ConditioningOptions {
  /**
   * The value of each input; default a multiple of `1e-4` in `[-2, 2]`,
   * spread evenly (a plain `fc.double` puts most of its values near 0), which
   * shrinks towards 0 and reads well in a message.
   */
  readonly values?: fc.Arbitrary<number>;
}

/** Multiples of `step` in `[min, max]`, evenly spread, shrinking towards 0. @internal */
export function grid(min: number, max: number, step: number): fc.Arbitrary<number> {
  return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => (k === 0 ? 0 : Number((k * step).toPrecision(12))));
}

/** The default input values: multiples of 1e-4 in [-2, 2]. @internal */
export const DEFAULT_VALUES: fc.Arbitrary<number> = grid(-2, 2, 1e-4);

/**
 * A circuit together with a point to evaluate it at and the wire to
 * differentiate: what {@link circuitAtPointArbitrary} makes and
 * {@link gradientProperty} checks. fast-check prints it as the chapter's
 * code followed by the point.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * c.mul(c.input('a'), c.input('b'), 'x');
 * String(new CircuitAtPoint(c, { a: 2, b: 3 })); // 'var x = a * b;\nat a = 2, b = 3'
 * ```
 */
export class CircuitAtPoint {
  /** The wire to differentiate. */
  readonly output: Wire;

  /**
   * @param circuit - the circuit.
   * @param point - a value for each of its inputs.
   * @param output - the wire to differentiate; default the last wire.
   */
  constructor(
    /** The circuit. */
    readonly circuit: Circuit,
    /** A value for each of the circuit's inputs. */
    readonly point: InputAssignment,
    output?: Wire,
  ) {
    const last = output ?? circuit.output;
    if (last === undefined) throw new RangeError('CircuitAtPoint needs a circuit with at least one wire');
    this.output = last;
  }

  /** The circuit as the chapter's code, then `at a = ..., b = ...`. */
  toString(): string {
    return `${formatCircuit(this.circuit, this.output)}\nat ${formatPoint(this.point)}`;
  }

  /** How fast-check prints it in a counterexample. */
  [fc.toStringMethod](): string {
    return `\n${indent(this.toString())}\n`;
  }
}

/** How many points to try, when an arbitrary is made, before deciding none is well-conditioned. */
const PROBES = 200;

/** Checks that `arb` yields something in its first draws, instead of letting `filter` spin forever. @internal */
function probe<T>(arb: fc.Arbitrary<T>, accept: (t: T) => boolean, what: () => string): void {
  const samples = fc.sample(arb, { numRuns: PROBES, seed: 42 });
  if (!samples.some(accept)) {
    throw new RangeError(`no well-conditioned point found in ${String(PROBES)} tries for ${what()}: widen options.values or loosen the conditioning options`);
  }
}

/** The conditioning options with a circuit's custom gate domains merged in. */
function withDomains(options: ConditioningOptions, rc: RandomCircuit | undefined, output: Wire): ConditioningOptions {
  const own = options.domain;
  const domain = (gate: Gate, inputs: readonly number[]): boolean => (rc?.domain(gate, inputs) ?? true) && (own?.(gate, inputs) ?? true);
  return { ...options, domain, output };
}

/** The point's forward pass is well-conditioned. */
function conditioned(circuit: Circuit, xs: readonly number[], options: ConditioningOptions): boolean {
  const fwd = circuit.forwardArray(xs);
  return E.isRight(fwd) && isWellConditionedPass(fwd.right, options);
}

const toPoint = (circuit: Circuit, xs: readonly number[]): InputAssignment =>
  Object.fromEntries(circuit.inputNames.map((n, k) => [n, xs[k] ?? NaN]));

/**
 * A fast-check arbitrary of points (input assignments) where `circuit` is
 * well-conditioned for a finite-difference check (see
 * {@link isWellConditioned}): away from ReLU and max kinks, ties, and
 * `1/x` near 0. Values come from `options.values`, and shrink towards 0 as
 * far as the conditions allow.
 *
 * Throws a `RangeError` at once if none of the first 200 points is
 * well-conditioned (`relu(a - a)` has none), instead of searching forever.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.max([c.relu(a), b]);
 * fc.assert(fc.property(pointArbitrary(c), (p) => orThrow(gradcheck(c, p)).ok));
 * ```
 */
export function pointArbitrary(circuit: Circuit | RandomCircuit, options: PointOptions = {}): fc.Arbitrary<InputAssignment> {
  const rc = circuit instanceof RandomCircuit ? circuit : undefined;
  const c = rc?.circuit ?? (circuit as Circuit);
  const output = options.output ?? rc?.output ?? c.output;
  if (output === undefined) throw new RangeError('pointArbitrary needs a circuit with at least one wire');
  const conditions = withDomains(options, rc, output);
  const n = c.inputNames.length;
  const values = fc.array(options.values ?? DEFAULT_VALUES, { minLength: n, maxLength: n });
  const accept = (xs: readonly number[]): boolean => conditioned(c, xs, conditions);
  probe(values, accept, () => `\n${indent(formatCircuit(c, output))}\n`);
  return values.filter(accept).map((xs) => toPoint(c, xs));
}

/**
 * A fast-check arbitrary of random circuits (as {@link circuitArbitrary})
 * each with a well-conditioned point (as {@link pointArbitrary}): the
 * input of {@link gradientProperty}. Circuit and point shrink together, so a
 * failure ends at a small circuit at a simple point.
 *
 * @example
 * ```ts
 * fc.assert(
 *   fc.property(circuitAtPointArbitrary({ gates: ['mul', 'relu', 'max'] }), ({ circuit, point, output }) => {
 *     return orThrow(gradcheck(circuit, point, { output })).ok;
 *   }),
 * );
 * ```
 */
export function circuitAtPointArbitrary(options: CircuitOptions & PointOptions = {}): fc.Arbitrary<CircuitAtPoint> {
  const { recipe, kinds, maxInputs } = recipeArbitrary(options);
  const values = fc.array(options.values ?? DEFAULT_VALUES, { minLength: maxInputs, maxLength: maxInputs });
  const pairs = fc.tuple(recipe, values);
  const make = ([r, xs]: readonly [Parameters<typeof build>[0], readonly number[]]): { rc: RandomCircuit; xs: readonly number[] } => {
    const rc = build(r, kinds, options);
    return { rc, xs: xs.slice(0, rc.circuit.inputNames.length) };
  };
  const accept = (pair: readonly [Parameters<typeof build>[0], readonly number[]]): boolean => {
    const { rc, xs } = make(pair);
    return conditioned(rc.circuit, xs, withDomains(options, rc, rc.output));
  };
  probe(pairs, accept, () => 'any random circuit with these options');
  return pairs.filter(accept).map((pair) => {
    const { rc, xs } = make(pair);
    return new CircuitAtPoint(rc.circuit, toPoint(rc.circuit, xs), rc.output);
  });
}
