import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAPTER_BLOCKS } from '../tour/chapter';
import { runTour } from '../tour/tour';

const SEED = join(__dirname, '..', '..', 'shared', 'seed', 'becoming-a-backprop-ninja.txt');
const TOUR_SOURCE = join(__dirname, '..', 'tour', 'tour.ts');

/** The chapter's code blocks, trimmed as CHAPTER_BLOCKS trims them. */
function blocksOf(text: string): string[] {
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '').split('\n').map((l) => l.trimEnd()).join('\n').replace(/^\n+|\n+$/g, ''),
  );
}

/**
 * Per block, in order: a line of the backward code the library prints, and
 * rows of the trace (wire, expression, value, gradient), exactly as printed.
 */
const KEY_LINES: readonly (readonly string[])[] = [
  /* 1 */ ['    var da = b * dx;', '    var db = a * dx;', '    a     input              -2         3', '    a     input              -2         6'],
  /* 2 */ ['    var da = 1.0 * dx;', '    x     add(a, b)       1         1'],
  /* 3 */ ['    var dq = 1.0 * dx;', '    var da = 1.0 * dq;', '    q     add(a, b)       1         1'],
  /* 4 */ ['    var dc = 1.0 * dx;', '    x     add(a, b, c)     -3         1'],
  /* 5 */ ['    var da = b * d_3;', '    _3    multiply(a, b)     -6         1'],
  /* 6 */ [
    '    var dq = (f * (q >= 1 ? sig(-q) : 1 - f)) * df;',
    '    var da = x * d_5;',
    '    a     input                  1  -0.104994',
    '    f     sigmoid(q)      0.880797          1',
  ],
  /* 7 */ ['    var da = a * dx;', '    da += a * dx;', '    a     input               3         6'],
  /* 8 */ ['    da += a * dx;', '    x     multiply(a, a)      9         1'],
  /* 9 */ ['    dc += c * d_5;', '    c     input               -4        -8'],
  /* 10 */ ['    var d_6 = 2 * _6 * dx;', '    x     pow(_6, 2)         400         1', '    a     input               -2      -240'],
  /* 11 */ ['    dx2 += x2 * dx;', '    var dd = x1 * dx2;', '    x     multiply(x2, x2)    400         1'],
  /* 12 */ ['    var da = (-1.0 / (a * a)) * dx;', '    a     input              4   -0.0625', '    a     input              4    -0.125'],
  /* 13 */ ['    var d_5 = (-1.0 / (_5 * _5)) * d_6;', '    x     multiply(_4, _6)   0.75         1'],
  /* 14 */ ['    var dx2 = (-1.0 / (x2 * x2)) * dx3;', '    x3    reciprocal(x2)     0.25         3', '    c     input                 3   -0.1875'],
  /* 15 */ ['    var da = (a === x ? dx / ((a === x ? 1 : 0) + (b === x ? 1 : 0)) : 0.0);', '    b     input           5         1'],
  /* 16 */ ['    var da = (a > 0 ? 1.0 * dx : 0.0);', '    x     relu(a)         3         1'],
];

describe('the tour (npm start)', () => {
  let out = '';
  let sections: string[] = [];
  before(() => {
    const parts: string[] = [];
    runTour((s) => parts.push(s));
    out = parts.join('');
    // the text of each block, from its heading to the next heading
    const starts = CHAPTER_BLOCKS.map((_, k) => out.indexOf(` Block ${String(k + 1)} of 16:`));
    const end = out.indexOf(' The edge points, and where the chapter is wrong');
    sections = starts.map((start, k) => out.slice(start, starts[k + 1] ?? end));
  });

  it('has the chapter\'s 16 code blocks, verbatim and in order', function () {
    expect(CHAPTER_BLOCKS).to.have.length(16);
    if (!existsSync(SEED)) this.skip();
    expect(CHAPTER_BLOCKS).to.deep.equal(blocksOf(readFileSync(SEED, 'utf8')));
  });

  it('walks through every code block of the chapter in order, printing its code', () => {
    expect(KEY_LINES).to.have.length(CHAPTER_BLOCKS.length);
    let from = 0;
    CHAPTER_BLOCKS.forEach((block, k) => {
      const heading = out.indexOf(` Block ${String(k + 1)} of 16:`, from);
      expect(heading, `block ${String(k + 1)}`).to.be.greaterThan(from - 1);
      // indented by four, or less where the chapter's line fills the 80 columns
      const code = [4, 3, 2, 1, 0]
        .map((n) => block.split('\n').map((l) => (l === '' ? l : `${' '.repeat(n)}${l}`)).join('\n'))
        .find((c) => out.includes(`\n${c}\n`));
      expect(code, `code of block ${String(k + 1)}`).not.to.equal(undefined);
      expect(out.indexOf(code ?? '', heading), `code of block ${String(k + 1)}`).to.be.greaterThan(heading);
      from = heading + 1;
    });
    expect(out.indexOf(' The edge points', from)).to.be.greaterThan(from);
  });

  it('shows, for every block, the chapter\'s code, the library\'s backward code, the trace and the check, in that order', () => {
    sections.forEach((section, k) => {
      const at = (s: string): number => section.indexOf(s);
      const label = `block ${String(k + 1)}`;
      expect(at('The chapter:'), label).to.be.greaterThan(0);
      expect(at('The backward code the library writes for it (printBackprop):'), label).to.be.greaterThan(at('The chapter:'));
      expect(at('\n    // backward pass\n'), label).to.be.greaterThan(at('(printBackprop):'));
      expect(at('    wire  expression'), label).to.be.greaterThan(at('// backward pass'));
      expect(at('Numerical check (gradcheck):'), label).to.be.greaterThan(at('    wire  expression'));
      expect(section.match(/^ {4}ok: \d+ pass, 0 kink, 0 fail \(step 1e-6, rtol 0\.001, atol 1e-5\)$/gm), label).to.have.length.greaterThan(0);
      expect(section, label).not.to.include('FAILED');
    });
  });

  it('prints the key backward line and trace rows of every block, in its own section', () => {
    sections.forEach((section, k) => {
      const lines = section.split('\n');
      for (const line of KEY_LINES[k] ?? []) expect(lines, `block ${String(k + 1)}`).to.include(line);
    });
  });

  it('prints the printed code of a block in full: the chapter\'s first block', () => {
    expect(sections[0]).to.include(
      ['    var x = a * b;', '    // backward pass', '    var dx = 1;', '    var da = b * dx;', '    var db = a * dx;', ''].join('\n'),
    );
  });

  it('gives the upstream gradient explicitly, and shows the chain rule with another value', () => {
    expect(sections[0]).to.include('Every wire at a = -2, b = 3, with dx = 1 (formatTrace):');
    expect(sections[0]).to.include('The same with dx = 2: every gradient is 2 times the above:');
    expect(sections[5]).to.include('Every wire at a = 1, b = 2, c = -3, x = -1, y = 3, with df = 1 (formatTrace):');
    expect(sections[11]).to.include('The same with dx = 2: every gradient is 2 times the above:');
  });

  it('says what parseCircuit read', () => {
    expect(sections[0]).to.include('parseCircuit reads the forward pass and stops at line 3, where the chapter\'s');
    expect(sections[9]).to.include('parseCircuit reads the whole block: it is all forward pass.');
    expect(sections[7]).to.include('block 7\'s forward line, "var x = a * a;".');
    expect(sections[12]).to.include('The block is cut off after x1 = a + b, which would be the output of the whole');
    expect(sections[13]).to.include('"var x1 = a + b;" of block 13 and then this block.');
  });

  it('runs a numerical check for every block, and one at each edge point; none fails', () => {
    expect(out.match(/^ {4}(ok|ok, with kinks|FAILED): /gm)).to.have.length(16 + 2);
    expect(out).not.to.include('FAILED');
    expect(out).to.include('    a          0         0      0.5        0.5          1  kink');
    expect(out).to.include('    ok, with kinks: 0 pass, 1 kink, 0 fail (step 1e-6, rtol 0.001, atol 1e-5)');
  });

  it('notes where the chapter is wrong', () => {
    expect(sections[11]).to.include('THE CHAPTER IS WRONG HERE: its "var da = -1.0/(a*a);" leaves out "* dx".');
    expect((sections[11] ?? '').replace(/\s+/g, ' ')).to.include(
      'At a = 4 the chapter\'s line gives -0.0625 whatever dx is; with dx = 2 the chain rule gives -0.125, the second table',
    );
    expect(sections[14]).to.include('THE CHAPTER\'S LITERAL CODE IS WRONG AT A TIE');
    expect(sections[14]).to.include('    a     input           3       0.5');
    expect(sections[14]).to.include('    a          3       0.5      0.5   4.13e-12   8.25e-12  pass');
  });

  it('shows the edge decisions and the error values', () => {
    expect(out).to.include('    Left: reciprocal gate on wire x: input a = 0 gives Infinity');
    expect(out).to.include('    Left: reciprocal gate on wire x3: input x2 = 0 gives Infinity');
    expect(out).to.include('\nsig(1000) = 1, dq = 0\n');
    expect(out).to.include('\nsig(-1000) = 0, dq = 0\n');
    expect(out).to.include('\nsig(40) = 1, dq = 4.24835e-18\n');
    expect(out).to.include('\npow(-8, 1/3): pow gate on wire x: input a = -8 gives NaN\n');
    expect(out).to.include('    at a = 0: x = 0, da = 0');
    expect(out).to.include('  - ReLU\'(0) = 0, as the chapter\'s "a > 0" (PyTorch, JAX agree).');
    expect(out).to.include('  - max splits dx evenly among tied inputs, so the gradients sum to dx.');
    expect(out).to.include('  - "var da = -1.0/(a*a);" omits "* dx": the gradient is (-1.0/(a*a)) * dx.');
    expect(out).to.include('  - its max code gives the full dx to every tied input, doubling the gradient.');
  });

  it('fits an 80-column terminal', () => {
    const wide = out.split('\n').filter((l) => l.length > 80) // the tour's characters are one UTF-16 unit each (═ too);
    expect(wide).to.deep.equal([]);
  });

  it('builds every circuit with parseCircuit, none by hand', function () {
    if (!existsSync(TOUR_SOURCE)) this.skip();
    const source = readFileSync(TOUR_SOURCE, 'utf8');
    expect(source).to.include('parseCircuit');
    expect(source).not.to.match(/new Circuit\b|(?<!Math)\.(input|mul|add|sub|neg|sigmoid|relu|max|reciprocal|pow|constant|apply)\(|\.inputs\('/);
  });
});
