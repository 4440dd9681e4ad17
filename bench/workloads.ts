/**
 * The benchmark's workloads: each builds a circuit with the library and
 * gives a hand-written loop over Float64Arrays that computes the same value
 * and input gradients (the practical speed limit).
 */
import { Circuit, type Wire } from '../lib/index';

/** What an engine computes: the output value and the gradient of every input, in declaration order. */
export interface Result {
  readonly value: number;
  readonly grads: Float64Array;
}

/** A hand-written forward+backward pass, with its buffers allocated once by `make`. */
export type Handwritten = (inputs: Float64Array) => Result;

/**
 * Scalar operations through which a workload describes its graph once for
 * every peer engine (simplegrad, micrograd-style, tfjs). `input` is called
 * once per input, in the circuit's declaration order.
 */
export interface Ops<T> {
  input(name: string): T;
  mul(a: T, b: T): T;
  /** The sum of two or more terms (engines with a binary add fold it left to right). */
  add(terms: readonly T[]): T;
  relu(a: T): T;
  sigmoid(a: T): T;
  reciprocal(a: T): T;
}

export interface Workload {
  readonly name: string;
  /** Number of gates (wires that are not inputs). */
  readonly gates: number;
  /** For a layer: its number of neurons (tfjs runs it as vectors, its natural form). */
  readonly neurons?: number;
  /** Input values, in the circuit's declaration order. */
  inputs(): Float64Array;
  build(): Circuit;
  handwritten(): Handwritten;
  /** The same graph as `build`, through generic scalar operations; returns the output. */
  graph<T>(ops: Ops<T>): T;
}

/** Deterministic pseudo-random numbers in [-1, 1), so every run measures the same point. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0; // unsigned: a bare ^ gives a signed int, and values below -1
    return (s / 2 ** 32) * 2 - 1;
  };
}

function fill(n: number, seed: number): Float64Array {
  const r = random(seed);
  return Float64Array.from({ length: n }, r);
}

const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));

/** var q = a * x + b * y + c; var f = sig(q); */
const neuron: Workload = {
  name: 'chapter neuron',
  gates: 4,
  inputs: () => Float64Array.of(1, 2, -3, -1, 3),
  build() {
    const c = new Circuit();
    const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y') as [Wire, Wire, Wire, Wire, Wire];
    c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc], 'q'), 'f');
    return c;
  },
  graph(o) {
    const [a, b, c, x, y] = [o.input('a'), o.input('b'), o.input('c'), o.input('x'), o.input('y')];
    return o.sigmoid(o.add([o.mul(a, x), o.mul(b, y), c]));
  },
  handwritten() {
    const grads = new Float64Array(5);
    const out = { value: 0, grads };
    return (v) => {
      const a = v[0]!, b = v[1]!, c = v[2]!, x = v[3]!, y = v[4]!;
      const q = a * x + b * y + c;
      const f = sig(q);
      const dq = f * (q >= 0 ? sig(-q) : 1 - f) * 1;
      grads[0] = x * dq; grads[1] = y * dq; grads[2] = dq; grads[3] = a * dq; grads[4] = b * dq;
      out.value = f;
      return out;
    };
  },
};

/** var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2; */
const square: Workload = {
  name: 'chapter (a*b+c)*d squared',
  gates: 4,
  inputs: () => Float64Array.of(2, -3, 4, 0.5),
  build() {
    const c = new Circuit();
    const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd') as [Wire, Wire, Wire, Wire];
    const x1 = c.add([c.mul(a, b), cc], 'x1');
    const x2 = c.mul(x1, d, 'x2');
    c.mul(x2, x2, 'x');
    return c;
  },
  graph(o) {
    const [a, b, c, d] = [o.input('a'), o.input('b'), o.input('c'), o.input('d')];
    const x2 = o.mul(o.add([o.mul(a, b), c]), d);
    return o.mul(x2, x2);
  },
  handwritten() {
    const grads = new Float64Array(4);
    const out = { value: 0, grads };
    return (v) => {
      const a = v[0]!, b = v[1]!, c = v[2]!, d = v[3]!;
      const x1 = a * b + c;
      const x2 = x1 * d;
      const dx2 = 2 * x2 * 1;
      const dx1 = d * dx2;
      grads[0] = b * dx1; grads[1] = a * dx1; grads[2] = dx1; grads[3] = x1 * dx2;
      out.value = x2 * x2;
      return out;
    };
  },
};

/** var x1 = a + b; var x2 = c + d; var x3 = 1.0 / x2; var x = x1 * x3; */
const division: Workload = {
  name: 'chapter (a+b)/(c+d)',
  gates: 4,
  inputs: () => Float64Array.of(1, 2, 3, 4),
  build() {
    const c = new Circuit();
    const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd') as [Wire, Wire, Wire, Wire];
    const x1 = c.add([a, b], 'x1');
    const x2 = c.add([cc, d], 'x2');
    const x3 = c.reciprocal(x2, 'x3');
    c.mul(x1, x3, 'x');
    return c;
  },
  graph(o) {
    const [a, b, c, d] = [o.input('a'), o.input('b'), o.input('c'), o.input('d')];
    return o.mul(o.add([a, b]), o.reciprocal(o.add([c, d])));
  },
  handwritten() {
    const grads = new Float64Array(4);
    const out = { value: 0, grads };
    return (v) => {
      const x1 = v[0]! + v[1]!;
      const x2 = v[2]! + v[3]!;
      const x3 = 1.0 / x2;
      const dx1 = x3;
      const dx3 = x1;
      const dx2 = (-1.0 / (x2 * x2)) * dx3;
      grads[0] = dx1; grads[1] = dx1; grads[2] = dx2; grads[3] = dx2;
      out.value = x1 * x3;
      return out;
    };
  },
};

/** var x = a*a + b*b + c*c; */
const squares: Workload = {
  name: 'chapter a*a+b*b+c*c',
  gates: 4,
  inputs: () => Float64Array.of(1.5, -2, 0.25),
  build() {
    const c = new Circuit();
    const [a, b, cc] = c.inputs('a', 'b', 'c') as [Wire, Wire, Wire];
    c.add([c.mul(a, a), c.mul(b, b), c.mul(cc, cc)], 'x');
    return c;
  },
  graph(o) {
    const [a, b, c] = [o.input('a'), o.input('b'), o.input('c')];
    return o.add([o.mul(a, a), o.mul(b, b), o.mul(c, c)]);
  },
  handwritten() {
    const grads = new Float64Array(3);
    const out = { value: 0, grads };
    return (v) => {
      const a = v[0]!, b = v[1]!, c = v[2]!;
      grads[0] = 2 * a; grads[1] = 2 * b; grads[2] = 2 * c;
      out.value = a * a + b * b + c * c;
      return out;
    };
  },
};

/** sum_i relu(a_i*x_i + b_i*y_i + c_i): inputs a_i, b_i, c_i, x_i, y_i interleaved. */
export function layer(n: number): Workload {
  return {
    name: `relu layer N=${n.toLocaleString('en-US')}`,
    gates: 4 * n + 1,
    neurons: n,
    inputs: () => fill(5 * n, 42),
    build() {
      const c = new Circuit();
      const terms: Wire[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b, cc, x, y] = c.inputs(`a${String(i)}`, `b${String(i)}`, `c${String(i)}`, `x${String(i)}`, `y${String(i)}`) as [Wire, Wire, Wire, Wire, Wire];
        terms.push(c.relu(c.add([c.mul(a, x), c.mul(b, y), cc])));
      }
      c.add(terms);
      return c;
    },
    graph<T>(o: Ops<T>): T {
      const terms: T[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b, c, x, y] = [o.input(`a${String(i)}`), o.input(`b${String(i)}`), o.input(`c${String(i)}`), o.input(`x${String(i)}`), o.input(`y${String(i)}`)];
        terms.push(o.relu(o.add([o.mul(a, x), o.mul(b, y), c])));
      }
      return o.add(terms);
    },
    handwritten() {
      const q = new Float64Array(n);
      const grads = new Float64Array(5 * n);
      const out = { value: 0, grads };
      return (v) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const o = 5 * i;
          const z = v[o]! * v[o + 3]! + v[o + 1]! * v[o + 4]! + v[o + 2]!;
          q[i] = z;
          sum += z > 0 ? z : 0;
        }
        for (let i = 0; i < n; i++) {
          const o = 5 * i;
          const dz = q[i]! > 0 ? 1 : 0;
          grads[o] = v[o + 3]! * dz;
          grads[o + 1] = v[o + 4]! * dz;
          grads[o + 2] = dz;
          grads[o + 3] = v[o]! * dz;
          grads[o + 4] = v[o + 1]! * dz;
        }
        out.value = sum;
        return out;
      };
    },
  };
}

/** x_{k+1} = relu(w_k * x_k + b_k), 3 gates a step: inputs x0, then w_k, b_k interleaved. */
export function chain(steps: number): Workload {
  return {
    name: `deep chain ${(3 * steps).toLocaleString('en-US')} gates`,
    gates: 3 * steps,
    inputs() {
      const r = random(7);
      const v = new Float64Array(1 + 2 * steps);
      v[0] = 0.5;
      // weights near 1 and positive biases keep the chain alive (most ReLUs active)
      for (let k = 0; k < steps; k++) {
        v[1 + 2 * k] = 1 + 0.01 * r();
        v[2 + 2 * k] = 0.01 + 0.02 * r();
      }
      return v;
    },
    build() {
      const c = new Circuit();
      let x = c.input('x0');
      for (let k = 0; k < steps; k++) {
        const w = c.input(`w${String(k)}`);
        const b = c.input(`b${String(k)}`);
        x = c.relu(c.add([c.mul(w, x), b]));
      }
      return c;
    },
    graph<T>(o: Ops<T>): T {
      let x = o.input('x0');
      for (let k = 0; k < steps; k++) {
        const w = o.input(`w${String(k)}`);
        const b = o.input(`b${String(k)}`);
        x = o.relu(o.add([o.mul(w, x), b]));
      }
      return x;
    },
    handwritten() {
      const xs = new Float64Array(steps + 1);
      const zs = new Float64Array(steps);
      const grads = new Float64Array(1 + 2 * steps);
      const out = { value: 0, grads };
      return (v) => {
        let x = v[0]!;
        xs[0] = x;
        for (let k = 0; k < steps; k++) {
          const z = v[1 + 2 * k]! * x + v[2 + 2 * k]!;
          zs[k] = z;
          x = z > 0 ? z : 0;
          xs[k + 1] = x;
        }
        let dx = 1;
        for (let k = steps - 1; k >= 0; k--) {
          const dz = zs[k]! > 0 ? dx : 0;
          grads[1 + 2 * k] = xs[k]! * dz;
          grads[2 + 2 * k] = dz;
          dx = v[1 + 2 * k]! * dz;
        }
        grads[0] = dx;
        out.value = x;
        return out;
      };
    },
  };
}

export const WORKLOADS: readonly Workload[] = [
  neuron,
  square,
  division,
  squares,
  layer(1_000),
  layer(100_000),
  chain(333_333),
];
