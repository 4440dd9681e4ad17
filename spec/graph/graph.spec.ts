import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import { circuitToDot, circuitToMermaid, circuitToSvg, orThrow, parseCircuit, type Circuit } from '../../lib/index';
import { EXAMPLES } from '../cli/examples';

const parsed = (source: string): Circuit => {
  const r = parseCircuit(source);
  if (E.isLeft(r)) expect.fail(r.left.message);
  return r.right.circuit;
};

interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

/**
 * A strict little XML reader for the SVG: every tag closed and nested
 * properly, attributes quoted, entities known. Throws on anything else.
 */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  while (token.lastIndex < xml.length && (m = token.exec(xml)) !== null) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2] !== undefined) {
      const attributes: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes[a[1]!] = a[2] ?? a[3] ?? '';
      const el: XmlElement = { name: m[2], attributes, children: [], text: '' };
      top.children.push(el);
      if (m[4] !== '/') stack.push(el);
    } else if (m[5] !== undefined) {
      for (const e of m[5].matchAll(/&([^;\s]*);?/g)) {
        if (!/^(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+)$/.test(e[1] ?? '') || !e[0].endsWith(';')) throw new Error(`bad entity ${e[0]}`);
      }
      top.text += m[5];
    }
  }
  if (token.lastIndex !== xml.length) throw new Error(`not XML at ${String(token.lastIndex)}: ${xml.slice(token.lastIndex, token.lastIndex + 40)}`);
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]?.name ?? ''}> is never closed`);
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const todo = [el];
  while (todo.length > 0) {
    const e = todo.pop()!;
    if (pred(e)) out.push(e);
    todo.push(...e.children);
  }
  return out;
}

const gateCount = (c: Circuit): number => Array.from({ length: c.size }, (_, i) => c.node(i).gate).filter((g) => g !== undefined).length;

describe('circuit pictures', () => {
  it('dot: a box per wire with its name, a circle per gate with its operation, and the wires between them', () => {
    const c = parsed('var x = a * b;');
    expect(circuitToDot(c)).to.equal(
      [
        'digraph circuit {',
        '  rankdir=LR;',
        '  node [fontname="Helvetica", fontsize=12];',
        '  edge [arrowsize=0.6];',
        '  w0 [shape=plain, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td><b>a</b></td></tr></table>>];',
        '  w1 [shape=plain, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td><b>b</b></td></tr></table>>];',
        '  g2 [shape=circle, margin=0, width=0.45, fixedsize=false, label="*"];',
        '  w2 [shape=plain, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td><b>x</b></td></tr></table>>];',
        '  w0 -> g2;',
        '  w1 -> g2;',
        '  g2 -> w2;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('dot: labels each wire with its value (forward) and gradient (backward) when the passes are given', () => {
    const c = parsed('var x = a * b;');
    const fwd = orThrow(c.forward({ a: -2, b: 3 }));
    const dot = circuitToDot(c, { forward: fwd, backward: orThrow(c.backward(fwd, 2)) });
    expect(dot).to.contain('<td><b>a</b></td><td><font color="#1a7f37">-2</font></td><td><font color="#cf222e">d 6</font></td>');
    expect(dot).to.contain('<td><b>x</b></td><td><font color="#1a7f37">-6</font></td><td><font color="#cf222e">d 2</font></td>');
    expect(dot).to.contain('label="green: value (forward pass), red: gradient (backward pass)"');
  });

  it('shows each gate\'s operation: * + - neg sig relu max 1/x ^k and constants', () => {
    const c = parsed('var y = sig(relu(max(a, b, 2) - -a) * pow(1 / a, 3) + c)');
    const labels = [...circuitToDot(c).matchAll(/shape=circle[^\n]*label="([^"]*)"/g)].map((m) => m[1]);
    expect(labels).to.deep.equal(['2', 'max', 'neg', '-', 'relu', '1/x', '^3', '*', '+', 'sig']);
  });

  it('mermaid: the same boxes and circles as a flowchart', () => {
    const c = parsed('var x = a * b;');
    const fwd = orThrow(c.forward({ a: -2, b: 3 }));
    expect(circuitToMermaid(c, { forward: fwd, backward: orThrow(c.backward(fwd)) })).to.equal(
      [
        'flowchart LR',
        '  w0["a<br/>value -2<br/>grad 3"]',
        '  w1["b<br/>value 3<br/>grad -2"]',
        '  g2(("*"))',
        '  w2["x<br/>value -6<br/>grad 1"]',
        '  w0 --> g2',
        '  w1 --> g2',
        '  g2 --> w2',
        '',
      ].join('\n'),
    );
  });

  it('svg: every chapter example draws as well-formed SVG with a node per gate and per wire, labelled with values and gradients', async function () {
    this.timeout(60000);
    for (const ex of EXAMPLES) {
      const c = parsed(ex.program);
      const fwd = orThrow(c.forward(ex.point));
      const bwd = orThrow(c.backward(fwd));
      const svg = await circuitToSvg(c, { forward: fwd, backward: bwd });
      const doc = parseXml(svg);
      expect(doc.children.map((e) => e.name), ex.title).to.deep.equal(['svg']);
      const nodes = all(doc, (e) => e.name === 'g' && e.attributes.class === 'node');
      const titles = nodes.map((n) => n.children.find((k) => k.name === 'title')?.text ?? '');
      const gates = titles.filter((t) => /^g[0-9]+$/.test(t));
      expect(gates, ex.title).to.have.length(gateCount(c));
      expect(gates.length, ex.title).to.equal(ex.gates);
      expect(titles.filter((t) => /^w[0-9]+$/.test(t)), ex.title).to.have.length(c.size);
      const text = all(doc, (e) => e.name === 'text').map((e) => e.text);
      expect(text, ex.title).to.include(ex.output);
      expect(text, ex.title).to.include('d 1'); // the output's gradient, the upstream 1
    }
  });
});
