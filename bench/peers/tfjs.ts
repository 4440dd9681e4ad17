/**
 * @tensorflow/tfjs (pure JavaScript, its CPU backend, float32), in prod mode.
 * The chapter circuits run as scalar tensor operations: the inputs are one
 * vector, unstacked into scalars, and `tf.valueAndGrad` gives the value and
 * the vector's gradient. A layer runs in tfjs's natural form: the inputs as
 * an N x 5 matrix split into the columns a, b, c, x, y, and
 * `sum(sig(a*x + b*y + c))`, five vector operations instead of 4N scalar
 * ones; its gradient comes back in the inputs' interleaved order. A pass
 * includes making the input tensor from the Float64Array and reading the
 * value and gradients back with `dataSync` (tfjs takes no Float64Array: the
 * inputs are copied into a Float32Array each pass).
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Ops, Result, Workload } from '../workloads';
import { timed, type Prepared } from './engine';
import { peersDir } from './install';

/** The part of the tfjs API the bench uses (typed here: the package is not a dependency of the project). */
export interface Tensor {
  dataSync(): Float32Array;
}

export interface Tfjs {
  readonly version: { readonly tfjs: string };
  enableProdMode(): void;
  ready(): Promise<void>;
  getBackend(): string;
  tidy(f: () => void): void;
  tensor1d(values: Float32Array): Tensor;
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor) => { value: Tensor; grad: Tensor };
  unstack(x: Tensor): Tensor[];
  split(x: Tensor, parts: number, axis: number): Tensor[];
  mul(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  neg(a: Tensor): Tensor;
  addN(terms: Tensor[]): Tensor;
  relu(a: Tensor): Tensor;
  sigmoid(a: Tensor): Tensor;
  reciprocal(a: Tensor): Tensor;
  sum(a: Tensor): Tensor;
}

/** float32 results: the check against the float64 hand-written pass uses this tolerance instead of 1e-9. */
export const TFJS_TOLERANCE = 1e-4;

/**
 * Workloads tfjs runs on: layers up to 10,000 neurons (as vector operations)
 * and other circuits up to 1,000 gates (the chapter circuits; as scalar
 * operations, which cost tfjs about 10 to 50 us each).
 */
export function tfjsRuns(w: Workload): boolean {
  return w.kind === 'layer' ? (w.neurons ?? Infinity) <= 10_000 : w.gates <= 1_000;
}

/** Loads tfjs from bench/.peers (installed by the bench on first use) and readies its CPU backend in prod mode. */
export async function loadTfjs(): Promise<Tfjs> {
  const tf = createRequire(path.join(peersDir(), 'package.json'))('@tensorflow/tfjs') as Tfjs;
  tf.enableProdMode();
  await tf.ready();
  return tf;
}

export function tfjs(tf: Tfjs, w: Workload, inputs: Float64Array): Prepared {
  const grads = new Float64Array(inputs.length);
  const out = { value: 0, grads };
  let f: (x: Tensor) => Tensor;
  let make: () => Tensor;
  const n = w.neurons;
  if (w.kind === 'layer' && n !== undefined) {
    make = () => tf.tensor2d(Float32Array.from(inputs), [n, 5]);
    f = (m) => {
      const [a, b, c, x, y] = tf.split(m, 5, 1) as [Tensor, Tensor, Tensor, Tensor, Tensor];
      return tf.sum(tf.sigmoid(tf.addN([tf.mul(a, x), tf.mul(b, y), c])));
    };
  } else {
    make = () => tf.tensor1d(Float32Array.from(inputs));
    f = (v) => {
      const scalars = tf.unstack(v);
      let k = 0;
      const ops: Ops<Tensor> = {
        input: () => scalars[k++]!,
        mul: (a, b) => tf.mul(a, b),
        add: (terms) => tf.addN([...terms]),
        sub: (a, b) => tf.sub(a, b),
        neg: (a) => tf.neg(a),
        relu: (a) => tf.relu(a),
        sigmoid: (a) => tf.sigmoid(a),
        reciprocal: (a) => tf.reciprocal(a),
      };
      return w.graph(ops);
    };
  }
  const valueAndGrad = tf.valueAndGrad(f);
  const pass = (): Result => {
    tf.tidy(() => {
      const r = valueAndGrad(make());
      out.value = r.value.dataSync()[0]!;
      grads.set(r.grad.dataSync());
    });
    return out;
  };
  // tfjs is eager: there is no graph to build before a pass; its build figure is the first (cold) pass.
  const [, buildNs] = timed(pass);
  return { pass, buildNs, tolerance: TFJS_TOLERANCE, keep: valueAndGrad };
}
