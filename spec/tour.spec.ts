import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAPTER_BLOCKS } from '../tour/chapter';
import { runTour } from '../tour/tour';

const SEED = join(__dirname, '..', '..', 'shared', 'seed', 'becoming-a-backprop-ninja.txt');

/** The chapter's code blocks, trimmed as CHAPTER_BLOCKS trims them. */
function blocksOf(text: string): string[] {
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '').split('\n').map((l) => l.trimEnd()).join('\n').replace(/^\n+|\n+$/g, ''),
  );
}

describe('the tour (npm start)', () => {
  let out = '';
  before(() => {
    const parts: string[] = [];
    runTour((s) => parts.push(s));
    out = parts.join('');
  });

  it('has the chapter\'s 16 code blocks, verbatim and in order', function () {
    expect(CHAPTER_BLOCKS).to.have.length(16);
    if (!existsSync(SEED)) this.skip();
    expect(CHAPTER_BLOCKS).to.deep.equal(blocksOf(readFileSync(SEED, 'utf8')));
  });

  it('walks through every code block of the chapter in order, printing its code', () => {
    let from = 0;
    CHAPTER_BLOCKS.forEach((block, k) => {
      const heading = out.indexOf(`Block ${String(k + 1)} of 16:`, from);
      expect(heading, `block ${String(k + 1)}`).to.be.greaterThan(from - 1);
      const code = block.split('\n').map((l) => (l === '' ? l : `    ${l}`)).join('\n');
      expect(out.indexOf(code, heading), `code of block ${String(k + 1)}`).to.be.greaterThan(heading);
      from = heading + 1;
    });
  });

  it('prints every wire\'s value and gradient of the neuron', () => {
    expect(out).to.include('f     sigmoid(q)      0.880797          1');
    expect(out).to.include('a     input                  1  -0.104994');
    expect(out).to.include('dq = (f * (1 - f)) * df =  0.104994   library:  0.104994   agrees');
  });

  it('shows the key numbers of the other blocks', () => {
    expect(out).to.include('x     multiply(x2, x2)    400         1'); // block 11
    expect(out).to.include('da = b * dx1      = -240   library: -240   agrees');
    expect(out).to.include('x3    reciprocal(x2)     0.25         3'); // block 14
    expect(out).to.include('dx2 = (-1.0/(x2*x2)) * dx3 = -0.1875   library: -0.1875   agrees');
    expect(out).to.include('da = 2 * a * dx  (the next block) = 6   library: 6   agrees'); // block 7
  });

  it('runs a numerical check for every block that has a backward pass, and none fails', () => {
    expect(out.match(/^ {4}(ok|ok, with kinks|FAILED): /gm)).to.have.length(15 + 2);
    expect(out).not.to.include('FAILED');
    expect(out).to.include('a          0         0      0.5        0.5          1  kink');
  });

  it('notes where the chapter is wrong', () => {
    expect(out).to.include('da = -1.0/(a*a)  (chapter, literally) = -0.0625   library: -0.125   DIFFERS');
    expect(out).to.include('THE CHAPTER IS WRONG HERE: its "var da = -1.0/(a*a);" leaves out "* dx"');
    expect(out).to.include('THE CHAPTER\'S LITERAL CODE IS WRONG AT A TIE');
    expect(out).to.include('a     input           3       0.5');
  });

  it('shows the edge decisions and the error values', () => {
    expect(out).to.include('Left: reciprocal gate on wire x: input a = 0 gives Infinity');
    expect(out).to.include('Left: reciprocal gate on wire x3: input x2 = 0 gives Infinity');
    expect(out).to.include('sig(1000) = 1, dq = 0');
    expect(out).to.include('sig(-1000) = 0, dq = 0');
    expect(out).to.include('sig(40) = 1, dq = 4.24835e-18');
    expect(out).to.include('pow(-8, 1/3): pow gate on wire x: input a = -8 gives NaN');
    expect(out).to.include('At a = 0: x = 0, da = 0');
  });

  it('prints only the circuit code that actually runs', () => {
    expect(out).to.include(['    const c = new Circuit();', '    const a = c.input(\'a\');', '    c.mul(a, a, \'x\'); // the wire a is both inputs of the * gate'].join('\n'));
  });
});
