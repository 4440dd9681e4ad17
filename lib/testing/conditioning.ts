import * as E from 'fp-ts/Either';
import { MaxGate, PowGate, ReciprocalGate, ReluGate, type Circuit, type Forward, type Gate, type InputAssignment, type Seed, type Wire } from '../index';

/**
 * What makes a point well-conditioned for a finite-difference check; every
 * field has a default that suits the default {@link GradientCheckOptions}.
 *
 * @example
 * ```ts
 * const strict: ConditioningOptions = { maxValue: 100, margin: 1e-2 };
 * ```
 */
export interface ConditioningOptions {
  /** The largest size any wire's value may have. Default `1e4`. */
  readonly maxValue?: number;
  /**
   * How far a ReLU's input, the gap between a max's largest input and the
   * others, or a pole's input must at least be from the edge. Default `1e-3`.
   * It must also be a hundred times what one finite-difference step moves it.
   */
  readonly margin?: number;
  /** How far `1/x` (and a negative or fractional power) must keep `x` from 0. Default `0.05`. */
  readonly pole?: number;
  /** The finite-difference step the point will be checked with, as in `gradcheck`. Default `1e-6`. */
  readonly step?: number;
  /**
   * For your own gates: true where `gate` is differentiable at `inputs` and
   * comfortably away from any edge of its domain. Called for every wire of a
   * gate that is not a built-in; default: every point is fine.
   */
  readonly domain?: (gate: Gate, inputs: readonly number[]) => boolean;
  /** The wire that will be differentiated; default the circuit's last wire. */
  readonly output?: Wire;
}

/**
 * Whether `point` is a good place to compare a circuit's analytic gradient
 * with centred finite differences: the forward and backward passes succeed,
 * every wire's value is moderate, no ReLU input is near 0, no max is near a
 * tie between different wires, no `1/x` (or negative or fractional power)
 * input is near 0, and neither moves within one step onto its edge. Your own
 * gates are asked through `options.domain`.
 *
 * At such a point a correct gradient passes `gradcheck` with status `pass`;
 * at the others a correct gradient may legitimately show as `kink` or even
 * `fail` (a step across a kink), so random checks should skip them.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * c.relu(c.input('a'));
 * isWellConditioned(c, { a: 0.5 });   // true
 * isWellConditioned(c, { a: 1e-9 });  // false: one step from the kink
 * ```
 */
export function isWellConditioned(circuit: Circuit, point: InputAssignment, options: ConditioningOptions = {}): boolean {
  const fwd = circuit.forward(point);
  if (E.isLeft(fwd)) return false;
  return isWellConditionedPass(fwd.right, options);
}

/** {@link isWellConditioned} for a forward pass already run. @internal */
export function isWellConditionedPass(fwd: Forward, options: ConditioningOptions = {}): boolean {
  const circuit = fwd.circuit;
  const maxValue = options.maxValue ?? 1e4;
  const margin = options.margin ?? 1e-3;
  const pole = options.pole ?? 0.05;
  const step = options.step ?? 1e-6;
  const value = (i: number): number => fwd.values[i] ?? NaN;
  for (let i = 0; i < fwd.size; i++) if (!(Math.abs(value(i)) <= maxValue)) return false;
  const output = options.output ?? circuit.wireAt(fwd.size - 1);
  if (output === undefined || E.isLeft(circuit.backward(fwd, 1, output))) return false;

  const steps = circuit.inputIndices.map((i) => step * Math.max(1, Math.abs(value(i))));
  // How far the seeded combination of wires moves, at most, when one input moves by one step.
  const reach = (seeds: readonly Seed[]): number => {
    const bwd = circuit.backwardFrom(fwd, seeds);
    if (E.isLeft(bwd)) return Infinity;
    return Math.max(0, ...circuit.inputIndices.map((i, k) => (steps[k] ?? 0) * Math.abs(bwd.right.gradients[i] ?? Infinity)));
  };
  const wire = (i: number): Wire => circuit.wireAt(i) ?? output;
  const clear = (distance: number, seeds: readonly Seed[]): boolean => distance >= margin && distance > 100 * reach(seeds);
  const awayFromZero = (i: number, least: number): boolean => Math.abs(value(i)) >= least && clear(Math.abs(value(i)), [{ wire: wire(i), upstream: 1 }]);

  for (let i = 0; i < fwd.size; i++) {
    const { gate, inputs } = circuit.node(i);
    if (gate === undefined) continue;
    const [first = -1] = inputs;
    if (gate instanceof ReluGate) {
      if (!awayFromZero(first, margin)) return false;
    } else if (gate instanceof ReciprocalGate) {
      if (!awayFromZero(first, Math.max(pole, margin))) return false;
    } else if (gate instanceof PowGate) {
      const k = gate.exponent;
      if ((k < 0 || !Number.isInteger(k)) && !awayFromZero(first, Math.max(pole, margin))) return false;
    } else if (gate instanceof MaxGate) {
      const distinct = [...new Set(inputs)];
      const top = distinct.reduce((m, j) => (value(j) > value(m) ? j : m));
      const ok = distinct.every(
        (j) => j === top || clear(value(top) - value(j), [{ wire: wire(top), upstream: 1 }, { wire: wire(j), upstream: -1 }]),
      );
      if (!ok) return false;
    } else if (options.domain !== undefined && !options.domain(gate, inputs.map(value))) {
      return false;
    }
  }
  return true;
}
