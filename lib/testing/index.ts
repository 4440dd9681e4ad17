/**
 * backprop-ninja/testing: property-based gradient checks for your own gates
 * and circuits, with fast-check (an optional peer dependency: install it to
 * use this entry point).
 *
 * - {@link assertGateContract} checks a gate against the contract every gate keeps;
 * - {@link gradientProperty} is the property "analytic gradients equal finite
 *   differences", for `fc.assert`, on your circuit or on random ones;
 * - {@link circuitArbitrary}, {@link pointArbitrary} and
 *   {@link circuitAtPointArbitrary} are the arbitraries it is made of, for
 *   your own properties;
 * - {@link formatCircuit} prints a circuit as the chapter's code.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { assertGateContract, gradientProperty } from 'backprop-ninja/testing';
 *
 * it('keeps the gate contract', () => assertGateContract(new TanhGate()));
 * it('has the right gradients in any circuit', () => {
 *   fc.assert(gradientProperty({ gates: ['mul', 'add', new TanhGate()] }), { numRuns: 1000 });
 * });
 * ```
 *
 * @packageDocumentation
 */
export { assertGateContract, GateContractViolation, type GateContractOptions } from './assertGateContract';
export {
  RandomCircuit,
  circuitArbitrary,
  type BuiltinGateKind,
  type CircuitOptions,
  type CustomGateChoice,
  type GateChoice,
  type InputRange,
} from './circuitArbitrary';
export { isWellConditioned, type ConditioningOptions } from './conditioning';
export { formatCircuit, formatPoint } from './formatCircuit';
export { GradientMismatch, checkGradients, gradientProperty, type GradientCheckOptions } from './gradientProperty';
export { CircuitAtPoint, circuitAtPointArbitrary, pointArbitrary, type PointOptions } from './pointArbitrary';
