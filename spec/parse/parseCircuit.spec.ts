import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import {
  AddGate, ConstantGate, MaxGate, MultiplyGate, NegateGate, PowGate, ReciprocalGate, ReluGate, SigmoidGate, SubtractGate,
  gradcheck, orThrow, parseCircuit, type Circuit, type ParsedCircuit,
} from '../../lib/index';
import { N_DIV, N_NAME, Nodes, parseProgram } from '../../lib/parse/syntax';
import { EXAMPLES, chapterBlocks } from '../cli/examples';

function parsed(source: string): ParsedCircuit {
  const r = parseCircuit(source);
  if (E.isLeft(r)) expect.fail(`expected ${JSON.stringify(source)} to parse, got:\n${r.left.message}`);
  return r.right;
}

function failure(source: string): string {
  const r = parseCircuit(source);
  if (E.isRight(r)) expect.fail(`expected ${JSON.stringify(source)} not to parse`);
  return r.left.message;
}

/** Each wire as `name = gate(inputs)` (the circuit's own description). */
const shape = (c: Circuit): string[] => Array.from({ length: c.size }, (_, i) => c.describe(i));

const value = (source: string, point: Record<string, number>): number => orThrow(parsed(source).circuit.forward(point)).output;

const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));
const relu = (q: number): number => Math.max(q, 0);

describe('parseCircuit', () => {
  describe('expressions', () => {
    it('reads numbers as the chapter writes them: 1, 1.0, .5, 1e-3, 2.5E+2', () => {
      for (const [text, n] of [['1', 1], ['1.0', 1], ['.5', 0.5], ['1e-3', 1e-3], ['2.5E+2', 250], ['3.', 3]] as const) {
        const c = parsed(`var k = ${text}`).circuit;
        expect(shape(c)).to.deep.equal([`k = ${String(n)}`]);
      }
    });

    it('keeps every constant exactly, whole numbers up to 2^30 - 1 and past it, fractions, -0 and doubly negated numbers alike', () => {
      // (the parser keeps a whole number below 2^30 in its node and any other in a table: both ways must give the number)
      const cases = [
        ['0', 0], ['1', 1], ['1073741823', 2 ** 30 - 1], ['1073741824', 2 ** 30], ['4294967297', 2 ** 32 + 1], ['1e300', 1e300],
        ['0.5', 0.5], ['-0', -0], ['- -0', 0], ['-1073741823', -(2 ** 30 - 1)], ['-1073741824', -(2 ** 30)], ['- - 7', 7], ['-(-(-2.5))', -2.5],
      ] as const;
      for (const [text, n] of cases) {
        const c = parsed(`var k = ${text}`).circuit;
        const gate = c.node(0).gate;
        expect(gate, text).to.be.instanceOf(ConstantGate);
        expect(Object.is((gate as ConstantGate).value, n), `${text}: ${String((gate as ConstantGate).value)}`).to.equal(true);
      }
      // (the lexer reads no sign, so -0 reaches a number node only from code: it must stay -0 there too)
      const nodes = new Nodes(4);
      expect([nodes.number(-0, 0, 0), nodes.number(3, 0, 0)].map((i) => nodes.value(i))).to.deep.equal([-0, 3]);
      expect(Object.is(nodes.value(0), -0)).to.equal(true);
      // and as operands: -0 and 0 are two constants, 2^30 - 1 and 2^30 two more
      expect(shape(parsed('a * -0 + a * 0 + a * 1073741823 + a * 1073741824').circuit).filter((l) => !l.includes('('))).to.deep.equal(['_1 = -0', '_3 = 0', '_5 = 1073741823', '_7 = 1073741824']);
    });

    it('makes a chain of + one add gate, and keeps a parenthesised chain a term of its own', () => {
      expect(shape(parsed('a + b + c').circuit)).to.deep.equal(['a (input)', 'b (input)', 'c (input)', 'x = add(a, b, c)']);
      expect(shape(parsed('(a + b) + c').circuit)).to.deep.equal(['a (input)', 'b (input)', 'c (input)', '_3 = add(a, b)', 'x = add(_3, c)']);
      expect(parsed('a + b + c').circuit.node(3).gate).to.be.instanceOf(AddGate);
    });

    it('gives * and / precedence over + and -, left to right', () => {
      expect(shape(parsed('a - b - c').circuit).slice(3)).to.deep.equal(['_3 = subtract(a, b)', 'x = subtract(_3, c)']);
      expect(shape(parsed('a + b * c').circuit).slice(3)).to.deep.equal(['_3 = multiply(b, c)', 'x = add(a, _3)']);
      expect(value('a - b * c + a / b', { a: 6, b: 3, c: 2 })).to.equal(6 - 3 * 2 + 6 * (1 / 3));
    });

    it('writes a / b as a * (1.0 / b), the chapter\'s decomposition, and 1 / b as the reciprocal alone', () => {
      expect(shape(parsed('a / b').circuit).slice(2)).to.deep.equal(['_2 = reciprocal(b)', 'x = multiply(a, _2)']);
      expect(shape(parsed('1.0 / b').circuit).slice(1)).to.deep.equal(['x = reciprocal(b)']);
      expect(parsed('1 / b').circuit.node(1).gate).to.be.instanceOf(ReciprocalGate);
    });

    it('reads unary minus as a negate gate, and a negative number as a constant', () => {
      const c = parsed('-a * -3').circuit;
      expect(shape(c)).to.deep.equal(['a (input)', '_1 = negate(a)', '_2 = -3', 'x = multiply(_1, _2)']);
      expect(c.node(1).gate).to.be.instanceOf(NegateGate);
      expect(c.node(2).gate).to.be.instanceOf(ConstantGate);
      expect(value('- - a', { a: 2 })).to.equal(2);
      expect(value('+a', { a: 2 })).to.equal(2);
    });

    it('knows max and Math.max (two or more arguments), pow and Math.pow with a constant exponent, sig, sigmoid and relu', () => {
      const gates = (s: string): unknown[] => {
        const c = parsed(s).circuit;
        return Array.from({ length: c.size }, (_, i) => c.node(i).gate).filter((g) => g !== undefined).map((g) => g.constructor);
      };
      expect(gates('max(a, b, c)')).to.deep.equal([MaxGate]);
      expect(gates('Math.max(a, b)')).to.deep.equal([MaxGate]);
      expect(gates('pow(a, 2)')).to.deep.equal([PowGate]);
      expect(gates('Math.pow(a, -1/3)')).to.deep.equal([PowGate]);
      expect((parsed('Math.pow(a, -1/3)').circuit.node(1).gate as PowGate).exponent).to.equal(-1 / 3);
      expect(gates('sig(a)')).to.deep.equal([SigmoidGate]);
      expect(gates('sigmoid(a)')).to.deep.equal([SigmoidGate]);
      expect(gates('relu(a)')).to.deep.equal([ReluGate]);
      expect(gates('a * b - c')).to.deep.equal([MultiplyGate, SubtractGate]);
    });

    it('reads Math.max(a, 0) as the chapter\'s ReLU, so its gradient at 0 is ReLU\'s 0, not half of a tie', () => {
      for (const s of ['Math.max(a, 0)', 'max(0, a)', 'max(a, 0.0)']) {
        const c = parsed(s).circuit;
        expect(c.node(c.size - 1).gate, s).to.be.instanceOf(ReluGate);
        const fwd = orThrow(c.forward({ a: 0 }));
        expect(orThrow(c.backward(fwd)).inputs()).to.deep.equal({ a: 0 });
      }
      // other constants, or more arguments, are a max gate
      expect(parsed('max(a, 1)').circuit.node(2).gate).to.be.instanceOf(MaxGate);
      expect(parsed('max(a, 0, b)').circuit.node(3).gate).to.be.instanceOf(MaxGate);
    });

    it('names a final bare expression x, or out when x is an input', () => {
      expect(parsed('a * b').output.name).to.equal('x');
      expect(parsed('a * x').output.name).to.equal('out');
      expect(parsed('x * out').output.name).to.equal('result');
    });

    it('agrees with JavaScript on random expressions (the same text, evaluated by JavaScript)', () => {
      const leaf = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 9 }).map(String), fc.constantFrom('.5', '1.5e0', '2.0'));
      const { expr } = fc.letrec<{ expr: string }>((tie) => ({
        expr: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*'), tie('expr')).map(([l, op, r]) => `${l} ${op} ${r}`),
          tie('expr').map((e) => `(${e})`),
          tie('expr').map((e) => `-(${e})`),
          tie('expr').map((e) => `sig(${e})`),
          tie('expr').map((e) => `relu(${e})`),
          fc.tuple(tie('expr'), tie('expr')).map(([l, r]) => `Math.max(${l}, ${r})`),
          tie('expr').map((e) => `Math.pow(${e}, 2)`),
        ),
      }));
      fc.assert(
        fc.property(expr, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (e, a, b, c) => {
          // eslint-disable-next-line @typescript-eslint/no-implied-eval
          const js = new Function('a', 'b', 'c', 'sig', 'relu', `return ${e};`) as (...xs: unknown[]) => number;
          const expected = js(a, b, c, sig, relu);
          const p = parsed(e);
          const point: Record<string, number> = { a, b, c };
          const fwd = p.circuit.forward(Object.fromEntries(p.circuit.inputNames.map((n) => [n, point[n] ?? NaN])));
          if (!Number.isFinite(expected)) return E.isLeft(fwd);
          // the same operations in the same order: bit for bit (no division here)
          return E.isRight(fwd) && Object.is(fwd.right.output + 0, expected + 0);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('programs', () => {
    it('reads var, let, const and plain assignments separated by ; or line breaks, with comments', () => {
      const p = parsed('var x1 = a * b + c; // first\nlet x2 = x1 * d /* then */\nconst x3 = x2 * x2\nx = x3 + 1;');
      expect(p.circuit.inputNames).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(p.output.name).to.equal('x');
      expect(shape(p.circuit).slice(4)).to.deep.equal(['_4 = multiply(a, b)', 'x1 = add(_4, c)', 'x2 = multiply(x1, d)', 'x3 = multiply(x2, x2)', '_8 = 1', 'x = add(x3, _8)']);
    });

    it('uses the assignment names as wire names, and the last assigned variable as the output', () => {
      const p = parsed('var x1 = a * b + c;\nvar x2 = x1 * d;\nvar x = x2 * x2;');
      const fwd = orThrow(p.circuit.forward({ a: 1, b: 2, c: 3, d: 4 }));
      expect(fwd.output).to.equal(400);
      expect(p.output.name).to.equal('x');
      expect(p.output.index).to.equal(p.circuit.size - 1);
      expect(['x1', 'x2', 'x'].map((n) => fwd.value(p.circuit.wire(n) ?? p.output))).to.deep.equal([5, 20, 400]);
    });

    it('continues a statement over a line break after or before an operator, or inside brackets', () => {
      expect(value('var x = a +\n  b\nvar y = x\n  * 2', { a: 1, b: 2 })).to.equal(6);
      expect(value('var q = max(\n  a,\n  b\n)', { a: 1, b: 2 })).to.equal(2);
    });

    it('tells apart names that differ only in their digits (x7, x07, x007, x0, x00, x70, a number of ten digits)', () => {
      const names = ['x7', 'x07', 'x007', 'x0', 'x00', 'x000', 'x70', 'x', 'x7a', 'x1234567890', 'x123456789', 'x0123456789'];
      const p = parsed(`var y = ${names.join(' + ')};\nvar z = ${[...names].reverse().join(' * ')};\nvar x7b = y + z + x07 + x1234567890`);
      expect(p.circuit.inputNames).to.deep.equal(names);
      const gates = shape(p.circuit).slice(names.length);
      expect(gates[0]).to.equal(`y = add(${names.join(', ')})`);
      expect(gates[1]).to.equal('_13 = multiply(x0123456789, x123456789)');
      expect(gates[gates.length - 1]).to.equal('x7b = add(y, z, x07, x1234567890)');
      // a gradient's name is d + a known name, with its digits
      expect(parsed('var x = x007 * x07;\nvar dx007 = x07 * dx;').backward).to.deep.equal({ line: 2, column: 1 });
      expect(parsed('var x = x007 * x07;\nvar dx7 = x07 * 2;').backward).to.equal(undefined);
      expect(failure('var q07 = a;\nvar q7 = b;\nvar q07 = c;').split('\n')[0]).to.equal('line 3, column 5: q07 is already assigned (line 1, column 5); assign each variable once');
    });

    it('gives an alias its own wire: var y = x is a one-input add named y', () => {
      const p = parsed('var q = a * b; var y = q;');
      expect(shape(p.circuit)).to.deep.equal(['a (input)', 'b (input)', 'q = multiply(a, b)', 'y = add(q)']);
      expect(shape(parsed('var y = a').circuit)).to.deep.equal(['a (input)', 'y = add(a)']);
    });

    it('stops at the program\'s own backward pass and says where it starts', () => {
      const p = parsed('var x = a * b;\n// and given gradient on x (dx), we saw that in backprop we would compute:\nvar da = b * dx;\nvar db = a * dx;');
      expect(p.backward).to.deep.equal({ line: 3, column: 1 });
      expect(p.circuit.inputNames).to.deep.equal(['a', 'b']);
      // the rest is not even read: the chapter's max block uses === and ? :
      expect(parsed('var x = Math.max(a, b);\nvar da = a === x ? 1.0 * dx : 0.0;').backward).to.deep.equal({ line: 2, column: 1 });
      expect(parsed('var q = a + b;\ndq = 1.0 * dx;').backward).to.deep.equal({ line: 2, column: 1 });
      expect(parsed('var x = a * a;\nvar da = a * dx; da += a * dx;').backward).to.deep.equal({ line: 2, column: 1 });
      expect(parsed('a * b').backward).to.equal(undefined);
    });

    it('parses every code block of the chapter, verbatim', () => {
      const outputs = chapterBlocks().map((b) => parsed(b).output.name);
      expect(outputs).to.deep.equal(['x', 'x', 'x', 'x', 'x', 'f', 'x', 'da', 'x', 'x', 'x', 'x', 'x1', 'x', 'x', 'x']);
    });

    it('computes every chapter example\'s value and gradients as the chapter\'s formulas give them', () => {
      for (const ex of EXAMPLES) {
        const p = parsed(ex.program);
        expect(p.output.name, ex.title).to.equal(ex.output);
        const fwd = orThrow(p.circuit.forward(ex.point));
        expect(fwd.output, ex.title).to.be.closeTo(ex.value, 1e-12 * Math.abs(ex.value));
        const grads = orThrow(p.circuit.backward(fwd)).inputs();
        expect(Object.keys(grads).sort(), ex.title).to.deep.equal(Object.keys(ex.gradients).sort());
        for (const [k, g] of Object.entries(ex.gradients)) expect(grads[k], `${ex.title}: d${k}`).to.be.closeTo(g, 1e-12 * Math.max(1, Math.abs(g)));
        expect(orThrow(gradcheck(p.circuit, ex.point)).ok, ex.title).to.equal(true);
      }
    });
  });

  describe('size', () => {
    it('parses and runs a sum of 200,000 terms as one add gate', () => {
      const p = parsed(Array.from({ length: 200000 }, (_, i) => (i % 2 === 0 ? 'a' : 'b')).join(' + '));
      expect(p.circuit.size).to.equal(3);
      const fwd = orThrow(p.circuit.forward({ a: 1, b: 2 }));
      expect(fwd.output).to.equal(300000);
      expect(orThrow(p.circuit.backward(fwd)).inputs()).to.deep.equal({ a: 100000, b: 100000 });
    });

    it('parses and runs a program of 50,000 assignments', () => {
      const lines = ['var x1 = a * 2;'];
      for (let i = 2; i <= 50000; i++) lines.push(`var x${String(i)} = x${String(i - 1)} - a;`);
      const p = parsed(lines.join('\n'));
      expect(p.output.name).to.equal('x50000');
      const fwd = orThrow(p.circuit.forward({ a: 3 }));
      expect(fwd.output).to.equal(6 - 49999 * 3);
      expect(orThrow(p.circuit.backward(fwd)).inputs()).to.deep.equal({ a: 2 - 49999 });
    });

    it('parses a chapter-style program of 1,000,002 gates (333,334 statements, 666,669 inputs) into the right circuit', function () {
      this.timeout(120_000);
      const n = 333334;
      const lines: string[] = [];
      for (let k = 0; k < n; k++) lines.push(`var x${String(k + 1)} = max(w${String(k)} * x${String(k)} + b${String(k)}, 0);`);
      const { circuit, output } = parsed(lines.join('\n'));
      expect(circuit.inputNames.length).to.equal(2 * n + 1);
      expect(circuit.size - circuit.inputNames.length).to.equal(3 * n);
      expect(output.name).to.equal(`x${String(n)}`);
      expect(circuit.inputNames.slice(0, 5)).to.deep.equal(['w0', 'x0', 'b0', 'w1', 'b1']);
      expect([circuit.describe(2 * n + 1), circuit.describe(2 * n + 3), circuit.describe(circuit.size - 1)]).to.deep.equal([
        `_${String(2 * n + 1)} = multiply(w0, x0)`,
        `x1 = relu(_${String(2 * n + 2)})`,
        `x${String(n)} = relu(_${String(circuit.size - 2)})`,
      ]);
      // every w_k = 1, b_k = 1, x0 = 0: x_k = k, and every relu is active, so
      // d x_n / d b_k = 1, d x_n / d w_k = x_k = k, d x_n / d x0 = 1
      const point = new Float64Array(circuit.inputNames.length).fill(1);
      point[1] = 0;
      const fwd = orThrow(circuit.forwardArray(point));
      expect(fwd.output).to.equal(n);
      const bwd = orThrow(circuit.backward(fwd));
      for (const k of [0, 1, 1000, n - 1]) {
        const w = circuit.wire(`w${String(k)}`);
        const b = circuit.wire(`b${String(k)}`);
        expect(w && bwd.gradient(w), `dw${String(k)}`).to.equal(k);
        expect(b && bwd.gradient(b), `db${String(k)}`).to.equal(1);
      }
      const x0 = circuit.wire('x0');
      expect(x0 && bwd.gradient(x0)).to.equal(1);
    });

    it('parses the same chain as one nested expression of 1,000,002 gates', function () {
      this.timeout(120_000);
      const n = 333334;
      const { circuit } = parsed(`${'max(w * '.repeat(n)}x0${' + b, 0)'.repeat(n)}`);
      expect(circuit.inputNames).to.deep.equal(['w', 'x0', 'b']);
      expect(circuit.size).to.equal(3 + 3 * n);
      // w = 1, b = 1, x0 = 0: x_n = n, d/db = n, d/dw = 0 + 1 + ... + (n - 1), d/dx0 = 1
      const fwd = orThrow(circuit.forward({ w: 1, x0: 0, b: 1 }));
      expect(fwd.output).to.equal(n);
      expect(orThrow(circuit.backward(fwd)).inputs()).to.deep.equal({ w: (n * (n - 1)) / 2, x0: 1, b: n });
    });

    it('gives the right answer for 300,000 nested parentheses, nested sums and unary minuses (no recursion)', () => {
      const n = 300000;
      expect(value(`${'('.repeat(n)}a${')'.repeat(n)} * 2`, { a: 3 })).to.equal(6);
      expect(value(`${'(a + '.repeat(n)}a${')'.repeat(n)}`, { a: 1 })).to.equal(n + 1);
      expect(value(`${'-'.repeat(n + 1)}a`, { a: 1 })).to.equal(-1);
      expect(value(`${'sig('.repeat(1000)}a${')'.repeat(1000)}`, { a: 0 })).to.be.within(0.6, 0.7);
    });

    it('counts, while parsing, the name and division nodes that size the lowering (internal)', () => {
      for (const source of ['var y = a / b + c / (d / e) + max(f, 0)', 'x', '1 / 2', 'pow(a / b, 2 / 4) * a', 'var q = 1;\nvar r = q / q / q']) {
        const r = parseProgram(source);
        if (!r.ok) expect.fail(r.error.message);
        const { op, length } = r.value.nodes;
        const count = (kind: number): number => op.subarray(0, length).filter((o) => o === kind).length;
        expect([r.value.nodes.names, r.value.nodes.divisions], source).to.deep.equal([count(N_NAME), count(N_DIV)]);
      }
      const r = parseProgram('var y = a / b + c / (d / e) + max(f, 0)');
      expect(r.ok && [r.value.nodes.names, r.value.nodes.divisions]).to.deep.equal([6, 3]);
    });

    it('points at an unclosed bracket even when there are 300,000 of them', () => {
      expect(failure(`${'('.repeat(300000)}a`).split('\n')[0]).to.equal('line 1, column 300000: this ( is never closed with ")"');
    });
  });

  describe('mistakes: a message with line, column and a caret under the offending text', () => {
    const cases: readonly (readonly [string, string, string])[] = [
      ['an empty program', '', 'line 1, column 1: the expression is empty: nothing to compute\n  \n  ^'],
      ['only comments', '// nothing here', 'line 1, column 16: the expression is empty: nothing to compute\n  // nothing here\n                 ^'],
      ['a missing operand', 'a * ', 'line 1, column 5: expected a number, a name or "(" after "*", got the end\n  a * \n      ^'],
      ['a stray )', 'a * )', 'line 1, column 5: expected a number, a name or "(" after "*", got ")"\n  a * )\n      ^'],
      ['two operands in a row', 'var x = a b', 'line 1, column 11: expected an operator (+ - * /) or the end of the statement, got "b"\n  var x = a b\n            ^'],
      ['an unclosed (', 'var x = (a + b', 'line 1, column 9: this ( is never closed with ")"\n  var x = (a + b\n          ^'],
      ['an unclosed call', 'sig(a', 'line 1, column 1: this sig( is never closed with ")"\n  sig(a\n  ^^^^'],
      ['an unmatched )', 'a + b)', 'line 1, column 6: this ")" has no matching "("\n  a + b)\n       ^'],
      ['an unknown function', 'var y = tanh(a)', 'line 1, column 9: unknown function tanh (the functions are max, Math.max, pow, Math.pow, sig, sigmoid, relu)\n  var y = tanh(a)\n          ^^^^'],
      ['an unknown Math function', 'Math.exp(a)', 'line 1, column 1: unknown function Math.exp (the functions are max, Math.max, pow, Math.pow, sig, sigmoid, relu)\n  Math.exp(a)\n  ^^^^^^^^'],
      ['max with one argument', 'max(a)', 'line 1, column 1: max takes at least 2 arguments, got 1: max(a, b, ...)\n  max(a)\n  ^^^^^^'],
      ['sig with two arguments', 'sig(a, b)', 'line 1, column 1: sig takes 1 argument, got 2: sig(x)\n  sig(a, b)\n  ^^^^^^^^^'],
      ['a variable exponent', 'pow(a, b)', 'line 1, column 8: the exponent of pow must be a constant number: b is a variable\n  pow(a, b)\n         ^'],
      ['an infinite exponent', 'pow(a, 1/0)', 'line 1, column 8: the exponent of pow must be a finite number, got Infinity\n  pow(a, 1/0)\n         ^^^'],
      ['a function without a call', 'sig + 1', 'line 1, column 1: sig is a function: call it, as in sig(x)\n  sig + 1\n  ^^^'],
      ['an unknown character', 'a ** 2', 'line 1, column 4: expected a number, a name or "(" after "*", got "*"\n  a ** 2\n     ^'],
      ['a comparison', 'a === b', 'line 1, column 3: unexpected "===": comparisons are not part of the language (it has + - * / and the functions max, pow, sig and relu)\n  a === b\n    ^^^'],
      ['an assignment inside an expression', 'var x = a + b = c', 'line 1, column 15: unexpected "=": only a variable can be assigned, as in var x = a * b\n  var x = a + b = c\n                ^'],
      ['a character outside the language', 'a ^ 2', 'line 1, column 3: unexpected character "^" (the expressions use + - * / and the functions max, pow, sig and relu)\n  a ^ 2\n    ^'],
      ['a number glued to a name', '2a', 'line 1, column 1: "2a" is not a number or a name (names do not start with a digit)\n  2a\n  ^^'],
      ['a number too large', '1e999 * a', 'line 1, column 1: the number 1e999 is too large for a double\n  1e999 * a\n  ^^^^^'],
      ['NaN', 'a * NaN', 'line 1, column 5: NaN is not a finite number\n  a * NaN\n      ^^^'],
      ['a variable assigned twice', 'var q = a;\nvar q = b;', 'line 2, column 5: q is already assigned (line 1, column 5); assign each variable once\n  var q = b;\n      ^'],
      ['an input assigned later', 'var x = a * q;\nvar q = 2;', 'line 2, column 5: q is used before it is assigned (line 1, column 13), so it is an input; choose another name\n  var q = 2;\n      ^'],
      ['a reserved name', 'var new = a', 'line 1, column 5: new is a reserved word; choose another name\n  var new = a\n      ^^^'],
      ['a name kept for unnamed wires', 'var _3 = a', 'line 1, column 5: the name _3 is kept for unnamed wires; choose another\n  var _3 = a\n      ^^'],
      ['an input named as an unnamed wire', 'var y = bb + _13 * c', 'line 1, column 14: the name _13 is kept for unnamed wires; choose another\n  var y = bb + _13 * c\n               ^^^'],
      ['an input named as an unnamed wire, first in the text', '_13 * b', 'line 1, column 1: the name _13 is kept for unnamed wires; choose another\n  _13 * b\n  ^^^'],
      ['the first name of the text assigned twice', 'a = 1; a = 2', 'line 1, column 8: a is already assigned (line 1, column 1); assign each variable once\n  a = 1; a = 2\n         ^'],
      ['var without a name', 'var = 3', 'line 1, column 5: expected a variable name after var, got "="\n  var = 3\n      ^'],
      ['var without =', 'var x a', 'line 1, column 7: expected "=" after var x, got "a"\n  var x a\n        ^'],
      ['an unused expression', 'a * b;\nvar x = c;', 'line 1, column 1: this expression is not used: assign it (var name = ...) or make it the last statement\n  a * b;\n  ^^^^^'],
      ['+= in the forward pass', 'var x = a; x += 1', 'line 1, column 14: += is not supported: assign each variable once (var y = x + ...)\n  var x = a; x += 1\n               ^^'],
      ['an unclosed comment', 'a /* b', 'line 1, column 3: this /* comment is never closed with */\n  a /* b\n    ^^'],
      ['a mistake on a later line', 'var x1 = a * b;\nvar x2 = x1 *\n;', 'line 3, column 1: expected a number, a name or "(" after "*", got ";"\n  ;\n  ^'],
      ['a tab before the mistake', '\tvar x = a # b', 'line 1, column 12: unexpected character "#" (the expressions use + - * / and the functions max, pow, sig and relu)\n  \tvar x = a # b\n  \t          ^'],
    ];
    for (const [what, source, message] of cases) {
      if (message === '') continue;
      it(`reports ${what}`, () => {
        expect(failure(source)).to.equal(message);
      });
    }

    it('gives the line and column as numbers too', () => {
      const r = parseCircuit('var x = a;\nvar y = x +* 2');
      expect(E.isLeft(r) && { line: r.left.line, column: r.left.column, reason: r.left.reason }).to.deep.equal({
        line: 2,
        column: 12,
        reason: 'expected a number, a name or "(" after "+", got "*"',
      });
    });

    it('shows a window of a very long line around the mistake', () => {
      const message = failure(`${'a + '.repeat(1000)}) + b`);
      const [, line = '', caret = ''] = message.split('\n');
      expect(line.length).to.be.below(100);
      expect(line[caret.indexOf('^')]).to.equal(')');
    });
  });
});
