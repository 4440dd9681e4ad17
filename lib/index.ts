/**
 * backprop-ninja: typed, exact, fast backpropagation through circuits of
 * gates, after the chapter "Becoming a Backprop Ninja".
 *
 * @packageDocumentation
 */
export type { Arity, Gate } from './Gate';
export { AddGate } from './gates/AddGate';
export { ConstantGate } from './gates/ConstantGate';
export { MaxGate } from './gates/MaxGate';
export { MultiplyGate } from './gates/MultiplyGate';
export { NegateGate } from './gates/NegateGate';
export { PowGate } from './gates/PowGate';
export { ReciprocalGate } from './gates/ReciprocalGate';
export { ReluGate } from './gates/ReluGate';
export { SigmoidGate, sigmoid } from './gates/SigmoidGate';
export { SubtractGate } from './gates/SubtractGate';
export { Backward, Circuit, Forward, Wire, Workspace, gateCode, type CircuitLayout, type CircuitSpec, type NameRanges, type Seed, type WireNode } from './Circuit';
export { CircuitException, orThrow, type CircuitError, type CompositionError, type GateError, type InputError } from './errors';
export { FiniteNumber, decodeInputs, inputAssignmentCodec, type FiniteBrand, type InputAssignment } from './inputs';
export { gradcheck, type CheckStatus, type GradcheckOptions, type GradcheckReport, type InputCheck } from './gradcheck';
export { formatGradcheck, formatNumber, formatTrace, traceTable, type FormatOptions, type TraceRow } from './trace';
export { emit, gateExpressions, printBackprop, printBackpropFunction, type GateExpressions, type EmittedProgram, type EmittedStep, type Naming, type PrintOptions } from './emit';
export { CompiledCircuit, FUSED_LIMIT, MIN_LOOP_INSTANCES, compile, type BatchResult, type CompileOptions, type CompiledPart } from './compile';
export type { GateCode } from './Gate';
export { parseCircuit, type ParsedCircuit } from './parse/parseCircuit';
export type { ParseError, SourcePosition } from './parse/ParseError';
export { circuitFileCodec, decodeCircuit, encodeCircuit, type CircuitFile, type DecodedCircuit, type FormatError, type GateJson, type GateType } from './format/circuitFile';
export { circuitToDot, circuitToMermaid, circuitToSvg, type GraphOptions } from './graph/graph';
