import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
// Only names that lib/index.ts exports, imported from their modules so that
// importing the format does not load the whole library (the CLI starts fast).
import { Circuit, type Wire } from '../Circuit';
import { CircuitException } from '../errors';
import type { Gate } from '../Gate';
import { AddGate } from '../gates/AddGate';
import { ConstantGate } from '../gates/ConstantGate';
import { MaxGate } from '../gates/MaxGate';
import { MultiplyGate } from '../gates/MultiplyGate';
import { NegateGate } from '../gates/NegateGate';
import { PowGate } from '../gates/PowGate';
import { ReciprocalGate } from '../gates/ReciprocalGate';
import { ReluGate } from '../gates/ReluGate';
import { SigmoidGate } from '../gates/SigmoidGate';
import { SubtractGate } from '../gates/SubtractGate';

/**
 * The `type` of a gate in a circuit file: the `_tag` of a built-in gate.
 *
 * @example
 * ```ts
 * const tag: GateType = 'MultiplyGate';
 * ```
 */
export type GateType =
  | AddGate['_tag'] | ConstantGate['_tag'] | MaxGate['_tag'] | MultiplyGate['_tag'] | NegateGate['_tag']
  | PowGate['_tag'] | ReciprocalGate['_tag'] | ReluGate['_tag'] | SigmoidGate['_tag'] | SubtractGate['_tag'];

/**
 * One gate of a circuit file: its type, the wires it reads (by name; an
 * unnamed wire is `_<index>`, its position counting inputs first), an
 * optional name for its output wire, and the constant of a `ConstantGate`
 * (`value`) or a `PowGate` (`exponent`).
 *
 * @example
 * ```ts
 * const square: GateJson = { type: 'PowGate', inputs: ['x2'], exponent: 2, name: 'x' };
 * ```
 */
export interface GateJson {
  /** The gate's `_tag`, e.g. `MultiplyGate`. */
  readonly type: GateType;
  /** The input wires, by name, in order (absent or empty for a constant). */
  readonly inputs?: readonly string[];
  /** The name of the gate's output wire; unnamed wires are referred to as `_<index>`. */
  readonly name?: string;
  /** A `ConstantGate`'s value. */
  readonly value?: number;
  /** A `PowGate`'s constant exponent. */
  readonly exponent?: number;
}

/**
 * A circuit file: the inputs, the gates in evaluation order (each reading
 * only wires before it), and the output wire(s).
 *
 * ```json
 * {
 *   "inputs": ["a", "b"],
 *   "gates": [{ "type": "MultiplyGate", "inputs": ["a", "b"], "name": "x" }],
 *   "outputs": ["x"]
 * }
 * ```
 *
 * @example
 * ```ts
 * const file: CircuitFile = {
 *   inputs: ['a', 'b'],
 *   gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], name: 'x' }],
 *   outputs: ['x'],
 * };
 * ```
 */
export interface CircuitFile {
  /** The input names, in order. */
  readonly inputs: readonly string[];
  /** The gates, in evaluation order. */
  readonly gates: readonly GateJson[];
  /** The output wires by name (at least one); the command line differentiates the first. */
  readonly outputs: readonly string[];
}

/**
 * A circuit file that could not be read: `path` is where in the JSON the
 * problem is (`gates[2].inputs[1]`, or `(root)`), and `message` says what
 * is wrong there, starting with the path.
 *
 * @example
 * ```ts
 * const err: FormatError = {
 *   _tag: 'FormatError', path: 'gates[0].type',
 *   message: 'gates[0].type: unknown gate type "TanhGate" (the types are AddGate, ...)',
 * };
 * ```
 */
export interface FormatError {
  /** Discriminates this error from the others. */
  readonly _tag: 'FormatError';
  /** Where the (first) problem is, as a JSON path. */
  readonly path: string;
  /** `path: what is wrong`, and how many more problems there are. */
  readonly message: string;
}

/**
 * A circuit read from a circuit file, and its output wires.
 *
 * @example
 * ```ts
 * const { circuit, outputs } = decoded;
 * circuit.backward(orThrow(circuit.forward({ a: 1, b: 2 })), 1, outputs[0]);
 * ```
 */
export interface DecodedCircuit {
  /** The circuit: the inputs, then the gates in file order. */
  readonly circuit: Circuit;
  /** The wires named in `outputs`, in order. */
  readonly outputs: readonly Wire[];
}

/** How each gate type is made from its JSON, and which constant it carries. */
const REGISTRY: { readonly [T in GateType]: { readonly cls: abstract new (...args: never[]) => Gate; readonly param?: 'value' | 'exponent'; readonly make: (k: number) => Gate } } = {
  AddGate: { cls: AddGate, make: () => new AddGate() },
  ConstantGate: { cls: ConstantGate, param: 'value', make: (k) => new ConstantGate(k) },
  MaxGate: { cls: MaxGate, make: () => new MaxGate() },
  MultiplyGate: { cls: MultiplyGate, make: () => new MultiplyGate() },
  NegateGate: { cls: NegateGate, make: () => new NegateGate() },
  PowGate: { cls: PowGate, param: 'exponent', make: (k) => new PowGate(k) },
  ReciprocalGate: { cls: ReciprocalGate, make: () => new ReciprocalGate() },
  ReluGate: { cls: ReluGate, make: () => new ReluGate() },
  SigmoidGate: { cls: SigmoidGate, make: () => new SigmoidGate() },
  SubtractGate: { cls: SubtractGate, make: () => new SubtractGate() },
};
const TYPES = Object.keys(REGISTRY) as GateType[];
const isGateType = (u: unknown): u is GateType => typeof u === 'string' && Object.prototype.hasOwnProperty.call(REGISTRY, u);

const describeValue = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  if (typeof u === 'number') return String(u);
  if (Array.isArray(u)) return 'an array';
  if (u === null) return 'null';
  if (typeof u === 'object') return 'an object';
  const text = JSON.stringify(u);
  return text.length > 40 ? `${text.slice(0, 37)}..."` : text;
};

const GATE_KEYS = new Set(['type', 'inputs', 'name', 'value', 'exponent']);
const FILE_KEYS = new Set(['inputs', 'gates', 'outputs']);

/** Validates the shape of one gate, appending paths under `context`. */
const gateJson = new t.Type<GateJson>(
  'GateJson',
  (u): u is GateJson => E.isRight(validateGate(u, [])),
  (u, c) => validateGate(u, c),
  t.identity,
);

function validateGate(u: unknown, c: t.Context): t.Validation<GateJson> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, `expected a gate object such as { "type": "MultiplyGate", "inputs": ["a", "b"] }, got ${describeValue(u)}`);
  const g = u as Record<string, unknown>;
  const at = (key: string, value: unknown): t.Context => t.appendContext(c, key, t.unknown, value);
  const errors: t.Errors = [];
  const fail = (key: string, message: string): void => {
    errors.push({ value: g[key], context: at(key, g[key]), message });
  };
  for (const key of Object.keys(g)) if (!GATE_KEYS.has(key)) fail(key, `unknown key "${key}" (a gate has type, inputs, name, and value or exponent)`);
  const type = g.type;
  if (!isGateType(type)) {
    fail('type', `${type === undefined ? 'missing gate type' : `unknown gate type ${describeValue(type)}`} (the types are ${TYPES.join(', ')})`);
    return t.failures(errors);
  }
  const entry = REGISTRY[type];
  if (g.inputs !== undefined) {
    if (!Array.isArray(g.inputs)) fail('inputs', `expected an array of wire names, got ${describeValue(g.inputs)}`);
    else {
      g.inputs.forEach((name: unknown, k) => {
        if (typeof name !== 'string') {
          errors.push({ value: name, context: t.appendContext(at('inputs', g.inputs), String(k), t.string, name), message: `expected a wire name (a string), got ${describeValue(name)}` });
        }
      });
    }
  } else if (type !== 'ConstantGate') fail('inputs', `missing the inputs of the ${type}`);
  if (g.name !== undefined && typeof g.name !== 'string') fail('name', `expected a wire name (a string), got ${describeValue(g.name)}`);
  for (const param of ['value', 'exponent'] as const) {
    if (entry.param === param) {
      const x = g[param];
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(param, x === undefined ? `missing the ${param} of the ${type}` : `expected a finite number, got ${describeValue(x)}`);
    } else if (g[param] !== undefined) fail(param, `a ${type} has no ${param}`);
  }
  return errors.length > 0 ? t.failures(errors) : t.success(g as unknown as GateJson);
}

const names = t.array(t.string);

/**
 * The io-ts codec of the circuit file's JSON shape: checks every field and
 * reports each problem with its place in the JSON (decode with
 * {@link decodeCircuit} to also check the wires and build the circuit).
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/Either';
 * isRight(circuitFileCodec.decode({ inputs: ['a'], gates: [{ type: 'NegateGate', inputs: ['a'] }], outputs: ['_1'] })); // true
 * ```
 */
export const circuitFileCodec: t.Type<CircuitFile> = new t.Type<CircuitFile>(
  'CircuitFile',
  (u): u is CircuitFile => E.isRight(validateFile(u, [{ key: '', type: t.unknown, actual: u }])),
  (u, c) => validateFile(u, c),
  t.identity,
);

function validateFile(u: unknown, c: t.Context): t.Validation<CircuitFile> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) {
    return t.failure(u, c, `expected a circuit object with "inputs", "gates" and "outputs", got ${describeValue(u)}`);
  }
  const f = u as Record<string, unknown>;
  const errors: t.Errors = [];
  for (const key of Object.keys(f)) {
    if (!FILE_KEYS.has(key)) errors.push({ value: f[key], context: t.appendContext(c, key, t.unknown, f[key]), message: `unknown key "${key}" (a circuit file has inputs, gates and outputs)` });
  }
  for (const key of ['inputs', 'gates', 'outputs'] as const) {
    const value = f[key];
    const here = t.appendContext(c, key, t.unknown, value);
    if (value === undefined) {
      errors.push({ value, context: here, message: `missing "${key}"` });
      continue;
    }
    if (!Array.isArray(value)) {
      errors.push({ value, context: here, message: `expected an array, got ${describeValue(value)}` });
      continue;
    }
    if (key === 'gates') {
      value.forEach((g: unknown, k) => {
        const r = gateJson.validate(g, t.appendContext(here, String(k), gateJson, g));
        if (E.isLeft(r)) errors.push(...r.left);
      });
    } else {
      const r = names.validate(value, here);
      if (E.isLeft(r)) errors.push(...r.left.map((e) => ({ ...e, message: `expected a wire name (a string), got ${describeValue(e.value)}` })));
      if (key === 'outputs' && value.length === 0) errors.push({ value, context: here, message: 'expected at least one output wire' });
    }
  }
  return errors.length > 0 ? t.failures(errors) : t.success(f as unknown as CircuitFile);
}

/** A JSON path for an io-ts context: `gates[2].inputs[1]`, or `(root)`. */
function pathOf(context: t.Context): string {
  let path = '';
  for (const entry of context) {
    if (entry.key === '') continue;
    path += /^[0-9]+$/.test(entry.key) ? `[${entry.key}]` : path === '' ? entry.key : `.${entry.key}`;
  }
  return path === '' ? '(root)' : path;
}

function formatError(path: string, what: string, more = 0): FormatError {
  const extra = more > 0 ? ` (and ${String(more)} more problem${more === 1 ? '' : 's'})` : '';
  return { _tag: 'FormatError', path, message: `${path}: ${what}${extra}` };
}

/**
 * Reads a circuit from parsed JSON: checks its shape ({@link circuitFileCodec}),
 * that every gate reads wires defined before it, and that the circuit is
 * well formed (names, arities), then builds it. A problem is a
 * {@link FormatError} whose message starts with its JSON path.
 *
 * @example
 * ```ts
 * const decoded = decodeCircuit({
 *   inputs: ['a', 'b'],
 *   gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], name: 'x' }],
 *   outputs: ['x'],
 * });
 * // Right: a circuit x = a * b, outputs [x]
 * decodeCircuit({ inputs: ['a'], gates: [{ type: 'NegateGate', inputs: ['b'] }], outputs: ['_1'] });
 * // Left: 'gates[0].inputs[0]: there is no wire "b" before this gate (the wires so far are a)'
 * ```
 */
export function decodeCircuit(u: unknown): E.Either<FormatError, DecodedCircuit> {
  const shape = circuitFileCodec.decode(u);
  if (E.isLeft(shape)) {
    const first = shape.left[0];
    const path = first === undefined ? '(root)' : pathOf(first.context);
    return E.left(formatError(path, first?.message ?? 'not a circuit file', shape.left.length - 1));
  }
  const file = shape.right;
  const circuit = new Circuit();
  const wires = new Map<string, Wire>();
  const soFar = (): string => {
    const all = [...wires.keys()];
    return all.length === 0 ? 'there are none' : `the wires so far are ${all.length > 8 ? `${all.slice(0, 8).join(', ')}, ...` : all.join(', ')}`;
  };
  try {
    for (let k = 0; k < file.inputs.length; k++) {
      const name = file.inputs[k] ?? '';
      try {
        wires.set(name, circuit.input(name));
      } catch (e) {
        if (e instanceof CircuitException) return E.left(formatError(`inputs[${String(k)}]`, e.message));
        throw e;
      }
    }
    for (let k = 0; k < file.gates.length; k++) {
      const g = file.gates[k];
      if (g === undefined) continue;
      const entry = REGISTRY[g.type];
      const inputs: Wire[] = [];
      const refs = g.inputs ?? [];
      for (let m = 0; m < refs.length; m++) {
        const ref = refs[m] ?? '';
        const w = wires.get(ref);
        if (w === undefined) return E.left(formatError(`gates[${String(k)}].inputs[${String(m)}]`, `there is no wire ${JSON.stringify(ref)} before this gate (${soFar()})`));
        inputs.push(w);
      }
      const param = entry.param === undefined ? 0 : (g[entry.param] ?? NaN);
      const made = circuit.apply(entry.make(param), inputs, g.name);
      if (E.isLeft(made)) {
        const where = made.left.message.includes('name') && g.name !== undefined ? `gates[${String(k)}].name` : `gates[${String(k)}]`;
        return E.left(formatError(where, made.left.message));
      }
      const w = made.right;
      wires.set(w.name, w);
    }
  } catch (e) {
    if (e instanceof CircuitException) return E.left(formatError('(root)', e.message));
    throw e;
  }
  const outputs: Wire[] = [];
  for (let k = 0; k < file.outputs.length; k++) {
    const ref = file.outputs[k] ?? '';
    const w = wires.get(ref);
    if (w === undefined) return E.left(formatError(`outputs[${String(k)}]`, `there is no wire ${JSON.stringify(ref)} (${soFar()})`));
    outputs.push(w);
  }
  return E.right({ circuit, outputs });
}

/**
 * Writes a circuit as a circuit file: its inputs first, then its gates in
 * order, each with its `_tag` as `type`; unnamed wires are referred to as
 * `_<index>` in the file's order. `outputs` defaults to the circuit's last
 * wire. A gate that is not a built-in (a custom gate, or a subclass of a
 * built-in) cannot be written: that is a {@link FormatError}.
 *
 * `decodeCircuit(encodeCircuit(c))` gives back `c` (inputs moved to the
 * front, if they were not there already).
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * encodeCircuit(c);
 * // Right: { inputs: ['a', 'b'], gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], name: 'x' }], outputs: ['x'] }
 * ```
 */
export function encodeCircuit(circuit: Circuit, outputs?: readonly Wire[]): E.Either<FormatError, CircuitFile> {
  const inputs = circuit.inputIndices;
  // the reference to each wire: its name, or `_<position in the file>`
  const refs = new Map<number, string>();
  inputs.forEach((i) => refs.set(i, circuit.nameOf(i)));
  let position = inputs.length;
  const gates: GateJson[] = [];
  for (let i = 0; i < circuit.size; i++) {
    const node = circuit.node(i);
    const gate = node.gate;
    if (gate === undefined) continue;
    const type = (gate as { readonly _tag?: unknown })._tag;
    const entry = isGateType(type) ? REGISTRY[type] : undefined;
    if (!isGateType(type) || entry === undefined || Object.getPrototypeOf(gate) !== entry.cls.prototype) {
      return E.left(formatError(`gates[${String(gates.length)}]`, `wire ${node.name}: the ${gate.name} gate is not a built-in gate, so it cannot be written to a circuit file`));
    }
    const isNamed = !/^_[0-9]+$/.test(node.name);
    refs.set(i, isNamed ? node.name : `_${String(position)}`);
    position++;
    const json: { -readonly [K in keyof GateJson]: GateJson[K] } = { type };
    if (type !== 'ConstantGate') json.inputs = node.inputs.map((j) => refs.get(j) ?? `_${String(j)}`);
    if (isNamed) json.name = node.name;
    if (gate instanceof ConstantGate) json.value = gate.value;
    if (gate instanceof PowGate) json.exponent = gate.exponent;
    gates.push(json);
  }
  const out = outputs ?? (circuit.output === undefined ? [] : [circuit.output]);
  const outRefs: string[] = [];
  for (const w of out) {
    if (w.circuit !== circuit) return E.left(formatError('outputs', `wire ${w.name} belongs to another circuit`));
    outRefs.push(refs.get(w.index) ?? w.name);
  }
  if (outRefs.length === 0) return E.left(formatError('outputs', 'an empty circuit has no output to write'));
  return E.right({ inputs: inputs.map((i) => circuit.nameOf(i)), gates, outputs: outRefs });
}
