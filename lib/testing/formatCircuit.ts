import {
  AddGate,
  ConstantGate,
  MaxGate,
  MultiplyGate,
  NegateGate,
  PowGate,
  ReciprocalGate,
  ReluGate,
  SigmoidGate,
  SubtractGate,
  gateCode,
  type Circuit,
  type Gate,
  type Wire,
} from '../index';

// Binding strength of an expression's outermost operator, for parentheses:
// a sum binds weakest, then products and quotients, then unary minus, then
// names, numbers and calls (`sig(q)`, `Math.max(a, b)`), which never need them.
const SUM = 1;
const PRODUCT = 2;
const UNARY = 3;
const ATOM = 4;

interface Expr {
  readonly text: string;
  readonly strength: number;
}

/** The strength each input of `gate` must have to go in without parentheses, and the result's strength. */
function shape(gate: Gate, arity: number): { readonly needs: readonly number[]; readonly strength: number } {
  const all = (s: number): number[] => Array.from({ length: arity }, () => s);
  if (gate instanceof AddGate) return { needs: all(SUM), strength: arity === 1 ? ATOM : SUM };
  if (gate instanceof SubtractGate) return { needs: [SUM, PRODUCT], strength: SUM };
  if (gate instanceof MultiplyGate) return { needs: [PRODUCT, UNARY], strength: PRODUCT };
  if (gate instanceof ReciprocalGate) return { needs: [UNARY], strength: PRODUCT };
  if (gate instanceof NegateGate) return { needs: [ATOM], strength: UNARY };
  // numberCode writes a negative constant as `(-2)`, but -0 as `-0`
  if (gate instanceof ConstantGate) return { needs: [], strength: Object.is(gate.value, -0) ? UNARY : ATOM };
  if (gate instanceof SigmoidGate || gate instanceof ReluGate || gate instanceof MaxGate || gate instanceof PowGate) {
    return { needs: all(0), strength: ATOM };
  }
  // A user's gate: written as a call `name(a, b)`, or with its own code, whose
  // inputs then go in parenthesised unless they are names or calls.
  return gateCode(gate) === undefined ? { needs: all(0), strength: ATOM } : { needs: all(ATOM), strength: 0 };
}

/** One gate applied to input expressions, as code: its {@link GateCode}, or a call by its name. */
function apply(gate: Gate, inputs: readonly Expr[]): Expr {
  const { needs, strength } = shape(gate, inputs.length);
  const texts = inputs.map((e, k) => (e.strength >= (needs[k] ?? ATOM) ? e.text : `(${e.text})`));
  const code = gateCode(gate);
  return { text: code === undefined ? `${gate.name}(${texts.join(', ')})` : code.forward(texts), strength };
}

/**
 * The forward pass of a circuit as the chapter writes it: one `var` line
 * per gate, in order (`var x1 = a * b;`), using each gate's code where it
 * has one (`sig(q)`, `Math.max(a, b)`) and a call by name where it has not
 * (`tanh(q)`), followed by the output as one expression with every
 * intermediate wire written out, like the chapter's
 * `var x = Math.pow(((a * b + c) * d), 2);`. The one-line form is left out
 * when it would be longer than `maxExpression` characters (default 240).
 *
 * @param circuit - the circuit to print.
 * @param output - the wire whose expression to write; default the last wire.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b, cc] = c.inputs('a', 'b', 'c');
 * const x1 = c.add([c.mul(a, b, 'x0'), cc], 'x1');
 * c.pow(x1, 2, 'x');
 * formatCircuit(c);
 * // var x0 = a * b;
 * // var x1 = x0 + c;
 * // var x = Math.pow(x1, 2);
 * // // x = Math.pow(a * b + c, 2)
 * ```
 */
export function formatCircuit(circuit: Circuit, output?: Wire, maxExpression = 240): string {
  const lines: string[] = [];
  const exprs: Expr[] = [];
  for (let i = 0; i < circuit.size; i++) {
    const node = circuit.node(i);
    const gate = node.gate;
    if (gate === undefined) {
      exprs.push({ text: node.name, strength: ATOM });
      continue;
    }
    const named = apply(gate, node.inputs.map((j) => ({ text: circuit.nameOf(j), strength: ATOM })));
    lines.push(`var ${node.name} = ${named.text};`);
    const inline = node.inputs.map((j) => exprs[j] ?? { text: '?', strength: ATOM });
    // keep the text bounded: a deep circuit with fan-out doubles it per level
    exprs.push(inline.some((e) => e.text.length > maxExpression) ? { text: '…', strength: ATOM } : apply(gate, inline));
  }
  const out = output?.index ?? circuit.size - 1;
  const whole = exprs[out];
  const node = out >= 0 ? circuit.node(out) : undefined;
  const last = lines[lines.length - 1];
  const oneLine = `${node?.name ?? ''} = ${whole?.text ?? ''};`;
  // the expression, unless it says nothing the output's own line does not
  if (node?.gate !== undefined && whole !== undefined && whole.text.length <= maxExpression && !whole.text.includes('…') && last !== `var ${oneLine}`) {
    lines.push(`// ${node.name} = ${whole.text}`);
  }
  return lines.join('\n');
}

/**
 * A point as the chapter's variables: `a = 1, b = -0.5`, every number in
 * full precision (so it can be pasted back), `-0` kept.
 *
 * @example
 * ```ts
 * formatPoint({ a: 1, b: -0.5 }); // 'a = 1, b = -0.5'
 * ```
 */
export function formatPoint(point: Readonly<Record<string, number>>): string {
  return Object.entries(point)
    .map(([name, x]) => `${name} = ${Object.is(x, -0) ? '-0' : String(x)}`)
    .join(', ');
}
