// The chapter's examples as programs, with a point and the chapter's own
// closed-form value and gradients at that point (the independent reference).
// Shared by the parse, graph and cli specs; not a spec itself.
import { CHAPTER_BLOCKS } from '../../tour/chapter';

export interface Example {
  readonly title: string;
  readonly program: string;
  readonly point: Readonly<Record<string, number>>;
  /** The output's name in the program. */
  readonly output: string;
  readonly value: number;
  /** d output / d input for upstream 1, by input, from the chapter's formulas. */
  readonly gradients: Readonly<Record<string, number>>;
  /** How many gates the circuit has (for the picture). */
  readonly gates: number;
}

const sig = (q: number): number => 1 / (1 + Math.exp(-q));

function neuron(): Example {
  const [a, b, c, x, y] = [1, 2, -3, -1, 3];
  const q = a * x + b * y + c;
  const f = sig(q);
  const dq = f * (1 - f);
  return {
    title: 'the neuron: q = a * x + b * y + c; f = sig(q)',
    program: 'var q = a * x + b * y + c;\nvar f = sig(q); // sig is the sigmoid function',
    point: { a, b, c, x, y },
    output: 'f',
    value: f,
    gradients: { a: x * dq, x: a * dq, b: y * dq, y: b * dq, c: dq },
    gates: 4,
  };
}

function powOfProduct(program: string, title: string, gates: number): Example {
  const [a, b, c, d] = [1, 2, 3, 4];
  const x1 = a * b + c;
  const x2 = x1 * d;
  const dx2 = 2 * x2;
  const dx1 = d * dx2;
  return { title, program, point: { a, b, c, d }, output: 'x', value: x2 * x2, gradients: { a: b * dx1, b: a * dx1, c: dx1, d: x1 * dx2 }, gates };
}

function division(program: string, title: string, output: string, gates: number): Example {
  const [a, b, c, d] = [1, 2, 3, 4];
  const x1 = a + b;
  const x2 = c + d;
  const x3 = 1.0 / x2;
  const dx3 = x1;
  const dx2 = (-1.0 / (x2 * x2)) * dx3;
  return { title, program, point: { a, b, c, d }, output, value: x1 * x3, gradients: { a: x3, b: x3, c: dx2, d: dx2 }, gates };
}

export const EXAMPLES: readonly Example[] = [
  { title: 'the * gate', program: 'var x = a * b;', point: { a: -2, b: 3 }, output: 'x', value: -6, gradients: { a: 3, b: -2 }, gates: 1 },
  { title: 'the + gate', program: 'var x = a + b;', point: { a: -2, b: 3 }, output: 'x', value: 1, gradients: { a: 1, b: 1 }, gates: 1 },
  {
    title: 'x = a + b + c in two steps',
    program: 'var q = a + b; // gate 1\nvar x = q + c; // gate 2',
    point: { a: 1, b: 2, c: 3 },
    output: 'x',
    value: 6,
    gradients: { a: 1, b: 1, c: 1 },
    gates: 2,
  },
  { title: 'x = a + b + c in one gate', program: 'var x = a + b + c;', point: { a: 1, b: 2, c: 3 }, output: 'x', value: 6, gradients: { a: 1, b: 1, c: 1 }, gates: 1 },
  { title: 'x = a * b + c', program: 'var x = a * b + c;', point: { a: 2, b: -3, c: 4 }, output: 'x', value: -2, gradients: { a: -3, b: 2, c: 1 }, gates: 2 },
  neuron(),
  { title: 'x = a * a', program: 'var x = a * a;', point: { a: 3 }, output: 'x', value: 9, gradients: { a: 6 }, gates: 1 },
  {
    title: 'x = a*a + b*b + c*c',
    program: 'var x = a*a + b*b + c*c;',
    point: { a: 1, b: -2, c: 3 },
    output: 'x',
    value: 14,
    gradients: { a: 2, b: -4, c: 6 },
    gates: 4,
  },
  powOfProduct('var x = Math.pow(((a * b + c) * d), 2); // pow(x,2) squares the input JS', 'x = Math.pow((a * b + c) * d, 2)', 4),
  powOfProduct('var x1 = a * b + c;\nvar x2 = x1 * d;\nvar x = x2 * x2; // this is identical to the above expression for x', 'x1 = a * b + c; x2 = x1 * d; x = x2 * x2', 4),
  { title: 'x = 1.0 / a', program: 'var x = 1.0/a; // division', point: { a: 2 }, output: 'x', value: 0.5, gradients: { a: -0.25 }, gates: 1 },
  division('var x = (a + b)/(c + d);', 'x = (a + b) / (c + d)', 'x', 4),
  division('var x1 = a + b;\nvar x2 = c + d;\nvar x3 = 1.0 / x2;\nvar x = x1 * x3; // equivalent to above', 'x = (a + b) / (c + d) in steps', 'x', 4),
  { title: 'x = Math.max(a, b)', program: 'var x = Math.max(a, b);', point: { a: 1, b: 2 }, output: 'x', value: 2, gradients: { a: 0, b: 1 }, gates: 1 },
  { title: 'ReLU: x = Math.max(a, 0), active', program: 'var x = Math.max(a, 0)', point: { a: 2 }, output: 'x', value: 2, gradients: { a: 1 }, gates: 1 },
  { title: 'ReLU: x = Math.max(a, 0), inactive', program: 'var x = Math.max(a, 0)', point: { a: -1 }, output: 'x', value: 0, gradients: { a: 0 }, gates: 1 },
];

/** The 16 code blocks of the chapter, verbatim (with their backward passes). */
export const chapterBlocks = (): readonly string[] => CHAPTER_BLOCKS;

/** `name=value` arguments for a point. */
export const args = (point: Readonly<Record<string, number>>): string[] => Object.entries(point).map(([k, v]) => `${k}=${String(v)}`);
