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
  /** `a - b`. */
  sub(a: T, b: T): T;
  /** `-a`. */
  neg(a: T): T;
  relu(a: T): T;
  sigmoid(a: T): T;
  reciprocal(a: T): T;
}

export interface Workload {
  readonly name: string;
  /** Which family the workload belongs to (the engines that run on it depend on it). */
  readonly kind: 'chapter' | 'layer' | 'chain' | 'dag';
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

/** The library's sigmoid (lib/gates/SigmoidGate.ts): `1 / (1 + exp(-q))`, as `exp(q) / (1 + exp(q))` for q < 0. */
const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));

/** var q = a * x + b * y + c; var f = sig(q); */
const neuron: Workload = {
  name: 'chapter neuron',
  kind: 'chapter',
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
      const dq = f * (q >= 1 ? sig(-q) : 1 - f) * 1;
      grads[0] = x * dq; grads[1] = y * dq; grads[2] = dq; grads[3] = a * dq; grads[4] = b * dq;
      out.value = f;
      return out;
    };
  },
};

/** var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2; */
const square: Workload = {
  name: 'chapter (a*b+c)*d squared',
  kind: 'chapter',
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
  kind: 'chapter',
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
  kind: 'chapter',
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

/**
 * `sum_i sig(a_i*x_i + b_i*y_i + c_i)`, a layer of N sigmoid neurons: inputs
 * a_i, b_i, c_i, x_i, y_i interleaved per neuron; 4N + 1 gates.
 */
export function layer(n: number): Workload {
  return {
    name: `sigmoid layer N=${n.toLocaleString('en-US')}`,
    kind: 'layer',
    gates: 4 * n + 1,
    neurons: n,
    inputs: () => fill(5 * n, 42),
    build() {
      const c = new Circuit();
      const terms: Wire[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b, cc, x, y] = c.inputs(`a${String(i)}`, `b${String(i)}`, `c${String(i)}`, `x${String(i)}`, `y${String(i)}`) as [Wire, Wire, Wire, Wire, Wire];
        terms.push(c.sigmoid(c.add([c.mul(a, x), c.mul(b, y), cc])));
      }
      c.add(terms);
      return c;
    },
    graph<T>(o: Ops<T>): T {
      const terms: T[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b, c, x, y] = [o.input(`a${String(i)}`), o.input(`b${String(i)}`), o.input(`c${String(i)}`), o.input(`x${String(i)}`), o.input(`y${String(i)}`)];
        terms.push(o.sigmoid(o.add([o.mul(a, x), o.mul(b, y), c])));
      }
      return o.add(terms);
    },
    handwritten() {
      // f_i * (1 - f_i) per neuron, kept from the forward loop for the backward one
      const local = new Float64Array(n);
      const grads = new Float64Array(5 * n);
      const out = { value: 0, grads };
      return (v) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const o = 5 * i;
          const q = v[o]! * v[o + 3]! + v[o + 1]! * v[o + 4]! + v[o + 2]!;
          // The library's sig(q) and its factor (q >= 1 ? sig(-q) : 1 - f), with one exp:
          // for q >= 0, sig(q) = 1 / (1 + e) and sig(-q) = e / (1 + e) with e = exp(-q),
          // the very operations the library does, so the results are equal bit for bit.
          let f: number;
          let l: number;
          if (q >= 0) {
            const e = Math.exp(-q);
            f = 1 / (1 + e);
            l = f * (q >= 1 ? e / (1 + e) : 1 - f);
          } else {
            const e = Math.exp(q);
            f = e / (1 + e);
            l = f * (1 - f);
          }
          local[i] = l;
          sum += f;
        }
        for (let i = 0; i < n; i++) {
          const o = 5 * i;
          const dq = local[i]! * 1;
          grads[o] = v[o + 3]! * dq;
          grads[o + 1] = v[o + 4]! * dq;
          grads[o + 2] = dq;
          grads[o + 3] = v[o]! * dq;
          grads[o + 4] = v[o + 1]! * dq;
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
    kind: 'chain',
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

/** Opcodes of the random DAG's tape. */
export const DAG_OPS = ['mul', 'add', 'sub', 'neg', 'sigmoid', 'relu'] as const;
const MUL = 0;
const ADD = 1;
const SUB = 2;
const NEG = 3;
const SIG = 4;
const RELU = 5;

/**
 * A random DAG as data: wires `0 .. inputs - 1` are the inputs, wire
 * `inputs + k` is gate k, `op[k]` applied to wires `a[k]` and `b[k]` (unary
 * gates read `a[k]` only; `b[k]` equals it). The output, one more gate, is
 * the sum of `sinks`: every wire that no gate reads.
 */
export interface DagTape {
  readonly inputs: number;
  readonly op: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly sinks: Int32Array;
}

/** How an operand is drawn: with this probability one of the last `DAG_RECENT` wires, else any earlier wire. */
export const DAG_RECENT_SHARE = 0.5;
export const DAG_RECENT = 32;
/** Largest bound on |value| a gate may have: a mul, add or sub that could exceed it becomes a sigmoid. */
export const DAG_BOUND = 8;

/**
 * Draws a DAG of `gates` gates (the last one the sum of the sinks) over
 * `inputs` inputs, deterministically from `seed`. Gates are drawn as
 * mul 30%, add 25%, sub 10%, neg 5%, sigmoid 15%, relu 15%; each keeps a bound
 * on |value| (1 for an input in [-1, 1]), and a gate whose bound would pass
 * `DAG_BOUND` is made a sigmoid instead, so values stay finite at any input
 * point in [-1, 1] and gradients neither explode nor vanish.
 */
export function dagTape(gates: number, inputs: number, seed: number): DagTape {
  const r = random(seed);
  const u = (): number => (r() + 1) / 2;
  const n = gates - 1;
  const wires = inputs + n;
  const op = new Uint8Array(n);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const bound = new Float64Array(wires).fill(1, 0, inputs);
  const read = new Uint8Array(wires);
  const pick = (j: number): number => (u() < DAG_RECENT_SHARE ? j - 1 - Math.floor(u() * Math.min(DAG_RECENT, j)) : Math.floor(u() * j));
  for (let k = 0; k < n; k++) {
    const j = inputs + k;
    const x = pick(j);
    const t = u();
    let o = t < 0.3 ? MUL : t < 0.55 ? ADD : t < 0.65 ? SUB : t < 0.7 ? NEG : t < 0.85 ? SIG : RELU;
    const y = o === MUL || o === ADD || o === SUB ? pick(j) : x;
    const bx = bound[x]!;
    const by = bound[y]!;
    let bo = o === MUL ? bx * by : o === ADD || o === SUB ? bx + by : o === SIG ? 1 : bx;
    if (bo > DAG_BOUND) {
      o = SIG;
      bo = 1;
    }
    op[k] = o;
    a[k] = x;
    b[k] = o === MUL || o === ADD || o === SUB ? y : x;
    bound[j] = bo;
    read[x] = 1;
    read[b[k]!] = 1;
  }
  const sinks: number[] = [];
  for (let w = 0; w < wires; w++) if (read[w] === 0) sinks.push(w);
  return { inputs, op, a, b, sinks: Int32Array.from(sinks) };
}

/**
 * A random DAG of `gates` gates with fan-out over `inputs` inputs (see
 * {@link dagTape}); the output is the sum of every wire no gate reads.
 */
export function dag(gates: number, inputs: number, seed = 2024): Workload {
  const tape = dagTape(gates, inputs, seed);
  const n = tape.op.length;
  const graph = <T>(o: Ops<T>): T => {
    const w: T[] = [];
    for (let k = 0; k < inputs; k++) w.push(o.input(`x${String(k)}`));
    for (let k = 0; k < n; k++) {
      const x = w[tape.a[k]!]!;
      const y = w[tape.b[k]!]!;
      switch (tape.op[k]) {
        case MUL: w.push(o.mul(x, y)); break;
        case ADD: w.push(o.add([x, y])); break;
        case SUB: w.push(o.sub(x, y)); break;
        case NEG: w.push(o.neg(x)); break;
        case SIG: w.push(o.sigmoid(x)); break;
        default: w.push(o.relu(x));
      }
    }
    return o.add(Array.from(tape.sinks, (s) => w[s]!));
  };
  return {
    name: `random DAG ${gates.toLocaleString('en-US')} gates`,
    kind: 'dag',
    gates,
    inputs: () => fill(inputs, 99),
    build() {
      const c = new Circuit();
      const ops: Ops<Wire> = {
        input: (name) => c.input(name),
        mul: (x, y) => c.mul(x, y),
        add: (terms) => c.add(terms),
        sub: (x, y) => c.sub(x, y),
        neg: (x) => c.neg(x),
        sigmoid: (x) => c.sigmoid(x),
        relu: (x) => c.relu(x),
        reciprocal: (x) => c.reciprocal(x),
      };
      graph(ops);
      return c;
    },
    graph,
    handwritten() {
      // the graph as data: its own copy of the tape, values (inputs first) and gradients
      const I = tape.inputs;
      const op = tape.op.slice();
      const A = tape.a.slice();
      const B = tape.b.slice();
      const sinks = tape.sinks.slice();
      const v = new Float64Array(I + n);
      const g = new Float64Array(I + n);
      const out = { value: 0, grads: g.subarray(0, I) };
      return (inputs) => {
        v.set(inputs);
        for (let k = 0; k < n; k++) {
          const x = v[A[k]!]!;
          let r: number;
          switch (op[k]) {
            case MUL: r = x * v[B[k]!]!; break;
            case ADD: r = x + v[B[k]!]!; break;
            case SUB: r = x - v[B[k]!]!; break;
            case NEG: r = -x; break;
            case SIG: r = sig(x); break;
            default: r = x > 0 ? x : 0;
          }
          v[I + k] = r;
        }
        let sum = 0;
        for (let s = 0; s < sinks.length; s++) sum += v[sinks[s]!]!;
        g.fill(0);
        for (let s = 0; s < sinks.length; s++) g[sinks[s]!]! += 1; // the output's add passes its gradient 1 to every term
        for (let k = n - 1; k >= 0; k--) {
          const d = g[I + k]!;
          const x = A[k]!;
          const y = B[k]!;
          switch (op[k]) {
            case MUL: g[x]! += v[y]! * d; g[y]! += v[x]! * d; break;
            case ADD: g[x]! += d; g[y]! += d; break;
            case SUB: g[x]! += d; g[y]! -= d; break;
            case NEG: g[x]! -= d; break;
            case SIG: {
              const q = v[x]!;
              const f = v[I + k]!;
              g[x]! += f * (q >= 1 ? sig(-q) : 1 - f) * d;
              break;
            }
            default: if (v[x]! > 0) g[x]! += d;
          }
        }
        out.value = sum;
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
  layer(100),
  layer(10_000),
  layer(200_000),
  chain(333_334),
  dag(100_000, 1_000),
];
