import fc from 'fast-check';
import { Circuit, type Gate, type Wire } from '../index';
import { formatCircuit } from './formatCircuit';

/**
 * The built-in gates a random circuit can be made of, by the name of their
 * {@link Circuit} helper (`pow` takes its exponent from
 * {@link CircuitOptions.exponents}, `constant` its value from
 * {@link CircuitOptions.constants}).
 *
 * @example
 * ```ts
 * const smooth: readonly BuiltinGateKind[] = ['mul', 'add', 'sub', 'neg', 'sigmoid'];
 * ```
 */
export type BuiltinGateKind = 'constant' | 'mul' | 'add' | 'sub' | 'neg' | 'sigmoid' | 'relu' | 'max' | 'reciprocal' | 'pow';

/** Every {@link BuiltinGateKind}: the default gate set of {@link circuitArbitrary}. @internal */
export const BUILTIN_GATE_KINDS: readonly BuiltinGateKind[] = ['mul', 'add', 'sub', 'neg', 'sigmoid', 'relu', 'max', 'reciprocal', 'pow', 'constant'];

/**
 * Your own gate in a random circuit's gate set, with how many inputs to
 * give it and where it is well-conditioned.
 *
 * @example
 * ```ts
 * const log: CustomGateChoice = { gate: new LogGate(), domain: ([a = 0]) => a > 0.05 };
 * ```
 */
export interface CustomGateChoice {
  /** The gate. */
  readonly gate: Gate;
  /** The input counts to use; default from `arity.min` up to two more, within `arity.max`. */
  readonly arities?: readonly number[];
  /**
   * True where the gate is differentiable at `inputs` and comfortably away
   * from any edge of its domain; points elsewhere are not checked. Default:
   * everywhere.
   */
  readonly domain?: (inputs: readonly number[]) => boolean;
}

/**
 * One entry of a random circuit's gate set: a built-in by name, your own
 * gate, or your own gate with options.
 *
 * @example
 * ```ts
 * const gates: readonly GateChoice[] = ['mul', 'add', new TanhGate()];
 * ```
 */
export type GateChoice = BuiltinGateKind | Gate | CustomGateChoice;

/**
 * A range of input counts for {@link CircuitOptions.inputs}.
 *
 * @example
 * ```ts
 * const oneToThree: InputRange = { min: 1, max: 3 };
 * ```
 */
export interface InputRange {
  /** The fewest inputs, at least 1. */
  readonly min: number;
  /** The most inputs, at most 26. */
  readonly max: number;
}

/**
 * The shape of the random circuits {@link circuitArbitrary} makes.
 *
 * @example
 * ```ts
 * const small: CircuitOptions = { gates: ['mul', 'add'], inputs: { min: 1, max: 2 }, maxGates: 4, maxDepth: 3, maxFanOut: 2 };
 * ```
 */
export interface CircuitOptions {
  /** The gates to draw from; default every built-in gate. */
  readonly gates?: readonly GateChoice[];
  /** How many inputs (named `a`, `b`, ...): a number, or a range. Default 1 to 4; at most 26. */
  readonly inputs?: number | InputRange;
  /** The fewest gates. Default 1. */
  readonly minGates?: number;
  /** The most gates, not counting the final sum. Default 8. */
  readonly maxGates?: number;
  /** The longest path from an input to a gate, in gates (not counting the final sum). Default 6. */
  readonly maxDepth?: number;
  /**
   * How many gate inputs one wire may feed: 1 makes trees, 2 or more lets a
   * wire split (`a * a`, the chapter's fan-out). Default 3.
   */
  readonly maxFanOut?: number;
  /** The exponents a `pow` gate is drawn from. Default `[2, 3, 0.5, -1, 1, 0]`. */
  readonly exponents?: readonly number[];
  /** The values a `constant` is drawn from. Default `[1, 2, -1, 0.5, 3]`. */
  readonly constants?: readonly number[];
}

/** One gate of a recipe: numbers that pick its kind, width, inputs and parameter. */
interface Step {
  readonly choice: number;
  readonly width: number;
  readonly param: number;
  readonly args: readonly number[];
}

/** The numbers a random circuit is built from; fast-check shrinks these. */
interface Recipe {
  readonly inputs: number;
  readonly steps: readonly (Step | null)[];
}

/**
 * A circuit made by {@link circuitArbitrary}: inputs `a`, `b`, ..., gates on
 * wires `x1`, `x2`, ..., and, when more than one wire is read by no gate, a
 * final `out = ...` that adds them all up, so every gate affects the output.
 * fast-check shows it in a counterexample as the chapter's code (see
 * {@link formatCircuit}).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(circuitArbitrary({ gates: ['mul', 'add'] }), (rc) => {
 *   return rc.circuit.size >= 2 && rc.output.index === rc.circuit.size - 1;
 * }));
 * ```
 */
export class RandomCircuit {
  /** @internal */
  constructor(
    /** The circuit. */
    readonly circuit: Circuit,
    /** Its output: the last wire. */
    readonly output: Wire,
    /** The domains of the custom gates it uses, from their {@link CustomGateChoice}. @internal */
    readonly domains: ReadonlyMap<Gate, (inputs: readonly number[]) => boolean>,
  ) {}

  /**
   * True where `gate` (a custom gate of this circuit) is well-conditioned at
   * `inputs`, per its {@link CustomGateChoice.domain}; true for other gates.
   */
  domain(gate: Gate, inputs: readonly number[]): boolean {
    return this.domains.get(gate)?.(inputs) ?? true;
  }

  /** The circuit as the chapter's code; see {@link formatCircuit}. */
  toString(): string {
    return formatCircuit(this.circuit, this.output);
  }

  /** How fast-check prints it in a counterexample: as the chapter's code. */
  [fc.toStringMethod](): string {
    return `circuit:\n${indent(this.toString())}`;
  }
}

/** Indents every line by two spaces. @internal */
export function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A gate choice made uniform: how to add it to a circuit, and which input counts it takes. */
interface Kind {
  readonly arities: readonly number[];
  readonly add: (c: Circuit, inputs: readonly Wire[], param: number, name: string) => Wire;
  readonly gate?: Gate;
  readonly domain?: (inputs: readonly number[]) => boolean;
}

function kindOf(choice: GateChoice, exponents: readonly number[], constants: readonly number[]): Kind {
  const pickFrom = (xs: readonly number[], p: number): number => xs[p % xs.length] ?? 0;
  if (typeof choice === 'string') {
    switch (choice) {
      case 'constant': return { arities: [0], add: (c, _xs, p, n) => c.constant(pickFrom(constants, p), n) };
      case 'mul': return { arities: [2], add: (c, [a, b], _p, n) => c.mul(need(a), need(b), n) };
      case 'add': return { arities: [1, 2, 3], add: (c, xs, _p, n) => c.add(xs, n) };
      case 'sub': return { arities: [2], add: (c, [a, b], _p, n) => c.sub(need(a), need(b), n) };
      case 'neg': return { arities: [1], add: (c, [a], _p, n) => c.neg(need(a), n) };
      case 'sigmoid': return { arities: [1], add: (c, [a], _p, n) => c.sigmoid(need(a), n) };
      case 'relu': return { arities: [1], add: (c, [a], _p, n) => c.relu(need(a), n) };
      case 'max': return { arities: [2, 3], add: (c, xs, _p, n) => c.max(xs, n) };
      case 'reciprocal': return { arities: [1], add: (c, [a], _p, n) => c.reciprocal(need(a), n) };
      case 'pow': return { arities: [1], add: (c, [a], p, n) => c.pow(need(a), pickFrom(exponents, p), n) };
    }
  }
  const custom: CustomGateChoice = 'gate' in choice ? choice : { gate: choice };
  const { min, max } = custom.gate.arity;
  const arities = custom.arities ?? [min, min + 1, min + 2].filter((n) => n <= max);
  return {
    arities,
    add: (c, xs, _p, n) => c.applyOrThrow(custom.gate, xs, n),
    gate: custom.gate,
    ...(custom.domain === undefined ? {} : { domain: custom.domain }),
  };
}

function need(w: Wire | undefined): Wire {
  if (w === undefined) throw new Error('a gate was given too few inputs');
  return w;
}

/**
 * A fast-check arbitrary of random circuits (see {@link RandomCircuit}),
 * from a chosen gate set, with bounded number of inputs, size, depth and
 * fan-out. It shrinks towards fewer inputs, fewer gates and earlier wires,
 * so a failing property ends with the smallest circuit that still fails.
 *
 * Pair it with {@link circuitAtPointArbitrary} or {@link pointArbitrary} for
 * points where gradients can be checked numerically.
 *
 * @example
 * ```ts
 * fc.assert(
 *   fc.property(circuitArbitrary({ gates: ['mul', 'add', 'sigmoid'], maxGates: 5 }), (rc) => {
 *     // any point is well-conditioned for these smooth gates
 *     const fwd = orThrow(rc.circuit.forward(Object.fromEntries(rc.circuit.inputNames.map((n) => [n, 0.5]))));
 *     return Number.isFinite(fwd.output);
 *   }),
 * );
 * ```
 */
export function circuitArbitrary(options: CircuitOptions = {}): fc.Arbitrary<RandomCircuit> {
  const built = recipeArbitrary(options);
  return built.recipe.map((r) => build(r, built.kinds, options));
}

/** The recipe arbitrary and the gate kinds it picks from. @internal */
export function recipeArbitrary(options: CircuitOptions): { readonly recipe: fc.Arbitrary<Recipe>; readonly kinds: readonly Kind[]; readonly maxInputs: number } {
  const choices = options.gates ?? BUILTIN_GATE_KINDS;
  if (choices.length === 0) throw new RangeError('circuitArbitrary needs at least one gate in options.gates');
  const kinds = choices.map((g) => kindOf(g, options.exponents ?? [2, 3, 0.5, -1, 1, 0], options.constants ?? [1, 2, -1, 0.5, 3]));
  const range = options.inputs ?? { min: 1, max: 4 };
  const [minInputs, maxInputs] = typeof range === 'number' ? [range, range] : [range.min, range.max];
  if (!(Number.isInteger(minInputs) && Number.isInteger(maxInputs) && minInputs >= 1 && minInputs <= maxInputs && maxInputs <= LETTERS.length)) {
    throw new RangeError(`circuitArbitrary needs 1 <= inputs.min <= inputs.max <= 26, got ${String(minInputs)} to ${String(maxInputs)}`);
  }
  const width = Math.max(1, ...kinds.flatMap((k) => k.arities));
  const step: fc.Arbitrary<Step> = fc.record({
    choice: fc.nat({ max: kinds.length - 1 }),
    width: fc.nat({ max: 5 }),
    param: fc.nat({ max: 11 }),
    args: fc.array(fc.nat({ max: 1000 }), { minLength: width, maxLength: width }),
  });
  const recipe = fc.record({
    inputs: fc.integer({ min: minInputs, max: maxInputs }),
    // a step may shrink to `null`, no gate: so any one gate can go, not only the first ones
    steps: fc.array(fc.option(step, { freq: 10 }), { minLength: options.minGates ?? 1, maxLength: options.maxGates ?? 8 }),
  });
  return { recipe, kinds, maxInputs };
}

/** Builds the circuit a recipe describes. @internal */
export function build(recipe: Recipe, kinds: readonly Kind[], options: CircuitOptions): RandomCircuit {
  const maxDepth = options.maxDepth ?? 6;
  const maxFanOut = options.maxFanOut ?? 3;
  const circuit = new Circuit();
  const wires: { readonly wire: Wire; readonly depth: number; uses: number }[] = [];
  for (const name of LETTERS.slice(0, recipe.inputs)) wires.push({ wire: circuit.input(name), depth: 0, uses: 0 });
  const domains = new Map<Gate, (inputs: readonly number[]) => boolean>();
  let named = 0;
  // The steps are built last to first: fast-check shrinks an array mostly by
  // dropping its first elements, and dropping the gates that read the others
  // leaves a smaller circuit that usually still shows the same failure.
  for (const s of [...recipe.steps].reverse()) {
    if (s === null) continue;
    const kind = kinds[s.choice % kinds.length];
    if (kind === undefined) continue;
    const arity = kind.arities[s.width % kind.arities.length] ?? 0;
    const picked: (typeof wires)[number][] = [];
    for (let k = 0; k < arity; k++) {
      // the wire at the drawn index, or the nearest earlier one that may still be read: so that
      // dropping one gate while shrinking changes as few other gates' inputs as possible
      const at = (s.args[k] ?? 0) % wires.length;
      let w: (typeof wires)[number] | undefined;
      for (let j = 0; j < wires.length && w === undefined; j++) {
        const candidate = wires[(at - j + wires.length) % wires.length];
        if (candidate !== undefined && candidate.depth < maxDepth && candidate.uses < maxFanOut) w = candidate;
      }
      if (w === undefined) break;
      w.uses++;
      picked.push(w);
    }
    if (picked.length < arity) {
      // nothing left to read: the gate is left out
      for (const w of picked) w.uses--;
      continue;
    }
    named++;
    const wire = kind.add(circuit, picked.map((w) => w.wire), s.param, `x${String(named)}`);
    if (kind.gate !== undefined && kind.domain !== undefined) domains.set(kind.gate, kind.domain);
    wires.push({ wire, depth: 1 + Math.max(0, ...picked.map((w) => w.depth)), uses: 0 });
  }
  const sinks = wires.filter((w) => w.uses === 0).map((w) => w.wire);
  const last = sinks[sinks.length - 1];
  const output = sinks.length === 1 && last !== undefined ? last : circuit.add(sinks, 'out');
  return new RandomCircuit(circuit, output, domains);
}
