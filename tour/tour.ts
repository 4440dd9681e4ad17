// `npm start`: a walk through every code block of the chapter "Becoming a
// Backprop Ninja". For each block the tour prints the chapter's code, parses
// its forward pass with the library's parseCircuit, prints the backward code
// the library writes for it (printBackprop) next to the chapter's, every
// wire's value and gradient (formatTrace), and a numerical check
// (formatGradcheck). Every circuit here comes from parseCircuit: the tour has
// no circuit, evaluator or formula of its own.
import * as E from 'fp-ts/Either';
import {
  formatGradcheck,
  formatNumber,
  formatTrace,
  gradcheck,
  orThrow,
  parseCircuit,
  printBackprop,
  type InputAssignment,
  type ParsedCircuit,
} from '../lib/index';
import { CHAPTER_BLOCKS } from './chapter';

/** The width the tour is written for: an 80-column terminal. */
const WIDTH = 80;

/** Where the forward code the parser reads comes from, when it is not the block itself. */
interface Source {
  /** The program given to parseCircuit: lines of the chapter, verbatim. */
  readonly code: string;
  /** Why this text rather than the block (a paragraph). */
  readonly why: string;
}

/** What the tour's extra part of a block can use. */
interface Context {
  readonly parsed: ParsedCircuit;
  readonly say: (s?: string) => void;
  readonly para: (text: string) => void;
}

/** One chapter code block and how the tour runs it. */
interface Step {
  readonly title: string;
  /** The text parsed, when the block's own text does not hold its forward pass. */
  readonly source?: Source;
  /** The example values of the inputs. */
  readonly point: InputAssignment;
  /** The upstream gradients on the output: a trace for each (the first is the code's). */
  readonly upstreams: readonly number[];
  /** Paragraphs after the numbers. */
  readonly notes: readonly string[];
  /** More to show after the notes: an edge point, an error. */
  readonly extra?: (ctx: Context) => void;
}

const STEPS: readonly Step[] = [
  {
    title: 'the * gate',
    point: { a: -2, b: 3 },
    upstreams: [1, 2],
    notes: [
      'The * gate is a switcher: each input gets the value of the other input, ' +
        'times the gradient from above. The upstream gradient is explicit: with ' +
        '`dx = 2` every gradient doubles (local gradient times upstream: the chain rule).',
    ],
  },
  {
    title: 'the + gate',
    point: { a: -2, b: 3 },
    upstreams: [1],
    notes: ['The local gradient of + is 1.0 for every input: it routes dx unchanged.'],
  },
  {
    title: 'a + b + c in two steps',
    point: { a: -2, b: 3, c: -4 },
    upstreams: [1],
    notes: [
      'The library goes back gate by gate from the output, as the chapter does: ' +
        'gate 2 gives dq and dc, then gate 1 gives da and db from dq. The trace ' +
        'has the gradient of every wire, the chapter\'s dq included.',
    ],
  },
  {
    title: 'a + b + c in one gate',
    point: { a: -2, b: 3, c: -4 },
    upstreams: [1],
    notes: [
      'The parser reads a chain of + as one add gate with three inputs, so the ' +
        'backward code is the chapter\'s three lines.',
    ],
  },
  {
    title: 'combining gates: a * b + c',
    point: { a: -2, b: 3, c: -4 },
    upstreams: [1],
    notes: [
      'The wire _3 is the temporary `q = a * b` the chapter suggests: a wire ' +
        'the program does not name is called _<index>. Its gradient is ' +
        '`d_3 = 1.0 * dx`, so `da = b * d_3` is the chapter\'s `b * dx`.',
    ],
  },
  {
    title: 'the neuron',
    point: { a: 1, b: 2, c: -3, x: -1, y: 3 },
    upstreams: [1],
    notes: [
      'The values are the previous chapter\'s: q = 2 and f = sig(2) = 0.880797. ' +
        'The inputs are listed in order of first use. The sigmoid line is the ' +
        'chapter\'s `(f * (1 - f)) * df`, except that for `q >= 1` the factor ' +
        '`1 - f` is computed as `sig(-q)`: the same number, but exact when f ' +
        'rounds to 1 (see the edge points at the end).',
    ],
  },
  {
    title: 'a wire that splits: a * a',
    point: { a: 3 },
    upstreams: [1],
    notes: [
      'The chapter leaves da as ??? here; the library\'s code answers it: the ' +
        'wire a is both inputs of the * gate, so two lines add into da, the ' +
        'second with +=. At `a = 3` that is `3 + 3 = 6`.',
    ],
  },
  {
    title: 'gradients add up where a wire splits',
    // The block is only a backward pass: read as a program, its first line
    // would be a forward line `da = a * dx` with inputs a and dx. Its forward
    // pass is block 7's first line, which the parser reads.
    source: {
      code: (CHAPTER_BLOCKS[6] ?? '').split('\n')[0] ?? '',
      why:
        'This block is only a backward pass: the one of block 7, so ' +
        'parseCircuit reads block 7\'s forward line, "var x = a * a;".',
    },
    point: { a: 3 },
    upstreams: [1],
    notes: [
      'The library writes the chapter\'s long form: `da = a * dx`, then ' +
        '`da += a * dx`. Every gate adds into its inputs\' gradients, so a wire ' +
        'that splits is right by construction; the sum is the short form ' +
        '`2 * a * dx = 6`.',
    ],
  },
  {
    title: 'a*a + b*b + c*c',
    point: { a: -2, b: 3, c: -4 },
    upstreams: [1],
    notes: [
      'Each square is a * gate whose two inputs are one wire, so the code adds ' +
        'into da, db and dc twice: `2*a*dx = -4`, `2*b*dx = 6`, `2*c*dx = -8`.',
    ],
  },
  {
    title: 'Math.pow(((a * b + c) * d), 2)',
    point: { a: -2, b: 3, c: -4, d: 2 },
    upstreams: [1],
    notes: [
      'Math.pow(x, 2) is a pow gate with the constant exponent 2; its local ' +
        'gradient is the power rule, `2 * _6` here. The wires inside one ' +
        'expression have no names in the program, so they are _4, _5, _6; the ' +
        'next block names _5 and _6 x1 and x2.',
    ],
  },
  {
    title: 'the same, piece by piece',
    point: { a: -2, b: 3, c: -4, d: 2 },
    upstreams: [1],
    notes: [
      'The same point gives the same gradients as the previous block: x2 * x2 ' +
        'is a wire that splits (`x2 * dx`, twice), `pow(x2, 2)` the power rule ' +
        '(`2 * x2 * dx`). The chapter\'s dx2, dd, dx1, da, db, dc are all here.',
    ],
  },
  {
    title: 'division: 1.0 / a',
    point: { a: 4 },
    upstreams: [1, 2],
    notes: [
      'THE CHAPTER IS WRONG HERE: its `"var da = -1.0/(a*a);"` leaves out ' +
        '`"* dx"`. That is the local gradient only; the gradient passed on is the ' +
        'local gradient times the upstream one, as the library writes it. At ' +
        '`a = 4` the chapter\'s line `gives -0.0625` whatever dx is; with `dx = 2` ' +
        'the chain rule `gives -0.125`, the second table (the chapter\'s own next ' +
        'block does multiply by dx3). The numerical check differentiates x ' +
        'itself, `dx = 1`, where the two agree.',
    ],
    extra: ({ parsed, say }) => {
      const result = parsed.circuit.forward({ a: 0 });
      say('Edge point: 1/0 is not passed on as Infinity but returned as an error:');
      say();
      say('    circuit.forward({ a: 0 })');
      say(`    Left: ${E.isLeft(result) ? result.left.message : 'Right (unexpected)'}`);
    },
  },
  {
    title: '(a + b) / (c + d), the forward pass begins',
    // Read whole, the block's output would be its last variable, x1 = a + b;
    // its first line is the expression it is about.
    source: {
      code: (CHAPTER_BLOCKS[12] ?? '').split('\n')[0] ?? '',
      why:
        'The block is cut off after x1 = a + b, which would be the output of ' +
        'the whole text (the last assigned variable), so parseCircuit reads its ' +
        'first line, the expression it is about.',
    },
    point: { a: 1, b: 2, c: 3, d: 1 },
    upstreams: [1],
    notes: [
      'The parser decomposes `a / b` the way the chapter goes on to: ' +
        '`a * (1.0 / b)`. Its _4, _5, _6 are the chapter\'s x1, x2, x3 in the ' +
        'next block.',
    ],
  },
  {
    title: '(a + b) / (c + d), decomposed and backpropagated',
    // The chapter splits this program over two blocks: x1 is defined in block
    // 13, so the parser reads that line and then this block.
    source: {
      code: `${(CHAPTER_BLOCKS[12] ?? '').split('\n')[2] ?? ''}\n${CHAPTER_BLOCKS[13] ?? ''}`,
      why:
        'The chapter splits this program over two blocks, so parseCircuit reads ' +
        'the line "var x1 = a + b;" of block 13 and then this block.',
    },
    point: { a: 1, b: 2, c: 3, d: 1 },
    upstreams: [1],
    notes: ['Here the chapter does chain with "* dx3", as every gate must.'],
    extra: ({ parsed, say }) => {
      const result = parsed.circuit.forward({ a: 1, b: 2, c: 3, d: -3 });
      say('When c + d = 0 the error names the gate and the wire where it happened:');
      say();
      say('    circuit.forward({ a: 1, b: 2, c: 3, d: -3 })');
      say(`    Left: ${E.isLeft(result) ? result.left.message : 'Right (unexpected)'}`);
    },
  },
  {
    title: 'the max gate',
    point: { a: 2, b: 5 },
    upstreams: [1],
    notes: [
      'The max gate routes dx to the input that was largest; the others get 0. ' +
        'The library\'s line divides dx by the number of inputs equal to x, ' +
        'which is 1 unless there is a tie.',
    ],
    extra: ({ parsed, say, para }) => {
      const { circuit } = parsed;
      const point = { a: 3, b: 3 };
      const fwd = orThrow(circuit.forward(point));
      const bwd = orThrow(circuit.backward(fwd, 1));
      say('Edge point, a tie: a = b = 3, with dx = 1:');
      say();
      say(indent(formatTrace(fwd, bwd)));
      say();
      para(
        'THE CHAPTER\'S LITERAL CODE IS WRONG AT A TIE: `"a === x"` and ' +
          '`"b === x"` are both true, so it gives `da = db = 1.0 * dx`, and the ' +
          'gradients add up to `2 * dx`: the tug is doubled. The library splits ' +
          'dx evenly among tied inputs (as PyTorch and JAX do): ' +
          `\`da = db = ${formatNumber(bwd.inputs()['a'] ?? NaN)}\`, which add up to \`dx = 1\`. ` +
          'The centred difference agrees: at the tie it is `(1 + 0) / 2 = 0.5`, ' +
          'the mean of the slopes on either side:',
      );
      say();
      say(indent(formatGradcheck(orThrow(gradcheck(circuit, point)))));
    },
  },
  {
    title: 'ReLU: Math.max(a, 0)',
    point: { a: 3 },
    upstreams: [1],
    notes: [
      'The parser reads Math.max(a, 0) as a ReLU gate, as the chapter writes ' +
        'ReLU. It passes the gradient through where it was active in the ' +
        'forward pass, and stops it where it was not:',
    ],
    extra: ({ parsed, say, para }) => {
      const { circuit } = parsed;
      for (const value of [-2, 0]) {
        const fwd = orThrow(circuit.forward({ a: value }));
        const bwd = orThrow(circuit.backward(fwd, 1));
        say(`    at a = ${String(value)}: x = ${formatNumber(fwd.output)}, da = ${formatNumber(bwd.inputs()['a'] ?? NaN)}`);
      }
      say();
      para(
        'Edge point: at exactly `a = 0` the gradient is 0 (the chapter\'s `"a > 0"`; ' +
          'PyTorch and JAX agree). The slopes left and right differ there, so the ' +
          'numerical check reports a kink, not a failure:',
      );
      say();
      say(indent(formatGradcheck(orThrow(gradcheck(circuit, { a: 0 })))));
    },
  },
];

/** Parses a program the tour knows to be valid; a parse error is a bug in the tour. */
function parse(source: string): ParsedCircuit {
  const parsed = parseCircuit(source);
  if (E.isLeft(parsed)) throw new Error(`the tour's program does not parse:\n${parsed.left.message}`);
  return parsed.right;
}

/**
 * Indents every line of `text` by four spaces, or by as many as fit in
 * the terminal when a line is long (the chapter has an 80-column line).
 */
function indent(text: string): string {
  const lines = text.split('\n');
  const longest = Math.max(...lines.map((l) => l.length));
  const pad = ' '.repeat(Math.max(0, Math.min(4, WIDTH - longest)));
  return lines.map((l) => (l === '' ? l : `${pad}${l}`)).join('\n');
}

/**
 * Breaks a paragraph into lines of at most `width` columns, at spaces. Code
 * in backticks is never broken (the backticks are not printed).
 */
function wrap(text: string, width = WIDTH - 2): string[] {
  const NBSP = '\u00a0';
  const words = text.replace(/`([^`]*)`/g, (_m, code: string) => code.replaceAll(' ', NBSP)).split(/ +/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => l.replaceAll(NBSP, ' '));
}

/** `a = -2, b = 3` */
function describePoint(point: InputAssignment): string {
  return Object.entries(point)
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join(', ');
}

/** Shows one of the chapter's blocks: its code, the library's code, the numbers, the check. */
function showStep(step: Step, block: number, say: (s?: string) => void): void {
  const para = (text: string): void => {
    for (const line of wrap(text)) say(line);
  };
  const chapter = CHAPTER_BLOCKS[block - 1] ?? '';
  say('═'.repeat(WIDTH - 2));
  say(` Block ${String(block)} of ${String(CHAPTER_BLOCKS.length)}: ${step.title}`);
  say('═'.repeat(WIDTH - 2));
  say();
  say('The chapter:');
  say();
  say(indent(chapter));
  say();

  const parsed = parse(step.source?.code ?? chapter);
  const { circuit, output, backward } = parsed;
  const dy = `d${output.name}`;
  if (step.source !== undefined) {
    para(step.source.why);
  } else if (backward !== undefined) {
    para(
      `parseCircuit reads the forward pass and stops at line ${String(backward.line)}, ` +
        'where the chapter\'s own backward pass starts.',
    );
  } else {
    para('parseCircuit reads the whole block: it is all forward pass.');
  }
  say();
  say('The backward code the library writes for it (printBackprop):');
  say();
  say(indent(printBackprop(circuit).trimEnd()));
  say();

  const fwd = orThrow(circuit.forward(step.point));
  step.upstreams.forEach((upstream, k) => {
    const bwd = orThrow(circuit.backward(fwd, upstream));
    if (k === 0) say(`Every wire at ${describePoint(step.point)}, with ${dy} = ${String(upstream)} (formatTrace):`);
    else say(`The same with ${dy} = ${String(upstream)}: every gradient is ${String(upstream)} times the above:`);
    say();
    say(indent(formatTrace(fwd, bwd)));
    say();
  });

  say(`Numerical check (gradcheck): ${dy}/d(input) by centred differences:`);
  say();
  say(indent(formatGradcheck(orThrow(gradcheck(circuit, step.point)))));
  say();
  for (const note of step.notes) {
    para(note);
    say();
  }
  if (step.extra !== undefined) {
    step.extra({ parsed, say, para });
    say();
  }
}

/** The edge decisions, and where the chapter's text is wrong. */
function showEdges(say: (s?: string) => void): void {
  say('═'.repeat(WIDTH - 2));
  say(' The edge points, and where the chapter is wrong');
  say('═'.repeat(WIDTH - 2));
  say();
  const sig = parse('var f = sig(q);').circuit;
  for (const value of [1000, -1000, 40]) {
    const fwd = orThrow(sig.forward({ q: value }));
    say(`sig(${String(value)}) = ${formatNumber(fwd.output)}, dq = ${formatNumber(orThrow(sig.backward(fwd)).inputs()['q'] ?? NaN)}`);
  }
  say('  The sigmoid never overflows and its gradient is never NaN; for q >= 1 the');
  say('  factor 1 - f is computed as sig(-q), so sig\'(40) is 4.2e-18, not 0.');
  const cube = parse('var x = Math.pow(a, 1/3);').circuit.forward({ a: -8 });
  say(`pow(-8, 1/3): ${E.isLeft(cube) ? cube.left.message : 'Right (unexpected)'}`);
  say('  A power that is not a real number is NaN in JavaScript: an error, like 1/0.');
  say();
  say('Decisions:');
  say('  - ReLU\'(0) = 0, as the chapter\'s "a > 0" (PyTorch, JAX agree).');
  say('  - max splits dx evenly among tied inputs, so the gradients sum to dx.');
  say('  - 1/0 and every other non-finite value is an error naming the gate and wire.');
  say('  - The parser reads a / b as a * (1.0 / b), the chapter\'s decomposition,');
  say('    Math.max(a, 0) as ReLU, and a chain of + as one add gate.');
  say('Where the chapter\'s text is wrong:');
  say('  - "var da = -1.0/(a*a);" omits "* dx": the gradient is (-1.0/(a*a)) * dx.');
  say('  - its max code gives the full dx to every tied input, doubling the gradient.');
  say();
  say('Any code of the chapter runs from the shell too: backprop grad, check, code');
  say('and graph (docs/cli.md). More: README.md, docs/chapter.md,');
  say('docs/edge-points.md, docs/errors.md, docs/custom-gates.md; npm test.');
}

/**
 * Runs the tour, writing it piece by piece to `write` (`process.stdout.write`
 * for `npm start`).
 */
export function runTour(write: (s: string) => void): void {
  const say = (s = ''): void => {
    write(`${s}\n`);
  };
  say('backprop-ninja: a tour of "Becoming a Backprop Ninja"');
  say();
  for (const line of wrap(
    'Every code block of the chapter, in order: the chapter\'s code; the backward ' +
      'code the library writes from its forward pass (parseCircuit, then ' +
      'printBackprop), to read next to the chapter\'s; the value and gradient of ' +
      'every wire for an explicit upstream gradient; and a numerical check.',
  )) {
    say(line);
  }
  say();
  STEPS.forEach((step, k) => {
    showStep(step, k + 1, say);
  });
  showEdges(say);
}

if (require.main === module) {
  // a closed pipe (npm start | head) ends the tour quietly, not with a stack trace
  process.stdout.on('error', (e: Error & { readonly code?: unknown }) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  runTour((s) => process.stdout.write(s));
}
