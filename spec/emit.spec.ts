import { expect } from 'chai';
import fc from 'fast-check';
import * as ts from 'typescript';
import { Circuit, emit, orThrow, printBackprop, printBackpropFunction, type Gate, type Wire } from '../lib/index';
import { TanhGate } from './contract/TanhGate';

type Backprop = (...args: number[]) => { value: number; gradients: Record<string, number> };

/** Evaluates printed code: the function `backprop` it defines. */
function load(source: string): Backprop {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- executing the printed code is the point
  const make = new Function(`${source}\nreturn backprop;`) as () => Backprop;
  return make();
}

/** The chapter's examples, each built the chapter's way, with a point to run them at. */
const chapter: ReadonlyArray<[string, () => Circuit, readonly number[]]> = [
  ['x = a * b', () => { const c = new Circuit(); const [a, b] = c.inputs('a', 'b'); c.mul(a, b, 'x'); return c; }, [3, -4]],
  ['x = a + b + c', () => { const c = new Circuit(); const [a, b, d] = c.inputs('a', 'b', 'c'); c.add([a, b, d], 'x'); return c; }, [1, 2, 3]],
  ['q = a + b; x = q + c', () => { const c = new Circuit(); const [a, b, d] = c.inputs('a', 'b', 'c'); c.add([c.add([a, b], 'q'), d], 'x'); return c; }, [1, 2, 3]],
  ['x = a * b + c', () => { const c = new Circuit(); const [a, b, d] = c.inputs('a', 'b', 'c'); c.add([c.mul(a, b), d], 'x'); return c; }, [2, -3, 4]],
  ['neuron', () => {
    const c = new Circuit();
    const [a, b, d, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
    c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), d], 'q'), 'f');
    return c;
  }, [1, 2, -3, -1, 3]],
  ['x = a * a', () => { const c = new Circuit(); const a = c.input('a'); c.mul(a, a, 'x'); return c; }, [-1.5]],
  ['x = a*a + b*b + c*c', () => { const c = new Circuit(); const [a, b, d] = c.inputs('a', 'b', 'c'); c.add([c.mul(a, a), c.mul(b, b), c.mul(d, d)], 'x'); return c; }, [1, -2, 3]],
  ['x = pow((a*b + c) * d, 2)', () => { const c = new Circuit(); const [a, b, d, e] = c.inputs('a', 'b', 'c', 'd'); c.pow(c.mul(c.add([c.mul(a, b), d]), e), 2, 'x'); return c; }, [2, -3, 4, 0.5]],
  ['x1 = a*b + c; x2 = x1 * d; x = x2 * x2', () => {
    const c = new Circuit();
    const [a, b, d, e] = c.inputs('a', 'b', 'c', 'd');
    const x1 = c.add([c.mul(a, b), d], 'x1');
    const x2 = c.mul(x1, e, 'x2');
    c.mul(x2, x2, 'x');
    return c;
  }, [2, -3, 4, 0.5]],
  ['x = 1.0 / a', () => { const c = new Circuit(); const a = c.input('a'); c.reciprocal(a, 'x'); return c; }, [4]],
  ['x = (a + b) / (c + d)', () => {
    const c = new Circuit();
    const [a, b, d, e] = c.inputs('a', 'b', 'c', 'd');
    const x1 = c.add([a, b], 'x1');
    const x3 = c.reciprocal(c.add([d, e], 'x2'), 'x3');
    c.mul(x1, x3, 'x');
    return c;
  }, [1, 2, 3, 4]],
  ['x = Math.max(a, b)', () => { const c = new Circuit(); const [a, b] = c.inputs('a', 'b'); c.max([a, b], 'x'); return c; }, [2, 7]],
  ['x = Math.max(a, b) at a tie', () => { const c = new Circuit(); const [a, b] = c.inputs('a', 'b'); c.max([a, b], 'x'); return c; }, [7, 7]],
  ['x = Math.max(a, 0)', () => { const c = new Circuit(); const a = c.input('a'); c.relu(a, 'x'); return c; }, [-2]],
];

/**
 * Same keys and numerically identical values (===, so +0 and -0 count as
 * equal: the printed code assigns a wire's first gradient contribution,
 * where the library adds it to 0).
 */
function expectSameNumbers(actual: Readonly<Record<string, number>>, expected: Readonly<Record<string, number>>): void {
  expect(Object.keys(actual)).to.deep.equal(Object.keys(expected));
  for (const [k, v] of Object.entries(expected)) expect(actual[k] === v, `${k}: ${String(actual[k])} vs ${String(v)}`).to.equal(true);
}

describe('printBackprop', () => {
  it('writes the chapter\'s multiply gate line by line', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.mul(a, b, 'x');
    expect(printBackprop(c)).to.equal('var x = a * b;\n// backward pass\nvar dx = 1;\nvar da = b * dx;\nvar db = a * dx;\n');
  });

  it('accumulates with += where a wire splits (x = x2 * x2)', () => {
    const c = new Circuit();
    const [a, b, d, e] = c.inputs('a', 'b', 'c', 'd');
    const x1 = c.add([c.mul(a, b), d], 'x1');
    const x2 = c.mul(x1, e, 'x2');
    c.mul(x2, x2, 'x');
    expect(printBackprop(c, { upstream: -2.5 }).split('\n')).to.deep.equal([
      'var _4 = a * b;',
      'var x1 = _4 + c;',
      'var x2 = x1 * d;',
      'var x = x2 * x2;',
      '// backward pass',
      'var dx = -2.5;',
      'var dx2 = x2 * dx;',
      'dx2 += x2 * dx;',
      'var dx1 = d * dx2;',
      'var dd = x1 * dx2;',
      'var d_4 = 1.0 * dx1;',
      'var dc = 1.0 * dx1;',
      'var da = b * d_4;',
      'var db = a * d_4;',
      '',
    ]);
  });

  it('writes TypeScript with let for gradients that are added to and const for the rest', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.mul(a, a, 'x');
    expect(printBackprop(c, { lang: 'ts' })).to.equal(
      'const x: number = a * a;\n// backward pass\nconst dx: number = 1;\nlet da: number = a * dx;\nda += a * dx;\n',
    );
  });

  it('renames gradients to grad_ when d + name would clash with a wire', () => {
    const c = new Circuit();
    const [a, da] = c.inputs('a', 'da');
    c.mul(a, da, 'x');
    expect(printBackprop(c)).to.equal('var x = a * da;\n// backward pass\nvar grad_x = 1;\nvar grad_a = da * grad_x;\nvar grad_da = a * grad_x;\n');
  });

  it('calls a gate without code through its methods, by its name', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.applyOrThrow(new TanhGate(), [a], 't');
    expect(printBackprop(c)).to.equal('var t = tanh.forward([a]);\n// backward pass\nvar dt = 1;\nvar da = tanh.backward([a], t, dt)[0];\n');
  });

  it('differentiates the wire given as output, printing only the wires up to it', () => {
    const c = new Circuit();
    const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd');
    const x1 = c.add([a, b], 'x1');
    c.mul(x1, c.reciprocal(c.add([cc, d], 'x2'), 'x3'), 'x');
    expect(printBackprop(c, { output: x1 })).to.equal(
      'var x1 = a + b;\n// backward pass\nvar dx1 = 1;\nvar da = 1.0 * dx1;\nvar db = 1.0 * dx1;\nvar dc = 0;\nvar dd = 0;\n',
    );
    const f = load(printBackpropFunction(c, { output: x1 }));
    expect(f(1, 2, 3, 4, 1)).to.deep.equal({ value: 3, gradients: { a: 1, b: 1, c: 0, d: 0 } });
    expect(() => printBackprop(c, { output: new Circuit().input('z') })).to.throw('wire z belongs to another circuit');
  });

  it('gives an input that no gate reads a gradient of 0', () => {
    const c = new Circuit();
    const [a] = c.inputs('a', 'unused');
    c.neg(a, 'x');
    expect(printBackprop(c)).to.contain('var dunused = 0;');
  });
});

describe('printBackpropFunction', () => {
  for (const [name, build, point] of chapter) {
    it(`is real code that gives the library's value and gradients: ${name}`, () => {
      const c = build();
      const f = load(printBackpropFunction(c));
      for (const dx of [1, -2.5]) {
        const fwd = orThrow(c.forwardArray(point));
        const bwd = orThrow(c.backward(fwd, dx));
        const printed = f(...point, dx);
        expect(printed.value).to.equal(fwd.output);
        expectSameNumbers(printed.gradients, bwd.inputs());
      }
    });
  }

  it('prints TypeScript that type-checks and gives the same numbers', () => {
    for (const [name, build, point] of chapter) {
      const c = build();
      const source = printBackpropFunction(c, { lang: 'ts' });
      const out = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, strict: true }, reportDiagnostics: true });
      expect(out.diagnostics ?? [], name).to.deep.equal([]);
      const printed = load(out.outputText)(...point, 1);
      expectSameNumbers(printed.gradients, orThrow(c.backward(orThrow(c.forwardArray(point)))).inputs());
    }
  });

  it('matches the library on random circuits at random points', () => {
    fc.assert(
      fc.property(randomCircuit(), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }), ([c], point) => {
        const fwd = c.forwardArray(point);
        if (fwd._tag === 'Left') return; // a non-finite value: nothing to compare
        const bwd = c.backward(fwd.right);
        if (bwd._tag === 'Left') return;
        const printed = load(printBackpropFunction(c))(...point, 1);
        expect(printed.value).to.equal(fwd.right.output);
        expectSameNumbers(printed.gradients, bwd.right.inputs());
      }),
      { numRuns: 200 },
    );
  });
});

describe('emit', () => {
  it('gives one forward step per gate and one backward step per contribution, marking the first', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.mul(a, a, 'x');
    const p = emit(c, { value: (i) => `v${String(i)}`, gradient: (i) => `g${String(i)}`, gate: (k) => `G${String(k)}` });
    expect(p.forward).to.deep.equal([{ wire: 1, kind: 'forward', target: 'v1', expression: 'v0 * v0', first: true }]);
    expect(p.backward.map((s) => [s.target, s.expression, s.first, s.input])).to.deep.equal([
      ['g0', 'v0 * g1', true, 0],
      ['g0', 'v0 * g1', false, 0],
    ]);
    expect(p.calls).to.deep.equal([]);
  });
});

/** Random circuits over inputs a, b, c from every built-in gate, with fan-out. */
export function randomCircuit(): fc.Arbitrary<[Circuit, string]> {
  const step = fc.record({
    op: fc.constantFrom('mul', 'add', 'sub', 'neg', 'sigmoid', 'relu', 'max', 'reciprocal', 'pow2', 'pow3', 'const'),
    picks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    k: fc.double({ min: -2, max: 2, noNaN: true }),
  });
  return fc.array(step, { minLength: 1, maxLength: 12 }).map((steps) => {
    const c = new Circuit();
    const wires: Wire[] = [...c.inputs('a', 'b', 'c')];
    const pick = (n: number): Wire => wires[n % wires.length]!;
    for (const { op, picks, k } of steps) {
      const [p, q, r] = picks as [number, number, number];
      const gate: Record<string, () => Wire> = {
        mul: () => c.mul(pick(p), pick(q)),
        add: () => c.add([pick(p), pick(q), pick(r)]),
        sub: () => c.sub(pick(p), pick(q)),
        neg: () => c.neg(pick(p)),
        sigmoid: () => c.sigmoid(pick(p)),
        relu: () => c.relu(pick(p)),
        max: () => c.max([pick(p), pick(q)]),
        reciprocal: () => c.reciprocal(pick(p)),
        pow2: () => c.pow(pick(p), 2),
        pow3: () => c.pow(pick(p), 3),
        const: () => c.constant(k),
      };
      wires.push(gate[op]!());
    }
    return [c, steps.map((s) => s.op).join(' ')] as [Circuit, string];
  });
}

/** A gate used only to check that custom gates keep working. */
export const customGates: readonly Gate[] = [new TanhGate()];
