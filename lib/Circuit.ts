/* eslint-disable @typescript-eslint/no-non-null-assertion --
 * The evaluation loops index typed arrays with indices that are in range by
 * construction (every argument index points at an earlier wire); `!` costs
 * nothing at run time, where a `?? NaN` fallback would sit in the hot loop. */
import * as E from 'fp-ts/Either';
import type { Gate, GateCode } from './Gate';
import { AddGate } from './gates/AddGate';
import { ConstantGate } from './gates/ConstantGate';
import { MaxGate } from './gates/MaxGate';
import { MultiplyGate } from './gates/MultiplyGate';
import { NegateGate } from './gates/NegateGate';
import { PowGate } from './gates/PowGate';
import { ReciprocalGate } from './gates/ReciprocalGate';
import { ReluGate } from './gates/ReluGate';
import { SigmoidGate, sigmoid } from './gates/SigmoidGate';
import { SubtractGate } from './gates/SubtractGate';
import { CircuitException, show, type CircuitError, type CompositionError, type GateError, type InputError } from './errors';
import { decodeInputs, type InputAssignment } from './inputs';
import { MAX_NAMES, NameList, NOT_A_NAME, RESERVED_NAME, grow, scanName, scanRange } from './names';
import * as scratch from './scratch';

/**
 * A wire of a {@link Circuit}: an input, a constant, or the output of a
 * gate. Wires are handles returned by the circuit's builder methods; pass
 * them to later gates, and use them to read values and gradients.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const a = c.input('a');
 * a.index; // 0: the position of the wire in the circuit
 * ```
 */
export class Wire {
  /** @internal */
  constructor(
    /** The circuit this wire belongs to. */
    readonly circuit: Circuit,
    /** The wire's position in its circuit: inputs and gates are numbered in the order they were added. */
    readonly index: number,
  ) {}

  /** The wire's name: the one given when it was made, or `_<index>` (e.g. `_4`). */
  get name(): string {
    return this.circuit.nameOf(this.index);
  }
}

/**
 * What one wire of a circuit is: an input, or the output of a gate applied
 * to earlier wires. Returned by {@link Circuit.node}, for code that walks a
 * circuit (printers, pictures, file formats).
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const a = c.input('a');
 * const x = c.mul(a, a, 'x');
 * c.node(x); // { index: 1, name: 'x', gate: MultiplyGate, inputs: [0, 0] }
 * ```
 */
export interface WireNode {
  /** The wire's position in the circuit. */
  readonly index: number;
  /** The wire's name (given, or `_<index>`). */
  readonly name: string;
  /** The gate whose output this wire is, or `undefined` for an input. */
  readonly gate: Gate | undefined;
  /** The indices of the gate's input wires, in order (empty for an input). */
  readonly inputs: readonly number[];
}

/**
 * An upstream gradient placed on one wire, to start a backward pass from
 * several outputs at once (a vector-Jacobian product).
 *
 * @example
 * ```ts
 * const seeds: readonly Seed[] = [{ wire: x, upstream: 1 }, { wire: y, upstream: -2 }];
 * ```
 */
export interface Seed {
  /** The wire the gradient is placed on. */
  readonly wire: Wire;
  /** The gradient on that wire from above (the chapter's `dx`). */
  readonly upstream: number;
}

/**
 * The result of a forward pass: the value on every wire. It belongs to the
 * circuit that made it, but does not change it: any number of forward passes
 * can exist side by side.
 *
 * @example
 * ```ts
 * const fwd = orThrow(c.forward({ a: 3 }));
 * fwd.value(a); // 3
 * fwd.output;   // the value on the circuit's last wire
 * ```
 */
export class Forward {
  private readonly data: Float64Array;

  /**
   * Wraps values computed for `circuit` (by its own forward pass, a
   * {@link Workspace}, or compiled code) as a forward pass.
   *
   * @param circuit - the circuit that was evaluated.
   * @param values - the value on every wire, indexed by {@link Wire.index}.
   */
  constructor(
    /** The circuit that was evaluated. */
    readonly circuit: Circuit,
    values: Float64Array,
  ) {
    this.data = values;
  }

  /** The value on every wire, indexed by {@link Wire.index}; the circuit's wires at the time of the pass. */
  get values(): Float64Array {
    return this.data;
  }

  /** The number of wires this pass evaluated. */
  get size(): number {
    return this.values.length;
  }

  /** The value on the last wire evaluated (the circuit's output). */
  get output(): number {
    return this.values[this.values.length - 1] ?? NaN;
  }

  /** The value on `wire` (a wire added to the circuit after this pass has no value: `NaN`). */
  value(wire: Wire): number {
    return this.values[wire.index] ?? NaN;
  }

  /** The values of the circuit's inputs, by name. */
  inputs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const i of this.circuit.inputIndices) out[this.circuit.nameOf(i)] = this.values[i] ?? NaN;
    return out;
  }
}

/**
 * The result of a backward pass: the gradient on every wire (the chapter's
 * `da`, `dx1`, `dx2`, ...), with respect to the output(s) the pass started
 * from.
 *
 * @example
 * ```ts
 * const bwd = orThrow(c.backward(fwd));
 * bwd.gradient(a); // d output / d a
 * bwd.inputs();    // { a: ... } every input's gradient by name
 * ```
 */
export class Backward {
  private readonly data: Float64Array;

  /**
   * Wraps gradients computed for a forward pass as a backward pass.
   *
   * @param forward - the forward pass this backward pass went through.
   * @param gradients - the gradient on every wire, indexed by {@link Wire.index}.
   */
  constructor(
    /** The forward pass this backward pass went through. */
    readonly forward: Forward,
    gradients: Float64Array,
  ) {
    this.data = gradients;
  }

  /** The gradient on every wire, indexed by {@link Wire.index}. */
  get gradients(): Float64Array {
    return this.data;
  }

  /** The gradient on `wire`. */
  gradient(wire: Wire): number {
    return this.gradients[wire.index] ?? NaN;
  }

  /** The gradients of the circuit's inputs, by name. */
  inputs(): Record<string, number> {
    const out: Record<string, number> = {};
    const c = this.forward.circuit;
    for (const i of c.inputIndices) out[c.nameOf(i)] = this.gradients[i] ?? NaN;
    return out;
  }
}

// Opcodes of the evaluation loops. A built-in gate is evaluated inline by
// its opcode; its math is the same as its class's forward/backward (the gate
// contract spec checks that both agree), so read the gate's file for the why.
// (0 is unused: inputs have no opcode, their code entry is negative)
const OP_CUSTOM = 1;
const OP_CONSTANT = 2;
const OP_MULTIPLY = 3;
const OP_ADD = 4;
const OP_SUBTRACT = 5;
const OP_NEGATE = 6;
const OP_SIGMOID = 7;
const OP_RELU = 8;
const OP_MAX = 9;
const OP_RECIPROCAL = 10;
const OP_POW = 11;

/** How many inputs the inline math of each opcode reads; -1 for any number (add, max, a user's gate). */
const FIXED_ARITY = Int8Array.of(-1, -1, 0, 2, -1, 2, 1, 1, 1, -1, 1, 1, -1, -1, -1, -1);

/** The built-in gate classes, by tag. @internal */
type BuiltinGate =
  | ConstantGate | MultiplyGate | AddGate | SubtractGate | NegateGate
  | SigmoidGate | ReluGate | MaxGate | ReciprocalGate | PowGate;

/** Every built-in gate kind, with its class and opcode: the compiler rejects a missing or extra tag. */
const BUILTINS: { readonly [T in BuiltinGate['_tag']]: { readonly cls: abstract new (...args: never[]) => Gate; readonly op: number } } = {
  ConstantGate: { cls: ConstantGate, op: OP_CONSTANT },
  MultiplyGate: { cls: MultiplyGate, op: OP_MULTIPLY },
  AddGate: { cls: AddGate, op: OP_ADD },
  SubtractGate: { cls: SubtractGate, op: OP_SUBTRACT },
  NegateGate: { cls: NegateGate, op: OP_NEGATE },
  SigmoidGate: { cls: SigmoidGate, op: OP_SIGMOID },
  ReluGate: { cls: ReluGate, op: OP_RELU },
  MaxGate: { cls: MaxGate, op: OP_MAX },
  ReciprocalGate: { cls: ReciprocalGate, op: OP_RECIPROCAL },
  PowGate: { cls: PowGate, op: OP_POW },
};

/**
 * The built-in entry whose math `gate` has: an instance of a built-in class
 * that does not override `forward` or `backward` (a subclass that does is a
 * custom gate, evaluated through its own methods).
 */
function builtinOf(gate: Gate): { readonly cls: abstract new (...args: never[]) => Gate; readonly op: number } | undefined {
  const tag = (gate as { readonly _tag?: unknown })._tag;
  if (typeof tag !== 'string' || !Object.prototype.hasOwnProperty.call(BUILTINS, tag)) return undefined;
  const entry = BUILTINS[tag as BuiltinGate['_tag']];
  const proto = entry.cls.prototype as Gate;
  return gate instanceof entry.cls && gate.forward === proto.forward && gate.backward === proto.backward ? entry : undefined;
}

/**
 * The code of `gate` that printed and compiled circuits may use: its
 * {@link GateCode}, except for a subclass of a built-in gate that overrides
 * `forward` or `backward`: such a gate is always called through its methods
 * (its inherited code would describe the built-in's math, not its own).
 *
 * @example
 * ```ts
 * gateCode(new MultiplyGate())?.forward(['a', 'b']); // 'a * b'
 * ```
 */
export function gateCode(gate: Gate): GateCode | undefined {
  const tag = (gate as { readonly _tag?: unknown })._tag;
  const subclassed = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(BUILTINS, tag) && builtinOf(gate) === undefined;
  return subclassed ? undefined : gate.code;
}

/** The constant parameter a built-in gate carries (a constant's value, an exponent). */
function paramOf(gate: Gate): number {
  if (gate instanceof ConstantGate) return gate.value;
  if (gate instanceof PowGate) return gate.exponent;
  return 0;
}

// One shared instance of each parameterless built-in gate: gates are stateless.
const MULTIPLY = new MultiplyGate();
const ADD = new AddGate();
const SUBTRACT = new SubtractGate();
const NEGATE = new NegateGate();
const SIGMOID = new SigmoidGate();
const RELU = new ReluGate();
const MAX = new MaxGate();
const RECIPROCAL = new ReciprocalGate();

const isFinite = (x: number): boolean => x - x === 0;

/**
 * A circuit's structure as flat arrays, from {@link Circuit.layout}: for
 * code that walks a large circuit (a compiler, a file format) without one
 * {@link WireNode} object per wire. Wire `i` is an input when `gate[i]` is
 * `-1`; otherwise it is `gates[gate[i]]` applied to the wires
 * `args[argStart[i]]` to `args[argStart[i + 1] - 1]`, in order. Read-only.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const l = c.layout();
 * l.gate[2];                                      // 0: the first distinct gate
 * l.gates[0]?.name;                               // 'multiply'
 * Array.from(l.args.subarray(l.argStart[2], l.argStart[3])); // [0, 1]
 * ```
 */
export interface CircuitLayout {
  /** The number of wires. */
  readonly size: number;
  /** The wire of each input, in declaration order. */
  readonly inputs: Int32Array;
  /** For each wire, the index in `gates` of its gate, or -1 for an input. */
  readonly gate: Int32Array;
  /** For each wire, where its gate's input wires start in `args` (one more entry than wires: the end). */
  readonly argStart: Int32Array;
  /** The input wires of every gate, concatenated in wire order. */
  readonly args: Int32Array;
  /** The distinct gates of the circuit. */
  readonly gates: readonly Gate[];
}

/**
 * A whole circuit as flat arrays, for {@link Circuit.fromLayout}: a
 * {@link CircuitLayout} (what {@link Circuit.layout} returns) and the
 * name of every wire.
 *
 * @example
 * ```ts
 * // var x = a * b; var y = x + a;
 * const spec: CircuitSpec = {
 *   size: 4,
 *   inputs: Int32Array.of(0, 1),
 *   gate: Int32Array.of(-1, -1, 0, 1),
 *   argStart: Int32Array.of(0, 0, 0, 2, 4),
 *   args: Int32Array.of(0, 1, 2, 0),
 *   gates: [new MultiplyGate(), new AddGate()],
 *   names: ['a', 'b', 'x', 'y'],
 * };
 * const c = Circuit.fromLayout(spec); // Right: the circuit c.mul and c.add would build
 * ```
 */
export interface CircuitSpec extends CircuitLayout {
  /**
   * The name of each wire, by index: an array of `size` entries, or
   * {@link NameRanges} (ranges of one text, for a large circuit: no string
   * per name). Every input needs a name; a gate wire's may be `undefined`,
   * or an empty range (it is then shown as `_<index>`).
   */
  readonly names: ArrayLike<string | undefined> | NameRanges;
}

/**
 * The names of a circuit's wires as ranges of one text, for
 * {@link CircuitSpec.names}: wire `i` is called `text.slice(start[i], end[i])`,
 * and has no name when the range is empty. For a parser or a file format,
 * whose names are all in one text already: no string per name is made.
 *
 * @example
 * ```ts
 * const text = 'a b x';
 * const names: NameRanges = { text, start: Int32Array.of(0, 2, 4, 0), end: Int32Array.of(1, 3, 5, 0) };
 * // wires 0, 1, 2 are a, b, x; wire 3 has no name
 * ```
 */
export interface NameRanges {
  /** The text the names are taken from. */
  readonly text: string;
  /** Where each wire's name starts in `text` (one entry per wire). */
  readonly start: Int32Array;
  /** Where each wire's name ends (equal to its start: no name). */
  readonly end: Int32Array;
}

/** The most wires {@link Circuit.fromLayout} takes (the wiring is kept in 32-bit integers). */
const MAX_WIRES = 2 ** 30;

/**
 * A circuit: gates composed over named input wires, evaluated forward to the
 * value of every wire and backward, from an explicitly passed upstream
 * gradient, to the gradient of every wire.
 *
 * A circuit only grows: each gate is added after the wires it reads, so the
 * order of addition is already a topological order, and there can be no
 * cycles. A wire may feed several gates (`a * a`); in the backward pass the
 * gradients from all its branches add up. Evaluation never changes the
 * circuit, uses no recursion (a 1,000,000-gate chain is fine), and takes
 * time linear in its size.
 *
 * Building: `input`, `constant`, the gate helpers (`mul`, `add`, `sub`,
 * `neg`, `sigmoid`, `relu`, `max`, `reciprocal`, `pow`) and `apply` for any
 * {@link Gate}, including your own. `apply` returns an `Either`; the helpers
 * throw a {@link CircuitException} for a mistake (a wire of another circuit,
 * a name used twice), at the line that makes it.
 *
 * Running: `forward` returns `Either<CircuitError, Forward>` and
 * `backward` returns `Either<CircuitError, Backward>`. A non-finite value
 * anywhere is a `Left` naming the gate and wire where it first appeared.
 *
 * @example
 * ```ts
 * // var q = a * x + b * y + c; var f = sig(q);
 * const c = new Circuit();
 * const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
 * const q = c.add([c.mul(a, x), c.mul(b, y), cc], 'q');
 * const f = c.sigmoid(q, 'f');
 * const fwd = orThrow(c.forward({ a: 1, b: 2, c: -3, x: -1, y: 3 }));
 * const bwd = orThrow(c.backward(fwd, 1)); // df = 1
 * bwd.gradient(a); // x * dq = -0.105...
 * ```
 */
export class Circuit {
  private count = 0;
  /**
   * The circuit itself: one record per gate, in wire order (inputs have
   * none): `[gate id * 16 + opcode, output wire, input wires...]`, with the
   * number of inputs before them for the gates that take any number (add,
   * max, a user's gate). The forward pass reads it front to back.
   */
  private stream = new Int32Array(64);
  private streamLength = 0;
  /** Where each wire's record starts in `stream`; for an input, `-1 - its position among the inputs`. */
  private recordOf = new Int32Array(16);
  /** The distinct gates, by gate id, and the constant each carries (a constant's value, a pow exponent). */
  private readonly gates: Gate[] = [];
  private readonly gateIndex = new Map<Gate, number>();
  private params = new Float64Array(8);
  /** Gate ids of the shared built-in gates, once used. */
  private readonly sharedIds = new Int32Array(OP_POW + 1).fill(-1);
  /** Constant and pow gates by their number, so a million constants are not a million gates (`Object.is` keys: -0 is not 0). */
  private readonly interned = new Map<number | string, Gate>();
  /** The wire of each input, by position. */
  private inputWires = new Int32Array(16);
  private nInputs = 0;
  private inputCache: number[] | undefined;
  /** The inputs' names, by position (most wires of a large circuit that have a name are inputs). */
  private readonly inputNameList = new NameList();
  /** Names of named gate wires. */
  private readonly gateNameList = new NameList();
  /**
   * The wire of each gate name, by its position in `gateNameList`: in
   * increasing order, since a gate is named when it is added, after every
   * wire before it ({@link Circuit.nameOf} searches it by halves, instead of
   * keeping an entry per wire).
   */
  private gateNameWire = new Int32Array(0);

  // ---- reading the structure -------------------------------------------

  /** The number of wires (inputs, constants and gate outputs). */
  get size(): number {
    return this.count;
  }

  /** The number of inputs. */
  get inputCount(): number {
    return this.nInputs;
  }

  /** The names of the inputs, in the order they were declared. */
  get inputNames(): readonly string[] {
    const names: string[] = [];
    for (let k = 0; k < this.nInputs; k++) names.push(this.inputNameList.at(k));
    return names;
  }

  /** The wire indices of the inputs, in the order they were declared. */
  get inputIndices(): readonly number[] {
    if (this.inputCache?.length !== this.nInputs) this.inputCache = Array.from(this.inputWires.subarray(0, this.nInputs));
    return this.inputCache;
  }

  /** The last wire added (the circuit's output by default), or `undefined` for an empty circuit. */
  get output(): Wire | undefined {
    return this.count === 0 ? undefined : new Wire(this, this.count - 1);
  }

  /** The name of wire `index`: its given name, or `_<index>`. */
  nameOf(index: number): string {
    const pc = index >= 0 && index < this.count ? this.recordOf[index]! : 0;
    if (pc < 0) return this.inputNameList.at(-1 - pc);
    const k = this.gateNamePosition(index);
    return k >= 0 ? this.gateNameList.at(k) : `_${String(index)}`;
  }

  /** The position in `gateNameList` of gate wire `index`'s name, or -1. */
  private gateNamePosition(index: number): number {
    const wires = this.gateNameWire;
    let lo = 0;
    let hi = this.gateNameList.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (wires[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.gateNameList.length && wires[lo] === index ? lo : -1;
  }

  /** The position of wire `index` among the inputs (its place in {@link Circuit.inputNames}), or -1 when it is not an input. */
  inputPosition(index: number): number {
    const pc = index >= 0 && index < this.count ? this.recordOf[index]! : 0;
    return pc < 0 ? -1 - pc : -1;
  }

  /** The wire called `name`, if there is one. */
  wire(name: string): Wire | undefined {
    const i = this.find(name);
    if (i >= 0) return new Wire(this, i);
    // an unnamed wire answers to the name it is shown with, `_<index>`
    if (typeof name !== 'string' || scanName(name) !== RESERVED_NAME) return undefined;
    const w = this.wireAt(Number(name.slice(1)));
    return w !== undefined && this.nameOf(w.index) === name ? w : undefined;
  }

  /** The wire at `index` (0 to `size - 1`), if there is one. */
  wireAt(index: number): Wire | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.count ? new Wire(this, index) : undefined;
  }

  /**
   * What wire `w` is: an input, or which gate applied to which wires. Throws
   * a {@link CircuitException} for a wire of another circuit or an index
   * out of range.
   */
  node(w: Wire | number): WireNode {
    const index = this.indexOf(w);
    return { index, name: this.nameOf(index), gate: this.gateAt(index), inputs: this.inputsOf(index) };
  }

  /**
   * The circuit's structure as flat arrays, for code that walks a large
   * circuit (a compiler, a file format): one entry per wire instead of one
   * {@link WireNode} object. The arrays are read-only views of the circuit
   * as it is now (wires added later are not in them).
   */
  layout(): CircuitLayout {
    const n = this.count;
    // (from the scratch pool when it has room: a compiler hands them back once it has planned; see scratch.ts)
    const gate = scratch.int32(n);
    const argStart = scratch.int32(n + 1);
    // (a record is its inputs and at least two more entries: head and output wire)
    const args = scratch.int32(this.streamLength - 2 * (n - this.nInputs));
    const st = this.stream;
    const recordOf = this.recordOf;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const pc = recordOf[i]!;
      if (pc < 0) gate[i] = -1;
      else {
        const x = st[pc]!;
        gate[i] = x >> 4;
        const fixed = FIXED_ARITY[x & 15]!;
        const from = fixed < 0 ? pc + 3 : pc + 2;
        const to = from + (fixed < 0 ? st[pc + 2]! : fixed);
        for (let k = from; k < to; k++) args[m++] = st[k]!;
      }
      argStart[i + 1] = m;
    }
    // (args: a view when the room reserved was more than used, a count per variable-arity record: no copy)
    const inputs = scratch.int32(this.nInputs);
    inputs.set(this.inputWires.subarray(0, this.nInputs));
    return { size: n, inputs, gate, argStart, args: m === args.length ? args : args.subarray(0, m), gates: this.gates.slice() };
  }

  /** Where the input wires of the record at `pc` are in `stream`: `[from, to)` (empty for an input's `pc`, which is negative). */
  private argRange(pc: number): [number, number] {
    if (pc < 0) return [0, 0];
    const fixed = FIXED_ARITY[this.stream[pc]! & 15]!;
    if (fixed >= 0) return [pc + 2, pc + 2 + fixed];
    return [pc + 3, pc + 3 + this.stream[pc + 2]!];
  }

  /** The index of `w`; throws a {@link CircuitException} for a wire of another circuit or an index out of range. */
  private indexOf(w: Wire | number): number {
    if (w instanceof Wire) {
      if (w.circuit !== this) throw new CircuitException(composition(`wire ${w.name} belongs to another circuit`));
      return w.index;
    }
    if (!Number.isInteger(w) || w < 0 || w >= this.count) {
      throw new CircuitException(composition(`there is no wire ${show(w)}: this circuit has wires 0 to ${String(this.count - 1)}`));
    }
    return w;
  }

  /**
   * The wire as one line of the chapter's forward code, e.g. `x3 = reciprocal(x2)`,
   * `q = add(_5, _6, c)`, or `a (input)`.
   */
  describe(w: Wire | number): string {
    const n = this.node(w);
    if (n.gate === undefined) return `${n.name} (input)`;
    if (n.gate instanceof ConstantGate) return `${n.name} = ${show(n.gate.value)}`;
    if (n.gate instanceof PowGate) return `${n.name} = pow(${n.inputs.map((i) => this.nameOf(i)).join(', ')}, ${show(n.gate.exponent)})`;
    return `${n.name} = ${n.gate.name}(${n.inputs.map((i) => this.nameOf(i)).join(', ')})`;
  }

  // ---- building ----------------------------------------------------------

  /** Declares an input wire called `name`; throws a {@link CircuitException} if the name is taken or invalid. */
  input(name: string): Wire {
    const hash = typeof name === 'string' ? scanName(name) : NOT_A_NAME;
    if (hash < 0 || (this.gateNameList.length > 0 && this.gateNameList.indexOf(name, hash) >= 0)) throw new CircuitException(this.nameError(name, hash));
    const index = this.count;
    const pos = this.nInputs;
    // one probe finds a duplicate or places the name
    if (this.inputNameList.add(name, hash) < 0) {
      if (pos >= MAX_NAMES) throw new CircuitException(composition(`a circuit can have at most ${MAX_NAMES.toLocaleString('en-US')} inputs`));
      throw new CircuitException(this.nameError(name, hash));
    }
    if (pos === this.inputWires.length) this.inputWires = grow(this.inputWires, new Int32Array(Math.max(16, pos * 2)));
    this.inputWires[pos] = index;
    this.nInputs = pos + 1;
    if (index === this.recordOf.length) this.recordOf = grow(this.recordOf, new Int32Array(Math.max(16, index * 2)));
    this.recordOf[index] = -1 - pos;
    this.count = index + 1;
    return new Wire(this, index);
  }

  /**
   * Declares several inputs at once: `const [a, b] = c.inputs('a', 'b')`.
   * The result has one wire per name, typed as a tuple of that length.
   */
  inputs<const Names extends readonly string[]>(...names: Names): { readonly [K in keyof Names]: Wire } {
    // check every name first, so a mistake declares none of them
    const seen = new Set<string>();
    for (const name of names) {
      const hash = typeof name === 'string' ? scanName(name) : NOT_A_NAME;
      const error = hash < 0 || this.find(name, hash) >= 0 ? this.nameError(name, hash) : seen.has(name) ? used(name) : undefined;
      if (error !== undefined) throw new CircuitException(error);
      seen.add(name);
    }
    return names.map((n) => this.input(n)) as unknown as { readonly [K in keyof Names]: Wire };
  }

  /**
   * Adds `gate` applied to `inputs` and returns its output wire, or a
   * {@link CompositionError}: the wrong number of inputs, a wire from another
   * circuit, an invalid or duplicate name, a non-finite constant or exponent.
   *
   * @param name - optional name for the output wire (a JavaScript identifier,
   * not of the form `_<digits>`, which is kept for unnamed wires).
   */
  apply(gate: Gate, inputs: readonly Wire[], name?: string): E.Either<CompositionError, Wire> {
    const error = this.checkApply(gate, inputs, name);
    if (error !== undefined) return E.left(error);
    const op = recordOp(builtinOf(gate)?.op ?? OP_CUSTOM, inputs.length);
    const index = this.count;
    this.pushGate(this.gateId(gate) * 16 + op, inputs);
    if (name !== undefined) this.nameGate(index, name);
    return E.right(new Wire(this, index));
  }

  /** Adds a constant wire, e.g. the `1.0` of `1.0 / a`. */
  constant(value: number, name?: string): Wire {
    return this.applyOrThrow(this.internedGate(value, 'c', () => new ConstantGate(value)), [], name);
  }

  /** `a * b` ({@link MultiplyGate}). */
  mul(a: Wire, b: Wire, name?: string): Wire {
    return this.shared(MULTIPLY, OP_MULTIPLY, a, b, name);
  }

  /** `a + b + ...` in one gate ({@link AddGate}). */
  add(terms: readonly Wire[], name?: string): Wire {
    if (!Array.isArray(terms) || terms.length === 0) return this.applyOrThrow(ADD, terms, name);
    return this.sharedN(ADD, OP_ADD, terms, name);
  }

  /** `a - b` ({@link SubtractGate}). */
  sub(a: Wire, b: Wire, name?: string): Wire {
    return this.shared(SUBTRACT, OP_SUBTRACT, a, b, name);
  }

  /** `-a` ({@link NegateGate}). */
  neg(a: Wire, name?: string): Wire {
    return this.shared(NEGATE, OP_NEGATE, a, undefined, name);
  }

  /** `sig(q)` ({@link SigmoidGate}). */
  sigmoid(q: Wire, name?: string): Wire {
    return this.shared(SIGMOID, OP_SIGMOID, q, undefined, name);
  }

  /** `Math.max(a, 0)` ({@link ReluGate}). */
  relu(a: Wire, name?: string): Wire {
    return this.shared(RELU, OP_RELU, a, undefined, name);
  }

  /** `Math.max(a, b, ...)` over two or more wires ({@link MaxGate}). */
  max(args: readonly Wire[], name?: string): Wire {
    if (!Array.isArray(args) || args.length < 2) return this.applyOrThrow(MAX, args, name);
    return this.sharedN(MAX, OP_MAX, args, name);
  }

  /** `1.0 / a` ({@link ReciprocalGate}). */
  reciprocal(a: Wire, name?: string): Wire {
    return this.shared(RECIPROCAL, OP_RECIPROCAL, a, undefined, name);
  }

  /** `Math.pow(a, k)` for a constant `k` ({@link PowGate}). */
  pow(a: Wire, k: number, name?: string): Wire {
    return this.applyOrThrow(this.internedGate(k, 'p', () => new PowGate(k)), [a], name);
  }

  /**
   * Builds a whole circuit in one call from flat arrays: the form
   * {@link Circuit.layout} returns, and the name of every wire
   * ({@link CircuitSpec}). It is the same circuit the builders would make
   * one wire at a time (`input`, then `apply` or the helpers, in wire
   * order), checked the same way (every {@link Circuit.apply} check, with
   * the reason it would give), plus the arrays' own shape; the first
   * mistake, in wire order, is a `Left` whose `wire` says where. Much faster
   * for a large circuit (a parser, a file format): no {@link Wire} object
   * per wire, and every array is sized once. The arrays are read, not kept.
   *
   * @example
   * ```ts
   * const c = new Circuit();
   * const [a, b] = c.inputs('a', 'b');
   * c.sigmoid(c.mul(a, b), 's');
   * // the same circuit again, from its layout
   * const copy = orThrow(Circuit.fromLayout({ ...c.layout(), names: ['a', 'b', undefined, 's'] }));
   * copy.describe(3); // 's = sigmoid(_2)'
   * // a mistake names its wire
   * const bad = Circuit.fromLayout({ ...c.layout(), names: ['a', 'a', undefined, 's'] });
   * // Left: { _tag: 'CompositionError', message: 'wire 1: the name a is already used in this circuit', wire: 1 }
   * ```
   */
  static fromLayout(spec: CircuitSpec): E.Either<CompositionError, Circuit> {
    const c = new Circuit();
    const error = c.load(spec);
    return error === undefined ? E.right(c) : E.left(error);
  }

  /**
   * Releases the spare room the circuit keeps for growing (up to half of
   * its arrays), for a circuit that is complete: {@link compile} and
   * {@link Circuit.workspace} call it.
   * Adding to the circuit afterwards works as before.
   */
  compact(): void {
    if (this.stream.length > this.streamLength) this.stream = this.stream.slice(0, this.streamLength);
    if (this.recordOf.length > this.count) this.recordOf = this.recordOf.slice(0, this.count);
    if (this.inputWires.length > this.nInputs) this.inputWires = this.inputWires.slice(0, this.nInputs);
    if (this.params.length > this.gates.length) this.params = this.params.slice(0, this.gates.length);
    if (this.gateNameWire.length > this.gateNameList.length) this.gateNameWire = this.gateNameWire.slice(0, this.gateNameList.length);
    this.inputNameList.trim();
    this.gateNameList.trim();
  }

  /** {@link Circuit.apply}, throwing a {@link CircuitException} instead of returning a `Left`. */
  applyOrThrow(gate: Gate, inputs: readonly Wire[], name?: string): Wire {
    const result = this.apply(gate, inputs, name);
    if (E.isLeft(result)) throw new CircuitException(result.left);
    return result.right;
  }

  // ---- running -----------------------------------------------------------

  /**
   * The forward pass from named input values. The values are checked first
   * at run time, as {@link decodeInputs} does: a missing, unknown, non-number
   * or non-finite input is an {@link InputError}. For untrusted input
   * (parsed JSON), decode first: `pipe(decodeInputs(c.inputNames, json), E.chainW((p) => c.forward(p)))`.
   * A gate that produces `NaN` or `±Infinity` stops the pass with a
   * {@link GateError} naming it.
   */
  forward(inputs: InputAssignment): E.Either<CircuitError, Forward> {
    const names = this.inputNames;
    const decoded = decodeInputs(names, inputs);
    if (E.isLeft(decoded)) return decoded;
    const values = new Float64Array(this.count);
    const point = decoded.right;
    names.forEach((name, k) => (values[this.inputWires[k]!] = point[name] ?? NaN));
    return this.evaluate(values);
  }

  /**
   * The forward pass from input values given by position, in the order the
   * inputs were declared: the fast path for many inputs or many calls.
   * Each value must be a finite number.
   */
  forwardArray(inputs: ArrayLike<number>): E.Either<CircuitError, Forward> {
    const values = new Float64Array(this.count);
    const error = this.setInputs(inputs, values);
    return error === undefined ? this.evaluate(values) : E.left(error);
  }

  /**
   * A {@link Workspace} for this circuit as it is now: buffers for values and
   * gradients that are reused by every pass, for evaluating the same circuit
   * many times without allocating.
   */
  workspace(): Workspace {
    this.compact();
    return new Workspace(this);
  }

  /**
   * Checks positional input values and copies them onto the input wires of `values`.
   * @internal
   */
  setInputs(inputs: ArrayLike<number>, values: Float64Array): InputError | undefined {
    const list = this.inputWires;
    const n = this.nInputs;
    if (inputs.length !== n) {
      return inputError('', `expected ${String(n)} input values (${this.inputNames.join(', ')}), got ${String(inputs.length)}`);
    }
    let acc = 0;
    if (inputs instanceof Float64Array) {
      // every element is a number: only finiteness to check (x - x is 0 only for a finite x)
      for (let k = 0; k < n; k++) {
        const x = inputs[k]!;
        values[list[k]!] = x;
        acc += x - x;
      }
    } else {
      for (let k = 0; k < n; k++) {
        const x = inputs[k];
        if (typeof x !== 'number') {
          acc = NaN;
          break;
        }
        values[list[k]!] = x;
        acc += x - x;
      }
    }
    if (acc === 0) return undefined;
    // report the first bad value
    for (let k = 0; k < n; k++) {
      const x = inputs[k];
      if (typeof x !== 'number' || !isFinite(x)) {
        const name = this.nameOf(list[k]!);
        return inputError(name, `input ${name} must be a finite number, got ${show(x)}`);
      }
    }
    return undefined;
  }

  /**
   * The backward pass: given the upstream gradient on `output` (default: the
   * circuit's last wire, with upstream `1`), the gradient on every wire.
   * Each gate passes back its local gradient times the gradient from above;
   * where a wire feeds several gates the contributions add up.
   *
   * @param forward - a forward pass of this circuit.
   * @param upstream - the gradient on the output from above (the chapter's `dx`); must be finite.
   * @param output - the wire to start from; defaults to the last wire of the forward pass.
   */
  backward(forward: Forward, upstream = 1, output?: Wire): E.Either<CircuitError, Backward> {
    const wire = output ?? new Wire(this, forward.size - 1);
    return this.backwardFrom(forward, [{ wire, upstream }]);
  }

  /**
   * The backward pass from several outputs at once, each with its own
   * upstream gradient: the gradient on every wire of `sum_k upstream_k * wire_k`
   * (a vector-Jacobian product). Seeds on the same wire add up.
   */
  backwardFrom(forward: Forward, seeds: readonly Seed[]): E.Either<CircuitError, Backward> {
    if (forward.circuit !== this) return E.left(composition('the forward pass belongs to another circuit'));
    const g = new Float64Array(forward.size);
    const error = this.runBackwardFrom(forward.values, g, seeds);
    return error === undefined ? E.right(new Backward(forward, g)) : E.left(error);
  }

  /**
   * Checks `seeds`, places them on `g` (which must be all zeros), and runs the
   * backward pass over `values`. On a non-finite gradient, replays the pass
   * checking after each gate, to name the gate where it first appeared.
   * @internal
   */
  runBackwardFrom(values: Float64Array, g: Float64Array, seeds: readonly Seed[]): CircuitError | undefined {
    if (seeds.length === 0) return composition('backward needs at least one output wire to start from');
    let top = -1;
    for (let k = 0; k < seeds.length; k++) {
      const { wire, upstream } = seeds[k]! as { wire: unknown; upstream: unknown };
      if (!(wire instanceof Wire) || wire.circuit !== this) return composition('the output wire belongs to another circuit');
      const i = wire.index;
      if (i < 0) return composition('the circuit has no wires to start the backward pass from');
      if (i >= values.length) return composition(`wire ${wire.name} was added after this forward pass; run forward again`);
      if (typeof upstream !== 'number' || !isFinite(upstream)) {
        return composition(`upstream gradient on wire ${wire.name} must be a finite number, got ${show(upstream)}`);
      }
      const d = g[i]! + upstream;
      if (!isFinite(d)) return composition(`upstream gradients on wire ${wire.name} add up to ${show(d)}`);
      g[i] = d;
      if (i > top) top = i;
    }
    const failed = this.runBackward(values, g, top, false);
    if (failed === undefined) return undefined;
    const replay = new Float64Array(g.length);
    for (const { wire, upstream } of seeds) replay[wire.index] = replay[wire.index]! + upstream;
    return this.runBackward(values, replay, top, true) ?? failed;
  }

  // ---- internals -----------------------------------------------------------

  /** The wire called `name` (an input or a named gate), or -1. */
  private find(name: string, hash?: number): number {
    if (typeof name !== 'string') return -1;
    const h = hash ?? scanName(name);
    const k = this.inputNameList.indexOf(name, h);
    if (k >= 0) return this.inputWires[k]!;
    if (this.gateNameList.length === 0) return -1;
    const g = this.gateNameList.indexOf(name, h);
    return g >= 0 ? this.gateNameWire[g]! : -1;
  }

  /** Why `name` cannot name a new wire, given what {@link scanName} said of it. */
  private nameError(name: string, hash: number): CompositionError {
    if (hash === NOT_A_NAME) return composition(`${show(name)} is not a valid wire name: use letters, digits, _ and $, not starting with a digit`);
    if (hash === RESERVED_NAME) return composition(`the name ${name} is kept for unnamed wires; choose another`);
    return used(name);
  }

  private checkName(name: string | undefined): CompositionError | undefined {
    if (name === undefined) return undefined;
    const hash = typeof name === 'string' ? scanName(name) : NOT_A_NAME;
    return hash < 0 || this.find(name, hash) >= 0 ? this.nameError(name, hash) : undefined;
  }

  /** Names gate wire `index` (the caller checked the name is valid and free). */
  private nameGate(index: number, name: string): void {
    this.nameGateRange(index, name, 0, name.length, scanName(name));
  }

  /** Names gate wire `index` `text.slice(from, to)` (valid and free; `hash` is what {@link scanRange} gave). */
  private nameGateRange(index: number, text: string, from: number, to: number, hash: number): void {
    const k = this.gateNameList.addRange(text, from, to, hash);
    if (k < 0) throw new CircuitException(composition(`a circuit can have at most ${MAX_NAMES.toLocaleString('en-US')} named gates`));
    this.placeGateName(index, k);
  }

  /** Records that gate wire `index` has the gate name at position `k` of the list. */
  private placeGateName(index: number, k: number): void {
    if (k >= this.gateNameWire.length) this.gateNameWire = grow(this.gateNameWire, new Int32Array(Math.max(16, k * 2)));
    this.gateNameWire[k] = index;
  }

  private checkApply(gate: Gate, inputs: readonly Wire[], name: string | undefined): CompositionError | undefined {
    const error = gateError(gate) ?? arityError(gate, inputs.length);
    if (error !== undefined) return composition(error);
    for (let k = 0; k < inputs.length; k++) {
      const e = this.checkInput(gate, inputs[k], k);
      if (e !== undefined) return e;
    }
    const param = paramError(gate);
    if (param !== undefined) return composition(param);
    return this.checkName(name);
  }

  /** {@link Circuit.fromLayout}'s work, on a new circuit: the first mistake, or `undefined` once the circuit is built. */
  private load(spec: CircuitSpec): CompositionError | undefined {
    const s = spec as Partial<CircuitSpec> | null | undefined;
    if (typeof s !== 'object' || s === null) return composition(`fromLayout needs a layout (size, inputs, gate, argStart, args, gates and names), got ${show(spec)}`);
    const { size, inputs, gate, argStart, args, gates, names } = s;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_WIRES) {
      return composition(`the layout's size must be a whole number of wires from 0 to ${String(MAX_WIRES)}, got ${show(size)}`);
    }
    const arrays: [string, unknown, number | undefined][] = [['gate', gate, size], ['argStart', argStart, size + 1], ['args', args, undefined], ['inputs', inputs, undefined]];
    for (const [what, a, length] of arrays) {
      if (!(a instanceof Int32Array)) return composition(`the layout's ${what} must be an Int32Array, got ${show(a)}`);
      if (length !== undefined && a.length !== length) return composition(`the layout's ${what} must have ${String(length)} entries (size ${String(size)}), got ${String(a.length)}`);
    }
    if (!Array.isArray(gates)) return composition(`the layout's gates must be an array of gates, got ${show(gates)}`);
    if (typeof names !== 'object' || (names as unknown) === null) return composition(`the layout's names must be an array of ${String(size)} names or name ranges, got ${show(names)}`);
    if ('text' in names) {
      if (typeof names.text !== 'string') return composition(`the layout's name ranges need a text, got ${show(names.text)}`);
      for (const [what, a] of [['start', names.start], ['end', names.end]] as const) {
        if (!(a instanceof Int32Array) || a.length !== size) return composition(`the layout's name ranges need ${what}: an Int32Array of ${String(size)} entries (size), got ${a instanceof Int32Array ? `${String(a.length)} entries` : show(a)}`);
      }
    } else if (names.length !== size) return composition(`the layout's names must have ${String(size)} entries (size), got ${String(names.length)}`);
    const g = gate as Int32Array;
    const argFrom = argStart as Int32Array;
    const argv = args as Int32Array;
    const inputWires = inputs as Int32Array;
    const nArgs = argv.length;
    if (argFrom[0] !== 0 || argFrom[size] !== nArgs) {
      return composition(`the layout's argStart must start at 0 and end at the number of args (${String(nArgs)}), got ${String(argFrom[0])} and ${String(argFrom[size])}`);
    }
    // the distinct gates: each checked once, its opcode and inputs' range found once
    const nGates = gates.length;
    const ops = new Int32Array(nGates);
    const mins = new Float64Array(nGates);
    const maxs = new Float64Array(nGates);
    for (let k = 0; k < nGates; k++) {
      const gk = gates[k] as Gate;
      const e = gateError(gk) ?? paramError(gk);
      if (e !== undefined) return composition(`the layout's gates[${String(k)}]: ${e}`);
      const entry = builtinOf(gk);
      ops[k] = entry === undefined ? OP_CUSTOM : entry.op;
      mins[k] = gk.arity.min;
      maxs[k] = gk.arity.max;
    }
    // the wiring, and the room it takes (each pass is a function of its own: in one long function,
    // --trace-deopt showed V8 dropping the optimised code at the end of each million-wire loop)
    const wired = checkWiring(size, g, argFrom, argv, inputWires, gates as readonly Gate[], ops, mins, maxs);
    if (typeof wired !== 'number') return wired;
    const nInputs = inputWires.length;
    if (nInputs > MAX_NAMES) return composition(`a circuit can have at most ${MAX_NAMES.toLocaleString('en-US')} inputs`);
    // sized once (the names' characters as for 8 a name; the gate names as they come)
    this.stream = new Int32Array(Math.max(64, wired));
    this.recordOf = new Int32Array(Math.max(16, size));
    this.inputWires = new Int32Array(Math.max(16, nInputs));
    if ('text' in names) this.reserveRanges(size, g, names);
    else this.inputNameList.reserve(nInputs, 8 * nInputs);
    const heads = new Int32Array(nGates);
    for (let k = 0; k < nGates; k++) heads[k] = this.gateId(gates[k] as Gate) * 16 + ops[k]!;
    // the records, then the names in wire order (a name is checked against the wires before it, as the builders do)
    this.streamLength = writeRecords(size, g, argFrom, argv, heads, this.stream, this.recordOf, this.inputWires);
    this.nInputs = 0;
    const error = 'text' in names ? this.nameFromRanges(size, g, names) : this.nameFromList(size, g, names);
    this.count = error === undefined ? size : 0;
    return error;
  }

  /**
   * Sizes the name tables for the names of {@link Circuit.load}'s ranges
   * exactly (a ranges' mistake is found later, by {@link nameFromRanges}):
   * they are filled without growing, and {@link compact} has nothing to trim.
   */
  private reserveRanges(size: number, g: Int32Array, { text, start, end }: NameRanges): void {
    let inputs = 0;
    let inputChars = 0;
    let gates = 0;
    let gateChars = 0;
    for (let i = 0; i < size; i++) {
      const length = end[i]! - start[i]!;
      if (length <= 0 || length > text.length) continue;
      if (g[i]! === -1) {
        inputs++;
        inputChars += length;
      } else {
        gates++;
        gateChars += length;
      }
    }
    this.inputNameList.reserve(inputs, inputChars);
    if (gates === 0) return;
    this.gateNameList.reserve(gates, gateChars);
    this.gateNameWire = new Int32Array(gates);
  }

  /** Names the wires of {@link Circuit.load} from ranges of `text`: the first mistake, or `undefined`. */
  private nameFromRanges(size: number, g: Int32Array, { text, start, end }: NameRanges): CompositionError | undefined {
    for (let i = 0; i < size; i++) {
      const from = start[i]!;
      const to = end[i]!;
      if (from < 0 || to < from || to > text.length) return atWire(i, `its name's range ${String(from)} to ${String(to)} is not in the text (0 to ${String(text.length)})`);
      const error = this.placeName(i, g[i]! === -1, text, from, to);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** Names the wires of {@link Circuit.load} from a list of names: the first mistake, or `undefined`. */
  private nameFromList(size: number, g: Int32Array, list: ArrayLike<string | undefined>): CompositionError | undefined {
    for (let i = 0; i < size; i++) {
      const name = list[i] as unknown;
      if (typeof name !== 'string' && name !== undefined) return atWire(i, this.nameError(name as string, NOT_A_NAME).message);
      const error = this.placeName(i, g[i]! === -1, name ?? '', 0, typeof name === 'string' ? name.length : 0);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** Gives wire `i` the name `text.slice(from, to)` (none if empty; an input must have one), or says why not. */
  private placeName(i: number, input: boolean, text: string, from: number, to: number): CompositionError | undefined {
    if (to === from) return input ? atWire(i, 'an input needs a name, got none') : undefined;
    const hash = scanRange(text, from, to);
    if (hash < 0) return atWire(i, this.nameError(text.slice(from, to), hash).message);
    if (input) {
      if ((this.gateNameList.length > 0 && this.gateNameList.indexOfRange(text, from, to, hash) >= 0) || this.inputNameList.addRange(text, from, to, hash) < 0) {
        return atWire(i, used(text.slice(from, to)).message);
      }
      this.nInputs++;
      return undefined;
    }
    if (this.inputNameList.indexOfRange(text, from, to, hash) >= 0) return atWire(i, used(text.slice(from, to)).message);
    const gates = this.gateNameList;
    if (gates.length >= MAX_NAMES) {
      if (gates.indexOfRange(text, from, to, hash) >= 0) return atWire(i, used(text.slice(from, to)).message);
      return composition(`a circuit can have at most ${MAX_NAMES.toLocaleString('en-US')} named gates`);
    }
    // (one probe: adding a name the list has fails)
    const k = gates.addRange(text, from, to, hash);
    if (k < 0) return atWire(i, used(text.slice(from, to)).message);
    this.placeGateName(i, k);
    return undefined;
  }

  private checkInput(gate: Gate, w: unknown, k: number): CompositionError | undefined {
    if (!(w instanceof Wire)) return composition(`input ${String(k + 1)} of the ${gate.name} gate is not a wire, got ${show(w)}`);
    if (w.circuit !== this) return composition(`input ${String(k + 1)} of the ${gate.name} gate is a wire from another circuit`);
    return undefined;
  }

  /** The one constant or pow gate for a number: `Object.is` keys, so `-0` and `0` differ. */
  private internedGate(value: number, kind: 'c' | 'p', make: () => Gate): Gate {
    if (typeof value !== 'number' || !isFinite(value)) return make(); // apply reports it
    const key = Object.is(value, -0) ? `${kind}-0` : kind === 'c' ? value : `p${String(value)}`;
    let gate = this.interned.get(key);
    if (gate === undefined) {
      gate = make();
      this.interned.set(key, gate);
    }
    return gate;
  }

  /** The gate id of `gate`, registering it (and the number it carries) on first use. */
  private gateId(gate: Gate): number {
    let gid = this.gateIndex.get(gate);
    if (gid === undefined) {
      gid = this.gates.length;
      this.gates.push(gate);
      this.gateIndex.set(gate, gid);
      if (gid === this.params.length) this.params = grow(this.params, new Float64Array(Math.max(8, gid * 2)));
      this.params[gid] = paramOf(gate);
    }
    return gid;
  }

  /** The gate id of a shared built-in gate, registering it on first use. */
  private sharedId(gate: Gate, op: number): number {
    let gid = this.sharedIds[op]!;
    if (gid < 0) {
      gid = this.gateId(gate);
      this.sharedIds[op] = gid;
    }
    return gid;
  }

  /** A shared unary or binary built-in gate: the fast path of the helpers (no `Either`, no arrays). */
  private shared(gate: Gate, op: number, a: Wire, b: Wire | undefined, name: string | undefined): Wire {
    const error = this.checkInput(gate, a, 0) ?? (b === undefined ? undefined : this.checkInput(gate, b, 1)) ?? this.checkName(name);
    if (error !== undefined) throw new CircuitException(error);
    const index = this.count;
    const head = this.sharedId(gate, op) * 16 + op;
    const pc = this.record(b === undefined ? 3 : 4);
    const st = this.stream;
    st[pc] = head;
    st[pc + 1] = index;
    st[pc + 2] = a.index;
    if (b !== undefined) st[pc + 3] = b.index;
    if (name !== undefined) this.nameGate(index, name);
    return new Wire(this, index);
  }

  /** A shared n-ary built-in gate (add, max) over a valid number of terms. */
  private sharedN(gate: Gate, op: number, terms: readonly Wire[], name: string | undefined): Wire {
    for (let k = 0; k < terms.length; k++) {
      const error = this.checkInput(gate, terms[k], k);
      if (error !== undefined) throw new CircuitException(error);
    }
    const error = this.checkName(name);
    if (error !== undefined) throw new CircuitException(error);
    const index = this.count;
    this.pushGate(this.sharedId(gate, op) * 16 + op, terms);
    if (name !== undefined) this.nameGate(index, name);
    return new Wire(this, index);
  }

  /** Appends a gate's record: its head, the number of inputs where its opcode takes any number, the input wires. */
  private pushGate(head: number, inputs: readonly Wire[]): void {
    const n = inputs.length;
    const counted = FIXED_ARITY[head & 15]! < 0;
    const index = this.count;
    const pc = this.record(recordSize(head & 15, n));
    const st = this.stream;
    st[pc] = head;
    st[pc + 1] = index;
    const at = counted ? pc + 3 : pc + 2;
    if (counted) st[pc + 2] = n;
    for (let k = 0; k < n; k++) st[at + k] = inputs[k]!.index;
  }

  /** Makes room for the next wire, a gate whose record has `size` entries; returns where the record starts. */
  private record(size: number): number {
    const index = this.count;
    const pc = this.streamLength;
    if (pc + size > this.stream.length) this.stream = grow(this.stream, new Int32Array(Math.max(pc + size, this.stream.length * 2)));
    if (index === this.recordOf.length) this.recordOf = grow(this.recordOf, new Int32Array(Math.max(16, index * 2)));
    this.recordOf[index] = pc;
    this.streamLength = pc + size;
    this.count = index + 1;
    return pc;
  }

  /** Runs every gate in order over `values` (inputs already set). */
  private evaluate(values: Float64Array): E.Either<CircuitError, Forward> {
    const error = this.runForward(values);
    return error === undefined ? E.right(new Forward(this, values)) : E.left(error);
  }

  /**
   * Runs every gate in order over `values` (inputs already set), writing each
   * gate's output; returns the error of the first gate whose output is not
   * finite. Allocates nothing for built-in gates.
   * @internal
   */
  runForward(values: Float64Array): GateError | undefined {
    const v = values;
    const n = v.length;
    const st = this.stream;
    const params = this.params;
    const end = this.recordsBelow(n);
    for (let pc = 0; pc < end; ) {
      const x = st[pc]!;
      const i = st[pc + 1]!;
      let y: number;
      switch (x & 15) {
        case OP_MULTIPLY:
          y = v[st[pc + 2]!]! * v[st[pc + 3]!]!;
          pc += 4;
          break;
        case OP_ADD: {
          const e = pc + 3 + st[pc + 2]!;
          y = v[st[pc + 3]!]!;
          for (let k = pc + 4; k < e; k++) y += v[st[k]!]!;
          pc = e;
          break;
        }
        case OP_SIGMOID:
          y = sigmoid(v[st[pc + 2]!]!);
          pc += 3;
          break;
        case OP_RELU: {
          const a = v[st[pc + 2]!]!;
          y = a > 0 ? a : 0;
          pc += 3;
          break;
        }
        case OP_SUBTRACT:
          y = v[st[pc + 2]!]! - v[st[pc + 3]!]!;
          pc += 4;
          break;
        case OP_NEGATE:
          y = -v[st[pc + 2]!]!;
          pc += 3;
          break;
        case OP_CONSTANT:
          y = params[x >> 4]!;
          pc += 2;
          break;
        case OP_MAX: {
          const e = pc + 3 + st[pc + 2]!;
          y = -Infinity;
          for (let k = pc + 3; k < e; k++) y = Math.max(y, v[st[k]!]!);
          pc = e;
          break;
        }
        case OP_RECIPROCAL:
          y = 1.0 / v[st[pc + 2]!]!;
          pc += 3;
          break;
        case OP_POW:
          y = Math.pow(v[st[pc + 2]!]!, params[x >> 4]!);
          pc += 3;
          break;
        default: {
          const out: unknown = this.gates[x >> 4]!.forward(this.argValues(v, i));
          if (typeof out !== 'number') {
            return this.gateError(i, 'forward', `forward returned ${show(out)}, not a number`);
          }
          y = out;
          pc += 3 + st[pc + 2]!;
        }
      }
      if (y - y !== 0) return this.forwardError(v, i, y);
      v[i] = y;
    }
    return undefined;
  }

  /**
   * Runs every gate from `top` down to the inputs, adding each gate's
   * local gradient times its upstream gradient into its inputs' gradients.
   * Returns an error when a non-finite gradient appeared: with `check`, at
   * the first gate whose contribution made one; without, after the pass.
   */
  private runBackward(v: Float64Array, g: Float64Array, top: number, check: boolean): GateError | undefined {
    const st = this.stream;
    const recordOf = this.recordOf;
    const params = this.params;
    // x - x is 0 for a finite x and NaN otherwise: every gradient a gate adds to is summed so into acc
    let acc = 0;
    for (let i = top; i >= 0; i--) {
      const pc = recordOf[i]!;
      if (pc < 0) continue; // an input
      const x = st[pc]!;
      const dy = g[i]!;
      switch (x & 15) {
        case OP_MULTIPLY: {
          const a = st[pc + 2]!;
          const b = st[pc + 3]!;
          acc += add(g, a, v[b]! * dy);
          acc += add(g, b, v[a]! * dy);
          break;
        }
        case OP_ADD: {
          const e = pc + 3 + st[pc + 2]!;
          for (let k = pc + 3; k < e; k++) {
            const j = st[k]!;
            const t = g[j]! + 1.0 * dy;
            g[j] = t;
            acc += t - t;
          }
          break;
        }
        case OP_SIGMOID: {
          const a = st[pc + 2]!;
          const q = v[a]!;
          const f = v[i]!;
          acc += add(g, a, f * (q >= 1 ? sigmoid(-q) : 1 - f) * dy);
          break;
        }
        case OP_RELU: {
          const a = st[pc + 2]!;
          acc += add(g, a, v[a]! > 0 ? 1.0 * dy : 0.0);
          break;
        }
        case OP_SUBTRACT:
          acc += add(g, st[pc + 2]!, 1.0 * dy) + add(g, st[pc + 3]!, -1.0 * dy);
          break;
        case OP_NEGATE:
          acc += add(g, st[pc + 2]!, -1.0 * dy);
          break;
        case OP_CONSTANT:
          continue;
        case OP_MAX: {
          const e = pc + 3 + st[pc + 2]!;
          const y = v[i]!;
          let ties = 0;
          for (let k = pc + 3; k < e; k++) if (v[st[k]!] === y) ties++;
          const share = dy / ties;
          for (let k = pc + 3; k < e; k++) {
            const b = st[k]!;
            if (v[b] === y) acc += add(g, b, share);
          }
          break;
        }
        case OP_RECIPROCAL: {
          const a = st[pc + 2]!;
          const q = v[a]!;
          acc += add(g, a, (-1.0 / (q * q)) * dy);
          break;
        }
        case OP_POW: {
          const a = st[pc + 2]!;
          const k = params[x >> 4]!;
          acc += add(g, a, k === 0 ? 0 : k * Math.pow(v[a]!, k - 1) * dy);
          break;
        }
        default: {
          const local: unknown = this.gates[x >> 4]!.backward(this.argValues(v, i), v[i]!, dy);
          const m = st[pc + 2]!;
          if (!Array.isArray(local) || local.length !== m) {
            const what = Array.isArray(local) ? `${String(local.length)} gradients` : show(local);
            return this.gateError(i, 'backward', `backward returned ${what} for ${String(m)} input${m === 1 ? '' : 's'}`);
          }
          for (let k = 0; k < m; k++) {
            const d: unknown = local[k];
            const b = st[pc + 3 + k]!;
            if (typeof d !== 'number') {
              return this.gateError(i, 'backward', `backward returned ${show(d)} for input ${this.nameOf(b)}, not a number`);
            }
            acc += add(g, b, d);
          }
        }
      }
      if (check) {
        const [from, to] = this.argRange(pc);
        for (let k = from; k < to; k++) {
          const b = st[k]!;
          if (!isFinite(g[b]!)) return this.backwardError(v, g, i, b, dy);
        }
      }
    }
    if (!check) {
      if (acc !== 0) {
        for (let i = 0; i <= top; i++) {
          if (!isFinite(g[i]!)) return this.gateError(i, 'backward', `gradient ${show(g[i])}`);
        }
      }
    }
    return undefined;
  }

  /** The gate whose output wire `i` is, or `undefined` for an input. */
  private gateAt(i: number): Gate | undefined {
    const pc = i >= 0 && i < this.count ? this.recordOf[i]! : -1;
    return pc < 0 ? undefined : this.gates[this.stream[pc]! >> 4];
  }

  /** Where the records of the gates among the first `n` wires end (a circuit may have grown since a pass began). */
  private recordsBelow(n: number): number {
    for (let j = n; j < this.count; j++) {
      const pc = this.recordOf[j]!;
      if (pc >= 0) return pc;
    }
    return this.streamLength;
  }

  /** The input wires of wire `i`'s gate (empty for an input). */
  private inputsOf(i: number): number[] {
    if (!(i >= 0 && i < this.count)) return [];
    const [from, to] = this.argRange(this.recordOf[i]!);
    return Array.from(this.stream.subarray(from, to));
  }

  /** The values on wire i's input wires, as an array for a custom gate. */
  private argValues(v: Float64Array, i: number): number[] {
    // a user's gate is called with an array: built directly (this runs once per gate per pass)
    const pc = this.recordOf[i]!;
    const st = this.stream;
    const n = st[pc + 2]!; // a user's gate's record counts its inputs
    const xs = new Array<number>(n);
    for (let k = 0; k < n; k++) xs[k] = v[st[pc + 3 + k]!]!;
    return xs;
  }

  private inputsText(v: Float64Array, i: number): string {
    return this.inputsOf(i).map((j) => `${this.nameOf(j)} = ${show(v[j])}`).join(', ');
  }

  private gateName(i: number): string {
    return this.gateAt(i)?.name ?? 'input';
  }

  private gateError(i: number, pass: 'forward' | 'backward', what: string): GateError {
    const gate = this.gateName(i);
    const wire = this.nameOf(i);
    const where = pass === 'backward' ? `${gate} gate on wire ${wire}, backward` : `${gate} gate on wire ${wire}`;
    return { _tag: 'GateError', pass, gate, wire, message: `${where}: ${what}` };
  }

  private forwardError(v: Float64Array, i: number, y: number): GateError {
    const n = this.inputsOf(i).length;
    const inputs = this.inputsText(v, i);
    const what = n === 0 ? `gives ${show(y)}` : `input${n === 1 ? '' : 's'} ${inputs} give${n === 1 ? 's' : ''} ${show(y)}`;
    return this.gateError(i, 'forward', what);
  }

  private backwardError(v: Float64Array, g: Float64Array, i: number, a: number, dy: number): GateError {
    return this.gateError(
      i,
      'backward',
      `gradient into ${this.nameOf(a)} becomes ${show(g[a])} (inputs ${this.inputsText(v, i)}; upstream d${this.nameOf(i)} = ${show(dy)})`,
    );
  }
}

/**
 * Reusable buffers for evaluating one circuit many times: the fast path. A
 * workspace allocates its value and gradient arrays once; each `forward`
 * overwrites them and returns the same {@link Forward} (and each `backward`
 * the same {@link Backward}), so results from an earlier pass are replaced,
 * not kept. Use one workspace per concurrent evaluation; the circuit's own
 * `forward`/`backward` allocate fresh results instead.
 *
 * It covers the circuit as it was when the workspace was made; wires added
 * later need a new workspace.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b);
 * const ws = c.workspace();
 * for (const [x, y] of [[1, 2], [3, 4]]) {
 *   orThrow(ws.forward([x, y]));
 *   const grads = orThrow(ws.backward(1));
 *   grads.gradient(a); // y
 * }
 * ```
 */
export class Workspace {
  private readonly fwd: Forward;
  private readonly bwd: Backward;
  private readonly okForward: E.Either<CircuitError, Forward>;
  private readonly okBackward: E.Either<CircuitError, Backward>;
  private readonly seed: { wire: Wire; upstream: number };
  private readonly seeds: Seed[];
  /** What the last forward pass left: nothing yet, good values, or the values of a pass that failed. */
  private state: 'none' | 'ok' | 'failed' = 'none';
  /** The circuit's last wire when the workspace was made (index -1 for an empty circuit, which backward reports). */
  private readonly last: Wire;

  /** @param circuit - the circuit to evaluate; its size now fixes the workspace's. */
  constructor(readonly circuit: Circuit) {
    const values = new Float64Array(circuit.size);
    this.fwd = new Forward(circuit, values);
    this.bwd = new Backward(this.fwd, new Float64Array(circuit.size));
    this.okForward = E.right(this.fwd);
    this.okBackward = E.right(this.bwd);
    this.last = circuit.output ?? new Wire(circuit, -1);
    this.seed = { wire: this.last, upstream: 1 };
    this.seeds = [this.seed];
  }

  /** The forward pass from positional input values (as {@link Circuit.forwardArray}), into this workspace's buffer. */
  forward(inputs: ArrayLike<number>): E.Either<CircuitError, Forward> {
    const values = this.fwd.values;
    const error = this.circuit.setInputs(inputs, values) ?? this.circuit.runForward(values);
    this.state = error === undefined ? 'ok' : 'failed';
    return error === undefined ? this.okForward : E.left(error);
  }

  /** The backward pass of the last `forward` (as {@link Circuit.backward}), into this workspace's buffer. */
  backward(upstream = 1, output?: Wire): E.Either<CircuitError, Backward> {
    this.seed.wire = output ?? this.last;
    this.seed.upstream = upstream;
    return this.backwardFrom(this.seeds);
  }

  /** The backward pass from several outputs (as {@link Circuit.backwardFrom}), into this workspace's buffer. */
  backwardFrom(seeds: readonly Seed[]): E.Either<CircuitError, Backward> {
    // the values of a failed pass, or of none, are not a point to take gradients at
    if (this.state !== 'ok') return E.left(composition(NO_FORWARD[this.state]));
    const g = this.bwd.gradients;
    // a loop beats the fill builtin's call overhead on small circuits
    if (g.length < 256) for (let i = 0; i < g.length; i++) g[i] = 0;
    else g.fill(0);
    const error = this.circuit.runBackwardFrom(this.fwd.values, g, seeds);
    return error === undefined ? this.okBackward : E.left(error);
  }
}

function composition(message: string): CompositionError {
  return { _tag: 'CompositionError', message };
}

/**
 * Checks the wiring of a layout for {@link Circuit.fromLayout}: the inputs
 * are the wires whose gate is -1, in order; every gate is one of `gates`
 * with a number of inputs it takes, each an earlier wire. Returns the
 * length of the record stream the circuit needs, or the first mistake.
 */
function checkWiring(
  size: number, g: Int32Array, argFrom: Int32Array, argv: Int32Array, inputWires: Int32Array,
  gates: readonly Gate[], ops: Int32Array, mins: Float64Array, maxs: Float64Array,
): number | CompositionError {
  const nGates = gates.length;
  let streamLength = 0;
  let nInputs = 0;
  for (let i = 0; i < size; i++) {
    const gi = g[i]!;
    if (gi === -1) {
      if (inputWires[nInputs] !== i) {
        return atWire(i, `the layout's inputs must be the input wires (those whose gate is -1) in order: inputs[${String(nInputs)}] is ${show(inputWires[nInputs])}`);
      }
      nInputs++;
      continue;
    }
    if (gi < 0 || gi >= nGates) return atWire(i, `its gate is ${String(gi)}: -1 (an input) or one of the layout's gates (0 to ${String(nGates - 1)})`);
    const a0 = argFrom[i]!;
    const n = argFrom[i + 1]! - a0;
    if (n < 0) return atWire(i, `the layout's argStart goes down there (${String(a0)}, then ${String(argFrom[i + 1])})`);
    if (n < mins[gi]! || n > maxs[gi]!) return atWire(i, arityError(gates[gi]!, n) ?? '');
    for (let a = a0; a < a0 + n; a++) {
      const j = argv[a]!;
      if (j < 0 || j >= i) return atWire(i, `input ${String(a - a0 + 1)} of the ${gates[gi]!.name} gate is wire ${String(j)}, which is not an earlier wire (0 to ${String(i - 1)})`);
    }
    streamLength += recordSize(recordOp(ops[gi]!, n), n);
  }
  if (inputWires.length !== nInputs) return composition(`the layout's inputs must be the ${String(nInputs)} input wires (those whose gate is -1), got ${String(inputWires.length)} entries`);
  return streamLength;
}

/**
 * Writes a checked layout's records (see {@link Circuit}'s `stream`), where
 * each wire's record is and the inputs' wires; returns the stream's length.
 * `heads[k]`: gate `k`'s id * 16 + its opcode.
 */
function writeRecords(
  size: number, g: Int32Array, argFrom: Int32Array, argv: Int32Array, heads: Int32Array,
  st: Int32Array, recordOf: Int32Array, inputWires: Int32Array,
): number {
  let pc = 0;
  let pos = 0;
  for (let i = 0; i < size; i++) {
    const gi = g[i]!;
    if (gi === -1) {
      inputWires[pos] = i;
      recordOf[i] = -1 - pos++;
      continue;
    }
    const a0 = argFrom[i]!;
    const n = argFrom[i + 1]! - a0;
    const head = (heads[gi]! & ~15) | recordOp(heads[gi]! & 15, n);
    recordOf[i] = pc;
    st[pc] = head;
    st[pc + 1] = i;
    pc += 2;
    if (FIXED_ARITY[head & 15]! < 0) st[pc++] = n;
    for (let a = a0; a < a0 + n; a++) st[pc++] = argv[a]!;
  }
  return pc;
}

/**
 * The opcode a gate's record gets with `n` inputs: a built-in's inline math
 * reads a fixed number of inputs, so one declaring another arity (a subclass)
 * is called through its methods.
 */
function recordOp(op: number, n: number): number {
  const fixed = FIXED_ARITY[op]!;
  return fixed >= 0 && fixed !== n ? OP_CUSTOM : op;
}

/** How many stream entries the record of opcode `op` with `n` inputs takes: head, output, (count,) inputs. */
function recordSize(op: number, n: number): number {
  return (FIXED_ARITY[op]! < 0 ? 3 : 2) + n;
}

/** A mistake {@link Circuit.fromLayout} found at wire `wire`. */
function atWire(wire: number, reason: string): CompositionError {
  return { _tag: 'CompositionError', message: `wire ${String(wire)}: ${reason}`, wire };
}

/** Why `gate` is not a {@link Gate}, or `undefined`. */
function gateError(gate: unknown): string | undefined {
  const g = gate as Partial<Gate> | null | undefined;
  if (
    typeof g !== 'object' || g === null || typeof g.name !== 'string' ||
    typeof g.forward !== 'function' || typeof g.backward !== 'function' ||
    typeof g.arity !== 'object' || typeof g.arity.min !== 'number' || typeof g.arity.max !== 'number'
  ) {
    return `apply needs a Gate (an object with name, arity, forward and backward), got ${show(gate)}`;
  }
  return undefined;
}

/** Why `gate` cannot take `n` inputs, or `undefined`. */
function arityError(gate: Gate, n: number): string | undefined {
  const { min, max } = gate.arity;
  if (n >= min && n <= max) return undefined;
  const want = min === max ? String(min) : max === Infinity ? `at least ${String(min)}` : `${String(min)} to ${String(max)}`;
  return `${gate.name} gate takes ${want} input${(min === max ? min : max === Infinity ? min : max) === 1 ? '' : 's'}, got ${String(n)}`;
}

/** Why a constant's value or a pow's exponent is not allowed, or `undefined`. */
function paramError(gate: Gate): string | undefined {
  if (gate instanceof ConstantGate && !isFinite(gate.value)) return `a constant must be a finite number, got ${show(gate.value)}`;
  if (gate instanceof PowGate && !isFinite(gate.exponent)) return `the exponent of a pow gate must be a finite number, got ${show(gate.exponent)}`;
  return undefined;
}

function inputError(input: string, message: string): InputError {
  return { _tag: 'InputError', input, message };
}

/** Adds `d` to gradient `j`; returns `t - t` for the new value `t`: 0 when it is finite, NaN otherwise. */
function add(g: Float64Array, j: number, d: number): number {
  const t = g[j]! + d;
  g[j] = t;
  return t - t;
}

/** Why `backward` refuses to run: the last forward pass did not give values to go back through. @internal */
export const NO_FORWARD = {
  none: 'no forward pass to go back through: run forward first',
  failed: 'the last forward pass failed: run forward again before backward',
} as const;

function used(name: string): CompositionError {
  return composition(`the name ${name} is already used in this circuit`);
}
