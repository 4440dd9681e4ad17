// `npm start`: a walk through every code block of the chapter "Becoming a
// Backprop Ninja", building each with the library and showing every wire's
// value and gradient, the chapter's own formulas, and a numerical check.
import * as E from 'fp-ts/Either';
import { Circuit, formatGradcheck, formatNumber, formatTrace, gradcheck, orThrow, type InputAssignment } from '../lib/index';
import { CHAPTER_BLOCKS } from './chapter';

/** One of the chapter's formulas for a gradient, evaluated at the tour's point. */
interface Formula {
  /** The wire whose gradient the formula gives (`a` for `da`). */
  readonly wire: string;
  /** The formula as the chapter writes it, e.g. `b * dx`. */
  readonly text: string;
  /** Its value at the point. */
  readonly value: number;
}

/** One chapter code block and how the tour builds and runs it. */
interface Step {
  readonly title: string;
  /** Builds the block's circuit; its source is printed, so it is written to be read. */
  readonly build: (c: Circuit) => void;
  readonly point: InputAssignment;
  /** The upstream gradient on the output, and its name in the chapter (`dx`, `df`). */
  readonly upstream: number;
  readonly upstreamName: string;
  /** False for a block that only starts a computation (the forward pass is shown). */
  readonly backward: boolean;
  /** The chapter's formulas, given the value on each wire and the upstream gradient. */
  readonly formulas: (v: (wire: string) => number, dx: number) => readonly Formula[];
  readonly notes: readonly string[];
  /** More to show after the main run: an edge point, an error. */
  readonly extra?: (say: (s?: string) => void) => void;
}

const f = (wire: string, text: string, value: number): Formula => ({ wire, text, value });

const STEPS: readonly Step[] = [
  {
    title: 'the * gate',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      c.mul(a, b, 'x');
    },
    point: { a: -2, b: 3 },
    upstream: 2,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', 'b * dx', v('b') * dx), f('b', 'a * dx', v('a') * dx)],
    notes: [
      'The upstream gradient dx is passed explicitly: here dx = 2, so each input gets',
      'the *other* input times 2. The * gate is a switcher.',
    ],
  },
  {
    title: 'the + gate',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      c.add([a, b], 'x');
    },
    point: { a: -2, b: 3 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (_v, dx) => [f('a', '1.0 * dx', 1.0 * dx), f('b', '1.0 * dx', 1.0 * dx)],
    notes: ['The local gradient of + is 1.0 for every input: it routes dx unchanged.'],
  },
  {
    title: 'a + b + c in two steps',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      const q = c.add([a, b], 'q'); // gate 1
      c.add([q, cc], 'x'); // gate 2
    },
    point: { a: -2, b: 3, c: -4 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (_v, dx) => {
      const dq = 1.0 * dx;
      return [f('c', '1.0 * dx', 1.0 * dx), f('q', '1.0 * dx', dq), f('a', '1.0 * dq', 1.0 * dq), f('b', '1.0 * dq', 1.0 * dq)];
    },
    notes: ['The backward pass returns the gradient of every wire, so the chapter\'s dq is in the table too.'],
  },
  {
    title: 'a + b + c in one gate',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      c.add([a, b, cc], 'x'); // one add gate with three inputs
    },
    point: { a: -2, b: 3, c: -4 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (_v, dx) => [f('a', '1.0 * dx', 1.0 * dx), f('b', '1.0 * dx', 1.0 * dx), f('c', '1.0 * dx', 1.0 * dx)],
    notes: ['AddGate takes any number of inputs: the chapter\'s shortcut is one gate.'],
  },
  {
    title: 'combining gates: a * b + c',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      c.add([c.mul(a, b, 'q'), cc], 'x');
    },
    point: { a: -2, b: 3, c: -4 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', 'b * dx', v('b') * dx), f('b', 'a * dx', v('a') * dx), f('c', '1.0 * dx', 1.0 * dx)],
    notes: ['The temporary q = a * b the chapter suggests is the wire q in the table.'],
  },
  {
    title: 'the neuron',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      const x = c.input('x');
      const y = c.input('y');
      const q = c.add([c.mul(a, x, 'ax'), c.mul(b, y, 'by'), cc], 'q');
      c.sigmoid(q, 'f');
    },
    point: { a: 1, b: 2, c: -3, x: -1, y: 3 },
    upstream: 1,
    upstreamName: 'df',
    backward: true,
    formulas: (v, df) => {
      const fv = v('f');
      const dq = (fv * (1 - fv)) * df;
      return [
        f('q', '(f * (1 - f)) * df', dq),
        f('a', 'x * dq', v('x') * dq),
        f('x', 'a * dq', v('a') * dq),
        f('y', 'b * dq', v('b') * dq),
        f('b', 'y * dq', v('y') * dq),
        f('c', '1.0 * dq', 1.0 * dq),
      ];
    },
    notes: [
      'The values are the previous chapter\'s: a = 1, b = 2, c = -3, x = -1, y = 3, so q = 2',
      'and f = sig(2) = 0.880797. The sigmoid gate computes f * (1 - f) from its own output.',
    ],
  },
  {
    title: 'a wire that splits: a * a',
    build: (c) => {
      const a = c.input('a');
      c.mul(a, a, 'x'); // the wire a is both inputs of the * gate
    },
    point: { a: 3 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', '2 * a * dx  (the next block)', 2 * v('a') * dx)],
    notes: ['The chapter leaves da as ??? here; the library already knows: 2 * a * dx = 6.'],
  },
  {
    title: 'gradients add up where a wire splits',
    build: (c) => {
      const a = c.input('a');
      c.mul(a, a, 'x'); // backward adds a * dx from each branch into da
    },
    point: { a: 3 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => {
      let da = v('a') * dx; // gradient into a from first branch
      da += v('a') * dx; // and add on the gradient from the second branch
      return [f('a', 'a * dx + a * dx', da), f('a', '2 * a * dx', 2 * v('a') * dx)];
    },
    notes: [
      'Every gate *adds* into its inputs\' gradients, so fan-out is right by construction.',
      'The power rule agrees: c.pow(a, 2) gives the same da (see the next blocks).',
    ],
  },
  {
    title: 'a*a + b*b + c*c',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      c.add([c.mul(a, a), c.mul(b, b), c.mul(cc, cc)], 'x');
    },
    point: { a: -2, b: 3, c: -4 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', '2*a*dx', 2 * v('a') * dx), f('b', '2*b*dx', 2 * v('b') * dx), f('c', '2*c*dx', 2 * v('c') * dx)],
    notes: ['Unnamed wires get the names _<index> (here _4, _5, _6).'],
  },
  {
    title: 'Math.pow(((a * b + c) * d), 2)',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      const d = c.input('d');
      const x2 = c.mul(c.add([c.mul(a, b), cc], 'x1'), d, 'x2');
      c.pow(x2, 2, 'x'); // a power gate with the constant exponent 2
    },
    point: { a: -2, b: 3, c: -4, d: 2 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => {
      const dx2 = 2 * v('x2') * dx;
      const dx1 = v('d') * dx2;
      return [f('x2', '2 * x2 * dx', dx2), f('d', 'x1 * dx2', v('x1') * dx2), f('x1', 'd * dx2', dx1), f('a', 'b * dx1', v('b') * dx1)];
    },
    notes: ['PowGate uses the power rule k * a^(k-1) * dx; for k = 2 that is the chapter\'s 2 * x2 * dx.'],
  },
  {
    title: 'the same, piece by piece',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      const d = c.input('d');
      const x1 = c.add([c.mul(a, b), cc], 'x1');
      const x2 = c.mul(x1, d, 'x2');
      c.mul(x2, x2, 'x'); // this is identical to the above expression for x
    },
    point: { a: -2, b: 3, c: -4, d: 2 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => {
      const dx2 = 2 * v('x2') * dx;
      const dx1 = v('d') * dx2;
      return [
        f('x2', '2 * x2 * dx', dx2),
        f('d', 'x1 * dx2', v('x1') * dx2),
        f('x1', 'd * dx2', dx1),
        f('a', 'b * dx1', v('b') * dx1),
        f('b', 'a * dx1', v('a') * dx1),
        f('c', '1.0 * dx1', 1.0 * dx1),
      ];
    },
    notes: ['Same point, same numbers as the previous block: x2 * x2 and pow(x2, 2) agree.'],
  },
  {
    title: 'division: 1.0 / a',
    build: (c) => {
      const a = c.input('a');
      c.reciprocal(a, 'x');
    },
    point: { a: 4 },
    upstream: 2,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', '(-1.0/(a*a)) * dx', (-1.0 / (v('a') * v('a'))) * dx), f('a', '-1.0/(a*a)  (chapter, literally)', -1.0 / (v('a') * v('a')))],
    notes: [
      'THE CHAPTER IS WRONG HERE: its "var da = -1.0/(a*a);" leaves out "* dx". That is the',
      'local gradient only; the gradient passed on is local gradient times upstream. With',
      'dx = 2 the literal line gives -0.0625, the chain rule -0.125 (the chapter\'s own next',
      'block does multiply by dx3). The numerical check below differentiates x itself,',
      'upstream 1, where the two happen to agree: -0.0625.',
    ],
    extra: (say) => {
      const c = new Circuit();
      c.reciprocal(c.input('a'), 'x');
      const result = c.forward({ a: 0 });
      say('Edge point: 1/0 is not passed on as Infinity but returned as an error value:');
      say(`    c.forward({ a: 0 })  ->  Left: ${E.isLeft(result) ? result.left.message : 'Right (unexpected)'}`);
    },
  },
  {
    title: '(a + b) / (c + d), the forward pass begins',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      c.add([a, b], 'x1');
    },
    point: { a: 1, b: 2 },
    upstream: 1,
    upstreamName: 'dx',
    backward: false,
    formulas: () => [],
    notes: ['The chapter breaks this example off after x1; the next block continues it.'],
  },
  {
    title: '(a + b) / (c + d), decomposed and backpropagated',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      const cc = c.input('c');
      const d = c.input('d');
      const x1 = c.add([a, b], 'x1');
      const x2 = c.add([cc, d], 'x2');
      const x3 = c.reciprocal(x2, 'x3');
      c.mul(x1, x3, 'x'); // equivalent to (a + b) / (c + d)
    },
    point: { a: 1, b: 2, c: 3, d: 1 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => {
      const dx1 = v('x3') * dx;
      const dx3 = v('x1') * dx;
      const dx2 = (-1.0 / (v('x2') * v('x2'))) * dx3;
      return [
        f('x1', 'x3 * dx', dx1),
        f('x3', 'x1 * dx', dx3),
        f('x2', '(-1.0/(x2*x2)) * dx3', dx2),
        f('a', '1.0 * dx1', 1.0 * dx1),
        f('b', '1.0 * dx1', 1.0 * dx1),
        f('c', '1.0 * dx2', 1.0 * dx2),
        f('d', '1.0 * dx2', 1.0 * dx2),
      ];
    },
    notes: ['Here the chapter does chain with "* dx3", as every gate must.'],
    extra: (say) => {
      const c = new Circuit();
      const x2 = c.add([c.input('c'), c.input('d')], 'x2');
      c.mul(c.input('x1'), c.reciprocal(x2, 'x3'), 'x');
      const result = c.forward({ c: 3, d: -3, x1: 3 });
      say('When c + d = 0 the error names the gate and the wire where it happened:');
      say(`    Left: ${E.isLeft(result) ? result.left.message : 'Right (unexpected)'}`);
    },
  },
  {
    title: 'the max gate',
    build: (c) => {
      const a = c.input('a');
      const b = c.input('b');
      c.max([a, b], 'x');
    },
    point: { a: 2, b: 5 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [
      f('a', 'a === x ? 1.0 * dx : 0.0', v('a') === v('x') ? 1.0 * dx : 0.0),
      f('b', 'b === x ? 1.0 * dx : 0.0', v('b') === v('x') ? 1.0 * dx : 0.0),
    ],
    notes: ['The max gate routes dx to the input that was largest; the others get 0.'],
    extra: (say) => {
      const c = new Circuit();
      const a = c.input('a');
      const b = c.input('b');
      c.max([a, b], 'x');
      const point = { a: 3, b: 3 };
      const fwd = orThrow(c.forward(point));
      const bwd = orThrow(c.backward(fwd, 1));
      say('Edge point, a tie (a = b = 3), with dx = 1:');
      say();
      say(indent(formatTrace(fwd, bwd)));
      say();
      say('THE CHAPTER\'S LITERAL CODE IS WRONG AT A TIE: "a === x" and "b === x" are both true,');
      say('so it gives da = db = 1.0 * dx, and the gradients add up to 2 * dx: the tug is');
      say('doubled. The library splits dx evenly among tied inputs (as PyTorch and JAX do):');
      say(`da = db = ${formatNumber(bwd.gradient(a))}, which add up to dx = 1. The centred difference agrees: at the`);
      say('tie it is (1 + 0) / 2 = 0.5, the mean of the slopes on either side:');
      say();
      say(indent(formatGradcheck(orThrow(gradcheck(c, point)))));
    },
  },
  {
    title: 'ReLU: Math.max(a, 0)',
    build: (c) => {
      const a = c.input('a');
      c.relu(a, 'x');
    },
    point: { a: 3 },
    upstream: 1,
    upstreamName: 'dx',
    backward: true,
    formulas: (v, dx) => [f('a', 'a > 0 ? 1.0 * dx : 0.0', v('a') > 0 ? 1.0 * dx : 0.0)],
    notes: ['ReLU passes the gradient through where it was active in the forward pass.'],
    extra: (say) => {
      const c = new Circuit();
      const a = c.input('a');
      const x = c.relu(a, 'x');
      for (const value of [-2, 0]) {
        const fwd = orThrow(c.forward({ a: value }));
        say(`At a = ${String(value)}: x = ${formatNumber(fwd.value(x))}, da = ${formatNumber(orThrow(c.backward(fwd)).gradient(a))}`);
      }
      say();
      say('Edge point: at exactly a = 0 the gradient is 0 (the chapter\'s "a > 0"; PyTorch and');
      say('JAX agree). The slopes left and right differ there, so the numerical check reports');
      say('a kink, not a failure:');
      say();
      say(indent(formatGradcheck(orThrow(gradcheck(c, { a: 0 })))));
    },
  },
];

/** Indents every line of `text` by four spaces. */
function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `    ${l}`))
    .join('\n');
}

/** The body of a build function, as it appears in the running code, dedented. */
function sourceOf(build: (c: Circuit) => void): string {
  const text = build.toString();
  const lines = text.slice(text.indexOf('{') + 1, text.lastIndexOf('}')).split('\n');
  while (lines.length > 0 && (lines[0] ?? '').trim() === '') lines.shift();
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') lines.pop();
  const margin = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return ['const c = new Circuit();', ...lines.map((l) => l.slice(margin))].join('\n');
}

/** Shows one of the chapter's blocks: its code, the library's circuit, the pass, the checks. */
function showStep(step: Step, block: number, say: (s?: string) => void): void {
  const heading = ` Block ${String(block)} of ${String(CHAPTER_BLOCKS.length)}: ${step.title}`;
  say('═'.repeat(78));
  say(heading);
  say('═'.repeat(78));
  say();
  say('The chapter:');
  say();
  say(indent(CHAPTER_BLOCKS[block - 1] ?? ''));
  say();
  say('With backprop-ninja:');
  say();
  say(indent(sourceOf(step.build)));
  say();
  const c = new Circuit();
  step.build(c);
  const point = Object.entries(step.point).map(([k, v]) => `${k} = ${String(v)}`).join(', ');
  const fwd = orThrow(c.forward(step.point));
  if (!step.backward) {
    say(`Forward pass at ${point}:`);
    say();
    say(indent(formatTrace(fwd)));
  } else {
    const bwd = orThrow(c.backward(fwd, step.upstream));
    say(`Forward pass at ${point}; backward pass with upstream ${step.upstreamName} = ${String(step.upstream)}:`);
    say();
    say(indent(formatTrace(fwd, bwd)));
    const value = (name: string): number => {
      const w = c.wire(name);
      return w === undefined ? NaN : fwd.value(w);
    };
    const formulas = step.formulas(value, step.upstream);
    if (formulas.length > 0) {
      say();
      say('The chapter\'s formulas, evaluated, against the library\'s gradients:');
      say();
      const rows = formulas.map((x) => {
        const w = c.wire(x.wire);
        const got = w === undefined ? NaN : bwd.gradient(w);
        const agree = Math.abs(got - x.value) <= 1e-12 * Math.max(1, Math.abs(got));
        return [`d${x.wire} = ${x.text}`, formatNumber(x.value), formatNumber(got), agree ? 'agrees' : 'DIFFERS (see the note below)'];
      });
      const width = (k: number): number => Math.max(...rows.map((r) => (r[k] ?? '').length));
      for (const [text = '', chapter = '', library = '', verdict = ''] of rows) {
        say(`    ${text.padEnd(width(0))} = ${chapter.padStart(width(1))}   library: ${library.padStart(width(2))}   ${verdict}`);
      }
    }
    say();
    say(`Numerical check: d${c.output?.name ?? 'x'}/d(input) by centred differences against the backward pass:`);
    say();
    say(indent(formatGradcheck(orThrow(gradcheck(c, step.point)))));
  }
  say();
  for (const note of step.notes) say(note);
  if (step.extra !== undefined) {
    say();
    step.extra(say);
  }
  say();
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
  say('Every code block of the chapter, in order: the chapter\'s code, the same');
  say('circuit built with the library, the value and gradient of every wire, the');
  say('chapter\'s own formulas checked against the library, and a numerical check.');
  say();
  STEPS.forEach((step, k) => {
    showStep(step, k + 1, say);
  });
  say('═'.repeat(78));
  say(' The edge points, and where the chapter is wrong');
  say('═'.repeat(78));
  say();
  const sig = new Circuit();
  const q = sig.input('q');
  sig.sigmoid(q, 'f');
  for (const value of [1000, -1000, 40]) {
    const fwd = orThrow(sig.forward({ q: value }));
    say(`sig(${String(value)}) = ${formatNumber(fwd.output)}, dq = ${formatNumber(orThrow(sig.backward(fwd)).gradient(q))}`);
  }
  say('  The sigmoid never overflows and its gradient is never NaN; for q >= 0 the');
  say('  factor 1 - f is computed as sig(-q), so sig\'(40) is 4.2e-18, not 0.');
  const pow = new Circuit();
  pow.pow(pow.input('a'), 1 / 3, 'x');
  const cube = pow.forward({ a: -8 });
  say(`pow(-8, 1/3): ${E.isLeft(cube) ? cube.left.message : 'Right (unexpected)'}`);
  say('  A power that is not a real number is NaN in JavaScript: an error value, like 1/0.');
  say();
  say('Decisions:');
  say('  - ReLU\'(0) = 0, as the chapter\'s "a > 0" (PyTorch, JAX agree).');
  say('  - max splits dx evenly among tied inputs, so the gradients sum to dx.');
  say('  - 1/0 and every other non-finite value is an error naming the gate and wire.');
  say('Where the chapter\'s text is wrong:');
  say('  - "var da = -1.0/(a*a);" omits "* dx": the gradient is (-1.0/(a*a)) * dx.');
  say('  - its max code gives the full dx to every tied input, doubling the gradient.');
  say();
  say('More: README.md, docs/chapter.md, docs/edge-points.md, docs/errors.md,');
  say('docs/custom-gates.md; npm run docs for the API reference; npm test.');
}

if (require.main === module) {
  runTour((s) => process.stdout.write(s));
}
