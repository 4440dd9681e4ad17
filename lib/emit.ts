import { gateCode, type Circuit, type Wire } from './Circuit';
import type { Gate } from './Gate';

// The one code emitter: it writes a circuit's forward and backward passes as
// straight-line statements, one per gate and one per gradient contribution,
// from each gate's GateCode. The printer (`printBackprop`, the chapter's
// `var da = b * dx;`) and the compiler (`compile`) both call it, with
// different names for values and gradients, so the printed code and the
// executed code cannot differ. A client of the public API only.

/**
 * How emitted code refers to a wire's value and gradient, and to a gate
 * that has no {@link GateCode} (it is then called through its methods).
 *
 * @example
 * ```ts
 * const arrays: Naming = {
 *   value: (i) => `v[${String(i)}]`,
 *   gradient: (i) => `g[${String(i)}]`,
 *   gate: (k) => `G[${String(k)}]`,
 * };
 * ```
 */
export interface Naming {
  /** The expression for wire `i`'s value. */
  value(i: number): string;
  /** The expression for wire `i`'s gradient. */
  gradient(i: number): string;
  /** The expression for the `k`-th distinct gate without code (see {@link EmittedStep.gate}). */
  gate(k: number): string;
}

/**
 * One emitted statement: which wire it belongs to and what it does.
 *
 * @example
 * ```ts
 * const step: EmittedStep = { wire: 4, kind: 'forward', target: 'x', expression: 'a * b', first: true };
 * ```
 */
export interface EmittedStep {
  /** The wire whose gate this statement belongs to. */
  readonly wire: number;
  /** `forward`: computes the wire's value; `backward`: adds a contribution to an input's gradient. */
  readonly kind: 'forward' | 'backward';
  /** The expression assigned to (a value or a gradient, per the {@link Naming}). */
  readonly target: string;
  /** The right-hand side. */
  readonly expression: string;
  /** True for the first assignment to `target`; later ones add to it (`+=`). */
  readonly first: boolean;
  /** The wire whose gradient a backward step adds to. */
  readonly input?: number;
  /** For a gate without code: its index among such gates. */
  readonly gate?: number;
}

/**
 * The emitted program: forward steps in circuit order, backward steps in
 * reverse, and the gates without code that the steps call by index.
 *
 * @example
 * ```ts
 * const p = emit(circuit, naming);
 * p.forward.length; // one step per gate
 * ```
 */
export interface EmittedProgram {
  /** One step per gate, in order (inputs have none). */
  readonly forward: readonly EmittedStep[];
  /** One step per gradient contribution, from the output back to the inputs. */
  readonly backward: readonly EmittedStep[];
  /** The gates that have no {@link GateCode}, called through their methods; index `k` is `naming.gate(k)`. */
  readonly calls: readonly Gate[];
}

/**
 * A gate's code, written out in given names by {@link gateExpressions}.
 *
 * @example
 * ```ts
 * const e: GateExpressions = { forward: 'a * b', backward: ['b * dx', 'a * dx'] };
 * ```
 */
export interface GateExpressions {
  /** The expression for the gate's output. */
  readonly forward: string;
  /** One expression per input: its gradient contribution, the local gradient times the upstream gradient. */
  readonly backward: readonly string[];
}

/**
 * One gate's code in the given names: its forward expression and one
 * gradient contribution per input (local gradient times `upstream`), from
 * the gate's {@link GateCode}; `undefined` for a gate without code, which
 * is called through its methods instead. {@link emit}, the printer and the
 * compiler all write gates through this function.
 *
 * @example
 * ```ts
 * gateExpressions(new MultiplyGate(), ['a', 'b'], 'x', 'dx');
 * // { forward: 'a * b', backward: ['b * dx', 'a * dx'] }
 * ```
 */
export function gateExpressions(gate: Gate, inputs: readonly string[], output: string, upstream: string): GateExpressions | undefined {
  const code = gateCode(gate);
  if (code === undefined) return undefined;
  return { forward: code.forward(inputs), backward: code.backward(inputs, output, upstream) };
}

/**
 * Emits the forward and backward passes of the first `size` wires of
 * `circuit` (default: all), as statements in the given naming. A gate with
 * a {@link GateCode} is written out; any other gate becomes a call to its
 * `forward` / `backward` method (the `k`-th such gate is `naming.gate(k)`).
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const p = emit(c, { value: (i) => c.nameOf(i), gradient: (i) => `d${c.nameOf(i)}`, gate: (k) => `G${String(k)}` });
 * p.forward[0].expression;  // 'a * b'
 * p.backward[0].expression; // 'b * dx'
 * ```
 */
export function emit(circuit: Circuit, naming: Naming, size = circuit.size): EmittedProgram {
  const forward: EmittedStep[] = [];
  const backward: EmittedStep[] = [];
  const calls: Gate[] = [];
  const callIndex = new Map<Gate, number>();
  const callOf = (gate: Gate): number => {
    let k = callIndex.get(gate);
    if (k === undefined) {
      k = calls.length;
      calls.push(gate);
      callIndex.set(gate, k);
    }
    return k;
  };
  for (let i = 0; i < size; i++) {
    const node = circuit.node(i);
    const gate = node.gate;
    if (gate === undefined) continue;
    const xs = node.inputs.map((j) => naming.value(j));
    const code = gateExpressions(gate, xs, naming.value(i), naming.gradient(i));
    if (code !== undefined) {
      forward.push({ wire: i, kind: 'forward', target: naming.value(i), expression: code.forward, first: true });
    } else {
      const k = callOf(gate);
      forward.push({ wire: i, kind: 'forward', target: naming.value(i), expression: `${naming.gate(k)}.forward([${xs.join(', ')}])`, first: true, gate: k });
    }
  }
  const seen = new Set<number>();
  for (let i = size - 1; i >= 0; i--) {
    const node = circuit.node(i);
    const gate = node.gate;
    if (gate === undefined || node.inputs.length === 0) continue;
    const xs = node.inputs.map((j) => naming.value(j));
    const y = naming.value(i);
    const dy = naming.gradient(i);
    let contributions: readonly string[];
    let k: number | undefined;
    const code = gateExpressions(gate, xs, y, dy);
    if (code !== undefined) contributions = code.backward;
    else {
      k = callOf(gate);
      const call = `${naming.gate(k)}.backward([${xs.join(', ')}], ${y}, ${dy})`;
      contributions = node.inputs.map((_, m) => `${call}[${String(m)}]`);
    }
    node.inputs.forEach((j, m) => {
      const first = !seen.has(j);
      seen.add(j);
      backward.push({
        wire: i,
        kind: 'backward',
        target: naming.gradient(j),
        expression: contributions[m] ?? 'NaN',
        first,
        input: j,
        ...(k === undefined ? {} : { gate: k }),
      });
    });
  }
  return { forward, backward, calls };
}

const RESERVED_WORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity Math sig')
    .split(' '),
);

/**
 * Options of {@link printBackprop}.
 *
 * @example
 * ```ts
 * const options: PrintOptions = { lang: 'ts', upstream: 1 };
 * ```
 */
export interface PrintOptions {
  /** `js` (the chapter's `var`) or `ts` (`let`/`const` with `: number`). Default `js`. */
  readonly lang?: 'js' | 'ts';
  /** The upstream gradient written for the output, the chapter's `var dx = 1;`. Default `1`. */
  readonly upstream?: number;
  /**
   * The wire to differentiate; default the circuit's last wire. Only the
   * wires up to it are printed (later ones cannot affect it).
   */
  readonly output?: Wire;
}

/**
 * Writes the circuit's forward pass and backward pass the chapter's way, one
 * line per gate and one per gradient contribution, each backward line the
 * local gradient times the upstream one, accumulating with `+=` where a wire
 * splits:
 *
 * ```
 * var x1 = a * b;
 * var x = x1 * x1;
 * // backward pass
 * var dx = 1;
 * var dx1 = x1 * dx;
 * dx1 += x1 * dx;
 * var da = b * dx1;
 * var db = a * dx1;
 * ```
 *
 * The text assumes the inputs are defined (as the chapter does) and `sig`
 * is the sigmoid; {@link printBackpropFunction} wraps it into a complete
 * function. A gate without {@link GateCode} is called through its methods
 * by its name. Gradient names are `d` + the wire's name; where that would
 * clash with a wire's name they are `grad_` + the name.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * printBackprop(c); // 'var x = a * b;\n// backward pass\nvar dx = 1;\nvar da = b * dx;\nvar db = a * dx;\n'
 * ```
 */
export function printBackprop(circuit: Circuit, options: PrintOptions = {}): string {
  return printLines(circuit, options).join('\n') + '\n';
}

/**
 * {@link printBackprop} wrapped into a complete function of the inputs and
 * the upstream gradient that returns the value and every input's gradient:
 * `function backprop(a, b, dx) { ...; return { value: x, gradients: { a: da, b: db } }; }`,
 * with `sig` defined inside. This is real code: evaluate it and call it.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const f = new Function(`${printBackpropFunction(c)}\nreturn backprop;`)();
 * f(2, 3, 1); // { value: 6, gradients: { a: 3, b: 2 } }
 * ```
 */
export function printBackpropFunction(circuit: Circuit, options: PrintOptions = {}): string {
  const names = printNames(circuit);
  const ts = options.lang === 'ts';
  const out = printedSize(circuit, options) - 1;
  const params = [...circuit.inputIndices.map((i) => names.value(i)), names.gradient(out)];
  const typed = params.map((p) => (ts ? `${p}: number` : p));
  const returns = ts ? ': { value: number; gradients: Record<string, number> }' : '';
  const grads = circuit.inputIndices.map((i) => `${JSON.stringify(circuit.nameOf(i))}: ${names.gradient(i)}`).join(', ');
  const sig = ts
    ? 'const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));'
    : 'var sig = function (q) { return q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)); };';
  const body = printLines(circuit, options, false).map((l) => `  ${l}`);
  return [
    `function backprop(${typed.join(', ')})${returns} {`,
    `  ${sig}`,
    ...body,
    `  return { value: ${out < 0 ? 'NaN' : names.value(out)}, gradients: { ${grads} } };`,
    '}',
  ].join('\n') + '\n';
}

function printNames(circuit: Circuit): Naming {
  const used = new Set<string>();
  const valueNames: string[] = [];
  for (let i = 0; i < circuit.size; i++) {
    let name = circuit.nameOf(i);
    if (RESERVED_WORDS.has(name)) name = `${name}_`;
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    valueNames.push(name);
  }
  const clash = valueNames.some((n) => used.has(`d${n}`));
  const gradName = (n: string): string => (clash ? `grad_${n}` : `d${n}`);
  return {
    value: (i) => valueNames[i] ?? `_${String(i)}`,
    gradient: (i) => gradName(valueNames[i] ?? `_${String(i)}`),
    gate: (k) => `gate${String(k)}`,
  };
}

/** How many wires are printed: up to and including the output. */
function printedSize(circuit: Circuit, options: PrintOptions): number {
  const output = options.output;
  if (output === undefined) return circuit.size;
  circuit.node(output); // throws a CircuitException for a wire of another circuit
  return output.index + 1;
}

function printLines(circuit: Circuit, options: PrintOptions, declareUpstream = true): string[] {
  const names = printNames(circuit);
  const size = printedSize(circuit, options);
  const program = emit(circuit, { ...names, gate: (k) => names.gate(k) }, size);
  const ts = options.lang === 'ts';
  const gateNames = program.calls.map((g) => g.name);
  const callName = (k: number | undefined): string => gateNames[k ?? -1] ?? 'gate';
  const rename = (s: EmittedStep): string => (s.gate === undefined ? s.expression : s.expression.replace(names.gate(s.gate), callName(s.gate)));
  const lines: string[] = [];
  for (const s of program.forward) lines.push(`${ts ? 'const' : 'var'} ${s.target}${ts ? ': number' : ''} = ${rename(s)};`);
  lines.push('// backward pass');
  const out = size - 1;
  if (out >= 0 && declareUpstream) {
    lines.push(`${ts ? 'const' : 'var'} ${names.gradient(out)}${ts ? ': number' : ''} = ${String(options.upstream ?? 1)};`);
  }
  // a gradient that is added to later must be declared with `let` in TypeScript
  const accumulated = new Set(program.backward.filter((s) => !s.first).map((s) => s.target));
  // a gate whose output does not reach the output wire has gradient 0, as in the library
  const declared = new Set<string>([names.gradient(out)]);
  for (const s of program.backward) declared.add(s.target);
  let lastWire = -1;
  for (const s of program.backward) {
    if (s.wire !== lastWire) {
      lastWire = s.wire;
      const dy = names.gradient(s.wire);
      if (!declared.has(dy)) {
        declared.add(dy);
        lines.push(`${ts ? 'const' : 'var'} ${dy}${ts ? ': number' : ''} = 0;`);
      }
    }
    if (s.first) {
      const decl = ts ? (accumulated.has(s.target) ? 'let' : 'const') : 'var';
      lines.push(`${decl} ${s.target}${ts ? ': number' : ''} = ${rename(s)};`);
    } else lines.push(`${s.target} += ${rename(s)};`);
  }
  // inputs that no gate reads still have a gradient: 0
  const reached = new Set(program.backward.map((s) => s.input));
  for (const i of circuit.inputIndices) {
    if (i !== out && !reached.has(i)) lines.push(`${ts ? 'const' : 'var'} ${names.gradient(i)}${ts ? ': number' : ''} = 0;`);
  }
  return lines;
}
