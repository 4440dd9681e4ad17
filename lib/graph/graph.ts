// Only names that lib/index.ts exports, imported from their modules so that
// importing the pictures does not load the whole library (the CLI starts fast).
import type { Backward, Circuit, Forward } from '../Circuit';
import { ConstantGate } from '../gates/ConstantGate';
import { PowGate } from '../gates/PowGate';
import { formatNumber } from '../trace';

/**
 * Options of {@link circuitToDot}, {@link circuitToMermaid} and
 * {@link circuitToSvg}: the passes whose values and gradients label the
 * wires (the chapter's forward flow and backward flow).
 *
 * @example
 * ```ts
 * const fwd = orThrow(c.forward({ a: 2, b: -3 }));
 * const options: GraphOptions = { forward: fwd, backward: orThrow(c.backward(fwd)) };
 * ```
 */
export interface GraphOptions {
  /** A forward pass: each wire shows its value. */
  readonly forward?: Forward;
  /** A backward pass: each wire shows its gradient. */
  readonly backward?: Backward;
  /** Significant digits of the numbers shown. Default 6. */
  readonly digits?: number;
}

/** One node of the picture: a wire (a box with its name, value and gradient) or a gate (a circle with its operation). */
interface PictureNode {
  readonly id: string;
  readonly kind: 'wire' | 'gate';
  readonly title: string;
  readonly value?: string;
  readonly gradient?: string;
}

interface Picture {
  readonly nodes: readonly PictureNode[];
  readonly edges: readonly (readonly [string, string])[];
  readonly labelled: boolean;
}

/** The operation a gate node shows: `*`, `+`, `-`, `neg`, `sig`, `relu`, `max`, `1/x`, `^2`, a constant's value, or the gate's name. */
function symbol(circuit: Circuit, i: number): string {
  const gate = circuit.node(i).gate;
  if (gate === undefined) return 'input';
  if (gate instanceof ConstantGate) return formatNumber(gate.value, 12);
  if (gate instanceof PowGate) return `^${formatNumber(gate.exponent, 12)}`;
  const symbols: Readonly<Record<string, string>> = {
    multiply: '*', add: '+', subtract: '-', negate: 'neg', sigmoid: 'sig', relu: 'relu', max: 'max', reciprocal: '1/x',
  };
  return symbols[gate.name] ?? gate.name;
}

/** The circuit as nodes and edges: a box per wire, a circle per gate between its input wires and its output wire. */
function picture(circuit: Circuit, options: GraphOptions): Picture {
  const digits = options.digits ?? 6;
  const nodes: PictureNode[] = [];
  const edges: [string, string][] = [];
  const fwd = options.forward;
  const bwd = options.backward;
  const size = fwd?.size ?? circuit.size;
  for (let i = 0; i < size; i++) {
    const node = circuit.node(i);
    const wireId = `w${String(i)}`;
    if (node.gate !== undefined) {
      const gateId = `g${String(i)}`;
      nodes.push({ id: gateId, kind: 'gate', title: symbol(circuit, i) });
      for (const j of node.inputs) edges.push([`w${String(j)}`, gateId]);
      edges.push([gateId, wireId]);
    }
    const value = fwd === undefined ? undefined : formatNumber(fwd.values[i] ?? NaN, digits);
    const gradient = bwd === undefined ? undefined : formatNumber(bwd.gradients[i] ?? NaN, digits);
    nodes.push({ id: wireId, kind: 'wire', title: node.name, ...(value === undefined ? {} : { value }), ...(gradient === undefined ? {} : { gradient }) });
  }
  return { nodes, edges, labelled: fwd !== undefined };
}

const VALUE_COLOR = '#1a7f37';
const GRADIENT_COLOR = '#cf222e';

const html = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The circuit as a Graphviz `dot` graph, left to right: a box per wire
 * (inputs and every gate's output, named as in the program) and a circle per
 * gate with its operation (`*`, `+`, `sig`, `1/x`, `^2`, ...). With a forward
 * pass each wire box shows its value (green); with a backward pass, its
 * gradient (red, after `d`), as the chapter's circuit diagrams do.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * circuitToDot(c); // 'digraph circuit {\n  rankdir=LR; ...'
 * ```
 */
export function circuitToDot(circuit: Circuit, options: GraphOptions = {}): string {
  const p = picture(circuit, options);
  const lines = [
    'digraph circuit {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=12];',
    '  edge [arrowsize=0.6];',
  ];
  for (const n of p.nodes) {
    if (n.kind === 'gate') {
      lines.push(`  ${n.id} [shape=circle, margin=0, width=0.45, fixedsize=false, label=${JSON.stringify(n.title)}];`);
      continue;
    }
    const cells = [`<td><b>${html(n.title)}</b></td>`];
    if (n.value !== undefined) cells.push(`<td><font color="${VALUE_COLOR}">${html(n.value)}</font></td>`);
    if (n.gradient !== undefined) cells.push(`<td><font color="${GRADIENT_COLOR}">d ${html(n.gradient)}</font></td>`);
    lines.push(`  ${n.id} [shape=plain, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>${cells.join('')}</tr></table>>];`);
  }
  for (const [from, to] of p.edges) lines.push(`  ${from} -> ${to};`);
  if (p.labelled) {
    const legend = options.backward === undefined ? 'green: value (forward)' : 'green: value (forward pass), red: gradient (backward pass)';
    lines.push(`  label=${JSON.stringify(legend)};`, '  fontname="Helvetica";', '  fontsize=10;');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The circuit as a Mermaid flowchart (for Markdown that renders Mermaid, such
 * as GitHub's): the same boxes and circles as {@link circuitToDot}, with
 * values and gradients when the passes are given.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * circuitToMermaid(c); // 'flowchart LR\n  w0["a"]\n  w1["b"]\n  g2(("*"))\n ...'
 * ```
 */
export function circuitToMermaid(circuit: Circuit, options: GraphOptions = {}): string {
  const p = picture(circuit, options);
  const text = (s: string): string => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  const lines = ['flowchart LR'];
  for (const n of p.nodes) {
    if (n.kind === 'gate') {
      lines.push(`  ${n.id}(("${text(n.title)}"))`);
      continue;
    }
    const parts = [text(n.title)];
    if (n.value !== undefined) parts.push(`value ${text(n.value)}`);
    if (n.gradient !== undefined) parts.push(`grad ${text(n.gradient)}`);
    lines.push(`  ${n.id}["${parts.join('<br/>')}"]`);
  }
  for (const [from, to] of p.edges) lines.push(`  ${from} --> ${to}`);
  return lines.join('\n') + '\n';
}

/**
 * The circuit as an SVG picture: {@link circuitToDot} laid out by Graphviz
 * compiled to WebAssembly (`@viz-js/viz`, loaded on first use), so no
 * system program is needed.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const svg = await circuitToSvg(c); // '<?xml ...><svg ...>...</svg>'
 * ```
 */
export async function circuitToSvg(circuit: Circuit, options: GraphOptions = {}): Promise<string> {
  const viz = await import('@viz-js/viz');
  const instance = await viz.instance();
  return instance.renderString(circuitToDot(circuit, options), { format: 'svg' });
}
